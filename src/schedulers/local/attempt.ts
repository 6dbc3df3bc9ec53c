/**
 * One running attempt: its function run in this process under `currentTask()` (or handed to the
 * process runner), settled exactly once by the result, the error, the timeout or the caller's
 * abort, whichever comes first (a child process stopped by the last two is waited for).
 */
import { OutOfMemoryError, TaskCancelledError, TaskExecutionError, TaskTimeoutError } from "../../errors.js";
import type { Clock } from "../../contract/clock.js";
import { type RunningTask, runAsTask } from "../../contract/running-task.js";
import { type AbortListener, listenForAbort, stopListening } from "../../contract/abort.js";
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

/** What a failure of the function in this process becomes. */
function hereFailure(invocation: Invocation<unknown>, cause: unknown): unknown {
  // A task may report running out of memory itself (a tool it ran was OOM-killed): kept as
  // is, so that `retries.escalate` acts on it.
  if (cause instanceof OutOfMemoryError) return cause;
  // Already this attempt's execution error (a `run` of a tool that failed): wrapping it again
  // would say "Task x failed on attempt 1: Task x failed on attempt 1: ...".
  if (cause instanceof TaskExecutionError && cause.task === invocation.taskName && cause.attempt === invocation.attempt) return cause;
  return new TaskExecutionError({ task: invocation.taskName, label: invocation.label, attempt: invocation.attempt, message: messageOf(cause), cause });
}

/**
 * Starts the attempt's work, in this process or in the remote runner; a promise even when it
 * throws before starting (an argument JSON cannot carry, an `execute` that throws).
 */
function begin(invocation: Invocation<unknown>, gpus: readonly number[], control: AttemptControl, remote: RemoteRun | undefined): Promise<unknown> {
  try {
    return remote !== undefined ? remote(invocation, gpus, control) : runAsTask(control, execute, invocation);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Told once how an attempt ended. */
export interface AttemptEndListener {
  succeeded(value: unknown): void;
  failed(error: unknown): void;
}

/**
 * Where the caller's signal reaches a running attempt when the caller already listens to it (a
 * queued call stays subscribed while it runs): one subscription per call instead of two.
 */
export interface SignalRelay {
  running: AbortListener | undefined;
}

/**
 * Starts an attempt and tells `outcome` how it ended: no promise of its own, so the scheduler's
 * queued call can take the outcome itself (one object per call on the dispatch path).
 */
export function startAttempt(
  invocation: Invocation<unknown>,
  gpus: readonly number[],
  clock: Clock,
  scheduler: object,
  remote: RemoteRun | undefined,
  outcome: AttemptEndListener,
  relay: SignalRelay | undefined,
): void {
  const { signal, timeoutSeconds } = invocation;
  const control = new AttemptControl(invocation, gpus, scheduler);
  if (signal?.aborted) return outcome.failed(new TaskCancelledError({ task: invocation.taskName, reason: signal.reason }));
  // Nothing can stop it early: no race to set up (the common case, and a hot path).
  if (signal === undefined && timeoutSeconds === undefined) {
    begin(invocation, gpus, control, remote).then(
      (value) => outcome.succeeded(value),
      (error: unknown) => outcome.failed(remote !== undefined ? error : hereFailure(invocation, error)),
    );
    return;
  }
  new AttemptRace(invocation, gpus, clock, control, remote, outcome, relay);
}

/** An attempt as a promise: a task called from inside a running task runs this way. */
export function runAttempt(
  invocation: Invocation<unknown>,
  gpus: readonly number[],
  clock: Clock,
  scheduler: object,
  remote: RemoteRun | undefined,
): Promise<unknown> {
  return new Promise((resolve, reject) => startAttempt(invocation, gpus, clock, scheduler, remote, { succeeded: resolve, failed: reject }, undefined));
}

/**
 * The attempt against its timeout and its caller's signal, settled once by whichever comes first.
 * One object with methods rather than closures: under `taskfit run` every attempt has a signal.
 */
class AttemptRace implements AbortListener {
  previousListener: AbortListener | undefined = undefined;
  nextListener: AbortListener | undefined = undefined;
  private timer: unknown;
  private settled = false;
  private readonly work: Promise<unknown>;

  constructor(
    private readonly invocation: Invocation<unknown>,
    gpus: readonly number[],
    private readonly clock: Clock,
    private readonly control: AttemptControl,
    private readonly remote: RemoteRun | undefined,
    private readonly outcome: AttemptEndListener,
    private readonly relay: SignalRelay | undefined,
  ) {
    const { signal, timeoutSeconds } = invocation;
    if (relay !== undefined) relay.running = this;
    else if (signal !== undefined) listenForAbort(signal, this);
    if (timeoutSeconds !== undefined) this.timer = clock.setTimeout(() => this.timedOut(timeoutSeconds), timeoutSeconds * 1000);
    this.work = begin(invocation, gpus, control, remote);
    this.work.then(
      (value) => {
        if (this.settle()) outcome.succeeded(value);
      },
      (error: unknown) => {
        if (this.settle()) outcome.failed(remote !== undefined ? error : hereFailure(invocation, error));
      },
    );
  }

  signalAborted(): void {
    const { taskName, signal } = this.invocation;
    this.stop(new TaskCancelledError({ task: taskName, reason: signal?.reason }));
  }

  private timedOut(timeoutSeconds: number): void {
    const { taskName, label, attempt } = this.invocation;
    this.stop(new TaskTimeoutError({ task: taskName, label, attempt, timeoutSeconds }));
  }

  /** True for the first caller only: it settles the attempt. */
  private settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    const { signal } = this.invocation;
    if (this.relay !== undefined) this.relay.running = undefined;
    else if (signal !== undefined) stopListening(signal, this);
    return true;
  }

  private stop(error: Error): void {
    if (!this.settle()) return;
    this.control.abort(error);
    // A child process is waited for: the attempt is over (and its resources free) once the
    // process group is gone. A function in this process cannot be stopped, only abandoned.
    if (this.remote === undefined) return this.outcome.failed(error);
    const failed = () => this.outcome.failed(error);
    this.work.then(failed, failed);
  }
}
