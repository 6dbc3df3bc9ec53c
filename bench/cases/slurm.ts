/**
 * Slurm end to end: `count` tasks submitted at once through SlurmScheduler and awaited to completion,
 * against `count` raw `sbatch` jobs of the same size running Node (`node -e 0`), waited for the
 * same way (squeue for exactly those jobs, every `pollMs`). Each side runs in its own process; its
 * CPU time includes the Slurm commands it ran (children it waited for).
 *
 * Submission of a fan-out: `count` same-shape tasks through SlurmScheduler (one job array) until
 * every call is queued, against `count` single `sbatch` calls; both held (`--hold`), so nothing
 * runs, and cancelled after.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { SlurmScheduler } from "taskfit";
// @ts-expect-error: plain JavaScript, no declarations (see the file)
import { benchNoop } from "./slurm-task.mjs";

const run = promisify(execFile);

export interface SlurmParams {
  readonly count: number;
  readonly pollMs: number;
}

export interface SubmitParams {
  readonly count: number;
  /** How many sbatch processes the raw side keeps running at once. */
  readonly concurrency: number;
}

/** CPU time of this process and the children it has waited for, from /proc (clock ticks of 10 ms). */
function cpuMs(): number {
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]?.split(" ") ?? [];
  // utime, stime, cutime, cstime are fields 14-17 of stat; after "pid (comm) " they are 11-14.
  return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) * 10;
}

export async function taskfitEndToEnd(params: SlurmParams): Promise<{ ms: number; cpuMs: number }> {
  const dir = await mkdtemp(join(tmpdir(), "taskfit-bench-slurm-"));
  try {
    const slurm = new SlurmScheduler({ workDir: dir, pollIntervalMs: params.pollMs });
    const task = benchNoop.with({ scheduler: slurm });
    const cpu = cpuMs();
    const start = performance.now();
    await Promise.all(Array.from({ length: params.count }, (_, i) => task(i)));
    return { ms: performance.now() - start, cpuMs: cpuMs() - cpu };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function rawEndToEnd(params: SlurmParams): Promise<{ ms: number; cpuMs: number }> {
  const cpu = cpuMs();
  const start = performance.now();
  const sbatch = ["--parsable", "--job-name=bench-raw", "--nodes=1", "--ntasks=1", "--cpus-per-task=1", "--mem=128M", "--output=/dev/null"];
  const ids = await Promise.all(
    Array.from({ length: params.count }, async () => (await run("sbatch", [...sbatch, "--wrap", `${process.execPath} -e 0`])).stdout.trim()),
  );
  const waiting = new Set(ids);
  while (waiting.size > 0) {
    await new Promise((resolve) => setTimeout(resolve, params.pollMs));
    const { stdout } = await run("squeue", ["--noheader", "--states=all", `--jobs=${[...waiting].join(",")}`, "--Format=JobID:|,State:|"]);
    for (const line of stdout.split("\n")) {
      const [id, state] = line.trim().split("|");
      if (id !== undefined && ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL"].includes(state ?? "")) waiting.delete(id);
    }
  }
  return { ms: performance.now() - start, cpuMs: cpuMs() - cpu };
}

/** Time until all `count` calls are queued (sbatch has returned for each); then every call is cancelled. */
export async function taskfitSubmitArray(params: SubmitParams): Promise<{ ms: number; arrays: number }> {
  const dir = await mkdtemp(join(tmpdir(), "taskfit-bench-slurm-"));
  try {
    const slurm = new SlurmScheduler({ workDir: dir, extraArgs: ["--hold"] });
    const arrays = new Set<string>();
    let queued = 0;
    let allQueued: () => void = () => undefined;
    const queuedAll = new Promise<void>((resolve) => (allQueued = resolve));
    slurm.on("queued", (event) => {
      arrays.add(event.id.split("_")[0] as string);
      if (++queued === params.count) allQueued();
    });
    const controller = new AbortController();
    const task = benchNoop.with({ scheduler: slurm, signal: controller.signal });
    const start = performance.now();
    const calls = Array.from({ length: params.count }, (_, i) => task(i).catch(() => undefined));
    await queuedAll;
    const ms = performance.now() - start;
    controller.abort("bench done");
    await Promise.all(calls);
    return { ms, arrays: arrays.size };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Time of `count` single sbatch calls of the same job, `concurrency` at a time; then they are cancelled. */
export async function rawSubmitSingles(params: SubmitParams): Promise<{ ms: number }> {
  const sbatch = ["--parsable", "--hold", "--job-name=bench-raw-submit", "--nodes=1", "--ntasks=1", "--cpus-per-task=1", "--mem=128M", "--output=/dev/null"];
  const ids: string[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: params.concurrency }, async () => {
      while (next < params.count) {
        next++;
        ids.push((await run("sbatch", [...sbatch, "--wrap", `${process.execPath} -e 0`])).stdout.trim());
      }
    }),
  );
  const ms = performance.now() - start;
  for (let i = 0; i < ids.length; i += 500) await run("scancel", ids.slice(i, i + 500));
  return { ms };
}
