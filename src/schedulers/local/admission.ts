/**
 * Admission: which queued requests start, given what is free. Pure bookkeeping, no timers, no I/O.
 *
 * - A request starts only when all of it (cpu, memory, storage, GPUs) fits in what is free, so the
 *   sum in use never exceeds the capacity.
 * - Fill order: a pass starts, again and again, the waiting request that fits and fills the free
 *   room best (fill-score.ts: large requests while there is room for them, weighted toward the
 *   resource the waiting requests need most), so a fan-out packs like an offline largest-first
 *   packer and small requests fill the gaps and the end. Equal scores, and shapes of one class
 *   (below), start oldest first. Whatever fits in the room left always starts (backfill).
 * - No starvation: the oldest waiting request counts the newer requests that start while it
 *   waits. Once `reserveAfter` (default 256) have, it holds a reservation: from then on another
 *   request starts only in the room beside it, that is what is free beyond its request in each
 *   resource, and none of a resource it is still short of (GPU devices that would serve it
 *   included). So nothing that starts after it reserved can delay it: it starts as soon as the
 *   requests running when it reserved have freed what it lacks, and at most `reserveAfter` newer
 *   requests start before it holds the reservation. Then the next oldest counts, and so on, so
 *   every request starts once the requests before it have. (A request larger than the whole
 *   capacity is refused before it gets here.)
 * - Waiting requests are grouped by shape (identical requests), and shapes into classes: the same
 *   CPU, storage and GPUs, memory within a factor of 2^(1/4). Each class keeps its shapes in a heap
 *   by the arrival of their oldest entry, with the least and most memory among them. A pick looks
 *   at each class once: a class whose CPU, storage or GPUs do not fit, or whose least memory does
 *   not, is skipped whole; otherwise its oldest shape that fits is scored (the heap's top when all
 *   of it fits). So a completion costs O(classes + log shapes), not O(shapes): dynamic specs give
 *   nearly every call its own shape.
 */
import type { GpuType } from "../../resources/presets.js";
import type { MachineCapacity, GpuDevice } from "./capacity.js";
import { type Amounts, fillScore, type Room, type Totals, weightsOf } from "./fill-score.js";
import { type DeviceMatcher, exactType } from "./gpu-match.js";

/** Newer requests that may start while the oldest waits, before it holds a reservation. */
export const DEFAULT_RESERVE_AFTER = 256;

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

