import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { currentTask, customTask, LocalScheduler, TaskCancelledError, taskGroup } from "../../src/index.js";

/** A machine with room for `cpu` one-core tasks, and a log of what happened in order. */
function setup(cpu = 4) {
  const scheduler = new LocalScheduler({ capacity: { cpu, memoryGiB: 4, gpus: [] } });
  const log: string[] = [];
  scheduler.on("started", (e) => log.push(`start ${e.task}`));
  const fails = customTask({ cpu: 1, memory: 0.1 })(async function fails(message: string) {
    await sleep(20);
    throw new RangeError(message);
  });
  /** Runs until cancelled; on cancel takes a while to clean up, then logs it. */
  const waits = customTask({ cpu: 1, memory: 0.1 })(async function waits(name: string) {
    try {
      await sleep(60_000, undefined, { signal: currentTask()?.signal });
      return name;
    } catch (error) {
      await sleep(50);
      log.push(`${name} cleaned up`);
      throw error;
    }
  });
  return { scheduler, log, fails: fails.with({ scheduler }), waits: waits.with({ scheduler }) };
}

describe("taskGroup", () => {
  it("cancels the calls still running when one fails, waits for them, then throws the first failure", async () => {
    const { log, fails, waits } = setup();
    const results: unknown[] = [];
    const error = await taskGroup(async () => {
      const a = waits("a").catch((e: unknown) => results.push(e));
      const b = waits("b").catch((e: unknown) => results.push(e));
      await fails("bad sample sheet");
      return Promise.all([a, b]);
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/bad sample sheet/);
    // Both siblings had been cancelled (their calls settled) before taskGroup threw.
    expect(results).toHaveLength(2);
    for (const result of results) expect(result).toBeInstanceOf(TaskCancelledError);
  });

  it("drops calls still queued: the last in the queue never starts", async () => {
    const { log, fails, waits } = setup(1);
    await expect(
      taskGroup(() => Promise.all([fails("first"), waits("queued 1"), waits("queued 2")])),
    ).rejects.toThrow(/first/);
    // The first queued call may start in the moment between the failure and the cancellation.
    expect(log.filter((line) => line === "start waits").length).toBeLessThanOrEqual(1);
  });

  it("fails the group when work started with spawn fails, cancelling what the body awaits", async () => {
    const { fails, waits } = setup();
    const error = await taskGroup(async (group) => {
      group.spawn(() => fails("background step"));
      return waits("foreground");
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/background step/);
  });

  it("on success returns the body's value once calls it did not await have settled too", async () => {
    const { scheduler, fails } = setup();
    const quick = customTask({ cpu: 1, memory: 0.1 })(async function quick(n: number) {
      await sleep(30);
      return n;
    }).with({ scheduler });
    const done: number[] = [];
    const value = await taskGroup(async () => {
      void quick(1).then((n) => done.push(n));
      return "body done";
    });
    expect(value).toBe("body done");
    expect(done).toEqual([1]);
    // Outside a group, nothing carries a group's signal.
    await expect(fails("outside")).rejects.toThrow(/outside/);
  });

  it("is cancelled by its signal option (Ctrl-C, a deadline) and by group.cancel()", async () => {
    const { waits } = setup();
    const controller = new AbortController();
    const outside = taskGroup(() => waits("x"), { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("deadline")), 20);
    await expect(outside).rejects.toBeInstanceOf(TaskCancelledError);
    const cancelled = taskGroup(async (group) => {
      setTimeout(() => group.cancel(), 20);
      return waits("y");
    });
    await expect(cancelled).rejects.toBeInstanceOf(TaskCancelledError);
  });

  it("joins an enclosing group: its failure cancels the inner group's calls", async () => {
    const { fails, waits } = setup();
    let inner: unknown;
    await expect(
      taskGroup(async () => {
        void taskGroup(() => waits("inner")).catch((e: unknown) => (inner = e));
        await fails("outer step");
      }),
    ).rejects.toThrow(/outer step/);
    // The outer group waited for the inner one, which was cancelled.
    expect(inner).toBeInstanceOf(TaskCancelledError);
  });
});
