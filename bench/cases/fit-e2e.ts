/**
 * Record, fit, rerun, on this machine: a seeded workload of `allocate` calls (fit-task.ts) runs
 * under process isolation on the LocalScheduler with the generous static spec and `--record`;
 * `taskfit fit` reads that history; the same calls run again from a module that pastes the spec
 * it printed, also recorded. Both runs get the same fixed capacity, so reserved memory x time,
 * makespan and out-of-memory kills compare directly. Needs the built command (dist/) and a worker
 * that measures its attempts.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { workload } from "./fit-truth.js";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = join(ROOT, "dist/cli.js");
const TASK_MODULE = fileURLToPath(new URL("./fit-task.ts", import.meta.url));
/** What both runs get: 2 cores (this machine's), and memory the static spec fills with one task. */
const CAPACITY = ["--cpu", "2", "--memory", "6Gi"];

export interface RunFigures {
  readonly makespanMs: number;
  /** unit: GiB x seconds; each attempt's memory request times how long it ran */
  readonly reservedGiBSeconds: number;
  readonly attempts: number;
  readonly measured: number;
  readonly outOfMemory: number;
}

export interface RoundTrip {
  readonly seed: number;
  readonly calls: number;
  readonly before: RunFigures;
  readonly after: RunFigures;
  /** The fitted line before headroom: GiB = intercept + slope * input GiB. */
  readonly fit: { readonly feature: string; readonly intercept: number; readonly slope: number; readonly r2: number } | null;
  /** The spec `taskfit fit` printed, as pasted. */
  readonly spec: readonly string[];
}

interface HistoryLineLike {
  readonly runSeconds: number | null;
  readonly request: { readonly memoryGiB: number };
  readonly usage: unknown;
  readonly outcome: { readonly code: string | null };
}

async function taskfit(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 ** 2 });
    return stdout;
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`taskfit ${args.join(" ")} failed: ${(stderr ?? "").trim().split("\n").slice(-3).join(" | ") || String(error)}${stdout ? ` (stdout: ${stdout.slice(0, 300)})` : ""}`);
  }
}

/** Runs the workload from `module` with --record into `history`; figures from the run and its history. */
async function recordedRun(module: string, manifest: string, history: string): Promise<RunFigures> {
  const out = JSON.parse(await taskfit(["run", module, "--args", JSON.stringify([manifest]), "--isolation", "process", ...CAPACITY, "--record", history, "--json", "--no-progress"])) as { ok: boolean; wallMs: number; error?: unknown };
  if (!out.ok) throw new Error(`the run of ${module} failed: ${JSON.stringify(out.error)}`);
  const lines = (await readFile(join(history, "history.jsonl"), "utf8"))
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as HistoryLineLike);
  return {
    makespanMs: out.wallMs,
    reservedGiBSeconds: lines.reduce((sum, line) => sum + line.request.memoryGiB * (line.runSeconds ?? 0), 0),
    attempts: lines.length,
    measured: lines.filter((line) => line.usage !== null).length,
    outOfMemory: lines.filter((line) => line.outcome.code === "OUT_OF_MEMORY").length,
  };
}

/** The static task's module with the printed spec pasted in place of the static one. */
function fittedModule(spec: readonly string[]): string {
  const dist = pathToFileURL(join(ROOT, "dist/index.js")).href;
  return `import { customTask, totalGiB, type TaskFile } from ${JSON.stringify(dist)};
import { holdMemory, runWorkload } from ${JSON.stringify(pathToFileURL(TASK_MODULE).href)};

void totalGiB;
export const allocate = customTask({
  ${spec.join("\n  ")}
})(async function allocate(files: TaskFile[], jitter: number) {
  return holdMemory(files, jitter);
});

export default function workload(manifest: string): Promise<{ calls: number; failed: number }> {
  return runWorkload(allocate, manifest);
}
`;
}

export async function roundTrip(params: { seed: number; count: number; maxFileMiB: number }): Promise<RoundTrip> {
  const dir = await mkdtemp(join(tmpdir(), `taskfit-fit-bench-${params.seed}-`));
  try {
    // Sparse input files: only their sizes matter to the task.
    const calls = workload(params.seed, params.count, params.maxFileMiB);
    await mkdir(join(dir, "inputs"));
    const manifest = await Promise.all(
      calls.map(async (call, i) => ({
        files: await Promise.all(
          call.sizes.map(async (size, j) => {
            const path = join(dir, "inputs", `call${i}-file${j}.dat`);
            await writeFile(path, "");
            await truncate(path, size);
            return path;
          }),
        ),
        jitter: call.jitter,
      })),
    );
    const manifestPath = join(dir, "manifest.json");
    await writeFile(manifestPath, JSON.stringify(manifest));

    const before = await recordedRun(TASK_MODULE, manifestPath, join(dir, "static"));
    if (before.measured === 0) throw new Error("no attempt of the static run was measured: the worker sends no measured usage yet");
    const fitted = JSON.parse(await taskfit(["fit", join(dir, "static"), "--json"])) as {
      tasks: Array<{ spec: string[]; memory: { function: { fit: { feature: string; intercept: number; slope: number; r2: number } } | null } }>;
    };
    const [task] = fitted.tasks;
    if (task === undefined || task.spec.length === 0) throw new Error(`taskfit fit suggested no spec: ${JSON.stringify(fitted)}`);
    // .mts: an ES module wherever it is written (a .ts outside a "type": "module" package would be CommonJS).
    const module = join(dir, "fitted.mts");
    await writeFile(module, fittedModule(task.spec));
    const after = await recordedRun(module, manifestPath, join(dir, "fitted"));
    return { seed: params.seed, calls: calls.length, before, after, fit: task.memory.function?.fit ?? null, spec: task.spec };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

