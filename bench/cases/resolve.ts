/**
 * resolveResources in a plain awaited loop (no benchmark harness between calls) against the
 * hand-written equivalent a user would otherwise write, interleaved in one process. The baselines
 * do what taskfit promises for the same spec and give the same objects (checked before timing).
 * Timed in CPU time of the process, not wall time: on a shared machine a round that waits for a
 * core says nothing about the code, and the loop does no I/O.
 */
import { deepStrictEqual } from "node:assert/strict";
import { customTask, LIMITS, type ResolvedResources, resolveResources } from "taskfit";
import { median } from "../harness.js";

interface FileLike {
  size(): number;
}
const files: FileLike[] = Array.from({ length: 12 }, (_, i) => ({ size: () => (i + 1) * 1024 ** 2 }));
const allocateCpu = (fs: FileLike[]) => Math.min(8, fs.length);
const allocateStorage = (fs: FileLike[]) => (1.5 * fs.reduce((total, f) => total + f.size(), 0)) / 1024 ** 3;

const staticCustom = customTask({ cpu: 8, memory: "16Gi", storage: 100 })(async function staticCustom(_files: FileLike[], _count: number) {});
const dynamic = customTask({ cpu: allocateCpu, memory: 8, storage_gib: allocateStorage })(async function dynamic(_files: FileLike[], _count: number) {});
const args: [FileLike[], number] = [files, 3];

const NO_CLAMPS: readonly never[] = Object.freeze([]);
const NOTHING_OVERRIDDEN: readonly never[] = Object.freeze([]);
const CONSTANT: ResolvedResources = Object.freeze({
  cpu: 8,
  memoryGiB: 16,
  storageGiB: 100,
  gpu: 0,
  source: Object.freeze({ kind: "custom", dynamic: Object.freeze([]), overridden: NOTHING_OVERRIDDEN }),
  clamped: NO_CLAMPS,
});
const HAND_SOURCE: ResolvedResources["source"] = Object.freeze({ kind: "custom", dynamic: Object.freeze(["cpu", "storageGiB"] as const), overridden: NOTHING_OVERRIDDEN });

/** A millicore: the finest CPU request, and the step a CPU count is rounded up to. */
const MILLICORE = 0.001;

/**
 * What a user would write by hand for the same promises: call the functions, refuse what taskfit
 * refuses (NaN, Infinity, a CPU count under a millicore or over the limit, a negative or oversized
 * storage) with an error naming the field, take a storage of 0 as no request, round the CPU count
 * up to a millicore (deaf to floating-point noise), and give the same object taskfit gives.
 */
async function handWritten(fs: FileLike[]): Promise<ResolvedResources> {
  const cpu = allocateCpu(fs);
  const storageGiB = allocateStorage(fs);
  if (!(cpu >= MILLICORE && cpu <= LIMITS.cpu)) throw new RangeError(`cpu: expected a CPU count from ${MILLICORE} to ${LIMITS.cpu}, got ${cpu}`);
  if (storageGiB !== 0 && !(storageGiB > 0 && storageGiB <= LIMITS.storageGiB)) {
    throw new RangeError(`storage_gib: expected a size in GiB above 0 up to ${LIMITS.storageGiB}, or 0 for none, got ${storageGiB}`);
  }
  const cores = Math.ceil(cpu / MILLICORE - 1e-9) / 1000;
  if (storageGiB === 0) return { cpu: cores, memoryGiB: 8, gpu: 0, source: HAND_SOURCE, clamped: NO_CLAMPS };
  return { cpu: cores, memoryGiB: 8, storageGiB, gpu: 0, source: HAND_SOURCE, clamped: NO_CLAMPS };
}

async function constant(): Promise<ResolvedResources> {
  return CONSTANT;
}

/** unit: ms of CPU time (user and system, every thread of the process: the collector's work counts) */
async function cpuTimed(run: () => Promise<unknown>): Promise<number> {
  const start = process.cpuUsage();
  await run();
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}

export async function resolution(params: { readonly count: number; readonly rounds: number }): Promise<Record<string, number>> {
  // Each baseline gives what taskfit gives: the same work, not less.
  deepStrictEqual(await handWritten(files), await resolveResources(dynamic, args));
  deepStrictEqual(await constant(), await resolveResources(staticCustom, args));
  const loop = (one: () => Promise<unknown>) => async () => {
    for (let i = 0; i < params.count; i++) await one();
  };
  const contenders = {
    handWritten: loop(() => handWritten(files)),
    dynamic: loop(() => resolveResources(dynamic, args)),
    constant: loop(constant),
    static: loop(() => resolveResources(staticCustom, args)),
  };
  const times: Record<string, number[]> = { handWritten: [], dynamic: [], constant: [], static: [] };
  for (const run of Object.values(contenders)) await run(); // warm up
  for (let round = 0; round < params.rounds; round++) {
    for (const [name, run] of Object.entries(contenders)) times[name]?.push(await cpuTimed(run));
  }
  return Object.fromEntries(Object.entries(times).map(([name, list]) => [name, (median(list) * 1e6) / params.count]));
}
