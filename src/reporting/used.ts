/**
 * What a task's attempts used against what they asked for, from the usage their workers measured
 * (out-of-process attempts only: a task run in the caller's process has no measurement of its own).
 */
import type { MeasuredUsage } from "../contract/scheduler.js";
import type { ResolvedResources } from "../resources/spec.js";

export interface UsedSummary {
  /** Attempts with a measurement (of all the task's attempts). */
  readonly measured: number;
  /** unit: GiB; the highest peak of any attempt */
  readonly peakMemoryGiB: number;
  /** The highest share of its memory request any attempt reached: 0.25 is a quarter of the request. */
  readonly memoryShare: number;
  /** CPU time over the cores requested times the wall time, over all measured attempts: 1 is every requested core busy throughout. */
  readonly cpuEfficiency: number;
  /** unit: seconds; the mean wall time of the measured attempts */
  readonly meanWallSeconds: number;
}

/** Undefined when none of the attempts was measured (an attempt record, or anything with its request and usage). */
export function usedSummary(records: ReadonlyArray<{ readonly resources: ResolvedResources; readonly usage: MeasuredUsage | undefined }>): UsedSummary | undefined {
  let measured = 0;
  let peak = 0;
  let share = 0;
  let cpuSeconds = 0;
  let coreSeconds = 0;
  let wall = 0;
  for (const { resources, usage } of records) {
    if (usage === undefined) continue;
    measured++;
    peak = Math.max(peak, usage.peakMemoryGiB);
    share = Math.max(share, usage.peakMemoryGiB / resources.memoryGiB);
    cpuSeconds += usage.cpuSeconds;
    coreSeconds += resources.cpu * usage.wallSeconds;
    wall += usage.wallSeconds;
  }
  if (measured === 0) return undefined;
  return { measured, peakMemoryGiB: peak, memoryShare: share, cpuEfficiency: coreSeconds === 0 ? 0 : cpuSeconds / coreSeconds, meanWallSeconds: wall / measured };
}

/** "1.2 GiB (15%)": the peak and its share of the request. */
export function describePeak(used: UsedSummary, formatGiB: (gib: number) => string): string {
  return `${formatGiB(used.peakMemoryGiB)} (${Math.round(used.memoryShare * 100)}%)`;
}

/** Said where the figures are shown when no attempt was measured. */
export const NOT_MEASURED_NOTE =
  "no measured usage: tasks run in this process (isolation none) are not measured; --isolation process, Slurm and Kubernetes measure every attempt";
