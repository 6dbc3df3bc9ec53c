/**
 * Resources in use over a run, as a step function drawn from the attempt records: what the
 * timeline charts plot and what "busy 63% of the run" is computed from.
 */
import type { AttemptRecord } from "./run-recorder.js";

export interface ResourceTotals {
  /** unit: cores */
  readonly cpu: number;
  /** unit: GiB */
  readonly memoryGiB: number;
  readonly gpus: number;
}

export interface UsagePoint extends ResourceTotals {
  /** unit: ms on the recorder's clock; the usage holds from here to the next point */
  readonly at: number;
  /** Attempts running from here. */
  readonly running: number;
  /** Attempts queued and not yet started from here. */
  readonly waiting: number;
}

/** The time an attempt held its resources; undefined when it never started. */
export function heldSpan(record: AttemptRecord, end: number): readonly [number, number] | undefined {
  if (record.startedAt === undefined) return undefined;
  return [record.startedAt, record.finishedAt ?? end];
}

interface Change {
  readonly at: number;
  /** +1 starts running, -1 stops, 0 only queues or leaves the queue */
  readonly run: -1 | 0 | 1;
  readonly wait: -1 | 0 | 1;
  readonly record: AttemptRecord;
}

/** Use after every change, in time order (at the same instant, ends before starts). */
export function usageOverTime(records: Iterable<AttemptRecord>, end: number): UsagePoint[] {
  const changes: Change[] = [];
  for (const record of records) {
    const span = heldSpan(record, end);
    const leftQueue = span?.[0] ?? record.finishedAt ?? end;
    // A zero-length stretch holds nothing; leaving it out also keeps its end from sorting before its start.
    if (leftQueue > record.queuedAt) changes.push({ at: record.queuedAt, run: 0, wait: 1, record }, { at: leftQueue, run: 0, wait: -1, record });
    if (span !== undefined && span[1] > span[0]) changes.push({ at: span[0], run: 1, wait: 0, record }, { at: span[1], run: -1, wait: 0, record });
  }
  changes.sort((a, b) => a.at - b.at || a.run - b.run || a.wait - b.wait);
  const points: UsagePoint[] = [];
  let cpu = 0;
  let memoryGiB = 0;
  let gpus = 0;
  let running = 0;
  let waiting = 0;
  for (const { at, run, wait, record } of changes) {
    cpu += run * record.resources.cpu;
    memoryGiB += run * record.resources.memoryGiB;
    gpus += run * record.resources.gpu;
    running += run;
    waiting += wait;
    // Sums of floats drift: a machine back at rest is at exactly zero.
    if (running === 0) cpu = memoryGiB = gpus = 0;
    const point = { at, cpu, memoryGiB, gpus, running, waiting };
    if (points.length > 0 && (points.at(-1) as UsagePoint).at === at) points[points.length - 1] = point;
    else points.push(point);
  }
  return points;
}

/** The most in use at once. */
export function peakUsage(points: readonly UsagePoint[]): ResourceTotals {
  return points.reduce((peak, p) => ({ cpu: Math.max(peak.cpu, p.cpu), memoryGiB: Math.max(peak.memoryGiB, p.memoryGiB), gpus: Math.max(peak.gpus, p.gpus) }), { cpu: 0, memoryGiB: 0, gpus: 0 });
}

/**
 * The share of `capacity` × the span [from, to] that was in use, per resource (0 to 1; a resource
 * with no capacity is undefined). The rest is where the machine sat idle.
 */
export function utilisation(points: readonly UsagePoint[], capacity: ResourceTotals, from: number, to: number): { [K in keyof ResourceTotals]: number | undefined } {
  const used = { cpu: 0, memoryGiB: 0, gpus: 0 };
  for (let i = 0; i < points.length; i++) {
    const p = points[i] as UsagePoint;
    const start = Math.max(from, p.at);
    const stop = Math.min(to, points[i + 1]?.at ?? to);
    if (stop <= start) continue;
    used.cpu += p.cpu * (stop - start);
    used.memoryGiB += p.memoryGiB * (stop - start);
    used.gpus += p.gpus * (stop - start);
  }
  const share = (value: number, cap: number) => (cap > 0 && to > from ? value / (cap * (to - from)) : undefined);
  return { cpu: share(used.cpu, capacity.cpu), memoryGiB: share(used.memoryGiB, capacity.memoryGiB), gpus: share(used.gpus, capacity.gpus) };
}

export interface RunMeasure {
  /** unit: ms on the recorder's clock: the first attempt queued; 0 for an empty run */
  readonly from: number;
  /** unit: ms: the last attempt's end (or, still open, its start or queueing) */
  readonly to: number;
  readonly points: readonly UsagePoint[];
  readonly peak: ResourceTotals;
  /** The share of capacity used, per resource; undefined without capacity or attempts. */
  readonly busy: { readonly [K in keyof ResourceTotals]: number | undefined } | undefined;
}

/** A run's span, use over time, peak and utilisation: what the report and the command's summary show. */
export function measureRun(records: readonly AttemptRecord[], capacity: ResourceTotals | undefined): RunMeasure {
  if (records.length === 0) return { from: 0, to: 0, points: [], peak: { cpu: 0, memoryGiB: 0, gpus: 0 }, busy: undefined };
  const from = records.reduce((min, r) => Math.min(min, r.queuedAt), Number.POSITIVE_INFINITY);
  const to = records.reduce((max, r) => Math.max(max, r.finishedAt ?? r.startedAt ?? r.queuedAt), Number.NEGATIVE_INFINITY);
  const points = usageOverTime(records, to);
  return { from, to, points, peak: peakUsage(points), busy: capacity && utilisation(points, capacity, from, to) };
}
