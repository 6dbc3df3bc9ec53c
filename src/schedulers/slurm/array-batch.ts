/**
 * Calls of one shape gathered into one submission: a fan-out of same-shape calls becomes one job
 * array instead of one sbatch per call. A batch of a shape opens with its first call and is
 * submitted when its window on the clock closes, or at once when it reaches its cap; a call whose
 * signal aborts while it waits leaves the batch and is never submitted.
 */
import { onAbort } from "../../contract/abort.js";
import type { Clock } from "../../contract/clock.js";

export interface BatcherOptions<T, R> {
  readonly clock: Clock;
  /**
   * unit: ms on the clock; how long a batch stays open after its first call. 0: until the end of
   * the current turn of the event loop (calls made together, e.g. in one `Promise.all`).
   */
  readonly windowMs: number;
  /** The most items one batch holds: the next one opens a new batch. */
  readonly maxSize: number;
  /** Submits one batch: resolves with one result per item, in the items' order, or rejects for all of them. */
  readonly submit: (items: readonly T[]) => Promise<readonly R[]>;
  /** The error an item's call rejects with when its signal aborts while it waits. */
  readonly withdrawn: (item: T, signal: AbortSignal) => unknown;
}

interface Waiting<T, R> {
  readonly item: T;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
  unsubscribe: (() => void) | undefined;
}

interface Batch<T, R> {
  readonly waiting: Waiting<T, R>[];
  timer: unknown;
}

export class SubmissionBatcher<T, R> {
  private readonly open = new Map<string, Batch<T, R>>();

  constructor(private readonly options: BatcherOptions<T, R>) {}

  /** Adds `item` to the open batch of `key` (opening one when there is none); resolves with what its submission gave it. */
  add(key: string, item: T, signal?: AbortSignal): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (signal?.aborted) return reject(this.options.withdrawn(item, signal));
      let batch = this.open.get(key);
      if (batch === undefined) {
        const opened: Batch<T, R> = { waiting: [], timer: undefined };
        opened.timer = this.schedule(() => this.close(key, opened));
        this.open.set(key, opened);
        batch = opened;
      }
      const entry: Waiting<T, R> = { item, resolve, reject, unsubscribe: undefined };
      batch.waiting.push(entry);
      if (signal !== undefined) entry.unsubscribe = onAbort(signal, () => this.withdraw(key, entry, signal));
      if (batch.waiting.length >= this.options.maxSize) this.close(key, batch);
    });
  }

  private schedule(callback: () => void): unknown {
    if (this.options.windowMs > 0) return this.options.clock.setTimeout(callback, this.options.windowMs);
    // The end of this turn: not a time to wait for, so not the clock's (a ManualClock would hold it).
    return setImmediate(callback);
  }

  private cancelTimer(batch: Batch<T, R>): void {
    if (this.options.windowMs > 0) this.options.clock.clearTimeout(batch.timer);
    else clearImmediate(batch.timer as NodeJS.Immediate);
  }

  /** An aborted call leaves its batch, which closes (with no timer left) once it is empty. */
  private withdraw(key: string, entry: Waiting<T, R>, signal: AbortSignal): void {
    const batch = this.open.get(key);
    const at = batch?.waiting.indexOf(entry) ?? -1;
    if (batch === undefined || at < 0) return;
    batch.waiting.splice(at, 1);
    if (batch.waiting.length === 0) {
      this.cancelTimer(batch);
      this.open.delete(key);
    }
    entry.reject(this.options.withdrawn(entry.item, signal));
  }

  private close(key: string, batch: Batch<T, R>): void {
    if (this.open.get(key) !== batch) return;
    this.open.delete(key);
    this.cancelTimer(batch);
    const waiting = batch.waiting;
    // From here on an abort is the submitted job's to handle (a cancel), not the batch's.
    for (const entry of waiting) entry.unsubscribe?.();
    this.options.submit(waiting.map((entry) => entry.item)).then(
      (results) => waiting.forEach((entry, i) => entry.resolve(results[i] as R)),
      (error: unknown) => waiting.forEach((entry) => entry.reject(error)),
    );
  }
}
