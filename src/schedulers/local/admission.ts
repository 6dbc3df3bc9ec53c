/**
 * Admission: which queued requests start, given what is free. Pure bookkeeping, no timers, no I/O.
 *
 * - A request starts only when all of it (cpu, memory, storage, GPUs) fits in what is free, so the
 *   sum in use never exceeds the capacity.
 * - Requests start in arrival order; a later request that fits may pass an earlier one that does
 *   not (backfill).
 * - No starvation: the oldest waiting request counts the requests that pass it. Once `reserveAfter`
 *   have, it holds a reservation: nothing newer starts until it has started, so the machine drains
 *   for it. (A request larger than the whole capacity is refused before it gets here.)
 * - Waiting requests are grouped by shape (identical requests). A pass looks at the head of each
 *   shape, not at every waiting request, so a completion costs O(shapes), not O(queue).
 */
import type { GpuType } from "../../resources/presets.js";
import type { Capacity, GpuDevice } from "./capacity.js";
import { type DeviceMatcher, exactType } from "./gpu-match.js";

export interface Request {
  /** unit: cores */
  readonly cpu: number;
  /** unit: GiB */
  readonly memoryGiB: number;
  /** unit: GiB; 0 when the task gave none */
  readonly storageGiB: number;
  readonly gpu: number;
  readonly gpuType: GpuType | undefined;
}

/** What admission needs on a queued entry; the scheduler's own record carries these fields itself. */
export interface Queued {
  readonly request: Request;
  /** Arrival order, set by `enqueue`. */
  seq: number;
  /** Set when it leaves the queue (started or removed). */
  done: boolean;
  /** How many newer requests started while this was the oldest waiting one. */
  bypassed: number;
}

export interface Allocation<T extends Queued = Queued> {
  readonly entry: T;
  readonly request: Request;
  /** The device indices given to this request. */
  readonly gpus: readonly number[];
}

interface Shape<T> {
  readonly request: Request;
  readonly entries: T[];
  head: number;
}

const NO_GPUS: readonly number[] = Object.freeze([]);

export interface Usage {
  cpu: number;
  memoryGiB: number;
  storageGiB: number;
  gpus: number;
}

// Accounting sums floats; a hair of rounding must not refuse a request that fits exactly.
const EPSILON = 1e-9;

export class Admission<T extends Queued> {
  readonly inUse: Usage = { cpu: 0, memoryGiB: 0, storageGiB: 0, gpus: 0 };
  private readonly freeGpus: Map<number, GpuDevice>;
  private readonly shapes = new Map<string, Shape<T>>();
  private seq = 0;
  private queued = 0;
  private reservation: T | undefined;

  constructor(
    private readonly capacity: Capacity,
    /** Newer starts the oldest waiting request tolerates before it reserves. @default 32 */
    private readonly reserveAfter = 32,
    /** Which devices serve a request's GPU type. @default exact type */
    private readonly matches: DeviceMatcher = exactType,
  ) {
    this.freeGpus = new Map(capacity.gpus.map((device) => [device.index, device]));
  }

  get size(): number {
    return this.queued;
  }

  enqueue(entry: T): void {
    const { request } = entry;
    const key = `${request.cpu}|${request.memoryGiB}|${request.storageGiB}|${request.gpu}|${request.gpuType ?? ""}`;
    let shape = this.shapes.get(key);
    if (shape === undefined) {
      shape = { request, entries: [], head: 0 };
      this.shapes.set(key, shape);
    }
    entry.seq = this.seq++;
    shape.entries.push(entry);
    this.queued++;
  }

  /** Takes a waiting entry out of the queue (a cancellation). False when it had already left. */
  remove(entry: T): boolean {
    if (entry.done) return false;
    entry.done = true;
    this.queued--;
    if (this.reservation === entry) this.reservation = undefined;
    return true;
  }

