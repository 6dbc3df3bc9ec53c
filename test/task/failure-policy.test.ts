import { describe, expect, it } from "vitest";
import {
  customTask,
  type Invocation,
  OutOfMemoryError,
  ResourceSpecError,
  type Scheduler,
  smallTask,
  SubmissionError,
  TaskExecutionError,
  TaskNotFoundError,
  TaskTimeoutError,
  WorkerProtocolError,
} from "../../src/index.js";
import { InProcessScheduler } from "../support/in-process-scheduler.js";

/** A scheduler whose attempt n fails with failures[n - 1] (or returns "ok" past the list). */
function failing(failures: Array<(invocation: Invocation) => Error>) {
  const attempts: Invocation[] = [];
  const scheduler: Scheduler = new InProcessScheduler(async (invocation) => {
    attempts.push(invocation);
    const fail = failures[invocation.attempt - 1];
    if (fail !== undefined) throw fail(invocation);
    return "ok";
  }, "fake");
  return { scheduler, attempts };
}

const execution = (i: Invocation) => new TaskExecutionError({ task: i.taskName, attempt: i.attempt, message: "corrupt input" });
const oom = (i: Invocation) => new OutOfMemoryError({ task: i.taskName, memoryGiB: i.resources.memoryGiB });
const timeout = (i: Invocation) => new TaskTimeoutError({ task: i.taskName, timeoutSeconds: 60 });
const refused = (i: Invocation) => new SubmissionError({ task: i.taskName, scheduler: "fake", detail: "slurmctld not responding" });

describe("retries.on: which failures are retried", () => {
  it("without `on`, retries execution errors, out-of-memory and timeouts (the documented default)", async () => {
    const fake = failing([execution, oom, timeout]);
    const t = smallTask({ retries: 3 })(async () => "never");
    await expect(t.with({ scheduler: fake.scheduler })()).resolves.toBe("ok");
    expect(fake.attempts).toHaveLength(4);
    expect(t.spec.retries.on).toEqual(["TASK_EXECUTION_FAILED", "OUT_OF_MEMORY", "TASK_TIMEOUT"]);
  });

  it("does not re-run a worker that failed before the task ran: task not found, not serializable, another protocol", async () => {
    for (const cause of [new TaskNotFoundError({ task: "t", module: "file:///m.js", found: [] }), new WorkerProtocolError({ what: "report", expected: 1, received: 2, from: "a pod" })]) {
      const setup = (i: Invocation) => new TaskExecutionError({ task: i.taskName, attempt: i.attempt, message: cause.message, cause });
      const fake = failing([setup, setup]);
      const t = smallTask({ retries: 3 })(async () => "never");
      await expect(t.with({ scheduler: fake.scheduler })()).rejects.toBeInstanceOf(TaskExecutionError);
      expect(fake.attempts).toHaveLength(1);
    }
  });

  it('on: ["OUT_OF_MEMORY", "TASK_TIMEOUT"] does not re-run a corrupt input (an execution error)', async () => {
    const fake = failing([execution, execution]);
    const t = customTask({ cpu: 1, memory: 1, retries: { count: 3, on: ["OUT_OF_MEMORY", "TASK_TIMEOUT"] } })(async () => 0);
    await expect(t.with({ scheduler: fake.scheduler })()).rejects.toBeInstanceOf(TaskExecutionError);
    expect(fake.attempts).toHaveLength(1);
  });

  it("retries and escalates what `on` names, and stops at a failure it does not name", async () => {
    const fake = failing([oom, timeout, execution]);
    const t = customTask({ cpu: 1, memory: 1, retries: { count: 5, on: ["OUT_OF_MEMORY", "TASK_TIMEOUT"], escalate: { memory: 2 } } })(async () => 0);
    await expect(t.with({ scheduler: fake.scheduler })()).rejects.toBeInstanceOf(TaskExecutionError);
    expect(fake.attempts.map((a) => a.resources.memoryGiB)).toEqual([1, 2, 2]);
  });

  it("SUBMISSION_FAILED is retried only when named", async () => {
    const plain = failing([refused]);
    await expect(smallTask({ retries: 2 })(async () => 0).with({ scheduler: plain.scheduler })()).rejects.toBeInstanceOf(SubmissionError);
    expect(plain.attempts).toHaveLength(1);
    const named = failing([refused]);
    const t = smallTask({ retries: { count: 2, on: ["SUBMISSION_FAILED"] } })(async () => 0);
    await expect(t.with({ scheduler: named.scheduler })()).resolves.toBe("ok");
    expect(named.attempts).toHaveLength(2);
  });

  it(".with({ retries }) replaces the policy's codes for that call", async () => {
    const fake = failing([execution]);
    const t = smallTask({ retries: { count: 1, on: ["OUT_OF_MEMORY"] } })(async () => 0);
    await expect(t.with({ scheduler: fake.scheduler, retries: { count: 1, on: ["TASK_EXECUTION_FAILED"] } })()).resolves.toBe("ok");
  });

  it("an unknown code is refused when the task is defined, listing the valid ones", () => {
    const define = () => smallTask({ retries: { count: 3, on: ["TIMEOUT" as never] } })(async function align() {});
    expect(define).toThrow(ResourceSpecError);
    expect(define).toThrow(
      'Expected a non-empty array of failure codes among "TASK_EXECUTION_FAILED", "OUT_OF_MEMORY", "TASK_TIMEOUT", "SUBMISSION_FAILED" (to never retry, set `count: 0`), got `"TIMEOUT"` (string) (task `align`, field `retries.on.0`)',
    );
  });

  it("an empty list, or `escalate` without OUT_OF_MEMORY in `on`, is refused", () => {
    expect(() => smallTask({ retries: { count: 1, on: [] as never } })(async function a() {})).toThrow(/non-empty array of failure codes.*field `retries.on`/);
    expect(() => customTask({ cpu: 1, memory: 1, retries: { count: 1, on: ["TASK_TIMEOUT"], escalate: { memory: 2 } } })(async function b() {})).toThrow(
      /includes "OUT_OF_MEMORY" when `escalate` is given.*field `retries.on`/,
    );
  });
});
