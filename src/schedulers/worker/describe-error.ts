/** The worker's side of an error answer: whatever the task threw, as it crosses. */
import { TaskfitError } from "../../errors.js";
import { WORKER_PROTOCOL, type WorkerError, type WorkerOutcome } from "./protocol.js";

/** Name, message, stack, code and cause of a thrown value (not an Error too: its text). */
export function describeError(error: unknown): WorkerError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  const code = error instanceof TaskfitError ? error.code : "code" in error ? error.code : undefined;
  return {
    name: error.name,
    message: error.message,
    ...(error.stack !== undefined && { stack: error.stack }),
    ...(code !== undefined && code !== null && { code: String(code) }),
    // e.g. the error a task's module threw when imported: its message and stack cross too.
    ...(error.cause !== undefined && { cause: describeError(error.cause) }),
  };
}

/** The error answer for a thrown value. */
export function errorOutcome(error: unknown): WorkerOutcome {
  return { protocol: WORKER_PROTOCOL, kind: "error", error: describeError(error) };
}
