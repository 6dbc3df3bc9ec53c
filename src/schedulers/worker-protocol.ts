/**
 * What passes between a scheduler and the worker entry. Kept apart from worker.ts, whose import
 * starts serving: schedulers import only this.
 */
import { ErrorCode, type FailureDetails, OutOfMemoryError, TaskExecutionError } from "../errors.js";
import type { ResolvedResources } from "../resources/spec.js";
import type { TaskRef } from "../task/metadata.js";

/** The prefix of the last line a pod's worker prints: the outcome, for the scheduler to read back. */
export const OUTCOME_MARKER = "TASKFIT_OUTCOME ";

export interface WorkerRequest {
  readonly kind: "run";
  readonly ref: TaskRef;
  /** The arguments as wire JSON (see wire.ts). */
  readonly args: string;
  readonly resources: ResolvedResources;
  readonly gpus: readonly number[];
  readonly attempt: number;
  /** A method task's `this`: see worker-request.ts. */
  readonly self?: WorkerSelf;
}

/** A method task's `this` on the wire: an instance's own fields, or the class of a static method. */
export type WorkerSelf =
  | { readonly kind: "instance"; readonly className: string; readonly fields: string }
  | { readonly kind: "class"; readonly className: string };

export interface WorkerError {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  readonly code: string | undefined;
  /** The error's cause, when it has one (the import error behind a module that would not load). */
  readonly cause?: WorkerError;
}

export type WorkerOutcome =
  | { readonly kind: "result"; readonly value: string }
  | { readonly kind: "error"; readonly error: WorkerError };


/** How much of a task's stderr an error carries, on every scheduler. */
export const STDERR_TAIL_CHARS = 4000;

/** The last `STDERR_TAIL_CHARS` of a log, trimmed; undefined when nothing is left. */
export function stderrTail(text: string): string | undefined {
  return text.slice(-STDERR_TAIL_CHARS).trim() || undefined;
}

/** What the scheduler knows about the attempt whose worker answered with an error. */
export interface FailedAttempt extends FailureDetails {
  readonly task: string;
  readonly attempt: number;
  readonly memoryGiB: number;
}

/** The error as the task threw it, rebuilt in this process: name, message, stack and code kept. */
export function reviveWorkerError(error: WorkerError): Error {
  const revived = new Error(error.message);
  revived.name = error.name;
  if (error.stack !== undefined) revived.stack = error.stack;
  if (error.code !== undefined) Object.assign(revived, { code: error.code });
  // The cause crosses too: the import error behind a module the worker could not load.
  if (error.cause !== undefined) Object.assign(revived, { cause: reviveWorkerError(error.cause) });
  return revived;
}

/**
 * The taskfit error for a worker's error outcome, by its `code`, exactly as an in-process run
 * throws it (see local/attempt.ts): `OUT_OF_MEMORY` stays an `OutOfMemoryError` (so
 * `retries.escalate` acts on it), anything else is a `TaskExecutionError`. `cause` is always the
 * revived error. Every scheduler that runs the worker decodes through here.
 */
export function workerFailure(error: WorkerError, attempt: FailedAttempt): OutOfMemoryError | TaskExecutionError {
  const cause = reviveWorkerError(error);
  const { task, memoryGiB, ...details } = attempt;
  if (error.code === ErrorCode.OutOfMemory) {
    // The worker's OutOfMemoryError already says "Task `x` ran out of memory with N GiB requested": keep only its detail.
    const detail = error.message.replace(/^Task `[^`]*`(?: \(.*?\))? ran out of memory with [\d.]+ GiB requested(: )?/, "");
    return new OutOfMemoryError({ ...details, task, memoryGiB, ...(detail !== "" && { detail }), cause });
  }
  return new TaskExecutionError({ ...details, task, message: `${error.name}: ${error.message}`, cause });
}
