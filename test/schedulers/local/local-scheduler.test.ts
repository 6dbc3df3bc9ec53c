import { describe, expect, it, vi } from "vitest";
import {
  ConfigurationError,
  currentTask,
  customTask,
  LocalScheduler,
  OutOfMemoryError,
  smallGpuTask,
  TaskCancelledError,
  TaskExecutionError,
  planCall,
  TaskTimeoutError,
  UnschedulableError,
  type AttemptRef,
} from "../../../src/index.js";
import { deferred, flush, ManualClock } from "../../helpers/manual-clock.js";

const machine = { cpu: 4, memoryGiB: 8, storageGiB: 50, gpus: [{ index: 0, type: "a10g" as const }, { index: 1, type: "a10g" as const }] };

function scheduler(options: Partial<ConstructorParameters<typeof LocalScheduler>[0]> = {}) {
  const clock = new ManualClock();
  return { clock, local: new LocalScheduler({ capacity: machine, clock, ...options }) };
}

/** A task whose body waits for the test to release it, recording when it ran. */
function gatedTask(cpu: number, memory: number) {
  const gates: Array<ReturnType<typeof deferred<string>>> = [];
  const task = customTask({ cpu, memory })(async function gated(label: string) {
    const gate = deferred<string>();
    gates.push(gate);
    return `${label}:${await gate.promise}`;
  });
  return { task, gates };
}

