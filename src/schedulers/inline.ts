/**
 * The minimal in-process scheduler: runs each attempt right away in this process, with its timeout
 * and abort signal honoured. It does no capacity accounting; LocalScheduler replaces it as the
 * default once it lands.
 */
import { TaskCancelledError, TaskExecutionError, TaskTimeoutError } from "../errors.js";
import type { Invocation, Scheduler } from "./scheduler.js";

export class InlineScheduler implements Scheduler {
  readonly name = "inline (this process)";

  run<R>(invocation: Invocation<R>): Promise<R> {
    return runInProcess(invocation);
  }
}

/**
 * Runs an invocation's function here. A throw becomes `TaskExecutionError` with the thrown value as
 * `cause`; a timeout or abort rejects at once and aborts the signal the function was given.
 */
export function runInProcess<R>(invocation: Invocation<R>): Promise<R> {
  const { taskName, signal, timeoutSeconds, attempt } = invocation;
  if (signal?.aborted) return Promise.reject(new TaskCancelledError({ task: taskName, reason: signal.reason }));
  const controller = new AbortController();
  return new Promise<R>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const settle = () => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      settle();
      const error = new TaskCancelledError({ task: taskName, reason: signal?.reason });
      controller.abort(error);
      reject(error);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    if (timeoutSeconds !== undefined) {
      timer = setTimeout(() => {
        settle();
        const error = new TaskTimeoutError({ task: taskName, timeoutSeconds });
        controller.abort(error);
        reject(error);
      }, timeoutSeconds * 1000);
    }
    invocation.execute(controller.signal).then(
      (value) => {
        settle();
        resolve(value);
      },
      (cause: unknown) => {
        settle();
        const message = cause instanceof Error ? cause.message : String(cause);
        reject(new TaskExecutionError({ task: taskName, attempt, message, cause }));
      },
    );
  });
}
