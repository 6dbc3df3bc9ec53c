/**
 * One submitted job followed to its end, the same way on every cluster: the attempt events in the
 * contract's order (`queued`; `waiting` any number of times, then `started` at most once; then
 * `finished` exactly once), an abort turned into a cancel on the target (scancel, a Job delete)
 * after which the call settles as cancelled, and one settlement however the end comes (a poll, an
 * abort, a job gone). The adapter only reads its own job's status into progress.
 */
import type { EventEmitter } from "node:events";
import { onAbort } from "../../contract/abort.js";
import type { Clock } from "../../contract/clock.js";
import type { AttemptEvents, Invocation, MeasuredUsage } from "../../contract/scheduler.js";
import { TaskCancelledError } from "../../errors.js";
import type { JobPoller, Sighting } from "./poller.js";

/** What an adapter tells about its job; everything after the end is ignored. */
export interface AttemptProgress {
  /** The job runs, on `where` (a node) when known. Told once; later calls are ignored. */
  started(where?: string): void;
  /** The job does not run yet, and why. Ignored once it started, and when the reason is the one told last. */
  waiting(reason: string, message?: string): void;
  /**
   * The job ended: the call resolves with `value`, or rejects with `error` (a TaskCancelledError
   * ends it "cancelled"), with what its worker measured. The first end wins; resolves once the call has settled.
   */
  settle(error: unknown, value?: unknown, usage?: MeasuredUsage): Promise<void>;
  readonly ended: boolean;
}

export interface JobToFollow<S> {
  /** The target's id of the job: events carry it. */
  readonly id: string;
  readonly invocation: Invocation<unknown>;
  readonly events: Pick<EventEmitter<AttemptEvents>, "emit">;
  readonly clock: Clock;
  readonly poller: JobPoller<S>;
  /** Stops the job on the target; the call settles as cancelled once this resolves. */
  readonly cancel: () => Promise<void>;
  /** Moves the attempt on from one sighting of its job; a throw ends the call with that error. */
  readonly watch: (sighting: Sighting<S>, progress: AttemptProgress) => Promise<void>;
  /** Runs between the end and the settlement (removing job files), so a program that exits right after leaves nothing behind. */
  readonly release?: (error: unknown) => Promise<void>;
}

/** Emits `queued` and follows the job until it ends; settles with its result or typed error. */
export function followJob<S>(job: JobToFollow<S>): Promise<unknown> {
  const { invocation, events, clock } = job;
  const ref = () => ({ id: job.id, task: invocation.taskName, label: invocation.label, attempt: invocation.attempt, at: clock.now() });
  let ran = false;
  let ended = false;
  let toldWaiting: string | undefined;
  let unfollow: (() => void) | undefined;
  let unsubscribe: (() => void) | undefined;
  let resolveCall: (value: unknown) => void = () => undefined;
  let rejectCall: (error: unknown) => void = () => undefined;
  const call = new Promise<unknown>((resolve, reject) => {
    resolveCall = resolve;
    rejectCall = reject;
  });

  const progress: AttemptProgress = {
    get ended() {
      return ended;
    },
    started(where) {
      if (ended || ran) return;
      ran = true;
      events.emit("started", { ...ref(), ...(where !== undefined && { where }) });
    },
    waiting(reason, message) {
      if (ended || ran || reason === toldWaiting) return;
      toldWaiting = reason;
      events.emit("waiting", { ...ref(), reason, ...(message !== undefined && { message }) });
    },
    async settle(error, value, usage) {
      if (ended) return;
      ended = true;
      unfollow?.();
      unsubscribe?.();
      const end = error === undefined ? "ok" : error instanceof TaskCancelledError ? "cancelled" : "error";
      events.emit("finished", { ...ref(), end, error, ...(usage !== undefined && { usage }) });
      await job.release?.(error).catch(() => undefined);
      if (error === undefined) resolveCall(value);
      else rejectCall(error);
    },
  };

  events.emit("queued", { ...ref(), resources: invocation.resources });
  const { signal } = invocation;
  const cancel = () => {
    // Settled once the target has taken the cancel: no job is left behind, even when the process
    // exits right after (as the taskfit command does on Ctrl-C).
    void job
      .cancel()
      .catch(() => undefined)
      .then(() => progress.settle(new TaskCancelledError({ task: invocation.taskName, reason: signal?.reason })));
  };
  if (signal !== undefined) unsubscribe = onAbort(signal, cancel);
  unfollow = job.poller.follow(job.id, async (sighting) => {
    await job.watch(sighting, progress).catch((error: unknown) => progress.settle(error));
    return ended;
  });
  // Aborted while the job was being submitted: no listener saw it, so cancel the job just made.
  if (signal?.aborted) cancel();
  return call;
}
