/**
 * LocalScheduler benchmarks, each a ratio against a baseline measured in the same run:
 *  1. dispatch overhead: N no-op tasks through LocalScheduler vs through p-queue at the same concurrency;
 *  2. scaling: time for 100,000 queued tasks / time for 10,000 (linear would be 10);
 *  3. packing: a seeded batch on 16 CPU / 64 GiB in simulated time: makespan / lower bound, and how
 *     far a concurrency-only queue (p-queue at 16) over-commits memory on the same batch.
 */
import PQueue from "p-queue";
import { customTask, LocalScheduler, ManualClock } from "taskfit";

const roomy = { memoryGiB: 1e6, storageGiB: 1e6, gpus: 0 };

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const noop = customTask({ cpu: 1, memory: 1 })(async function noop() {});
const noopWide = customTask({ cpu: 2, memory: 1 })(async function noopWide() {});

function throughTaskfit(count: number, concurrency: number): () => Promise<unknown> {
  return () => {
    const local = new LocalScheduler({ capacity: { cpu: concurrency, ...roomy } });
    const narrow = noop.with({ scheduler: local });
    const wide = noopWide.with({ scheduler: local });
    return Promise.all(Array.from({ length: count }, (_, i) => (i % 4 === 3 ? wide() : narrow())));
  };
}

function throughPQueue(count: number, concurrency: number): () => Promise<unknown> {
  return () => {
    const queue = new PQueue({ concurrency });
    return Promise.all(Array.from({ length: count }, () => queue.add(async () => {})));
  };
}

async function dispatch(): Promise<string[]> {
  const count = 100_000;
  const concurrency = 8;
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let round = 0; round < 5; round++) {
    theirs.push(await timed(throughPQueue(count, concurrency)));
    ours.push(await timed(throughTaskfit(count, concurrency)));
  }
  const ratio = median(ours) / median(theirs);
  return [
    `1. dispatch, ${count.toLocaleString("en")} no-op tasks at concurrency ${concurrency} (median of 5):`,
    `   taskfit LocalScheduler ${median(ours).toFixed(0)} ms, p-queue ${median(theirs).toFixed(0)} ms, ratio ${ratio.toFixed(2)} (goal <= 1.5)`,
  ];
}

async function scaling(): Promise<string[]> {
  const small: number[] = [];
  const large: number[] = [];
  const queueSmall: number[] = [];
  const queueLarge: number[] = [];
  for (let round = 0; round < 5; round++) {
    small.push(await timed(throughTaskfit(10_000, 8)));
    large.push(await timed(throughTaskfit(100_000, 8)));
    queueSmall.push(await timed(throughPQueue(10_000, 8)));
    queueLarge.push(await timed(throughPQueue(100_000, 8)));
  }
  const ratio = median(large) / median(small);
  const reference = median(queueLarge) / median(queueSmall);
  return [
    "2. scaling, queued tasks (median of 5):",
    `   100,000 tasks ${median(large).toFixed(0)} ms / 10,000 tasks ${median(small).toFixed(0)} ms = ${ratio.toFixed(2)} (goal <= 12)`,
    `   for reference, p-queue's own 100,000 / 10,000 in this run: ${reference.toFixed(2)} (what is above 10 there is the runtime: promises and GC)`,
  ];
}

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

interface Job {
  readonly cpu: number;
  readonly memory: number;
  /** unit: simulated ms */
  readonly duration: number;
}

function batch(): Job[] {
  const rand = seeded(42);
  const pick = <T>(options: readonly T[]) => options[Math.floor(rand() * options.length)] as T;
  return Array.from({ length: 500 }, () => ({
    cpu: pick([1, 1, 2, 2, 4, 8]),
    memory: pick([1, 2, 4, 8, 16, 32]),
    duration: 100 + Math.floor(rand() * 900),
  }));
}

/** Runs simulated time until no timer is left. */
async function drain(clock: ManualClock): Promise<void> {
  for (;;) {
    await new Promise((resolve) => setImmediate(resolve));
    if (!clock.runNext()) return;
  }
}

async function packing(): Promise<string[]> {
  const jobs = batch();
  const cpu = 16;
  const memoryGiB = 64;
  const lowerBound = Math.max(
    jobs.reduce((sum, j) => sum + j.cpu * j.duration, 0) / cpu,
    jobs.reduce((sum, j) => sum + j.memory * j.duration, 0) / memoryGiB,
    Math.max(...jobs.map((j) => j.duration)),
  );

  const clock = new ManualClock();
  const local = new LocalScheduler({ capacity: { cpu, memoryGiB, storageGiB: 1e6, gpus: 0 }, clock });
  const sleep = customTask({ cpu: (j: Job) => j.cpu, memory: (j: Job) => j.memory })(async function sleep(j: Job) {
    await new Promise<void>((resolve) => clock.setTimeout(resolve, j.duration));
  });
  const done = Promise.all(jobs.map((job) => sleep.with({ scheduler: local })(job)));
  await drain(clock);
  await done;
  const makespan = clock.now();

  const queueClock = new ManualClock();
  const queue = new PQueue({ concurrency: 16 });
  let memoryInUse = 0;
  let peakMemory = 0;
  const queued = Promise.all(
    jobs.map((job) =>
      queue.add(async () => {
        memoryInUse += job.memory;
        peakMemory = Math.max(peakMemory, memoryInUse);
        await new Promise<void>((resolve) => queueClock.setTimeout(resolve, job.duration));
        memoryInUse -= job.memory;
      }),
    ),
  );
  await drain(queueClock);
  await queued;
  return [
    `3. packing, ${jobs.length} seeded tasks (1-8 CPU, 1-32 GiB) on ${cpu} CPU / ${memoryGiB} GiB, simulated time:`,
    `   LocalScheduler makespan ${makespan} / lower bound ${lowerBound.toFixed(0)} = ${(makespan / lowerBound).toFixed(3)} (goal <= 1.15); peak ${local.stats().peak.cpu} CPU, ${local.stats().peak.memoryGiB} GiB`,
    `   p-queue (concurrency 16) on the same batch: peak memory ${peakMemory} GiB = ${(peakMemory / memoryGiB).toFixed(2)} x the machine`,
  ];
}

export async function benchLocal(): Promise<void> {
  const lines = [...(await dispatch()), ...(await scaling()), ...(await packing())];
  console.log(`\nLocalScheduler\n${lines.join("\n")}`);
}
