/**
 * How any scheduler starts the worker entry: which file, with which Node flags. Shared by
 * LocalScheduler's process isolation and the cluster schedulers, so a task runs the same way in a
 * child process, a Slurm job or a Kubernetes pod.
 */
import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SubmissionError } from "../errors.js";
import { mebibytesUp } from "../resources/rounding.js";

const TYPESCRIPT = /\.[cm]?tsx?$/;

/** Text every build of the worker entry contains (it reads this variable), and no other file would. */
const ENTRY_MARK = "TASKFIT_WORKER";

const checked = new Map<string, boolean>();

/** Read once per path: cluster schedulers ask for the entry on every submission. */
function isWorkerEntry(path: string): boolean {
  let known = checked.get(path);
  if (known === undefined) {
    try {
      known = statSync(path).isFile() && readFileSync(path, "utf8").includes(ENTRY_MARK);
    } catch {
      known = false;
    }
    checked.set(path, known);
  }
  return known;
}

/**
 * The script a worker process runs: `TASKFIT_WORKER_ENTRY` when set; else the entry beside this
 * code (src/schedulers/worker.ts from source, dist/worker.js installed); else, when taskfit was
 * bundled into an application, `taskfit-worker.{mjs,js,cjs}` beside the bundle (its `taskfit/worker`
 * entry point bundled under that name).
 */
export function workerEntry(): string {
  const explicit = process.env.TASKFIT_WORKER_ENTRY;
  if (explicit !== undefined && explicit !== "") {
    const path = resolve(explicit);
    if (isWorkerEntry(path)) return path;
    throw new SubmissionError({
      task: "(any)",
      scheduler: "a worker process",
      detail: `Expected TASKFIT_WORKER_ENTRY to name taskfit's worker entry (taskfit/worker, or a bundle of it), got ${JSON.stringify(explicit)}`,
    });
  }
  const here = import.meta.url;
  const candidates = ["./worker.ts", "../worker.ts", "./worker.js", "../worker.js", "./taskfit-worker.mjs", "./taskfit-worker.js", "./taskfit-worker.cjs"];
  for (const candidate of candidates) {
    const path = fileURLToPath(new URL(candidate, here));
    if (isWorkerEntry(path)) return path;
  }
  throw new SubmissionError({
    task: "(any)",
    scheduler: "a worker process",
    detail:
      `the worker entry is missing next to ${here}. When taskfit is bundled into an application, bundle \`taskfit/worker\` as a ` +
      "second entry point named taskfit-worker beside it, or set TASKFIT_WORKER_ENTRY to its path",
  });
}

/** The V8 heap cap for a task's memory: a cap, not a request, so rounded up, never below what V8 needs. */
export function heapLimitMiB(memoryGiB: number): number {
  return Math.max(32, mebibytesUp(memoryGiB));
}

/** Node flags for a worker: tsx when TypeScript is involved, and the heap cap. */
export function workerNodeArgs(entry: string, module: string | undefined, memoryGiB: number): string[] {
  const typescript = TYPESCRIPT.test(entry) || TYPESCRIPT.test(module ?? "");
  return [...(typescript ? ["--import", "tsx"] : []), `--max-old-space-size=${heapLimitMiB(memoryGiB)}`];
}

/**
 * The worker's own Node process, before the task allocates anything (VmRSS, Node 20.20): about
 * 57 MiB from the built package, about 95 MiB when the task's module is TypeScript (run through
 * tsx). On Slurm (`--mem`) and Kubernetes (the container's limit) it counts against the task's
 * memory together with the tools the task starts: taskfit requests the task's memory as written,
 * so a task that starts a tool sized to the request should leave this much room.
 */
export const WORKER_MEMORY_NOTE =
  "the memory limit also holds taskfit's worker (a Node process of about 57 MiB, about 95 MiB for a TypeScript module run through tsx) besides the tools the task starts: leave that much room above what the tools need";

/** Whether a Node process's stderr says its V8 heap reached its limit. */
export function heapExhausted(stderr: string): boolean {
  return /heap out of memory|Reached heap limit|Allocation failed - JavaScript heap/i.test(stderr);
}

/** Whether a worker that ended this way died of memory: V8's heap limit, or a kill by the OOM killer. */
export function diedOfMemory(exitCode: number | null, signal: NodeJS.Signals | null, stderr: string): boolean {
  return heapExhausted(stderr) || signal === "SIGKILL" || exitCode === 137;
}
