/**
 * The fitting benchmark's task, run for real under process isolation: `allocate(files, jitter)`
 * holds the memory the truth gives for its inputs (fit-truth.ts) in V8's heap, where the worker's
 * heap cap (the task's memory) applies, with every page written, and keeps `cores` threads busy
 * for `HOLD_MS`, long enough for the worker's sampling to see it. Its main thread stays idle
 * while it holds, so a sampler on the worker's own event loop still runs.
 *
 * This module runs it with the generous static spec; the benchmark's rerun writes a module that
 * pastes the spec `taskfit fit` printed in place of it and reuses `holdMemory` and `runWorkload`.
 */
import { readFile } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import { customTask, TaskFile } from "taskfit";
import { FIT_TRUTH, STATIC_SPEC, truePeakGiB } from "./fit-truth.js";

/** unit: ms; how long the memory is held and the cores kept busy */
export const HOLD_MS = 1500;

/** Doubles in V8's heap: 8 MiB per chunk, copied from one template (no per-element writes, no element-kind changes). */
const CHUNK_ELEMENTS = 1 << 20;
const CHUNK_GIB = (CHUNK_ELEMENTS * 8) / 1024 ** 3;

function busyThread(ms: number): Promise<void> {
  const worker = new Worker("const end = Date.now() + require('node:worker_threads').workerData; let x = 0; while (Date.now() < end) x++;", { eval: true, workerData: ms });
  return new Promise((resolve, reject) => worker.on("exit", () => resolve()).on("error", reject));
}

/** The task's body: hold the truth's memory for these inputs, with the truth's cores busy. */
export async function holdMemory(files: TaskFile[], jitter: number): Promise<{ heldGiB: number; cores: number }> {
  const sizes = files.map((file) => file.size());
  const targetGiB = truePeakGiB(FIT_TRUTH, { sizes, jitter });
  const template = new Array<number>(CHUNK_ELEMENTS).fill(0.5);
  const held: number[][] = [];
  for (let gib = CHUNK_GIB; gib < targetGiB; gib += CHUNK_GIB) held.push(template.slice());
  await Promise.all(Array.from({ length: FIT_TRUTH.cores }, () => busyThread(HOLD_MS)));
  return { heldGiB: (held.length + 1) * CHUNK_GIB, cores: FIT_TRUTH.cores };
}

/**
 * One call of the task per entry of the manifest the benchmark wrote (`{ files: [paths], jitter }`),
 * every one run to its end: a call that runs out of memory is counted (the history has it), not
 * a reason to cancel the others.
 */
export async function runWorkload(task: (files: TaskFile[], jitter: number) => Promise<unknown>, manifest: string): Promise<{ calls: number; failed: number }> {
  const calls = JSON.parse(await readFile(manifest, "utf8")) as { files: string[]; jitter: number }[];
  const settled = await Promise.allSettled(calls.map((call) => task(call.files.map((path) => new TaskFile(path)), call.jitter)));
  return { calls: calls.length, failed: settled.filter((s) => s.status === "rejected").length };
}

export const allocate = customTask({ cpu: STATIC_SPEC.cpu, memory: STATIC_SPEC.memoryGiB })(async function allocate(files: TaskFile[], jitter: number) {
  return holdMemory(files, jitter);
});

export default function workload(manifest: string): Promise<{ calls: number; failed: number }> {
  return runWorkload(allocate, manifest);
}
