/**
 * The contenders taskfit's dispatch is measured against, in a process that never loads taskfit:
 * p-queue, and the physical floor, a plain counting semaphore over Promise.all.
 */
import PQueue from "p-queue";
import { medianTiming, type Timing, timedCpu } from "../harness.js";

export interface DispatchParams {
  readonly count: number;
  readonly concurrency: number;
  readonly rounds: number;
}

/** The floor: at most `limit` at once, nothing else (no priorities, no events, no resources). */
export function semaphore(limit: number): <T>(work: () => Promise<T>) => Promise<T> {
  let active = 0;
  // A queue with a head index: Array#shift copies the array, O(n) per call on a long queue.
  const waiting: Array<(() => void) | undefined> = [];
  let head = 0;
  const next = () => {
    active--;
    const wake = waiting[head];
    if (wake === undefined) return;
    waiting[head++] = undefined;
    wake();
  };
  return async (work) => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await work();
    } finally {
      next();
    }
  };
}

const noop = async () => {};

async function rounds(params: DispatchParams, once: (count: number) => Promise<unknown>): Promise<Timing> {
  await once(Math.min(params.count, 10_000)); // warm up
  const times: Timing[] = [];
  for (let round = 0; round < params.rounds; round++) times.push(await timedCpu(() => once(params.count)));
  return medianTiming(times);
}

export function semaphoreDispatch(params: DispatchParams): Promise<Timing> {
  return rounds(params, (count) => {
    const limited = semaphore(params.concurrency);
    return Promise.all(Array.from({ length: count }, () => limited(noop)));
  });
}

export function pqueueDispatch(params: DispatchParams): Promise<Timing> {
  return rounds(params, (count) => {
    const queue = new PQueue({ concurrency: params.concurrency });
    return Promise.all(Array.from({ length: count }, () => queue.add(noop)));
  });
}

/** Heap per queued call: `count` calls wait behind one that holds the only slot. */
export async function pqueueMemory(params: { readonly count: number }): Promise<{ bytesPerCall: number }> {
  const queue = new PQueue({ concurrency: 1 });
  let release: () => void = () => {};
  const blocker = queue.add(() => new Promise<void>((resolve) => (release = resolve)));
  const before = heapAfterGc();
  const calls = Array.from({ length: params.count }, () => queue.add(noop));
  await new Promise((resolve) => setImmediate(resolve));
  const after = heapAfterGc();
  release();
  await Promise.all([blocker, ...calls]);
  return { bytesPerCall: (after - before) / params.count };
}

export function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run with --expose-gc");
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
