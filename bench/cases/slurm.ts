/**
 * Slurm end to end: `count` tasks submitted at once through SlurmScheduler and awaited to completion,
 * against `count` raw `sbatch` jobs of the same size running Node (`node -e 0`), waited for the
 * same way (squeue for exactly those jobs, every `pollMs`). Each side runs in its own process; its
 * CPU time includes the Slurm commands it ran (children it waited for).
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
