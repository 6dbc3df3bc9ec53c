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
 * - Waiting requests are grouped by shape (identical requests), and shapes into classes: the same
 *   CPU, storage and GPUs, memory within a factor of 2^(1/4). Each class keeps its shapes in a heap
 *   by the arrival of their oldest entry, with the least and most memory among them. A pass starts,
 *   again and again, the oldest waiting request that fits: a class whose CPU, storage or GPUs do
 *   not fit, or whose least memory does not, is skipped whole, and in a class where all of it fits
 *   the oldest is the heap's top. So a completion costs O(classes + log shapes), not O(shapes):
 *   dynamic specs give nearly every call its own shape.
 */
import type { GpuType } from "../../resources/presets.js";
import type { MachineCapacity, GpuDevice } from "./capacity.js";
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
  readonly key: string;
  readonly group: ShapeClass<T>;
  /** Index in its class's heap. */
  at: number;
}

/** Shapes alike in all but a little memory (see the top of the file). */
interface ShapeClass<T> {
  readonly key: string;
  /** Min-heap by the arrival (seq) of each shape's head entry. */
  readonly heap: Shape<T>[];
  /** Bounds of the memory of its shapes since it was last empty: safe to prune with (never too tight). */
  leastMemory: number;
  mostMemory: number;
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
  private readonly devices: Map<number, GpuDevice>;
  private readonly shapes = new Map<string, Shape<T>>();
  private readonly classes = new Map<string, ShapeClass<T>>();
  private seq = 0;
  private queued = 0;
  private reservation: T | undefined;

  constructor(
    private readonly capacity: MachineCapacity,
    /** Newer starts the oldest waiting request tolerates before it reserves. @default 32 */
    private readonly reserveAfter = 32,
    /** Which devices serve a request's GPU type. @default exact type */
    private readonly matches: DeviceMatcher = exactType,
  ) {
    this.devices = new Map(capacity.gpus.map((device) => [device.index, device]));
    this.freeGpus = new Map(this.devices);
  }

  get size(): number {
    return this.queued;
  }

  enqueue(entry: T): void {
    const { request } = entry;
    entry.seq = this.seq++;
    this.queued++;
    const key = `${request.cpu}|${request.memoryGiB}|${request.storageGiB}|${request.gpu}|${request.gpuType ?? ""}`;
    const shape = this.shapes.get(key);
    if (shape !== undefined) {
      shape.entries.push(entry);
      return;
    }
    const groupKey = `${request.cpu}|${Math.floor(Math.log2(request.memoryGiB) * 4)}|${request.storageGiB}|${request.gpu}|${request.gpuType ?? ""}`;
    let group = this.classes.get(groupKey);
    if (group === undefined) {
      group = { key: groupKey, heap: [], leastMemory: request.memoryGiB, mostMemory: request.memoryGiB };
      this.classes.set(groupKey, group);
    }
    group.leastMemory = Math.min(group.leastMemory, request.memoryGiB);
    group.mostMemory = Math.max(group.mostMemory, request.memoryGiB);
    const created: Shape<T> = { request, entries: [entry], head: 0, key, group, at: group.heap.length };
    this.shapes.set(key, created);
    group.heap.push(created);
    siftUp(group.heap, created.at);
  }

  /** Takes a waiting entry out of the queue (a cancellation). False when it had already left. */
  remove(entry: T): boolean {
    if (entry.done) return false;
    entry.done = true;
    this.queued--;
    if (this.reservation === entry) this.reservation = undefined;
    return true;
  }

  /** Starts what fits now, oldest first, with backfill; returns an allocation per started entry. */
  pass(): Allocation<T>[] {
    const started: Allocation<T>[] = [];
    const reserved = this.reservation;
    if (reserved !== undefined) {
      if (!this.fits(reserved.request)) return started;
      started.push(this.start(reserved));
      this.reservation = undefined;
    }
    for (;;) {
      let best: Shape<T> | undefined;
      for (const group of this.classes.values()) {
        const top = this.top(group);
        if (top === undefined) continue;
        if (best !== undefined && headSeq(top) >= headSeq(best)) continue;
        best = this.oldestFitting(group, best === undefined ? Infinity : headSeq(best)) ?? best;
      }
      if (best === undefined) break;
      // Found below the top, its head may have been cancelled since it was keyed.
      if (!skipDone(best)) {
        this.drop(best);
        continue;
      }
      started.push(this.start(best.entries[best.head] as T));
      this.advance(best);
    }
    let oldestBlocked: T | undefined;
    for (const group of this.classes.values()) {
      const top = this.top(group);
      const head = top?.entries[top.head];
      if (head !== undefined && (oldestBlocked === undefined || head.seq < oldestBlocked.seq)) oldestBlocked = head;
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
      const device = this.devices.get(index);
      if (device !== undefined) this.freeGpus.set(index, device);
    }
  }

