/**
 * One running attempt: its function run in this process under `currentTask()` (or handed to the
 * process runner), settled exactly once by the result, the error, the timeout or the caller's
 * abort, whichever comes first (a child process stopped by the last two is waited for).
 */
import { OutOfMemoryError, TaskCancelledError, TaskExecutionError, TaskTimeoutError } from "../../errors.js";
import type { Clock } from "../../contract/clock.js";
import { type RunningTask, runAsTask } from "../../contract/running-task.js";
import { onAbort } from "../../contract/abort.js";
import type { Invocation } from "../../contract/scheduler.js";

/**
 * The running attempt as `currentTask()` shows it, and its own cancellation. The AbortSignal a task
 * sees is made only when the task asks for it: most tasks never do, and an AbortController per call
 * is not free (one object per attempt, no closures, keeps dispatch cheap).
 */
export class AttemptControl implements RunningTask {
  readonly name: string;
  readonly resources: RunningTask["resources"];
  readonly attempt: number;
  private controller: AbortController | undefined;
  private reason: unknown;
  private aborted = false;
  private listeners: Array<(reason: unknown) => void> | undefined;

  constructor(
    invocation: Invocation<unknown>,
    readonly gpus: readonly number[],
    readonly scheduler: object,
  ) {
    this.name = invocation.taskName;
    this.resources = invocation.resources;
    this.attempt = invocation.attempt;
  }

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

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const execute = (invocation: Invocation<unknown>) => invocation.execute();

function runHere(invocation: Invocation<unknown>, control: AttemptControl): Promise<unknown> {
  return runAsTask(control, execute, invocation).catch((cause: unknown) => {
    // A task may report running out of memory itself (a tool it ran was OOM-killed): kept as
    // is, so that `retries.escalate` acts on it.
    if (cause instanceof OutOfMemoryError) throw cause;
    // Already this attempt's execution error (a `run` of a tool that failed): wrapping it again
    // would say "Task x failed on attempt 1: Task x failed on attempt 1: ...".
    if (cause instanceof TaskExecutionError && cause.task === invocation.taskName && cause.attempt === invocation.attempt) throw cause;
    throw new TaskExecutionError({ task: invocation.taskName, label: invocation.label, attempt: invocation.attempt, message: messageOf(cause), cause });
  });
}

/** The remote run as a promise, even when it throws before starting (e.g. an argument JSON cannot carry). */
function runThere(remote: RemoteRun, invocation: Invocation<unknown>, gpus: readonly number[], control: AttemptControl): Promise<unknown> {
  try {
    return remote(invocation, gpus, control);
  } catch (error) {
    return Promise.reject(error);
  }
}

export function runAttempt(
  invocation: Invocation<unknown>,
  gpus: readonly number[],
  clock: Clock,
  scheduler: object,
  remote: RemoteRun | undefined,
): Promise<unknown> {
  const { taskName, signal, timeoutSeconds } = invocation;
  const control = new AttemptControl(invocation, gpus, scheduler);
  // Nothing can stop it early: no race to set up (the common case, and a hot path).
  if (signal === undefined && timeoutSeconds === undefined) {
    return remote !== undefined ? runThere(remote, invocation, gpus, control) : runHere(invocation, control);
  }
  return new Promise((resolve, reject) => {
    let timer: unknown;
    let unsubscribe: (() => void) | undefined;
    let settled = false;
    const settle = () => {
      settled = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      unsubscribe?.();
    };
    let work: Promise<unknown> | undefined;
    const stop = (error: Error) => {
      if (settled) return;
      settle();
      control.abort(error);
      // A child process is waited for: the attempt is over (and its resources free) once the
      // process group is gone. A function in this process cannot be stopped, only abandoned.
      if (remote === undefined || work === undefined) return reject(error);
      work.then(
        () => reject(error),
        () => reject(error),
      );
    };
    const onCallerAbort = () => stop(new TaskCancelledError({ task: taskName, reason: signal?.reason }));
    if (signal?.aborted) return onCallerAbort();
    if (signal !== undefined) unsubscribe = onAbort(signal, onCallerAbort);
    if (timeoutSeconds !== undefined) {
      timer = clock.setTimeout(() => stop(new TaskTimeoutError({ task: taskName, label: invocation.label, attempt: invocation.attempt, timeoutSeconds })), timeoutSeconds * 1000);
    }
    work = remote !== undefined ? runThere(remote, invocation, gpus, control) : runHere(invocation, control);
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
