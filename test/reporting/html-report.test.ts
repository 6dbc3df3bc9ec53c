import { describe, expect, it } from "vitest";
import { TaskExecutionError } from "../../src/index.js";
import { describeFailure } from "../../src/reporting/failure.js";
import { renderReport } from "../../src/reporting/html-report.js";
import { recorderOf, type Span } from "../helpers/records.js";

const spans: Span[] = [
  { task: "align", cpu: 2, memoryGiB: 4, queued: 0, start: 0, end: 1000 },
  { task: "align", cpu: 2, memoryGiB: 4, queued: 0, start: 1000, end: 2000, ok: false },
  { task: "call", cpu: 1, memoryGiB: 1, queued: 500, start: 1000, end: 1500 },
];

const render = (over: Partial<Parameters<typeof renderReport>[0]> = {}, records = spans) =>
  renderReport({ title: "taskfit run x.ts", scheduler: "the local machine", capacity: { cpu: 4, memoryGiB: 8, gpus: 0 }, recorder: recorderOf(records), startedAt: new Date(0), ...over });

const used = (peakMemoryGiB: number, cpuSeconds: number, wallSeconds: number) => ({ peakMemoryGiB, cpuSeconds, wallSeconds, method: "test" });

describe("renderReport", () => {
  it("draws what each measured task used inside what it requested, with the figures in a tooltip per task and per attempt", () => {
    const measured: Span[] = [
      { task: "align", cpu: 2, memoryGiB: 4, queued: 0, start: 0, end: 1000, usage: used(1, 1, 1) },
      { task: "align", cpu: 2, memoryGiB: 4, queued: 0, start: 1000, end: 2000, usage: used(3, 1, 1) },
      { task: "call", cpu: 1, memoryGiB: 1, queued: 500, start: 1000, end: 1500 },
    ];
    const html = render({}, measured);
    // Only the measured task has a row: peak 3 of 4 GiB (75%); 2 CPU-seconds of 2 cores x 2 s = 50%.
    expect(html.match(/<g class="used-row" data-task="(\w+)"/g)).toEqual(['<g class="used-row" data-task="align"']);
    expect(html).toContain("<title>align: peak memory 3 GiB of 4 GiB (75%); CPU 1 of 2 cores (50%) busy on average; 2 of 2 attempts measured</title>");
    expect(html).toMatch(/<rect class="used-part" data-kind="memory" x="\d+" y="\d+" width="172.5"/);
    expect(html).toMatch(/<rect class="used-part" data-kind="cpu" x="\d+" y="\d+" width="115.0"/);
    expect(html).toContain("used: peak 3 GiB of 4 GiB, 1 of 2 cores busy on average, 1 s");
    expect(html).not.toContain("no measured usage");
  });

  it("says that nothing was measured when no attempt has a measurement", () => {
    expect(render()).toContain('<p class="sub not-measured">no measured usage: tasks run in this process (isolation none) are not measured');
    expect(render()).not.toContain('class="used-row"');
  });

  it("draws a chart per resource with its capacity line, and one bar group per attempt", () => {
    const html = render();
    expect(html.match(/<svg class="chart" data-resource="\w+"/g)).toEqual([
      '<svg class="chart" data-resource="cpu"',
      '<svg class="chart" data-resource="memoryGiB"',
      '<svg class="chart" data-resource="waiting"',
    ]);
    expect(html).toContain('data-resource="cpu" data-capacity="4" data-peak="3"');
    expect(html).toContain('data-resource="memoryGiB" data-capacity="8" data-peak="5"');
    expect(html.match(/<line class="capacity"/g)).toHaveLength(2);
    expect(html.match(/<g class="attempt"/g)).toHaveLength(3);
    expect(html.match(/data-outcome="error"/g)).toHaveLength(1);
    // Busy: cpu (2×1000 + 2×1000 + 1×500) / (4×2000) = 56%; memory (4000 + 4000 + 500) / 16000 = 53%.
    expect(html).toContain("<b>56%</b>");
    expect(html).toContain("<b>53%</b>");
  });

  it("leaves each wait out of the timeline when too many attempts waited at once, and keeps every run bar", () => {
    const many: Span[] = Array.from({ length: 200 }, (_, i) => ({ task: "fan", cpu: 1, memoryGiB: 1, queued: 0, start: i * 10, end: i * 10 + 10 }));
    const html = render({}, many);
    expect(html).toContain('<svg class="timeline" data-waits="false"');
    expect(html.match(/<rect class="run"/g)).toHaveLength(200);
    expect(html).not.toContain('<rect class="wait"');
    expect(render()).toContain('<svg class="timeline" data-waits="true"');
  });

  it("adds a GPU chart only when the machine has GPUs or a task used one", () => {
    expect(render()).not.toContain('data-resource="gpus"');
    expect(render({ capacity: { cpu: 4, memoryGiB: 8, gpus: 2 } })).toContain('data-resource="gpus" data-capacity="2"');
    expect(render({ capacity: undefined }, [{ task: "train", cpu: 1, memoryGiB: 1, gpu: 1, queued: 0, start: 0, end: 10 }])).toContain('data-resource="gpus" data-capacity=""');
  });

  it("draws no capacity line when the capacity is unknown", () => {
    const html = render({ capacity: undefined });
    expect(html).not.toContain('<line class="capacity"');
    expect(html).toContain("CPU busy (capacity unknown)");
  });

  it("escapes task names and the error, and loads nothing from elsewhere", () => {
    const html = render({ error: describeFailure(new Error('<img src=x onerror="alert(1)">')) }, [{ task: "<script>alert(1)</script>", cpu: 1, memoryGiB: 1, queued: 0, start: 0, end: 10 }]);
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain('role="alert"');
    expect(html).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//);
  });

  it("renders an empty run (the workflow failed before any task) without NaN", () => {
    const html = render({ error: describeFailure(new Error("boom")) }, []);
    expect(html).not.toMatch(/NaN|Infinity/);
    expect(html.match(/<g class="attempt"/g)).toBeNull();
  });

  it("shows a failed call's label, exit code, job, log and stderr tail in the error box and the attempt's tooltip", () => {
    const error = new TaskExecutionError({
      task: "align",
      label: "s3",
      attempt: 2,
      message: "bwa exited with 1",
      exitCode: 1,
      jobId: "4242",
      log: "/shared/jobs/align-s3-attempt2-4242.err",
      stderrTail: Array.from({ length: 30 }, (_, i) => `[M::bwa_idx_load] line ${i + 1}`).join("\n"),
    });
    const records: Span[] = [
      { task: "align", label: "s2", cpu: 1, memoryGiB: 1, queued: 0, start: 0, end: 10 },
      { task: "align", label: "s3", cpu: 1, memoryGiB: 1, queued: 0, start: 0, end: 20, ok: false, error },
    ];
    const html = render({ error: describeFailure(error) }, records);
    expect(html).toContain("The run failed:</b> TASK_EXECUTION_FAILED: Task `align` (s3) failed on attempt 2, exit code 1, job 4242: bwa exited with 1<pre>");
    expect(html).toContain("full log: /shared/jobs/align-s3-attempt2-4242.err");
    expect(html).toContain("stderr (last 20 of 30 lines):");
    expect(html).toContain("[M::bwa_idx_load] line 30");
    expect(html).not.toContain("[M::bwa_idx_load] line 10\n");
    const tooltip = /<g class="attempt" data-task="align" data-label="s3" data-outcome="error"><title>([^<]*)<\/title>/.exec(html)?.[1];
    expect(tooltip).toContain("align (s3) (attempt 1, error)");
    expect(tooltip).toContain("attempt 2 · exit code 1 · job 4242");
    expect(tooltip).toContain("stderr (last 8 of 30 lines):");
    expect(html).toMatch(/<td>.*align \(s2\)<\/td>/);
    expect(html).toMatch(/<td>.*align \(s3\)<\/td>/);
  });
});
