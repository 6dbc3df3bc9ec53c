/**
 * The scheduler's side: how an attempt ended, from the last report its worker sent and what the
 * scheduler saw itself. Process isolation, Slurm and Kubernetes all decode through here, so the
 * same answer is the same result or the same error on each, with the usage the worker measured.
 */
import { WorkerProtocolError } from "../../errors.js";
import { fromWire } from "../wire.js";
import { type FailedAttempt, workerFailure } from "./failure.js";
import { isOutcome, type MeasuredUsage, WORKER_PROTOCOL, type WorkerOutcome, type WorkerReport } from "./protocol.js";

/** How one attempt ended, with what its worker measured when it measured anything. */
export type AttemptOutcome<T = unknown> =
  | { readonly ok: true; readonly value: T; readonly usage?: MeasuredUsage | undefined }
  | { readonly ok: false; readonly error: Error; readonly usage?: MeasuredUsage | undefined };

/** The last report read from a worker, or the protocol error reading it gave. */
export interface LastReport {
  readonly report: WorkerReport | undefined;
  readonly broken: WorkerProtocolError | undefined;
}

/** Reads the last report with `read`; a report that breaks the protocol is kept as the error to fail with. */
export function lastReport(read: () => WorkerReport | undefined): LastReport {
  try {
    return { report: read(), broken: undefined };
  } catch (error) {
    if (error instanceof WorkerProtocolError) return { report: undefined, broken: error };
    throw error;
  }
}

/**
 * The usage a report carries. A `running` report that is the last one is what the worker had
 * reached when it ended without answering (killed by the kernel, by a limit): a lower bound.
 */
export function reportedUsage(report: WorkerReport | undefined): MeasuredUsage | undefined {
  if (report?.usage === undefined) return undefined;
  if (report.kind !== "running") return report.usage;
  return { ...report.usage, method: `${report.usage.method}; as last reported before the worker ended without answering` };
}

/** The worker's answer as the call's result, or the same typed error as on every scheduler (failure.ts). */
export function decodeOutcome(outcome: WorkerOutcome, attempt: FailedAttempt, from: string): AttemptOutcome {
  const { usage } = outcome;
  if (outcome.kind === "error") return { ok: false, error: workerFailure(outcome.error, attempt), usage };
  try {
    return { ok: true, value: fromWire(outcome.value), usage };
  } catch (cause) {
    const problem = `a result that is not wire JSON: ${cause instanceof Error ? cause.message : String(cause)}`;
    return { ok: false, error: new WorkerProtocolError({ what: "report", expected: WORKER_PROTOCOL, received: outcome.protocol, from, problem, cause }), usage };
  }
}

/**
 * How the attempt ended when nothing the scheduler saw overrides the worker: its answer; or, when
 * the report broke the protocol or the worker ended without answering, the error `ended` gives
 * (the scheduler's own account: killed, out of memory), with the usage of its last report.
 */
export function attemptOutcome(last: LastReport, attempt: FailedAttempt, from: string, ended: () => Error): AttemptOutcome {
  if (last.broken !== undefined) return { ok: false, error: last.broken };
  if (isOutcome(last.report)) return decodeOutcome(last.report, attempt, from);
  return { ok: false, error: ended(), usage: reportedUsage(last.report) };
}