describe("LocalScheduler admission", () => {
  it("never starts more than fits; queued tasks start as others finish", async () => {
    const { local } = scheduler();
    const { task, gates } = gatedTask(2, 1);
    const calls = ["a", "b", "c"].map((label) => task.with({ scheduler: local })(label));
    await flush();
    expect(local.stats()).toMatchObject({ running: 2, queued: 1, inUse: { cpu: 4, memoryGiB: 2 } });
    gates[0]!.resolve("done");
    await flush();
    expect(local.stats()).toMatchObject({ running: 2, queued: 0 });
    gates[1]!.resolve("done");
    gates[2]!.resolve("done");
    expect(await Promise.all(calls)).toEqual(["a:done", "b:done", "c:done"]);
    expect(local.stats()).toMatchObject({ running: 0, queued: 0, inUse: { cpu: 0, memoryGiB: 0, gpus: 0 } });
    expect(local.stats().peak.cpu).toBe(4);
  });

  it("refuses at once a request larger than the machine, naming what is short", async () => {
    const { local } = scheduler();
    const big = customTask({ cpu: 6, memory: 16 })(async function big() {});
    const error = await big.with({ scheduler: local })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnschedulableError);
    expect((error as UnschedulableError).shortfalls).toEqual([
      { field: "cpu", requested: 6, available: 4 },
      { field: "memoryGiB", requested: 16, available: 8 },
    ]);
    expect((error as Error).message).toMatch(/big.*cpu: requested 6, at most 4/);
    // The way out is in the error, for a workflow written for a cluster and tried on a laptop.
    expect((error as Error).message).toMatch(/available\. To run it here with what the machine has, use `oversize: "clamp"` \(LocalScheduler option\) or `--oversize clamp` \(taskfit run\)$/);
  });

  it('clamps an oversize request to the machine with oversize: "clamp", warning once per task', async () => {
    const { local } = scheduler({ oversize: "clamp" });
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    const seen: number[] = [];
    const big = customTask({ cpu: 100, memory: 4 })(async function clampedBig() {
      seen.push(currentTask()!.resources.cpu);
    });
    await big.with({ scheduler: local })();
    await big.with({ scheduler: local })();
    expect(seen).toEqual([4, 4]);
    expect(warn.mock.calls.filter(([message]) => String(message).includes("clampedBig"))).toHaveLength(1);
    warn.mockRestore();
  });

  it("gives GPU tasks device indices, visible through currentTask()", async () => {
    const { local } = scheduler();
    const gpusSeen: number[][] = [];
    const gpuTask = smallGpuTask(async function onGpu() {
      gpusSeen.push([...currentTask()!.gpus]);
    });
    const fitting = scheduler({ capacity: { ...machine, cpu: 16, memoryGiB: 64 } }).local;
    await Promise.all([gpuTask.with({ scheduler: fitting })(), gpuTask.with({ scheduler: fitting })()]);
    expect(gpusSeen.flat().sort()).toEqual([0, 1]);
    await expect(gpuTask.with({ scheduler: local })()).rejects.toBeInstanceOf(UnschedulableError);
  });

  it("times out with TaskTimeoutError, frees the resources at once and aborts the task's signal", async () => {
    const { local, clock } = scheduler();
    let signal: AbortSignal | undefined;
    const slow = customTask({ cpu: 4, memory: 1, timeout: 10 })(async function slow() {
      signal = currentTask()!.signal;
      await new Promise(() => {});
    });
    const call = slow.with({ scheduler: local })();
    await flush();
    expect(local.stats().running).toBe(1);
    clock.advanceTo(10_000);
    await expect(call).rejects.toBeInstanceOf(TaskTimeoutError);
    expect(signal?.aborted).toBe(true);
    expect(local.stats()).toMatchObject({ running: 0, inUse: { cpu: 0 } });
  });

  it("cancels a queued call and a running call through the AbortSignal", async () => {
    const { local } = scheduler();
    const { task } = gatedTask(4, 1);
    const running = new AbortController();
    const queued = new AbortController();
    const first = task.with({ scheduler: local, signal: running.signal })("first");
    const second = task.with({ scheduler: local, signal: queued.signal })("second");
    await flush();
    expect(local.stats()).toMatchObject({ running: 1, queued: 1 });
    queued.abort(new Error("not needed"));
    await expect(second).rejects.toBeInstanceOf(TaskCancelledError);
    expect(local.stats().queued).toBe(0);
    running.abort();
    await expect(first).rejects.toBeInstanceOf(TaskCancelledError);
    expect(local.stats()).toMatchObject({ running: 0, inUse: { cpu: 0 } });
  });

  it("shares one listener per AbortSignal across many calls, and cancels them all", async () => {
    const { local } = scheduler();
    const warn = vi.spyOn(process, "emitWarning");
    const { task, gates } = gatedTask(1, 1);
    const controller = new AbortController();
    const calls = Array.from({ length: 100 }, (_, i) => task.with({ scheduler: local, signal: controller.signal })(`c${i}`));
    await flush();
    expect(local.stats()).toMatchObject({ running: 4, queued: 96 });
    controller.abort();
    const outcomes = await Promise.allSettled(calls);
    expect(outcomes.every((o) => o.status === "rejected" && o.reason instanceof TaskCancelledError)).toBe(true);
    expect(warn.mock.calls.filter(([w]) => String((w as Error)?.name ?? w).includes("MaxListeners"))).toEqual([]);
    expect(local.stats()).toMatchObject({ running: 0, queued: 0, inUse: { cpu: 0 } });
    expect(gates).toHaveLength(4);
    warn.mockRestore();
  });

  it("lets go of a call's signal once the call settles: a later abort touches nothing", async () => {
    const { local } = scheduler();
    const ends: string[] = [];
    local.on("finished", (event) => ends.push(event.end));
    const quick = customTask({ cpu: 1, memory: 1 })(async function quick(n: number) {
      return n;
    });
    const controller = new AbortController();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => quick.with({ scheduler: local, signal: controller.signal })(i)));
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    controller.abort();
    await flush();
    expect(ends).toEqual(Array.from({ length: 10 }, () => "ok"));
    expect(local.stats()).toMatchObject({ running: 0, queued: 0, inUse: { cpu: 0 } });
  });

  it("runs a task called from inside a running task within the caller's allocation (no deadlock)", async () => {
    const { local } = scheduler();
    const inner = customTask({ cpu: 4, memory: 1 })(async function inner(n: number) {
      return n * 2;
    });
    const outer = customTask({ cpu: 4, memory: 1 })(async function outer(n: number) {
      return inner.with({ scheduler: local })(n);
    });
    expect(await outer.with({ scheduler: local })(21)).toBe(42);
  });

  it("rejects the call, and frees its share, when an invocation's execute throws before returning a promise", async () => {
    const { local } = scheduler();
    const square = customTask({ cpu: 1, memory: 1 })(async function square(n: number) {
      return n * n;
    });
    const boom = new Error("execute threw");
    const call = await planCall(square, [3]);
    const execute = (): Promise<unknown> => {
      throw boom;
    };
    const error = await local.run({ ...call, signal: undefined, execute }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskExecutionError);
    expect((error as TaskExecutionError).cause).toBe(boom);
    expect(local.stats()).toMatchObject({ running: 0, queued: 0, inUse: { cpu: 0 } });
  });

  it("wraps a thrown error in TaskExecutionError with the error as cause", async () => {
    const { local } = scheduler();
    const boom = new Error("boom");
    const failing = customTask({ cpu: 1, memory: 1 })(async function failing() {
      throw boom;
    });
    const error = await failing.with({ scheduler: local })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskExecutionError);
    expect((error as TaskExecutionError).cause).toBe(boom);
    expect(local.stats().inUse.cpu).toBe(0);
  });

  it("emits the contract's queued, started and finished events per attempt", async () => {
    const { local } = scheduler();
    const events: string[] = [];
    for (const kind of ["queued", "started", "finished"] as const) {
      local.on(kind, (event: AttemptRef & { end?: string }) => events.push(`${kind}:${event.task}#${event.attempt}${event.end === undefined ? "" : ` ${event.end}`}`));
    }
    let calls = 0;
    const flaky = customTask({ cpu: 1, memory: 1, retries: 1 })(async function flaky() {
      calls++;
      if (calls === 1) throw new Error("first time");
    });
    await flaky.with({ scheduler: local })();
    expect(events).toEqual([
      "queued:flaky#1",
      "started:flaky#1",
      "finished:flaky#1 error",
      "queued:flaky#2",
      "started:flaky#2",
      "finished:flaky#2 ok",
    ]);
  });

  it("escalates memory after an out-of-memory failure, capped by the machine", async () => {
    const { local } = scheduler();
    const memories: number[] = [];
    const hungry = customTask({ cpu: 1, memory: 2, retries: { count: 3, escalate: { memory: 2 } } })(async function hungry() {
      const { memoryGiB } = currentTask()!.resources;
      memories.push(memoryGiB);
      throw new OutOfMemoryError({ task: "hungry", memoryGiB });
    });
    await expect(hungry.with({ scheduler: local })()).rejects.toBeInstanceOf(OutOfMemoryError);
    expect(memories).toEqual([2, 4, 8, 8]);
  });

  it("rejects bad options with a clear error", () => {
    expect(() => new LocalScheduler({ capacity: { cpu: -1 } })).toThrow(ConfigurationError);
    expect(() => new LocalScheduler({ capacity: { cpu: Number.NaN } })).toThrow(/capacity\.cpu/);
    expect(() => new LocalScheduler({ capacity: { gpus: [{ index: 0 }, { index: 0 }] } })).toThrow(/each GPU device index once/);
    expect(() => new LocalScheduler({ capacity: { cores: 2 } as never })).toThrow(/cores/);
    expect(() => new LocalScheduler({ oversize: "shrink" as never })).toThrow(/"error", "clamp"/);
  });
});
