import { describe, expect, it } from "vitest";
import {
  customTask,
  type Invocation,
  LocalScheduler,
  ResourceResolutionError,
  ResourceSpecError,
  type Scheduler,
  smallTask,
  TaskExecutionError,
} from "../../src/index.js";
import { InProcessScheduler } from "../support/in-process-scheduler.js";
import { showProgress } from "../../src/cli/progress.js";
import { RunRecorder } from "../../src/report.js";
import { ManualClock } from "../../src/testing.js";

function recording() {
  const invocations: Invocation[] = [];
  const scheduler: Scheduler = new InProcessScheduler(async (invocation) => {
    invocations.push(invocation);
    return undefined;
  }, "fake");
  return { scheduler, invocations };
}

interface Sample {
  readonly id: string;
}

describe("labels for calls", () => {
  it("a label function of the arguments in the task's options labels each call; .with({ label }) overrides it", async () => {
    const fake = recording();
    const align = customTask({ cpu: 1, memory: 1, label: (sample: Sample) => sample.id })(async function align(sample: Sample) {
      return sample.id;
    });
    const on = align.with({ scheduler: fake.scheduler });
    await on({ id: "s1" });
    await on({ id: "s2" });
    await on.with({ label: "rerun of s2" })({ id: "s2" });
    await on.with({ label: async (sample) => `async ${sample.id}` })({ id: "s4" });
    expect(fake.invocations.map((i) => i.label)).toEqual(["s1", "s2", "rerun of s2", "async s4"]);
  });

  it("a call without a label has none", async () => {
    const fake = recording();
    await smallTask(async function plain() {}).with({ scheduler: fake.scheduler })();
    expect(fake.invocations[0]?.label).toBeUndefined();
  });

  it("refuses a label that is not a short one-line string, naming the task", () => {
    const t = smallTask(async function align() {});
    expect(() => t.with({ label: "" })).toThrow(ResourceSpecError);
    expect(() => t.with({ label: "a\nb" })).toThrow(/Expected a label: a string of 1 to 128 characters, no line breaks.*task `align`, field `label`/);
    expect(() => t.with({ label: "x".repeat(129) })).toThrow(ResourceSpecError);
    expect(() => t.with({ label: 3 as never })).toThrow(/field `label`/);
  });

  it("refuses what a label function returns when it is not a label, and reports a throwing one", async () => {
    const fake = recording();
    const numbered = customTask({ cpu: 1, memory: 1, label: (n: number) => n as never })(async function numbered(n: number) {
      return n;
    });
    const error = await numbered.with({ scheduler: fake.scheduler })(7).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceResolutionError);
    expect((error as Error).message).toBe("Expected the resource function for `label` to return a label: a string of 1 to 128 characters, no line breaks or other control characters, got `7` (number) (task `numbered`)");
    const boom = new Error("no id");
    const throwing = smallTask({ label: () => { throw boom; } })(async function throwing() {});
    await expect(throwing.with({ scheduler: fake.scheduler })()).rejects.toMatchObject({ code: "RESOURCE_RESOLUTION_FAILED", cause: boom });
    expect(fake.invocations).toHaveLength(0);
  });

  it("shows in errors, progress lines and the summary (one row per labelled call)", async () => {
    const clock = new ManualClock();
    const local = new LocalScheduler({ capacity: { cpu: 4, memoryGiB: 8, gpus: [] }, clock });
    const recorder = new RunRecorder(local);
    const lines: string[] = [];
    showProgress(recorder, { stream: { write: (line: string) => lines.push(line) } as never, capacity: undefined, live: false });
    const align = customTask({ cpu: 1, memory: 1, label: (sample: Sample) => sample.id })(async function align(sample: Sample) {
      if (sample.id === "s3") throw new Error("truncated FASTQ");
      return sample.id;
    });
    const results = await Promise.allSettled(["s1", "s2", "s3"].map((id) => align.with({ scheduler: local })({ id })));
    const failure = results[2] as PromiseRejectedResult;
    expect(failure.reason).toBeInstanceOf(TaskExecutionError);
    expect(failure.reason).toMatchObject({ label: "s3" });
    expect((failure.reason as Error).message).toBe("Task `align` (s3) failed on attempt 1: truncated FASTQ");
    expect(lines.find((line) => line.includes("error"))).toMatch(/ error align \(s3\) \(attempt 1\)/);
    expect(recorder.summary().map((row) => [row.task, row.label, row.failed])).toEqual([
      ["align", "s1", 0],
      ["align", "s2", 0],
      ["align", "s3", 1],
    ]);
  });
});