  /** Starts what fits now, in order, with backfill; returns an allocation per started entry. */
  pass(): Allocation<T>[] {
    const started: Allocation<T>[] = [];
    const reserved = this.reservation;
    if (reserved !== undefined) {
      if (!this.fits(reserved.request)) return started;
      started.push(this.start(reserved));
      this.reservation = undefined;
    }
    const heads: Shape<T>[] = [];
    for (const [key, shape] of this.shapes) {
      if (this.skipDone(shape)) heads.push(shape);
      else this.shapes.delete(key);
    }
    heads.sort((a, b) => (a.entries[a.head] as T).seq - (b.entries[b.head] as T).seq);
    let oldestBlocked: T | undefined;
    for (const shape of heads) {
      while (this.skipDone(shape) && this.fits(shape.request)) {
        const entry = shape.entries[shape.head] as T;
        started.push(this.start(entry));
      }
      const blocked = shape.entries[shape.head];
      if (blocked !== undefined && (oldestBlocked === undefined || blocked.seq < oldestBlocked.seq)) {
        oldestBlocked = blocked;
      }
    }
    if (oldestBlocked !== undefined) {
      for (const { entry } of started) if (entry.seq > oldestBlocked.seq) oldestBlocked.bypassed++;
      if (oldestBlocked.bypassed >= this.reserveAfter) this.reservation = oldestBlocked;
    }
    return started;
  }

  release(allocation: Allocation<T>): void {
    const { request } = allocation;
    this.inUse.cpu -= request.cpu;
    this.inUse.memoryGiB -= request.memoryGiB;
    this.inUse.storageGiB -= request.storageGiB;
    this.inUse.gpus -= allocation.gpus.length;
    for (const index of allocation.gpus) {
      const device = this.capacity.gpus.find((d) => d.index === index);
      if (device !== undefined) this.freeGpus.set(index, device);
    }
  }

  /** Advances the shape's head past removed entries; false when the shape has none left. */
  private skipDone(shape: Shape<T>): boolean {
    while (shape.head < shape.entries.length && (shape.entries[shape.head] as T).done) shape.head++;
    if (shape.head > 1024 && shape.head * 2 > shape.entries.length) {
      shape.entries.splice(0, shape.head);
      shape.head = 0;
    }
    return shape.head < shape.entries.length;
  }

  private fits(request: Request): boolean {
    const { capacity, inUse } = this;
    if (inUse.cpu + request.cpu > capacity.cpu + EPSILON) return false;
    if (inUse.memoryGiB + request.memoryGiB > capacity.memoryGiB + EPSILON) return false;
    if (capacity.storageGiB !== undefined && inUse.storageGiB + request.storageGiB > capacity.storageGiB + EPSILON) {
      return false;
    }
    return request.gpu === 0 || this.freeMatching(request.gpuType) >= request.gpu;
  }

  private freeMatching(type: GpuType | undefined): number {
    if (type === undefined) return this.freeGpus.size;
    let count = 0;
    for (const device of this.freeGpus.values()) if (this.matches(device, type)) count++;
    return count;
  }

  private start(entry: T): Allocation<T> {
    const { request } = entry;
    entry.done = true;
    this.queued--;
    this.inUse.cpu += request.cpu;
    this.inUse.memoryGiB += request.memoryGiB;
    this.inUse.storageGiB += request.storageGiB;
    if (request.gpu === 0) return { entry, request, gpus: NO_GPUS };
    const gpus: number[] = [];
    // Devices of the exact type first, so a request that any device could serve leaves the
    // larger ones free for requests only they can serve.
    const free = [...this.freeGpus.values()].sort((a, b) => Number(b.type === request.gpuType) - Number(a.type === request.gpuType) || a.index - b.index);
    for (const device of free) {
      if (!this.matches(device, request.gpuType)) continue;
      gpus.push(device.index);
      this.freeGpus.delete(device.index);
      if (gpus.length === request.gpu) break;
    }
    this.inUse.gpus += gpus.length;
    return { entry, request, gpus };
  }
}
