import { describe, expect, it } from "vitest";
import { currentTask, customTask, LocalScheduler, TaskCancelledError, withAbortSignal } from "../../src/index.js";
import { ManualClock } from "../../src/testing.js";
import { deferred, flush } from "../helpers/manual-clock.js";

describe("withAbortSignal", () => {
  it("cancels every call, running and queued, when the one signal aborts; idle() waits for all of them", async () => {
    const clock = new ManualClock();
    const local = new LocalScheduler({ capacity: { cpu: 1, memoryGiB: 4, storageGiB: 10, gpus: 0 }, clock });
    const run = new AbortController();
    const scheduler = withAbortSignal(local, run.signal);
    const seen: AbortSignal[] = [];
    const release = deferred();
    const step = customTask({ cpu: 1, memory: 1 })(async function step(n: number) {
      seen.push(currentTask()?.signal as AbortSignal);
      await release.promise;
      return n;
    });
    const calls = [1, 2, 3].map((n) => step.with({ scheduler })(n).then(String, (error: unknown) => error));
    await flush();
    expect(local.stats()).toMatchObject({ running: 1, queued: 2 });
    run.abort(new Error("interrupted (SIGINT)"));
    await scheduler.idle();
    const outcomes = await Promise.all(calls);
    for (const outcome of outcomes) {
      expect(outcome).toBeInstanceOf(TaskCancelledError);
      expect((outcome as Error).message).toMatch(/was cancelled: interrupted \(SIGINT\)/);
    }
    // The running task was told through its own signal, and the machine is free again.
    expect(seen).toHaveLength(1);
    expect(seen[0]?.aborted).toBe(true);
    expect(local.stats()).toMatchObject({ running: 0, queued: 0 });
    release.resolve();
  });

  it("keeps each call's own signal, forwards name and capacity, and changes nothing until it aborts", async () => {
    const local = new LocalScheduler({ capacity: { cpu: 2, memoryGiB: 4, storageGiB: 10, gpus: 0 } });
    const scheduler = withAbortSignal(local, new AbortController().signal);
    expect(scheduler.name).toBe(local.name);
    expect(scheduler.taskLimit).toEqual(local.taskLimit);
    expect(scheduler.clock).toBe(local.clock);
    expect(await scheduler.capacity()).toEqual(await local.capacity());
    const seen: string[] = [];
    scheduler.on("finished", (event) => seen.push(`${event.task} ${event.end}`));
    const echo = customTask({ cpu: 1, memory: 1 })(async function echo(n: number) {
      return n;
    });
    expect(await echo.with({ scheduler })(7)).toBe(7);
    const own = new AbortController();
    own.abort("mine");
    await expect(echo.with({ scheduler, signal: own.signal })(1)).rejects.toThrow(/was cancelled: mine/);
    await scheduler.idle();
    // Listeners added through it hear the wrapped scheduler's events.
    expect(seen).toEqual(["echo ok"]);
  });
});
