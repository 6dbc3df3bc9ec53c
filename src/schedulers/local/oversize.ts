/**
 * A request larger than the whole machine can never start. By default that is an
 * UnschedulableError at once, naming what is short; with `oversize: "clamp"` its CPU, memory and
 * storage are lowered to the machine, so a workflow written for `large_task` still runs on a
 * laptop. Each clamped attempt says so: records in `resources.clamped` (which the run recorder,
 * `taskfit run` and the report show), and the scheduler's `clamped` event or, with nobody
 * listening to it, a process warning per distinct clamping.
 * GPUs are never clamped away: a task that asks for a GPU needs it, so a GPU shortfall is always an
 * UnschedulableError, whatever the policy.
 */
import { type Shortfall, UnschedulableError } from "../../errors.js";
import { type ClampRecord, describeClamping } from "../../resources/limits.js";
import type { ResolvedResources } from "../../resources/spec.js";
import { shortfalls as fitShortfalls } from "../fit.js";
import type { MachineCapacity } from "./capacity.js";
import { type DeviceMatcher, exactType } from "./gpu-match.js";

export type OversizePolicy = "error" | "clamp";

/** The way out, named in the error: a workflow written for a cluster still runs on a small machine. */
const OVERSIZE_HINT = 'To run it here with what the machine has, use `oversize: "clamp"` (LocalScheduler option) or `--oversize clamp` (taskfit run)';

function matchingGpus(capacity: MachineCapacity, type: string | undefined, matches: DeviceMatcher): number {
  return capacity.gpus.filter((device) => matches(device, type)).length;
}

/** What the machine lacks for this request: the machine is the one node it could run on. */
export function shortfalls(resources: ResolvedResources, capacity: MachineCapacity, matches: DeviceMatcher = exactType): Shortfall[] {
  const machine = { cpu: capacity.cpu, memoryGiB: capacity.memoryGiB, storageGiB: capacity.storageGiB, gpus: matchingGpus(capacity, resources.gpuType, matches) };
  return fitShortfalls(resources, [machine]);
}

const warned = new Set<string>();

/**
 * One process warning per distinct clamping (task and figures), not per attempt: a fan-out of a
 * thousand identical calls warns once, another size of the same task warns again.
 */
export function warnOversize(task: string, scheduler: string, records: readonly ClampRecord[]): void {
  const what = describeClamping(records);
  const key = `${task}\u0000${what}`;
  if (warned.has(key)) return;
  warned.add(key);
  process.emitWarning(`taskfit: task \`${task}\` is larger than ${scheduler}; clamped (${what})`, { code: "TASKFIT_OVERSIZE_CLAMPED" });
}

/** The records this scheduler added to a clamped request (after those of the custom-task limits). */
export function oversizeRecords(resources: ResolvedResources): readonly ClampRecord[] {
  return resources.clamped.filter((record) => record.by === "oversize");
}

const OPTION_KEY = { cpu: "cpu", memoryGiB: "memory", storageGiB: "storage" } as const;

export function fitToCapacity(
  resources: ResolvedResources,
  capacity: MachineCapacity,
  policy: OversizePolicy,
  task: string,
  scheduler: string,
  matches: DeviceMatcher = exactType,
): ResolvedResources {
  const short = shortfalls(resources, capacity, matches);
  if (short.length === 0) return resources;
  // A GPU shortfall is never clamped away, so clamping is no way out of it and is not offered.
  if (resources.gpu > matchingGpus(capacity, resources.gpuType, matches)) throw new UnschedulableError({ task, scheduler, shortfalls: short });
  if (policy === "error") throw new UnschedulableError({ task, scheduler, shortfalls: short, hint: OVERSIZE_HINT });
  const records: ClampRecord[] = [];
  const lower = (field: "cpu" | "memoryGiB" | "storageGiB", requested: number, available: number | undefined): number => {
    if (available === undefined || requested <= available) return requested;
    // The scheduler does not know which spelling the task used: the canonical key names it.
    records.push({ field, key: OPTION_KEY[field], requested, limit: available, by: "oversize" });
    return available;
  };
  const cpu = lower("cpu", resources.cpu, capacity.cpu);
  const memoryGiB = lower("memoryGiB", resources.memoryGiB, capacity.memoryGiB);
  const storageGiB = resources.storageGiB === undefined ? undefined : lower("storageGiB", resources.storageGiB, capacity.storageGiB);
  return {
    ...resources,
    cpu,
    memoryGiB,
    ...(storageGiB !== undefined && { storageGiB }),
    clamped: [...resources.clamped, ...records],
  };
}
