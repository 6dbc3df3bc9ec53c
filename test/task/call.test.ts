import { afterEach, describe, expect, it, vi } from "vitest";
import {
  customTask,
  getDefaultScheduler,
  type Invocation,
  LIMITS,
  OutOfMemoryError,
  type Scheduler,
  setDefaultScheduler,
  smallTask,
  TaskCancelledError,
  TaskExecutionError,
  TaskTimeoutError,
} from "../../src/index.js";
import { InProcessScheduler } from "../support/in-process-scheduler.js";

/** A scheduler that records each invocation, then behaves as `behaviour` says (default: run it in this process). */
function fakeScheduler(behaviour?: (invocation: Invocation) => Promise<unknown>) {
  const invocations: Invocation[] = [];
  const inProcess = new InProcessScheduler();
  const scheduler: Scheduler = new InProcessScheduler((invocation) => {
    invocations.push(invocation);
    return behaviour ? behaviour(invocation) : inProcess.run(invocation);
  }, "fake");
  return { scheduler, invocations };
}

// Tasks in this file ask for little, so they fit whatever the default scheduler's capacity is.
const tiny = (options: Record<string, unknown> = {}) => customTask({ cpu: 1, memory: 0.25, ...options });

const original = getDefaultScheduler();
afterEach(() => {
  setDefaultScheduler(original);
  vi.useRealTimers();
});

describe("the default scheduler", () => {
  it("runs the function in this process and returns its result", async () => {
    let ranHere = false;
    const t = tiny()(async (a: number, b: number) => {
      ranHere = true;
      return a * b;
    });
    await expect(t(6, 7)).resolves.toBe(42);
    expect(ranHere).toBe(true);
  });

  it("turns a throw into TaskExecutionError with the thrown error as cause", async () => {
    const boom = new Error("bad input");
    const t = tiny()(async function failing() {
      throw boom;
    });
    const error = await t().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskExecutionError);
    expect(error).toMatchObject({ task: "failing", attempt: 1, cause: boom });
    expect((error as Error).message).toContain("bad input");
  });

  it("setDefaultScheduler / getDefaultScheduler round trip, and calls go there", async () => {
    const fake = fakeScheduler();
    setDefaultScheduler(fake.scheduler);
    expect(getDefaultScheduler()).toBe(fake.scheduler);
    await expect(smallTask(async () => "ran")()).resolves.toBe("ran");
    expect(fake.invocations).toHaveLength(1);
    setDefaultScheduler(original);
    expect(getDefaultScheduler()).toBe(original);
  });

  it("retries: 2 re-runs a throwing function until it succeeds (attempts 1, 2, 3)", async () => {
    const recorded = fakeScheduler((invocation) => original.run(invocation));
    setDefaultScheduler(recorded.scheduler);
    let runs = 0;
    const flaky = tiny({ retries: 2 })(async () => {
      runs++;
      if (runs < 3) throw new Error(`flake ${runs}`);
      return "done";
    });
    await expect(flaky()).resolves.toBe("done");
    expect(recorded.invocations.map((i) => i.attempt)).toEqual([1, 2, 3]);
    expect(runs).toBe(3);
  });
});

describe("what the scheduler receives", () => {
  it("gets the resolved resources, the exact args, the attempt, the task name and the timeout", async () => {
    const fake = fakeScheduler();
    setDefaultScheduler(fake.scheduler);
    const list = ["a", "b", "c"];
    const t = customTask({ cpu: (files: string[]) => files.length, memory: "2Gi", timeout: "2h" })(async function count(files: string[], n: number) {
      return files.length * n;
    });
    await expect(t(list, 2)).resolves.toBe(6);
    const [invocation] = fake.invocations;
    expect(invocation).toMatchObject({ taskName: "count", attempt: 1, timeoutSeconds: 7200, signal: undefined });
    expect(invocation?.resources).toMatchObject({ cpu: 3, memoryGiB: 2, gpu: 0, source: { kind: "custom", dynamic: ["cpu"] } });
    expect(invocation?.args).toEqual([list, 2]);
    expect(invocation?.args[0]).toBe(list);
  });

  it(".with({ scheduler }) routes the call there and not to the default", async () => {
    const fallback = fakeScheduler();
    const chosen = fakeScheduler();
    setDefaultScheduler(fallback.scheduler);
    const t = smallTask(async (x: number) => x + 1);
    await expect(t.with({ scheduler: chosen.scheduler })(1)).resolves.toBe(2);
    expect(chosen.invocations).toHaveLength(1);
    expect(fallback.invocations).toHaveLength(0);
    await t(1);
    expect(fallback.invocations).toHaveLength(1);
  });

  it("passes .with() resource overrides to the scheduler", async () => {
    const fake = fakeScheduler();
    await smallTask(async () => 0).with({ cpu: 3, scheduler: fake.scheduler })();
    expect(fake.invocations[0]?.resources).toMatchObject({ cpu: 3, memoryGiB: 4 });
  });
});

