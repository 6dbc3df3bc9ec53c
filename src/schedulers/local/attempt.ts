/**
 * One running attempt: its function run in this process under `currentTask()` (or handed to the
 * process runner), settled exactly once by the result, the error, the timeout or the caller's
 * abort, whichever comes first.
 */
import { OutOfMemoryError, TaskCancelledError, TaskExecutionError, TaskTimeoutError } from "../../errors.js";
import type { Clock } from "../clock.js";
import { type RunningTask, runAsTask } from "../context.js";
import type { Invocation } from "../scheduler.js";

/**
 * The attempt's own cancellation. The AbortSignal a task sees is made only when the task asks for
 * it (`currentTask().signal`): most tasks never do, and an AbortController per call is not free.
 */
export class AttemptControl {
  private controller: AbortController | undefined;
  private reason: unknown;
  private aborted = false;
  private listeners: Array<(reason: unknown) => void> | undefined;

  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    if (this.aborted && !this.controller.signal.aborted) this.controller.abort(this.reason);
    return this.controller.signal;
  }

  onAbort(listener: (reason: unknown) => void): void {
    if (this.aborted) listener(this.reason);
    else (this.listeners ??= []).push(listener);
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
    for (const listener of this.listeners ?? []) listener(reason);
  }
}

/** Runs the function elsewhere (a child process); resolves with its result. */
export type RemoteRun = (invocation: Invocation<unknown>, gpus: readonly number[], control: AttemptControl) => Promise<unknown>;

export interface AttemptOptions {
  readonly invocation: Invocation<unknown>;
  readonly gpus: readonly number[];
  readonly clock: Clock;
  readonly scheduler: object;
  readonly remote: RemoteRun | undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function runHere(invocation: Invocation<unknown>, gpus: readonly number[], scheduler: object, control: AttemptControl): Promise<unknown> {
  const { taskName, attempt } = invocation;
  const running: RunningTask = {
    name: taskName,
    resources: invocation.resources,
    gpus,
    attempt,
    get signal() {
      return control.signal;
    },
    scheduler,
  };
  return runAsTask(running, invocation.execute).catch((cause: unknown) => {
    // A task may report running out of memory itself (a tool it ran was OOM-killed): kept as
    // is, so that `retries.escalate` acts on it.
    if (cause instanceof OutOfMemoryError) throw cause;
    throw new TaskExecutionError({ task: taskName, attempt, message: messageOf(cause), cause });
  });
}

export function runAttempt(options: AttemptOptions): Promise<unknown> {
  const { invocation, gpus, clock, scheduler, remote } = options;
  const { taskName, signal, timeoutSeconds } = invocation;
  const control = new AttemptControl();
  // Nothing can stop it early: no race to set up (the common case, and a hot path).
  if (signal === undefined && timeoutSeconds === undefined) {
    return remote !== undefined ? remote(invocation, gpus, control) : runHere(invocation, gpus, scheduler, control);
  }
  return new Promise((resolve, reject) => {
    let timer: unknown;
    let settled = false;
    const settle = () => {
      settled = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      signal?.removeEventListener("abort", onCallerAbort);
    };
    const stop = (error: Error) => {
      if (settled) return;
      settle();
      control.abort(error);
      reject(error);
    };
    const onCallerAbort = () => stop(new TaskCancelledError({ task: taskName, reason: signal?.reason }));
    if (signal?.aborted) return onCallerAbort();
    signal?.addEventListener("abort", onCallerAbort, { once: true });
    if (timeoutSeconds !== undefined) {
      timer = clock.setTimeout(() => stop(new TaskTimeoutError({ task: taskName, timeoutSeconds })), timeoutSeconds * 1000);
    }
    const work = remote !== undefined ? remote(invocation, gpus, control) : runHere(invocation, gpus, scheduler, control);
    work.then(
      (value) => {
        if (settled) return;
        settle();
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        settle();
        reject(error);
      },
    );
  });
}
