import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { customTask, LocalScheduler } from "../../src/index.js";
import { RunRecorder } from "../../src/report.js";
import { ManualClock } from "../../src/testing.js";
import { flush } from "../helpers/manual-clock.js";
import { resources } from "../helpers/records.js";

describe("RunRecorder", () => {
  it("records each attempt's wait and run time on the scheduler's clock, and summarises per task", async () => {
    const clock = new ManualClock();
    const local = new LocalScheduler({ capacity: { cpu: 2, memoryGiB: 4, storageGiB: 10, gpus: 0 }, clock });
    const recorder = new RunRecorder(local);
    const step = customTask({ cpu: (n: number) => n, memory: 1 })(async function step(n: number) {
      await new Promise<void>((resolve) => clock.setTimeout(resolve, 100 * n));
      if (n === 2) throw new Error("two fails");
    });
    const calls = Promise.allSettled([1, 2, 1].map((n) => step.with({ scheduler: local })(n)));
    await flush();
    expect(recorder.counts()).toEqual({ queued: 2, running: 1, ok: 0, error: 0, cancelled: 0 });
    expect(recorder.inUse()).toEqual({ cpu: 2, memoryGiB: 1, gpus: 0 });
    while (clock.runNext()) await flush();
    expect((await calls).map((c) => c.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(recorder.counts()).toEqual({ queued: 0, running: 0, ok: 2, error: 1, cancelled: 0 });
    expect(recorder.inUse()).toEqual({ cpu: 0, memoryGiB: 0, gpus: 0 });
    const [summary] = recorder.summary();
    expect(summary).toMatchObject({ task: "step", attempts: 3, failed: 1, cpu: [1, 2], memoryGiB: [1, 1], gpu: 0 });
    // The 2-cpu call fills the machine and starts first (best fill first), runs 200 ms; the two
    // 1-cpu calls wait for it.
    const records = [...recorder.attempts.values()];
    expect(records.map((r) => [r.startedAt, r.finishedAt])).toEqual([
      [200, 300],
      [0, 200],
      [200, 300],
    ]);
    expect(summary?.meanWait).toBeCloseTo(400 / 3, 6);
    expect(summary?.meanRun).toBeCloseTo(400 / 3, 6);
  });

  it("records an attempt stopped by cancellation as cancelled, not as an error, when it ends", async () => {
    const clock = new ManualClock();
    const local = new LocalScheduler({ capacity: { cpu: 1, memoryGiB: 4, storageGiB: 10, gpus: 0 }, clock });
    const recorder = new RunRecorder(local);
    const step = customTask({ cpu: 1, memory: 1 })(async function step() {
      await new Promise<void>((resolve) => clock.setTimeout(resolve, 1000));
    });
    const controller = new AbortController();
    // One running, one queued behind it: both cancelled.
    const calls = Promise.allSettled([step.with({ scheduler: local, signal: controller.signal })(), step.with({ scheduler: local, signal: controller.signal })()]);
    await flush();
    clock.advanceTo(10);
    controller.abort(new Error("the run failed elsewhere"));
    await calls;
    expect(recorder.counts()).toEqual({ queued: 0, running: 0, ok: 0, error: 0, cancelled: 2 });
    expect([...recorder.attempts.values()].map((r) => [r.outcome, r.finishedAt])).toEqual([
      ["cancelled", 10],
      ["cancelled", 10],
    ]);
    expect(recorder.summary()).toEqual([expect.objectContaining({ task: "step", attempts: 2, failed: 0, cancelled: 2 })]);
  });

  it("closes attempts still open when the run ends as cancelled, at the given time", () => {
    const clock = new ManualClock();
    const recorder = new RunRecorder(undefined, { clock });
    recorder.queued({ id: "a", task: "t", attempt: 1, resources: resources(1, 1) });
    recorder.queued({ id: "b", task: "t", attempt: 1, resources: resources(1, 1) });
    clock.advanceTo(50);
    recorder.started("a");
    clock.advanceTo(75);
    recorder.close();
    const [a, b] = [...recorder.attempts.values()];
    expect(a).toMatchObject({ startedAt: 50, finishedAt: 75, outcome: "cancelled" });
    expect(b).toMatchObject({ startedAt: undefined, finishedAt: 75, outcome: "cancelled" });
    expect(recorder.summary()[0]).toMatchObject({ attempts: 2, failed: 0, cancelled: 2 });
  });

  it("keeps counts and use in step with its records through any sequence of events (property)", () => {
    const event = fc.record({ kind: fc.constantFrom("queued", "started", "ok", "error", "close"), id: fc.integer({ min: 0, max: 5 }), cpu: fc.double({ min: 0.001, max: 8, noNaN: true }) });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), (events) => {
        const recorder = new RunRecorder(undefined, { clock: new ManualClock() });
        for (const e of events) {
          if (e.kind === "queued") recorder.queued({ id: String(e.id), task: "t", attempt: 1, resources: resources(e.cpu, 2 * e.cpu, e.id % 2) });
          else if (e.kind === "started") recorder.started(String(e.id));
          else if (e.kind === "close") recorder.close();
          else recorder.finished(String(e.id), e.kind === "ok");
        }
        const records = [...recorder.attempts.values()];
        const running = records.filter((r) => r.outcome === "running");
        for (const outcome of ["queued", "running", "ok", "error", "cancelled"] as const) {
          expect(recorder.counts()[outcome]).toBe(records.filter((r) => r.outcome === outcome).length);
        }
        const use = recorder.inUse();
        expect(use.cpu).toBeCloseTo(running.reduce((sum, r) => sum + r.resources.cpu, 0), 6);
        expect(use.memoryGiB).toBeCloseTo(running.reduce((sum, r) => sum + r.resources.memoryGiB, 0), 6);
        expect(use.gpus).toBe(running.reduce((sum, r) => sum + r.resources.gpu, 0));
      }),
    );
  });
});