/** The room a request may take now, and the reservation it is beside, if one is held. */
interface Space extends Room {
  reserved: Request | undefined;
}

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
  /** Allocations started and not yet released. */
  private allocated = 0;
  /** What the waiting requests ask for in all: the fill score's weights come from it. */
  private readonly waiting: Usage = { cpu: 0, memoryGiB: 0, storageGiB: 0, gpus: 0 };
  private readonly totals: Totals;
  private reservation: T | undefined;
  /** The room of the pick under way: one object, rewritten for each pick (a hot path). */
  private readonly space: Space = { cpu: 0, memoryGiB: 0, storageGiB: 0, reserved: undefined };

  constructor(
    private readonly capacity: MachineCapacity,
    /** Newer starts the oldest waiting request tolerates before it reserves. @default 256 */
    private readonly reserveAfter = DEFAULT_RESERVE_AFTER,
    /** Which devices serve a request's GPU type. @default exact type */
    private readonly matches: DeviceMatcher = exactType,
  ) {
    this.devices = new Map(capacity.gpus.map((device) => [device.index, device]));
    this.freeGpus = new Map(this.devices);
    this.totals = { cpu: capacity.cpu, memoryGiB: capacity.memoryGiB, storageGiB: capacity.storageGiB, gpus: capacity.gpus.length };
  }

  get size(): number {
    return this.queued;
  }

  enqueue(entry: T): void {
    const { request } = entry;
    entry.seq = this.seq++;
    this.queued++;
    this.count(request, 1);
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
    this.left(entry.request);
    if (this.reservation === entry) this.reservation = undefined;
    return true;
  }

  /** Starts what fits now, best fill first, with backfill; returns an allocation per started entry. */
  pass(): Allocation<T>[] {
    const started: Allocation<T>[] = [];
    // The oldest waiting request, found when first needed (null: not known yet).
    let oldest: T | undefined | null = null;
    for (;;) {
      const reserved = this.reservation;
      if (reserved !== undefined && this.fits(reserved.request, this.room(undefined))) {
        this.reservation = undefined;
        started.push(this.start(reserved));
        oldest = null;
        continue;
      }
      const best = this.bestFitting(this.room(reserved?.request));
      if (best === undefined) break;
      // Found below the top, its head may have been cancelled since it was keyed.
      if (!skipDone(best)) {
        this.drop(best);
        continue;
      }
      const entry = best.entries[best.head] as T;
      if (oldest === null) oldest = this.oldestWaiting();
      started.push(this.start(entry));
      this.advance(best);
      if (entry === oldest) oldest = null;
      // A newer request passed the oldest: counted as it starts, so the bound is exact.
      else if (oldest !== undefined && ++oldest.bypassed >= this.reserveAfter) this.reservation = oldest;
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
    // Sums of floats drift (0.1 + 0.2 - 0.1 - 0.2 is not 0); an idle machine starts again from nothing.
    if (--this.allocated === 0) Object.assign(this.inUse, { cpu: 0, memoryGiB: 0, storageGiB: 0, gpus: 0 });
  }

  /** Of each class's oldest shape that fits in `room`, the one with the best fill score. */
  private bestFitting(room: Space): Shape<T> | undefined {
    let best: Shape<T> | undefined;
    // Scored only once a second candidate turns up: with one, there is nothing to weigh.
    let bestScore = Number.NaN;
    let weights: Amounts | undefined;
    for (const group of this.classes.values()) {
      if (this.top(group) === undefined) continue;
      const shape = this.oldestFitting(group, room);
      if (shape === undefined) continue;
      if (best === undefined) {
        best = shape;
        continue;
      }
      weights ??= weightsOf(this.waiting, this.totals);
      if (Number.isNaN(bestScore)) bestScore = fillScore(best.request, room, this.freeGpus.size, this.totals, weights);
      const score = fillScore(shape.request, room, this.freeGpus.size, this.totals, weights);
      if (score > bestScore || (score === bestScore && headSeq(shape) < headSeq(best))) {
        best = shape;
        bestScore = score;
      }
    }
    return best;
  }

  /** The waiting request that arrived first. */
  private oldestWaiting(): T | undefined {
    let oldest: T | undefined;
    for (const group of this.classes.values()) {
      const top = this.top(group);
      const head = top?.entries[top.head];
      if (head !== undefined && (oldest === undefined || head.seq < oldest.seq)) oldest = head;
    }
    return oldest;
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
   * The class's oldest shape whose head fits in `room`. The heap is searched in arrival order, from
   * the top, and a class that cannot hold any of its shapes is not searched.
   */
  private oldestFitting(group: ShapeClass<T>, room: Space): Shape<T> | undefined {
    const { heap } = group;
    const sample = heap[0] as Shape<T>;
    const memory = room.memoryGiB + EPSILON;
    if (memory < group.leastMemory || !this.fitsBesidesMemory(sample.request, room)) return undefined;
    if (memory >= group.mostMemory) return sample;
    // Best-first through the heap: children are younger than their parent.
    const frontier = [0];
    while (frontier.length > 0) {
      let pick = 0;
      for (let i = 1; i < frontier.length; i++) if (headSeq(heap[frontier[i] as number] as Shape<T>) < headSeq(heap[frontier[pick] as number] as Shape<T>)) pick = i;
      const at = frontier[pick] as number;
      frontier[pick] = frontier[frontier.length - 1] as number;
      frontier.pop();
      const shape = heap[at] as Shape<T>;
      if (shape.request.memoryGiB <= memory) return shape;
      if (2 * at + 1 < heap.length) frontier.push(2 * at + 1);
      if (2 * at + 2 < heap.length) frontier.push(2 * at + 2);
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

  /**
   * What a request may take now: what is free, less, beside a reservation, the reserved request
   * in each resource it already has room for (all of a resource it is still short of).
   */
  private room(reserved: Request | undefined): Space {
    const { capacity, inUse, space } = this;
    const cpu = capacity.cpu - inUse.cpu;
    const memoryGiB = capacity.memoryGiB - inUse.memoryGiB;
    const storageGiB = capacity.storageGiB === undefined ? Infinity : capacity.storageGiB - inUse.storageGiB;
    space.reserved = reserved;
    space.cpu = reserved === undefined ? cpu : beside(cpu, reserved.cpu);
    space.memoryGiB = reserved === undefined ? memoryGiB : beside(memoryGiB, reserved.memoryGiB);
    space.storageGiB = reserved === undefined ? storageGiB : beside(storageGiB, reserved.storageGiB);
    return space;
  }

  private fits(request: Request, room: Space): boolean {
    return request.memoryGiB <= room.memoryGiB + EPSILON && this.fitsBesidesMemory(request, room);
  }

  private fitsBesidesMemory(request: Request, room: Space): boolean {
    if (request.cpu > room.cpu + EPSILON || request.storageGiB > room.storageGiB + EPSILON) return false;
    if (request.gpu === 0) return true;
    const { reserved } = room;
    if (reserved === undefined || reserved.gpu === 0) return this.freeMatching(request.gpuType) >= request.gpu;
    const devices = this.devicesFor(request, reserved);
    if (devices === undefined) return false;
    // Beside a reservation: leave it every device that would serve it, up to what it asks.
    let taken = 0;
    for (const device of devices) if (this.matches(device, reserved.gpuType)) taken++;
    return taken <= Math.max(0, this.freeMatching(reserved.gpuType) - reserved.gpu);
  }

  private freeMatching(type: GpuType | undefined): number {
    if (type === undefined) return this.freeGpus.size;
    let count = 0;
    for (const device of this.freeGpus.values()) if (this.matches(device, type)) count++;
    return count;
  }

  /**
   * The free devices a GPU request would get, or undefined when too few serve it. Devices of the
   * exact type first, so a request that any device could serve leaves the larger ones free for
   * requests only they can serve; beside a reservation, devices that would not serve the reserved
   * request first.
   */
  private devicesFor(request: Request, reserved: Request | undefined): GpuDevice[] | undefined {
    if (this.freeMatching(request.gpuType) < request.gpu) return undefined;
    const exact = (device: GpuDevice) => Number(device.type === request.gpuType);
    const spare = (device: GpuDevice) => Number(reserved === undefined || reserved.gpu === 0 || !this.matches(device, reserved.gpuType));
    const free = [...this.freeGpus.values()].sort((x, y) => exact(y) - exact(x) || spare(y) - spare(x) || x.index - y.index);
    const devices: GpuDevice[] = [];
    for (const device of free) {
      if (devices.length === request.gpu) break;
      if (this.matches(device, request.gpuType)) devices.push(device);
    }
    return devices;
  }

  /** Adds (+1) or takes away (-1) a request from the waiting requests' total. */
  private count(request: Request, sign: 1 | -1): void {
    this.waiting.cpu += sign * request.cpu;
    this.waiting.memoryGiB += sign * request.memoryGiB;
    this.waiting.storageGiB += sign * request.storageGiB;
    this.waiting.gpus += sign * request.gpu;
  }

  /** A request leaves the queue (started or removed). */
  private left(request: Request): void {
    this.queued--;
    this.count(request, -1);
    // Sums of floats drift; an empty queue starts again from nothing.
    if (this.queued === 0) Object.assign(this.waiting, { cpu: 0, memoryGiB: 0, storageGiB: 0, gpus: 0 });
  }

  private start(entry: T): Allocation<T> {
    const { request } = entry;
    entry.done = true;
    this.left(request);
    this.allocated++;
    this.inUse.cpu += request.cpu;
    this.inUse.memoryGiB += request.memoryGiB;
    this.inUse.storageGiB += request.storageGiB;
    if (request.gpu === 0) return { entry, request, gpus: NO_GPUS };
    const reserved = this.reservation === undefined || this.reservation === entry ? undefined : this.reservation.request;
    const gpus = (this.devicesFor(request, reserved) ?? []).map((device) => device.index);
    for (const index of gpus) this.freeGpus.delete(index);
    this.inUse.gpus += gpus.length;
    return { entry, request, gpus };
  }
}

/** What a request beside a reservation may take of a resource: what the reserved one leaves, if it has its share. */
function beside(free: number, held: number): number {
  return free + EPSILON >= held ? Math.max(0, free - held) : 0;
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
    const left = 2 * at + 1;
    if (left < heap.length && headSeq(heap[left] as Shape<T>) < headSeq(heap[least] as Shape<T>)) least = left;
    if (left + 1 < heap.length && headSeq(heap[left + 1] as Shape<T>) < headSeq(heap[least] as Shape<T>)) least = left + 1;
    if (least === at) return;
    swap(heap, at, least);
    at = least;
  }
}
