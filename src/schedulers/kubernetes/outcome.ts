/**
 * How a taskfit Job ended, read from the Job's conditions and its pod's status: pure functions of
 * the API's JSON, so the mapping is tested against recorded replies without a cluster.
 */
import { OutOfMemoryError, TaskExecutionError, TaskTimeoutError } from "../../errors.js";
import { type AttemptOutcome, attemptOutcome, lastReport, reportedUsage } from "../worker/decode.js";
import { reviveWorkerError, stderrTail } from "../worker/failure.js";
import { isOutcome } from "../worker/protocol.js";
import { lastReportIn, withoutReports } from "../worker/read.js";

interface Condition {
  readonly type?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly message?: string;
}

export interface JobStatusLike {
  readonly status?: { readonly conditions?: readonly Condition[]; readonly active?: number; readonly failed?: number; readonly succeeded?: number };
}

interface Terminated {
  readonly exitCode?: number;
  readonly reason?: string;
  readonly message?: string;
}

interface Waiting {
  readonly reason?: string;
  readonly message?: string;
}

export interface PodLike {
  readonly metadata?: { readonly name?: string };
  readonly spec?: { readonly nodeName?: string };
  readonly status?: {
    readonly phase?: string;
    readonly conditions?: readonly Condition[];
    readonly containerStatuses?: ReadonlyArray<{ readonly state?: { readonly terminated?: Terminated; readonly waiting?: Waiting } }>;
  };
}

export type JobEnd =
  | { readonly kind: "running" }
  | { readonly kind: "unschedulable"; readonly message: string }
  | { readonly kind: "succeeded"; readonly pod: string | undefined; readonly message: string | undefined }
  | { readonly kind: "failed"; readonly pod: string | undefined; readonly exitCode: number | undefined; readonly reason: string | undefined; readonly message: string | undefined }
  | { readonly kind: "oom"; readonly pod: string | undefined; readonly exitCode: number | undefined }
  | { readonly kind: "deadline"; readonly pod: string | undefined; readonly message: string | undefined };

const condition = (conditions: readonly Condition[] | undefined, type: string) =>
  conditions?.find((c) => c.type === type && c.status === "True");

/** The state of a Job from its status and its pods (the newest first). */
export function jobEnd(job: JobStatusLike, pods: readonly PodLike[]): JobEnd {
  const pod = pods[0];
  const terminated = pod?.status?.containerStatuses?.[0]?.state?.terminated;
  const podName = pod?.metadata?.name;
  const failed = condition(job.status?.conditions, "Failed");
  if (failed?.reason === "DeadlineExceeded") return { kind: "deadline", pod: podName, message: failed.message };
  if (terminated?.reason === "OOMKilled") return { kind: "oom", pod: podName, exitCode: terminated.exitCode };
  if (condition(job.status?.conditions, "Complete") || pod?.status?.phase === "Succeeded") {
    return { kind: "succeeded", pod: podName, message: terminated?.message };
  }
  if (failed || pod?.status?.phase === "Failed") {
    return { kind: "failed", pod: podName, exitCode: terminated?.exitCode, reason: terminated?.reason ?? failed?.reason, message: terminated?.message ?? failed?.message };
  }
  const scheduled = pod?.status?.conditions?.find((c) => c.type === "PodScheduled");
  if (scheduled?.status === "False" && scheduled.reason === "Unschedulable") {
    return { kind: "unschedulable", message: scheduled.message ?? "no node fits the pod" };
  }
  return { kind: "running" };
}

/** The call a Job ran, as the outcome mapping needs it. */
export interface JobCall {
  readonly task: string;
  readonly label: string | undefined;
  readonly attempt: number;
  readonly memoryGiB: number;
  readonly timeoutSeconds: number | undefined;
  readonly job: string;
  readonly namespace: string;
}

/**
 * How the call settles for a Job that ended (undefined while it runs): the worker's answer, or the
 * same typed error any other scheduler gives, with the usage the worker reported. `log` is the
 * pod's log: the worker's reports are its marked lines, so a pod killed before it answered still
 * tells what it had used.
 */
export function settleEnd(end: JobEnd, log: string, call: JobCall): AttemptOutcome | undefined {
  if (end.kind === "running" || end.kind === "unschedulable") return undefined;
  const { task, attempt, job } = call;
  const { pod } = end;
  const from = pod === undefined ? `Job ${job}` : `pod ${pod}`;
  // The termination message holds the answer when it fitted; the log holds every report.
  const message = end.kind === "succeeded" || end.kind === "failed" ? end.message : undefined;
  const last = lastReport(() => {
    const inMessage = lastReportIn(message, from);
    return isOutcome(inMessage) ? inMessage : (lastReportIn(log, from) ?? inMessage);
  });
  const usage = reportedUsage(last.report);
  const details = {
    task,
    label: call.label,
    attempt,
    jobId: job,
    memoryGiB: call.memoryGiB,
    stderrTail: stderrTail(withoutReports(log)),
    ...(pod !== undefined && { log: `kubectl logs -n ${call.namespace} ${pod}` }),
  };
  switch (end.kind) {
    case "deadline": {
      // activeDeadlineSeconds passed: a timeout, also when the task reacted to its abort and left an error.
      const thrown = last.report?.kind === "error" ? reviveWorkerError(last.report.error) : undefined;
      return { ok: false, error: new TaskTimeoutError({ ...details, timeoutSeconds: call.timeoutSeconds ?? 0, ...(thrown !== undefined && { cause: thrown }) }), usage };
    }
    case "oom":
      return {
        ok: false,
        error: new OutOfMemoryError({ ...details, exitCode: end.exitCode, detail: `pod ${end.pod ?? "?"} was OOMKilled (exit code ${end.exitCode ?? "?"})` }),
        usage,
      };
    case "succeeded":
    case "failed": {
      const exitCode = end.kind === "failed" ? end.exitCode : undefined;
      const ended = end.kind === "succeeded" ? "the pod succeeded but left no outcome" : `the pod failed${end.reason ? ` (${end.reason})` : ""}`;
      return attemptOutcome(last, { ...details, exitCode }, from, () => new TaskExecutionError({ ...details, exitCode, message: ended }));
    }
  }
}

/** Waiting reasons that mean the container will not start by itself: the call fails after a while in one. */
export const START_FAILURES: ReadonlySet<string> = new Set(["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError", "CreateContainerError"]);
/** Waiting reasons of a container that is starting normally: not worth an event. */
const STARTING: ReadonlySet<string> = new Set(["ContainerCreating", "PodInitializing"]);

/** Why the pod's container is waiting to run, when that is worth telling (an image pull failing, a crash loop, ...). */
export function waitingReason(pods: readonly PodLike[]): { readonly reason: string; readonly message: string | undefined } | undefined {
  const waiting = pods[0]?.status?.containerStatuses?.[0]?.state?.waiting;
  if (waiting?.reason === undefined || STARTING.has(waiting.reason)) return undefined;
  return { reason: waiting.reason, message: waiting.message };
}