describe("retries", () => {
  it("retries: 2 with a fake scheduler: attempts 1, 2, 3 reach the scheduler", async () => {
    const fake = fakeScheduler();
    let runs = 0;
    const flaky = smallTask({ retries: 2 })(async () => {
      runs++;
      if (runs < 3) throw new Error(`flake ${runs}`);
      return "done";
    });
    await expect(flaky.with({ scheduler: fake.scheduler })()).resolves.toBe("done");
    expect(fake.invocations.map((i) => i.attempt)).toEqual([1, 2, 3]);
  });

  it("rejects with TaskExecutionError carrying the thrown error once retries are exhausted", async () => {
    const fake = fakeScheduler();
    const last = new Error("still broken");
    let runs = 0;
    const broken = smallTask({ retries: 1 })(async function alwaysFails() {
      runs++;
      throw runs === 2 ? last : new Error("first");
    });
    const error = await broken.with({ scheduler: fake.scheduler })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskExecutionError);
    expect(error).toMatchObject({ task: "alwaysFails", attempt: 2, cause: last });
    expect(runs).toBe(2);
  });

  it("escalates memory x2 per out-of-memory failure: 4, 8, 16 GiB, then succeeds", async () => {
    const fake = fakeScheduler(async (invocation) => {
      if (invocation.attempt < 3) throw new OutOfMemoryError({ task: invocation.taskName, memoryGiB: invocation.resources.memoryGiB });
      return "fits";
    });
    const t = customTask({ cpu: 1, memory: 4, retries: { count: 3, escalate: { memory: 2 } } })(async () => "never called");
    await expect(t.with({ scheduler: fake.scheduler })()).resolves.toBe("fits");
    expect(fake.invocations.map((i) => i.resources.memoryGiB)).toEqual([4, 8, 16]);
    expect(fake.invocations.map((i) => i.resources.cpu)).toEqual([1, 1, 1]);
  });

  it("caps escalated memory at LIMITS.memoryGiB (975)", async () => {
    const fake = fakeScheduler(async (invocation) => {
      throw new OutOfMemoryError({ task: invocation.taskName, memoryGiB: invocation.resources.memoryGiB });
    });
    const t = customTask({ cpu: 1, memory: 500, retries: { count: 2, escalate: { memory: 2 } } })(async () => 0);
    await expect(t.with({ scheduler: fake.scheduler })()).rejects.toBeInstanceOf(OutOfMemoryError);
    expect(fake.invocations.map((i) => i.resources.memoryGiB)).toEqual([500, LIMITS.memoryGiB, LIMITS.memoryGiB]);
  });

  it("does not escalate after a failure that is not out-of-memory", async () => {
    const fake = fakeScheduler(async (invocation) => {
      if (invocation.attempt === 1) throw new TaskExecutionError({ task: invocation.taskName, attempt: 1, message: "exit 1" });
      return "ok";
    });
    const t = customTask({ cpu: 1, memory: 4, retries: { count: 1, escalate: { memory: 2 } } })(async () => 0);
    await t.with({ scheduler: fake.scheduler })();
    expect(fake.invocations.map((i) => i.resources.memoryGiB)).toEqual([4, 4]);
  });

  it("does not retry TaskCancelledError", async () => {
    const fake = fakeScheduler(async (invocation) => {
      throw new TaskCancelledError({ task: invocation.taskName });
    });
    const t = smallTask({ retries: 3 })(async () => 0);
    await expect(t.with({ scheduler: fake.scheduler })()).rejects.toBeInstanceOf(TaskCancelledError);
    expect(fake.invocations).toHaveLength(1);
  });

  it("does not retry an error that is not a task failure", async () => {
    const fake = fakeScheduler(async () => {
      throw new TypeError("adapter bug");
    });
    await expect(smallTask({ retries: 3 })(async () => 0).with({ scheduler: fake.scheduler })()).rejects.toBeInstanceOf(TypeError);
    expect(fake.invocations).toHaveLength(1);
  });
});

describe("cancellation and timeouts", () => {
  it("an already-aborted signal rejects with TaskCancelledError before the scheduler is called", async () => {
    const fake = fakeScheduler();
    const controller = new AbortController();
    controller.abort(new Error("user pressed stop"));
    let ran = false;
    const t = smallTask(async function stoppable() {
      ran = true;
    });
    const error = await t.with({ signal: controller.signal, scheduler: fake.scheduler })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskCancelledError);
    expect(error).toMatchObject({ code: "TASK_CANCELLED", task: "stoppable" });
    expect((error as Error).message).toContain("user pressed stop");
    expect(fake.invocations).toHaveLength(0);
    expect(ran).toBe(false);
  });

  it("aborting during the run rejects with TaskCancelledError", async () => {
    const controller = new AbortController();
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const t = tiny()(() => {
      started();
      return new Promise<never>(() => undefined);
    }).with({ signal: controller.signal });
    const call = t();
    const assertion = expect(call).rejects.toBeInstanceOf(TaskCancelledError);
    await running;
    controller.abort();
    await assertion;
  });

  it("timeout: 0.05 on a never-resolving function rejects with TaskTimeoutError after 50 ms", async () => {
    vi.useFakeTimers();
    const t = tiny({ timeout: 0.05 })(function hangs() {
      return new Promise<never>(() => undefined);
    });
    let settled: unknown;
    const call = t().catch((e: unknown) => {
      settled = e;
    });
    await vi.advanceTimersByTimeAsync(49);
    expect(settled).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await call;
    expect(settled).toBeInstanceOf(TaskTimeoutError);
    expect(settled).toMatchObject({ code: "TASK_TIMEOUT", task: "hangs", timeoutSeconds: 0.05 });
  });

  it("a timed-out attempt is retried when retries allow (default scheduler, recorded)", async () => {
    vi.useFakeTimers();
    const recorded = fakeScheduler((invocation) => original.run(invocation));
    let runs = 0;
    const t = tiny({ timeout: 1, retries: 1 })(() => {
      runs++;
      return runs === 1 ? new Promise<string>(() => undefined) : Promise.resolve("second");
    });
    const call = t.with({ scheduler: recorded.scheduler })();
    await vi.advanceTimersByTimeAsync(1000);
    await expect(call).resolves.toBe("second");
    expect(recorded.invocations.map((i) => i.attempt)).toEqual([1, 2]);
  });
});
