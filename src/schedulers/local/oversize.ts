/**
 * A request larger than the whole machine can never start. By default that is an
 * UnschedulableError at once, naming what is short; with `oversize: "clamp"` the request is
 * lowered to the machine (one warning per task), so a workflow written for `large_task` still runs
 * on a laptop.
 */
import { type Shortfall, UnschedulableError } from "../../errors.js";
import type { ResolvedResources } from "../../resources/spec.js";
import type { Capacity } from "./capacity.js";

export type OversizePolicy = "error" | "clamp";

/** The way out, named in the error: a workflow written for a cluster still runs on a small machine. */
const OVERSIZE_HINT = 'To run it here with what the machine has, use `oversize: "clamp"` (LocalScheduler option) or `--oversize clamp` (taskfit run)';

function matchingGpus(capacity: Capacity, type: string | undefined): number {
  return type === undefined ? capacity.gpus.length : capacity.gpus.filter((device) => device.type === type).length;
}

export function shortfalls(resources: ResolvedResources, capacity: Capacity): Shortfall[] {
  const short: Shortfall[] = [];
  if (resources.cpu > capacity.cpu) short.push({ field: "cpu", requested: resources.cpu, available: capacity.cpu });
  if (resources.memoryGiB > capacity.memoryGiB) {
    short.push({ field: "memoryGiB", requested: resources.memoryGiB, available: round(capacity.memoryGiB) });
  }
  if (resources.storageGiB !== undefined && capacity.storageGiB !== undefined && resources.storageGiB > capacity.storageGiB) {
    short.push({ field: "storageGiB", requested: resources.storageGiB, available: round(capacity.storageGiB) });
  }
  const gpus = matchingGpus(capacity, resources.gpuType);
  if (resources.gpu > gpus) {
    const what = resources.gpuType === undefined ? "gpu" : `gpu (type ${resources.gpuType})`;
    short.push({ field: what, requested: resources.gpu, available: gpus });
  }
  return short;
}

const warned = new Set<string>();

export function fitToCapacity(
  resources: ResolvedResources,
  capacity: Capacity,
  policy: OversizePolicy,
  task: string,
  scheduler: string,
): ResolvedResources {
  const short = shortfalls(resources, capacity);
  if (short.length === 0) return resources;
  if (policy === "error") throw new UnschedulableError({ task, scheduler, shortfalls: short, hint: OVERSIZE_HINT });
  if (!warned.has(task)) {
    warned.add(task);
    const what = short.map((s) => `${s.field} ${s.requested} -> ${s.available}`).join(", ");
    process.emitWarning(`taskfit: task \`${task}\` is larger than ${scheduler}; clamped (${what})`, {
      code: "TASKFIT_OVERSIZE_CLAMPED",
    });
  }
  const gpu = Math.min(resources.gpu, matchingGpus(capacity, resources.gpuType));
  const { gpuType, storageGiB, ...rest } = resources;
  return {
    ...rest,
    cpu: Math.min(resources.cpu, capacity.cpu),
    memoryGiB: Math.min(resources.memoryGiB, capacity.memoryGiB),
    ...(storageGiB !== undefined && {
      storageGiB: capacity.storageGiB === undefined ? storageGiB : Math.min(storageGiB, capacity.storageGiB),
    }),
    gpu,
    ...(gpu > 0 && gpuType !== undefined && { gpuType }),
  };
}

function round(value: number): number {
  return Number(value.toFixed(3));
}
