/**
 * Packing in simulated time (ManualClock): seeded batches with CPU, memory and GPUs through the
 * LocalScheduler, against an offline first-fit-decreasing packer that sees the whole batch and
 * every duration in advance, and against the lower bound (no schedule can beat it: for each
 * resource, the work asked of it over what the machine has, and the longest task).
 *
 * The run checks that it measures the scheduler and nothing else: every task is queued before the
 * first one starts (the scheduler sees the whole batch, as the offline packer does), and every
 * task starts at time 0 or at the moment another finished (no simulated time lost to the event
 * loop between a completion and the starts it allows).
 */
import { customTask, LocalScheduler } from "taskfit";
import { ManualClock } from "taskfit/testing";

export interface Job {
  readonly cpu: number;
  readonly memory: number;
  readonly gpu: number;
  /** unit: simulated ms */
  readonly duration: number;
}

export const MACHINE = { cpu: 16, memoryGiB: 64, gpus: 4 } as const;

/** mulberry32 */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function batch(seed: number, count: number): Job[] {
  const rand = seeded(seed);
  const pick = <T>(options: readonly T[]) => options[Math.floor(rand() * options.length)] as T;
  return Array.from({ length: count }, () => ({
    cpu: pick([1, 1, 2, 2, 4, 8]),
    memory: pick([1, 2, 4, 8, 16, 32]),
    gpu: rand() < 0.15 ? pick([1, 1, 2]) : 0,
    duration: 100 + Math.floor(rand() * 900),
  }));
}

export function lowerBound(jobs: readonly Job[]): number {
  const area = (of: (j: Job) => number, total: number) => jobs.reduce((sum, j) => sum + of(j) * j.duration, 0) / total;
  return Math.max(area((j) => j.cpu, MACHINE.cpu), area((j) => j.memory, MACHINE.memoryGiB), area((j) => j.gpu, MACHINE.gpus), ...jobs.map((j) => j.duration));
}

/**
 * Offline list scheduling in first-fit-decreasing order: jobs sorted by their largest share of
 * the machine (times duration), and at every completion each waiting job that fits starts, in
 * that order.
 */
export function firstFitDecreasing(jobs: readonly Job[]): number {
  const weight = (j: Job) => Math.max(j.cpu / MACHINE.cpu, j.memory / MACHINE.memoryGiB, j.gpu / MACHINE.gpus) * j.duration;
  let waiting = [...jobs].sort((a, b) => weight(b) - weight(a));
  const running: Array<{ job: Job; end: number }> = [];
  const free = { cpu: MACHINE.cpu, memory: MACHINE.memoryGiB, gpu: MACHINE.gpus };
  let now = 0;
  while (waiting.length > 0 || running.length > 0) {
    waiting = waiting.filter((job) => {
      if (job.cpu > free.cpu || job.memory > free.memory || job.gpu > free.gpu) return true;
      free.cpu -= job.cpu;
      free.memory -= job.memory;
      free.gpu -= job.gpu;
      running.push({ job, end: now + job.duration });
      return false;
    });
    running.sort((a, b) => a.end - b.end);
    const next = running.shift();
    if (next === undefined) break;
    now = next.end;
    free.cpu += next.job.cpu;
    free.memory += next.job.memory;
    free.gpu += next.job.gpu;
    while (running[0] !== undefined && running[0].end === now) {
      const { job } = running.shift() as { job: Job };
      free.cpu += job.cpu;
      free.memory += job.memory;
      free.gpu += job.gpu;
    }
  }
  return now;
}

/** Runs simulated time until no timer is left. */
async function drain(clock: ManualClock): Promise<void> {
  for (;;) {
    await new Promise((resolve) => setImmediate(resolve));
    if (!clock.runNext()) return;
  }
}

export interface PackingResult {
  readonly seed: number;
  readonly makespan: number;
  readonly ffd: number;
  readonly bound: number;
  /** When the last task started: the tasks' durations are unknown to the scheduler, so the last one to start runs its whole length past it. */
  readonly lastStart: number;
}

export async function packing(params: { readonly seeds: readonly number[]; readonly count: number }): Promise<PackingResult[]> {
  const results: PackingResult[] = [];
  for (const seed of params.seeds) {
    const jobs = batch(seed, params.count);
    const clock = new ManualClock();
    const gpus = Array.from({ length: MACHINE.gpus }, (_, index) => ({ index }));
    const local = new LocalScheduler({ capacity: { cpu: MACHINE.cpu, memoryGiB: MACHINE.memoryGiB, storageGiB: 1e6, gpus }, clock });
    let queued = 0;
    let lastStart = 0;
    const finishes = new Set<number>([0]);
    local.on("queued", () => queued++);
    local.on("finished", (event) => finishes.add(event.at));
    local.on("started", (event) => {
      if (queued !== jobs.length) throw new Error(`seed ${seed}: a task started with ${queued} of ${jobs.length} queued: the scheduler did not see the whole batch`);
      if (!finishes.has(event.at)) throw new Error(`seed ${seed}: a task started at ${event.at}, when none had finished: simulated time was lost`);
      lastStart = event.at;
    });
    const sleep = customTask({ cpu: (j: Job) => j.cpu, memory: (j: Job) => j.memory, gpu: (j: Job) => j.gpu })(async function sleep(j: Job) {
      await new Promise<void>((resolve) => clock.setTimeout(resolve, j.duration));
    });
    const done = Promise.all(jobs.map((job) => sleep.with({ scheduler: local })(job)));
    await drain(clock);
    await done;
    results.push({ seed, makespan: clock.now(), ffd: firstFitDecreasing(jobs), bound: lowerBound(jobs), lastStart });
  }
  return results;
}
