/**
 * taskfit's dispatch, each case in its own process (see harness.ts): the library path (a task
 * with a LocalScheduler) and what `taskfit run` wires on top (a RunRecorder listening and every
 * call joined to the run's AbortSignal), plus heap per queued call and the cost of many request
 * shapes.
 */
import { customTask, LocalScheduler, type Scheduler, setDefaultScheduler, withAbortSignal } from "taskfit";
import { RunRecorder } from "taskfit/report";
import { medianTiming, type Timing, timedCpu } from "../harness.js";
import { type DispatchParams, heapAfterGc } from "./baselines.js";

const roomy = { memoryGiB: 1e6, storageGiB: 1e6, gpus: 0 };
const noop = customTask({ cpu: 1, memory: 1 })(async function noop() {});

/** The scheduler as the library user has it, or as `taskfit run` sets it up. */
function wiring(kind: "library" | "run", cpu: number): { scheduler: LocalScheduler; call: () => Promise<void> } {
  const scheduler = new LocalScheduler({ capacity: { cpu, ...roomy } });
  if (kind === "library") {
    const task = noop.with({ scheduler });
    return { scheduler, call: () => task() };
  }
  const interrupt = new AbortController();
  const cancellable: Scheduler = withAbortSignal(scheduler, interrupt.signal);
  setDefaultScheduler(cancellable);
  new RunRecorder(scheduler);
  return { scheduler, call: () => noop() };
}

async function dispatch(kind: "library" | "run", params: DispatchParams): Promise<Timing> {
  const once = (count: number) => {
    const { call } = wiring(kind, params.concurrency);
    return Promise.all(Array.from({ length: count }, call));
  };
  await once(Math.min(params.count, 10_000)); // warm up
  const times: Timing[] = [];
  for (let round = 0; round < params.rounds; round++) times.push(await timedCpu(() => once(params.count)));
  return medianTiming(times);
}

export const libraryDispatch = (params: DispatchParams) => dispatch("library", params);
export const runDispatch = (params: DispatchParams) => dispatch("run", params);

/** Heap per queued call: `count` calls wait behind one that holds the whole machine. */
async function memory(kind: "library" | "run", params: { readonly count: number }): Promise<{ bytesPerCall: number; heapMiB: number; ms: number }> {
  const { scheduler, call } = wiring(kind, 1);
  let release: () => void = () => {};
  const hog = customTask({ cpu: 1, memory: 1 })(async function hog() {
    await new Promise<void>((resolve) => (release = resolve));
  });
  const blocker = hog.with({ scheduler })();
  while (scheduler.stats().running === 0) await new Promise((resolve) => setImmediate(resolve));
  const before = heapAfterGc();
  const start = performance.now();
  const calls = Array.from({ length: params.count }, call);
  while (scheduler.stats().queued < params.count) await new Promise((resolve) => setImmediate(resolve));
  const after = heapAfterGc();
  release();
  await Promise.all([blocker, ...calls]);
  return { bytesPerCall: (after - before) / params.count, heapMiB: after / 1024 ** 2, ms: performance.now() - start };
}

export const libraryMemory = (params: { readonly count: number }) => memory("library", params);
export const runMemory = (params: { readonly count: number }) => memory("run", params);

/**
 * `count` calls of a dynamic task on a 4-core machine, with every call its own request shape
 * (memory from the argument) or all of one shape: the same resolution work, only the shapes differ.
 */
export async function shapes(params: { readonly count: number; readonly distinct: boolean; readonly rounds: number }): Promise<Timing> {
  const sized = customTask({ cpu: 1, memory: (mib: number) => `${mib}Mi` })(async function sized(_mib: number) {});
  const once = (count: number) => {
    const scheduler = new LocalScheduler({ capacity: { cpu: 4, ...roomy } });
    const task = sized.with({ scheduler });
    return Promise.all(Array.from({ length: count }, (_, i) => task(params.distinct ? 512 + i : 512)));
  };
  await once(Math.min(params.count, 2_000));
  const times: Timing[] = [];
  for (let round = 0; round < params.rounds; round++) times.push(await timedCpu(() => once(params.count)));
  return medianTiming(times);
}
