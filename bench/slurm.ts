/**
 * Slurm submission overhead: 200 task submissions through SlurmScheduler (resolve, check against
 * the nodes, write the request file, sbatch) vs 200 raw `sbatch --parsable --wrap true` calls, both
 * 200 at once, in the same run. Both submit held jobs (`--hold`), so that what is timed is the
 * submission, not jobs starting on the same two cores. Needs a cluster (`bash scripts/slurm/up.sh`);
 * skipped without one.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { customTask, SlurmScheduler } from "taskfit";

const run = promisify(execFile);
const COUNT = 200;

export const benchNoop = customTask({ cpu: 1, memory: "128Mi" })(async function benchNoop(i: number) {
  return i;
});

function clusterUp(): boolean {
  try {
    return execFileSync("scontrol", ["ping"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).includes("UP");
  } catch {
    return false;
  }
}

async function rawSbatch(): Promise<{ ms: number; ids: string[] }> {
  const start = performance.now();
  const ids = await Promise.all(
    Array.from({ length: COUNT }, async () => (await run("sbatch", ["--parsable", "--hold", "--job-name=bench-raw", "--mem=16M", "--output=/dev/null", "--wrap", "true"])).stdout.trim()),
  );
  return { ms: performance.now() - start, ids };
}

async function throughTaskfit(workDir: string): Promise<number> {
  const slurm = new SlurmScheduler({ workDir, pollIntervalMs: 1000, extraArgs: ["--hold"] });
  const controller = new AbortController();
  const task = benchNoop.with({ scheduler: slurm, signal: controller.signal });
  let submitted = 0;
  const start = performance.now();
  let fail: (error: unknown) => void = () => {};
  const all = new Promise<number>((resolve, reject) => {
    fail = reject;
    slurm.on("submitted", () => {
      submitted++;
      if (submitted === COUNT) resolve(performance.now() - start);
    });
  });
  // A call that fails before its job is submitted ends the measurement with its error.
  const calls = Array.from({ length: COUNT }, (_, i) =>
    task(i).catch((error: unknown) => {
      if (!controller.signal.aborted) fail(error);
    }),
  );
  const ms = await all;
  controller.abort(); // scancel every job: only submission is measured
  await Promise.all(calls);
  return ms;
}

export async function benchSlurm(): Promise<void> {
  if (!clusterUp()) {
    console.log("\nSlurm: skipped (no cluster answers `scontrol ping`; start one with `bash scripts/slurm/up.sh`)");
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), "taskfit-bench-slurm-"));
  try {
    const rounds: Array<{ ours: number; raw: number }> = [];
    for (let round = 0; round < 3; round++) {
      const raw = await rawSbatch();
      await run("scancel", raw.ids);
      const ours = await throughTaskfit(join(dir, `r${round}`));
      rounds.push({ ours, raw: raw.ms });
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[1] as number;
    const ours = median(rounds.map((r) => r.ours));
    const raw = median(rounds.map((r) => r.raw));
    console.log(
      `\nSlurm submission, ${COUNT} jobs at once (median of 3):\n   SlurmScheduler ${ours.toFixed(0)} ms, raw sbatch ${raw.toFixed(0)} ms, ratio ${(ours / raw).toFixed(2)} (goal <= 1.3)`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
