/**
 * The known truth behind the fitting benchmark and its test: a task whose peak memory is
 * `interceptGiB + slope * (GiB of its input files)`, times seeded noise, and which keeps a known
 * number of cores busy. From it: seeded inputs (files of varied sizes) for real runs, and
 * synthetic history lines (the format of src/fit/history-line.ts) for testing the fit alone.
 * Nothing here imports taskfit: the unit test uses it against src/, the benchmark against dist/.
 */

export interface FitTruth {
  /** unit: GiB; what the task holds whatever its input */
  readonly interceptGiB: number;
  /** unit: GiB per GiB of input */
  readonly slope: number;
  /** The peak varies by up to this share either way (uniform). */
  readonly noise: number;
  /** Cores kept busy while it holds the memory. */
  readonly cores: number;
}

export const FIT_TRUTH: FitTruth = Object.freeze({ interceptGiB: 0.12, slope: 1.6, noise: 0.05, cores: 1 });

/** The generous static spec the workload is first run with. */
export const STATIC_SPEC = Object.freeze({ cpu: 2, memoryGiB: 4 });

/** mulberry32: a small seeded generator, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MIB = 1024 ** 2;

/** One call of the task: the sizes of its input files and its noise draw. */
export interface WorkloadCall {
  /** unit: bytes, one per input file */
  readonly sizes: readonly number[];
  /** In [-1, 1]: the peak is the truth times (1 + noise * jitter). */
  readonly jitter: number;
}

/** `count` calls, each with 1 to 3 input files of 16 MiB to `maxFileMiB` MiB. */
export function workload(seed: number, count: number, maxFileMiB = 256): WorkloadCall[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => ({
    sizes: Array.from({ length: 1 + Math.floor(random() * 3) }, () => Math.round((16 + random() * (maxFileMiB - 16)) * MIB)),
    jitter: random() * 2 - 1,
  }));
}

/** unit: GiB; what a call of the task really peaks at. */
export function truePeakGiB(truth: FitTruth, call: WorkloadCall): number {
  const inputGiB = call.sizes.reduce((sum, size) => sum + size, 0) / 1024 ** 3;
  return (truth.interceptGiB + truth.slope * inputGiB) * (1 + truth.noise * call.jitter);
}

/**
 * History lines as `taskfit run --record` writes them, for calls of `allocate(files, jitter)` run
 * with the static spec: measured peaks from the truth, every `outlierEvery`-th one 40% higher
 * (a noisy neighbour, a sampling artefact) to show the fit shrugs them off.
 */
export function syntheticHistory(seed: number, count: number, truth: FitTruth = FIT_TRUTH, outlierEvery = 9): object[] {
  return workload(seed, count).map((call, i) => {
    const runSeconds = 1 + i / count;
    const peak = truePeakGiB(truth, call) * (outlierEvery > 0 && i % outlierEvery === outlierEvery - 1 ? 1.4 : 1);
    return {
      version: 1,
      run: `synthetic-${seed}`,
      recordedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      task: { name: "allocate", module: "file:///bench/cases/fit-task.ts", index: 0 },
      label: null,
      attempt: 1,
      parameters: ["files", "jitter"],
      spec: { preset: null, cpu: STATIC_SPEC.cpu, memoryGiB: STATIC_SPEC.memoryGiB, storageGiB: null, gpu: 0, gpuType: null, timeoutSeconds: null, retries: { count: 0, on: [], escalate: null }, overLimit: "error", label: null, clamped: [] },
      request: { cpu: STATIC_SPEC.cpu, memoryGiB: STATIC_SPEC.memoryGiB, storageGiB: null, gpu: 0, gpuType: null, source: { kind: "custom", dynamic: [], overridden: [] }, clamped: [] },
      usage: { peakMemoryGiB: peak, cpuSeconds: truth.cores * runSeconds * 0.98, wallSeconds: runSeconds, peakScratchGiB: null, method: "synthetic" },
      unmeasured: null,
      outcome: { end: "ok", code: null, message: null },
      waitSeconds: 0,
      runSeconds,
      features: { "args[0].count": call.sizes.length, "args[0].totalBytes": call.sizes.reduce((a, b) => a + b, 0), "args[1]": call.jitter },
      kinds: { "args[0]": "TaskFile[]", "args[1]": "number" },
      featureErrors: [],
    };
  });
}
