/**
 * `taskGroup`: a scope whose failure cancels everything started in it (structured concurrency, as
 * Python's `asyncio.TaskGroup`, Effect's fail-fast `all` or Trigger.dev's batch runs).
 *
 * Every task called inside the scope, directly or from functions it awaits, carries the group's
 * signal and is counted. When the body throws, or work started with `group.spawn` fails, the
 * group aborts its signal: calls still queued are dropped, running ones are cancelled (a Slurm job
 * scancel'ed, a Kubernetes Job deleted, a local task aborted and its processes stopped). The group
 * then waits until every call made in it has settled, and only then rethrows the first failure.
 * On success it also waits for calls the body started without awaiting.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { globalSlot } from "../global-slot.js";

export interface TaskGroup {
  /** Aborts when the group fails or is cancelled: pass it to work that is not a task call. */
  readonly signal: AbortSignal;
  /**
   * Runs `work` in the group, in the background: its failure fails the group (and cancels the
   * rest). The returned promise settles with it; the group reports its error, so it need not be awaited.
   */
  spawn<T>(work: () => Promise<T>): Promise<T>;
  /** Cancels everything still running in the group; the group then fails with a TaskCancelledError. */
  cancel(reason?: unknown): void;
}

export interface TaskGroupOptions {
  /** Cancels the group from outside (Ctrl-C, a deadline). @default the enclosing group's signal, if any */
  readonly signal?: AbortSignal;
}

/** What a task call made inside a group needs: the signal to carry, and where to count itself. */
export interface GroupScope {
  readonly signal: AbortSignal;
  /** Counts a call until `call` settles; returns a promise that settles the same way. */
  track<T>(call: Promise<T>): Promise<T>;
}

// One per process, so that every copy of taskfit agrees (the command line's copy opens the group,
// the copy a workflow's module imported defines the tasks).
const storage = globalSlot("taskGroup", () => new AsyncLocalStorage<GroupScope>());

/** The group the code at this point runs in, or undefined. */
export function currentGroup(): GroupScope | undefined {
  return storage.getStore();
}

/** Runs `body` as a group; resolves with its value once everything started in it has settled. */
export function taskGroup<T>(body: (group: TaskGroup) => Promise<T>, options: TaskGroupOptions = {}): Promise<T> {
  const enclosing = currentGroup();
  const running = runGroup(body, options.signal ?? enclosing?.signal);
  // A group inside a group is one of its calls: the enclosing group waits for it too.
  return enclosing === undefined ? running : enclosing.track(running);
}

async function runGroup<T>(body: (group: TaskGroup) => Promise<T>, outer: AbortSignal | undefined): Promise<T> {
  const controller = new AbortController();
  const signal = outer === undefined ? controller.signal : AbortSignal.any([controller.signal, outer]);
  let pending = 0;
  let drained: (() => void) | undefined;
  let failed: { error: unknown } | undefined;
  const fail = (error: unknown) => {
    failed ??= { error };
    controller.abort(error);
  };
  const settledOne = () => {
    pending--;
    if (pending === 0) drained?.();
  };
  const scope: GroupScope = {
    signal,
    track<R>(call: Promise<R>): Promise<R> {
      pending++;
      // A new promise for the caller: one it never handles still reports as unhandled.
      return new Promise<R>((resolve, reject) => {
        call.then(
          (value) => {
            settledOne();
            resolve(value);
          },
          (error: unknown) => {
            settledOne();
            reject(error);
          },
        );
      });
    },
  };
  const group: TaskGroup = {
    signal,
    spawn<R>(work: () => Promise<R>): Promise<R> {
      const started = scope.track(storage.run(scope, () => Promise.resolve().then(work)));
      started.catch(fail);
      return started;
    },
    cancel(reason?: unknown) {
      controller.abort(reason ?? new Error("the task group was cancelled"));
    },
  };
  let value: T | undefined;
  try {
    value = await storage.run(scope, () => body(group));
  } catch (error) {
    fail(error);
  }
  if (pending > 0) await new Promise<void>((resolve) => (drained = resolve));
  if (failed !== undefined) throw failed.error;
  return value as T;
}
