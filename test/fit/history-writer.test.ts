import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MeasuredUsage } from "../../src/contract/scheduler.js";
import { ConfigurationError, customTask, LocalScheduler, OutOfMemoryError, TaskCancelledError, TaskFile } from "../../src/index.js";
import { HistoryWriter } from "../../src/fit/history-writer.js";
import { HistoryLine } from "../../src/fit/history-line.js";
import { readHistory } from "../../src/fit/read-history.js";
import { NOT_MEASURED } from "../../src/fit/recording-scheduler.js";
import { FakeScheduler, invocationOf, type QueueMode } from "./fake-scheduler.js";

let dir: string;
let small: TaskFile;
let large: TaskFile;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "taskfit-history-"));
  await writeFile(join(dir, "small.fq"), Buffer.alloc(1000));
  await writeFile(join(dir, "large.fq"), Buffer.alloc(5000));
  small = new TaskFile(join(dir, "small.fq"));
  large = new TaskFile(join(dir, "large.fq"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const usage = (peakMemoryGiB: number): MeasuredUsage => ({ peakMemoryGiB, cpuSeconds: 3, wallSeconds: 2, method: "test" });
const NOW = new Date("2026-12-03T10:00:00Z");

let historyCount = 0;
async function recording(mode: QueueMode, options: { inProcess?: boolean } = {}) {
  const history = await HistoryWriter.open(join(dir, `history-${historyCount++}`), { run: "run-1", now: () => NOW, ...options });
  const fake = new FakeScheduler(mode);
  return { history, fake, scheduler: history.record(fake) };
}

async function lines(history: HistoryWriter): Promise<HistoryLine[]> {
  await history.close();
  return [...(await readHistory(history.file)).lines];
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("HistoryWriter: one line per attempt, joined to its own call", () => {
  for (const mode of ["sync", "async-same"] as const) {
    it(`ties each attempt's measurement to its own call's arguments, with queued emitted ${mode === "sync" ? "inside run()" : "later, with the call's resources"}`, async () => {
      const { history, fake, scheduler } = await recording(mode);
      const first = [small];
      const second = [large, small];
      const a = scheduler.run(invocationOf([first, 4]));
      const b = scheduler.run(invocationOf([second, 8]));
      await turn();
      // Same task, no label, attempt 1 both: only the call tells them apart. The second ends first.
      fake.at = 5000;
      fake.end(fake.idOf(second), { startedAt: 1000, usage: usage(2.5), value: "b" });
      fake.at = 9000;
      fake.end(fake.idOf(first), { startedAt: 3000, usage: usage(0.5), value: "a" });
      expect(await Promise.all([a, b])).toEqual(["a", "b"]);
      const [one, two] = await lines(history);
      expect(one).toMatchObject({
        version: 1,
        run: "run-1",
        recordedAt: NOW.toISOString(),
        task: { name: "align", index: 0 },
        label: null,
        attempt: 1,
        parameters: ["files", "threads"],
        request: { cpu: 2, memoryGiB: 3, storageGiB: null, gpu: 0, gpuType: null },
        usage: { peakMemoryGiB: 2.5, cpuSeconds: 3, wallSeconds: 2, peakScratchGiB: null, method: "test" },
        unmeasured: null,
        outcome: { end: "ok", code: null, message: null },
        waitSeconds: 1,
        runSeconds: 4,
        features: { "args[0].count": 2, "args[0].totalBytes": 6000, "args[1]": 8 },
        kinds: { "args[0]": "TaskFile[]", "args[1]": "number" },
        featureErrors: [],
      });
      expect(one?.task.module).toMatch(/^file:.*fake-scheduler\.ts$/);
      expect(one?.spec).toMatchObject({ preset: null, cpu: 2, memoryGiB: { function: "memory", parameters: ["files"] }, storageGiB: null, gpu: 0, retries: { count: 1 } });
      expect(two).toMatchObject({ usage: { peakMemoryGiB: 0.5 }, features: { "args[0].totalBytes": 1000, "args[1]": 4 }, waitSeconds: 3, runSeconds: 6 });
    });
  }

  it("ties a queued event that carries a copy of the resources by task, label and attempt, when only one call could be it", async () => {
    const { history, fake, scheduler } = await recording("async-copy");
    const args = [large];
    const call = scheduler.run(invocationOf([args, 1]));
    await turn();
    fake.end(fake.idOf(args), { usage: usage(1.25) });
    await call;
    const [line] = await lines(history);
    expect(line).toMatchObject({ usage: { peakMemoryGiB: 1.25 }, features: { "args[0].totalBytes": 5000 } });
  });

  it("records no measurement, and says why, rather than guess between two calls it cannot tell apart", async () => {
    const { history, fake, scheduler } = await recording("async-copy");
    const first = [small];
    const second = [large];
    const calls = [scheduler.run(invocationOf([first, 1])), scheduler.run(invocationOf([second, 1]))];
    await turn();
    fake.end(fake.idOf(first), { usage: usage(1) });
    fake.end(fake.idOf(second), { usage: usage(2) });
    await Promise.all(calls);
    const recorded = await lines(history);
    expect(recorded.map((l) => [l.features["args[0].totalBytes"], l.usage, l.unmeasured])).toEqual([
      [1000, null, NOT_MEASURED.ambiguous],
      [5000, null, NOT_MEASURED.ambiguous],
    ]);
  });

  it("records failures with their code and what they used, and cancellations as cancelled", async () => {
    const { history, fake, scheduler } = await recording("sync");
    const killed = [large];
    const stopped = [small];
    const oom = scheduler.run(invocationOf([killed, 1], { attempt: 2, label: "s1", memoryGiB: 1 }));
    const cancelled = scheduler.run(invocationOf([stopped, 1]));
    fake.end(fake.idOf(killed), { startedAt: 0, usage: usage(1), error: new OutOfMemoryError({ task: "align", memoryGiB: 1 }) });
    fake.end(fake.idOf(stopped), { error: new TaskCancelledError({ task: "align", reason: new Error("interrupted") }) });
    await expect(oom).rejects.toThrow(OutOfMemoryError);
    await expect(cancelled).rejects.toThrow(TaskCancelledError);
    const [first, second] = await lines(history);
    expect(first).toMatchObject({ label: "s1", attempt: 2, request: { memoryGiB: 1 }, usage: { peakMemoryGiB: 1 }, outcome: { end: "error", code: "OUT_OF_MEMORY" } });
    expect(first?.outcome.message).toMatch(/ran out of memory/);
    expect(second).toMatchObject({ usage: null, unmeasured: NOT_MEASURED.noUsage, outcome: { end: "cancelled", code: "TASK_CANCELLED" }, waitSeconds: null, runSeconds: null });
  });

  it("keeps the measurement of an adapter that settles the call before it emits `finished`", async () => {
    const { history, fake, scheduler } = await recording("sync");
    const args = [small];
    const call = scheduler.run(invocationOf([args, 1]));
    fake.end(fake.idOf(args), { usage: usage(0.75), settleFirst: true });
    await call;
    const [line] = await lines(history);
    expect(line?.usage?.peakMemoryGiB).toBe(0.75);
  });

  it("says an in-process attempt is not measured, and a file it could not stat", async () => {
    const { history, fake, scheduler } = await recording("sync", { inProcess: true });
    const args = [new TaskFile(join(dir, "missing.fq"))];
    const call = scheduler.run(invocationOf([args, 1]));
    fake.end(fake.idOf(args), {});
    await call;
    const [line] = await lines(history);
    expect(line).toMatchObject({ usage: null, unmeasured: NOT_MEASURED.inProcess, features: { "args[0].count": 1 } });
    expect(line?.features["args[0].totalBytes"]).toBeUndefined();
    expect(line?.featureErrors).toEqual([expect.stringMatching(/^args\[0\]\.totalBytes: .*missing\.fq: ENOENT$/)]);
  });

  it("passes everything else through to the scheduler it records", async () => {
    const { fake, scheduler } = await recording("sync");
    expect(scheduler.name).toBe("fake");
    expect(await scheduler.capacity()).toEqual(await fake.capacity());
    const seen: string[] = [];
    scheduler.on("queued", (event) => seen.push(event.id));
    const args = [small];
    const call = scheduler.run(invocationOf([args, 1]));
    fake.end(fake.idOf(args), {});
    await call;
    expect(seen).toEqual(["job-1"]);
  });

  it("records a real LocalScheduler's attempts, retries included, each with its own request", async () => {
    const history = await HistoryWriter.open(join(dir, "local"), { run: "local", inProcess: true });
    const local = new LocalScheduler({ capacity: { cpu: 2, memoryGiB: 8, storageGiB: 10, gpus: 0 } });
    const scheduler = history.record(local);
    let calls = 0;
    const sort = customTask({ cpu: 1, memory: (files: TaskFile[]) => files.length, retries: { count: 1, escalate: { memory: 2 } } })(async function sort(files: TaskFile[], label: string) {
      calls++;
      if (calls === 1) throw new OutOfMemoryError({ task: "sort", memoryGiB: files.length });
      return `${label}: ${files.length}`;
    });
    expect(await sort.with({ scheduler })([small, large], "s1")).toBe("s1: 2");
    const recorded = await lines(history);
    expect(recorded.map((l) => [l.attempt, l.request.memoryGiB, l.outcome.end, l.outcome.code, l.unmeasured])).toEqual([
      [1, 2, "error", "OUT_OF_MEMORY", NOT_MEASURED.inProcess],
      [2, 4, "ok", null, NOT_MEASURED.inProcess],
    ]);
    expect(recorded[1]).toMatchObject({ task: { name: "sort" }, parameters: ["files", "label"], features: { "args[0].totalBytes": 6000, "args[0].count": 2, "args[1].length": 2 } });
    expect(recorded[1]?.runSeconds).toBeGreaterThanOrEqual(0);
  });

  it("appends: a second run adds its lines after the first's", async () => {
    const target = join(dir, "appended");
    for (const run of ["one", "two"]) {
      const history = await HistoryWriter.open(target, { run });
      const fake = new FakeScheduler("sync");
      const args = [small];
      const call = history.record(fake).run(invocationOf([args, 1]));
      fake.end(fake.idOf(args), { usage: usage(1) });
      await call;
      await history.close();
    }
    const text = await readFile(join(target, "history.jsonl"), "utf8");
    expect(text.trim().split("\n").map((l) => HistoryLine.parse(JSON.parse(l)).run)).toEqual(["one", "two"]);
  });

  it("refuses a --record directory it cannot write in, before anything runs", async () => {
    const file = join(dir, "a-file");
    await writeFile(file, "");
    const error = await HistoryWriter.open(join(file, "history")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).field).toBe("--record");
    expect((error as Error).message).toMatch(/a directory the history can be written in .*history\.jsonl: ENOTDIR/);
  });
});