  /** The class's oldest shape with a live head, dropping emptied shapes (and the class once empty). */
  private top(group: ShapeClass<T>): Shape<T> | undefined {
    for (;;) {
      const shape = group.heap[0];
      if (shape === undefined) {
        this.classes.delete(group.key);
        return undefined;
      }
      if (!skipDone(shape)) {
        this.drop(shape);
        continue;
      }
      siftDown(group.heap, 0); // cancelled heads skipped: its key may have grown
      if (group.heap[0] === shape) return shape;
    }
  }

  /**
   * The oldest shape of the class, older than `before`, whose head fits now. The heap is searched
   * in arrival order, from the top, and a class that cannot hold any of its shapes is not searched.
   */
  private oldestFitting(group: ShapeClass<T>, before: number): Shape<T> | undefined {
    const { heap } = group;
    const sample = heap[0] as Shape<T>;
    const free = this.capacity.memoryGiB - this.inUse.memoryGiB + EPSILON;
    if (free < group.leastMemory || !this.fitsBesidesMemory(sample.request)) return undefined;
    if (free >= group.mostMemory) return headSeq(sample) < before ? sample : undefined;
    // Best-first through the heap: children are younger than their parent.
    const frontier = [0];
    while (frontier.length > 0) {
      let pick = 0;
      for (let i = 1; i < frontier.length; i++) if (headSeq(heap[frontier[i] as number] as Shape<T>) < headSeq(heap[frontier[pick] as number] as Shape<T>)) pick = i;
      const at = frontier[pick] as number;
      frontier[pick] = frontier[frontier.length - 1] as number;
      frontier.pop();
      const shape = heap[at] as Shape<T>;
      if (headSeq(shape) >= before) return undefined;
      if (shape.request.memoryGiB <= free) return shape;
      for (const child of [2 * at + 1, 2 * at + 2]) if (child < heap.length) frontier.push(child);
    }
    return undefined;
  }

  /** After its head started: the shape's next entry is its head, or the shape goes. */
  private advance(shape: Shape<T>): void {
    shape.head++;
    if (skipDone(shape)) siftDown(shape.group.heap, shape.at);
    else this.drop(shape);
  }

  private drop(shape: Shape<T>): void {
    const { heap } = shape.group;
    const last = heap.pop() as Shape<T>;
    if (last !== shape) {
      heap[shape.at] = last;
      last.at = shape.at;
      siftDown(heap, last.at);
      siftUp(heap, last.at);
    }
    this.shapes.delete(shape.key);
    if (heap.length === 0) this.classes.delete(shape.group.key);
  }

  private fits(request: Request): boolean {
    return this.inUse.memoryGiB + request.memoryGiB <= this.capacity.memoryGiB + EPSILON && this.fitsBesidesMemory(request);
  }

  private fitsBesidesMemory(request: Request): boolean {
    const { capacity, inUse } = this;
    if (inUse.cpu + request.cpu > capacity.cpu + EPSILON) return false;
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
    const free = [...this.freeGpus.values()].sort((x, y) => Number(y.type === request.gpuType) - Number(x.type === request.gpuType) || x.index - y.index);
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

/** Advances the shape's head past removed entries; false when the shape has none left. */
function skipDone<T extends Queued>(shape: Shape<T>): boolean {
  while (shape.head < shape.entries.length && (shape.entries[shape.head] as T).done) shape.head++;
  if (shape.head > 1024 && shape.head * 2 > shape.entries.length) {
    shape.entries.splice(0, shape.head);
    shape.head = 0;
  }
  return shape.head < shape.entries.length;
}

/** The arrival of the shape's head entry: the heap's key. */
function headSeq<T extends Queued>(shape: Shape<T>): number {
  return (shape.entries[shape.head] as T).seq;
}

function swap<T extends Queued>(heap: Shape<T>[], a: number, b: number): void {
  const first = heap[a] as Shape<T>;
  const second = heap[b] as Shape<T>;
  heap[a] = second;
  second.at = a;
  heap[b] = first;
  first.at = b;
}

function siftUp<T extends Queued>(heap: Shape<T>[], at: number): void {
  while (at > 0) {
    const parent = (at - 1) >> 1;
    if (headSeq(heap[parent] as Shape<T>) <= headSeq(heap[at] as Shape<T>)) return;
    swap(heap, at, parent);
    at = parent;
  }
}

function siftDown<T extends Queued>(heap: Shape<T>[], at: number): void {
  for (;;) {
    let least = at;
    for (const child of [2 * at + 1, 2 * at + 2]) {
      if (child < heap.length && headSeq(heap[child] as Shape<T>) < headSeq(heap[least] as Shape<T>)) least = child;
    }
    if (least === at) return;
    swap(heap, at, least);
    at = least;
  }
}
