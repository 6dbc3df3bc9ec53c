import { describe, expect, it } from "vitest";
import { OutOfMemoryError, TaskExecutionError, TaskTimeoutError } from "../../../src/index.js";
import { jobEnd, settleEnd, START_FAILURES, waitingReason } from "../../../src/schedulers/kubernetes/outcome.js";
import type { AttemptOutcome } from "../../../src/schedulers/worker/decode.js";
import { STDERR_TAIL_CHARS } from "../../../src/schedulers/worker/failure.js";
import { withoutReports } from "../../../src/schedulers/worker/read.js";

/** The error a settled call failed with (undefined when it succeeded or has not settled). */
const errorOf = (settled: AttemptOutcome | undefined) => (settled?.ok === false ? settled.error : undefined);

// Shapes as the API server returns them (batch/v1 Job status, v1 Pod status).
const completeJob = { status: { succeeded: 1, conditions: [{ type: "Complete", status: "True" }] } };
const runningJob = { status: { active: 1 } };
const deadlineJob = {
  status: { failed: 1, conditions: [{ type: "Failed", status: "True", reason: "DeadlineExceeded", message: "Job was active longer than specified deadline" }] },
};
const backoffJob = {
  status: { failed: 1, conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" }] },
};
const pod = (status: Record<string, unknown>) => ({ metadata: { name: "align-1a2b3c4d-xk2p9" }, status });
const terminated = (t: Record<string, unknown>) => ({ containerStatuses: [{ name: "task", state: { terminated: t } }] });

describe("how a Job ended", () => {
  it("is running while the pod runs", () => {
    expect(jobEnd(runningJob, [pod({ phase: "Running" })])).toEqual({ kind: "running" });
    expect(jobEnd(runningJob, [])).toEqual({ kind: "running" });
  });

  it("succeeded, with the termination message carrying the outcome", () => {
    const message = 'TASKFIT_OUTCOME {"protocol":1,"kind":"result","value":"{\\"value\\":42}"}';
    expect(jobEnd(completeJob, [pod({ phase: "Succeeded", ...terminated({ exitCode: 0, reason: "Completed", message }) })])).toEqual({
      kind: "succeeded",
      pod: "align-1a2b3c4d-xk2p9",
      message,
    });
  });

  it("OOMKilled is out of memory, whatever the Job's condition says", () => {
    expect(jobEnd(backoffJob, [pod({ phase: "Failed", ...terminated({ exitCode: 137, reason: "OOMKilled" }) })])).toEqual({
      kind: "oom",
      pod: "align-1a2b3c4d-xk2p9",
      exitCode: 137,
    });
  });

  it("DeadlineExceeded is a timeout", () => {
    expect(jobEnd(deadlineJob, [pod({ phase: "Failed" })])).toMatchObject({ kind: "deadline" });
  });

  it("a failed pod carries its exit code and reason", () => {
    expect(jobEnd(backoffJob, [pod({ phase: "Failed", ...terminated({ exitCode: 1, reason: "Error", message: "boom" }) })])).toEqual({
      kind: "failed",
      pod: "align-1a2b3c4d-xk2p9",
      exitCode: 1,
      reason: "Error",
      message: "boom",
    });
  });

  it("a pod the scheduler cannot place is reported with the scheduler's message", () => {
    const pending = pod({
      phase: "Pending",
      conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/2 nodes are available: 2 Insufficient cpu." }],
    });
    expect(jobEnd(runningJob, [pending])).toEqual({ kind: "unschedulable", message: "0/2 nodes are available: 2 Insufficient cpu." });
  });
});

describe("how the call settles for a Job that ended", () => {
  const call = { task: "align", label: "s3", attempt: 2, memoryGiB: 1, timeoutSeconds: 60, job: "align-s3-1a2b3c4d", namespace: "bio" };
  const errorLine = (error: Record<string, unknown>) => `TASKFIT_OUTCOME ${JSON.stringify({ protocol: 1, kind: "error", error })}`;
  const failedPod = (message: string) => jobEnd(backoffJob, [pod({ phase: "Failed", ...terminated({ exitCode: 1, reason: "Error", message }) })]);

  it("a task that threw OutOfMemoryError in the pod is an OutOfMemoryError, so escalation acts on it", () => {
    const message = errorLine({ name: "OutOfMemoryError", code: "OUT_OF_MEMORY", message: "Task `align` (s3) ran out of memory with 1 GiB requested: bwa was OOM-killed" });
    const error = errorOf(settleEnd(failedPod(message), "bwa: killed\n", call));
    expect(error).toBeInstanceOf(OutOfMemoryError);
    expect(error).toMatchObject({ memoryGiB: 1, attempt: 2, jobId: call.job, exitCode: 1, stderrTail: "bwa: killed", log: "kubectl logs -n bio align-1a2b3c4d-xk2p9" });
    expect(error?.message).toBe("Task `align` (s3) ran out of memory with 1 GiB requested: bwa was OOM-killed");
    expect(error?.cause).toMatchObject({ name: "OutOfMemoryError", code: "OUT_OF_MEMORY" });
  });

  it("any other thrown error is a TaskExecutionError with the revived error as cause", () => {
    const error = errorOf(settleEnd(failedPod(errorLine({ name: "RangeError", message: "corrupt BAM" })), "", call));
    expect(error).toBeInstanceOf(TaskExecutionError);
    expect(error?.message).toContain("RangeError: corrupt BAM");
    expect(error?.cause).toMatchObject({ name: "RangeError", message: "corrupt BAM" });
  });

  it("the log's tail is bounded to the same size as on every scheduler", () => {
    const log = `${"x".repeat(10_000)}\nlast line`;
    const error = errorOf(settleEnd(failedPod("no outcome"), log, call));
    expect(error).toBeInstanceOf(TaskExecutionError);
    expect((error as TaskExecutionError).stderrTail).toHaveLength(STDERR_TAIL_CHARS);
    expect((error as TaskExecutionError).stderrTail?.endsWith("last line")).toBe(true);
  });

  it("a Job past its deadline is a TaskTimeoutError; OOMKilled is an OutOfMemoryError naming the pod", () => {
    expect(errorOf(settleEnd(jobEnd(deadlineJob, [pod({ phase: "Failed" })]), "", call))).toBeInstanceOf(TaskTimeoutError);
    const oom = errorOf(settleEnd(jobEnd(backoffJob, [pod({ phase: "Failed", ...terminated({ exitCode: 137, reason: "OOMKilled" }) })]), "", call));
    expect(oom).toBeInstanceOf(OutOfMemoryError);
    expect(oom).toMatchObject({ jobId: call.job, exitCode: 137, log: "kubectl logs -n bio align-1a2b3c4d-xk2p9" });
  });

  it("a succeeded pod with a result settles with the value; a running one does not settle", () => {
    const message = 'TASKFIT_OUTCOME {"protocol":1,"kind":"result","value":"{\\"value\\":42}"}';
    const settled = settleEnd(jobEnd(completeJob, [pod({ phase: "Succeeded", ...terminated({ exitCode: 0, message }) })]), "", call);
    expect(settled).toEqual({ ok: true, value: 42 });
    expect(settleEnd({ kind: "running" }, "", call)).toBeUndefined();
  });
});

describe("a container that waits to start", () => {
  const waiting = (reason: string, message?: string) => [pod({ phase: "Pending", containerStatuses: [{ name: "task", state: { waiting: { reason, message } } }] })];

  it("tells why when the reason is worth telling", () => {
    expect(waitingReason(waiting("ImagePullBackOff", 'Back-off pulling image "nope:1"'))).toEqual({ reason: "ImagePullBackOff", message: 'Back-off pulling image "nope:1"' });
    expect(waitingReason(waiting("CrashLoopBackOff"))).toEqual({ reason: "CrashLoopBackOff", message: undefined });
  });

  it("says nothing while the container is only being created, or runs", () => {
    expect(waitingReason(waiting("ContainerCreating"))).toBeUndefined();
    expect(waitingReason([pod({ phase: "Running" })])).toBeUndefined();
    expect(waitingReason([])).toBeUndefined();
  });

  it("counts image and config failures as ones that never end by themselves", () => {
    for (const reason of ["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError"]) expect(START_FAILURES.has(reason)).toBe(true);
    expect(START_FAILURES.has("CrashLoopBackOff")).toBe(false);
  });
});

describe("the task's log", () => {
  it("leaves out taskfit's report lines", () => {
    const log = 'reading input\nfails: about to throw boom\n\nTASKFIT_OUTCOME {"protocol":1,"kind":"error","error":{"name":"TypeError","message":"boom"}}\ntaskfit worker: TypeError: boom';
    expect(withoutReports(log)).toBe("reading input\nfails: about to throw boom\n\ntaskfit worker: TypeError: boom");
  });
});
