/**
 * A worker's error answer, turned into the error the call fails with: the same taskfit error
 * class for the same `code` on every scheduler, as an in-process run throws it, with the task's
 * own error revived as `cause` and one size of stderr tail.
 */
import { ErrorCode, type FailureDetails, OutOfMemoryError, TaskExecutionError } from "../../errors.js";
import type { WorkerError } from "./protocol.js";

/** How much of a task's stderr an error carries, on every scheduler. */
export const STDERR_TAIL_CHARS = 4000;

/** The last `STDERR_TAIL_CHARS` of a log, after its trailing whitespace; undefined when nothing is left. */
export function stderrTail(text: string): string | undefined {
  return text.trimEnd().slice(-STDERR_TAIL_CHARS).trimStart() || undefined;
}

/** What the scheduler knows about the attempt whose worker answered with an error. */
export interface FailedAttempt extends FailureDetails {
  readonly task: string;
  readonly attempt: number;
  readonly memoryGiB: number;
}

/** The error as the task threw it, rebuilt in this process: name, message, stack, code and cause kept. */
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
 * The taskfit error for a worker's error answer, by its `code`, exactly as an in-process run
 * throws it (see local/attempt.ts): `OUT_OF_MEMORY` stays an `OutOfMemoryError` (so
 * `retries.escalate` acts on it), anything else is a `TaskExecutionError` whose cause keeps the
 * code (a missing task is not retried: task/call.ts). `cause` is always the revived error.
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
