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
}

/** The time an attempt held its resources; undefined when it never started. */
export function heldSpan(record: AttemptRecord, end: number): readonly [number, number] | undefined {
  if (record.startedAt === undefined) return undefined;
  return [record.startedAt, record.finishedAt ?? end];
}

/** Use after every start and end, in time order (ends before starts at the same instant). */
export function usageOverTime(records: Iterable<AttemptRecord>, end: number): UsagePoint[] {
  const changes: Array<{ at: number; sign: 1 | -1; record: AttemptRecord }> = [];
  for (const record of records) {
    const span = heldSpan(record, end);
    if (span === undefined) continue;
    changes.push({ at: span[0], sign: 1, record }, { at: span[1], sign: -1, record });
  }
  changes.sort((a, b) => a.at - b.at || a.sign - b.sign);
  const points: UsagePoint[] = [];
  let cpu = 0;
  let memoryGiB = 0;
  let gpus = 0;
  let running = 0;
  for (const { at, sign, record } of changes) {
    cpu += sign * record.resources.cpu;
    memoryGiB += sign * record.resources.memoryGiB;
    gpus += sign * record.resources.gpu;
    running += sign;
    // Sums of floats drift: a machine back at rest is at exactly zero.
    if (running === 0) cpu = memoryGiB = gpus = 0;
    const point = { at, cpu, memoryGiB, gpus, running };
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
