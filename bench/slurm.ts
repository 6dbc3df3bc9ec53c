/**
 * Slurm end to end (cases/slurm.ts): needs a cluster (`bash scripts/slurm/up.sh`, as root);
 * skipped, with the reason printed, without one.
 */
import { execFileSync } from "node:child_process";
import { inChild, ratioLine, scaled, section } from "./harness.js";

function clusterDown(): string | undefined {
  try {
    const ping = execFileSync("scontrol", ["ping"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return ping.includes("UP") ? undefined : `scontrol ping says: ${ping.trim()}`;
  } catch (error) {
    return `scontrol ping failed (${error instanceof Error ? error.message.split("\n")[0] : String(error)})`;
  }
}

export async function benchSlurm(): Promise<void> {
  const down = clusterDown();
  if (down !== undefined) {
    section("Slurm end to end: skipped", [`   no cluster: ${down}; start one with \`bash scripts/slurm/up.sh\` (as root)`]);
    return;
  }
  const params = { count: scaled(100, 10), pollMs: 500 };
  type Result = { ms: number; cpuMs: number };
  const options = { deadlineMs: 600_000 };
  const raw = await inChild<Result>("slurm", "rawEndToEnd", params, options);
  const ours = await inChild<Result>("slurm", "taskfitEndToEnd", params, options);
  section(`Slurm end to end, ${params.count} one-CPU tasks submitted at once, each awaited to completion (squeue every ${params.pollMs} ms)`, [
    ratioLine("SlurmScheduler / raw sbatch jobs running `node -e 0`, wall time", ours.ms / raw.ms, 1.1, `${(ours.ms / 1000).toFixed(1)} s vs ${(raw.ms / 1000).toFixed(1)} s`),
    ratioLine("submitting side CPU time (with the Slurm commands it ran)", ours.cpuMs / raw.cpuMs, 2, `${ours.cpuMs} ms vs ${raw.cpuMs} ms`),
  ]);
  const submit = { count: scaled(1000, 50), concurrency: 16 };
  const singles = await inChild<{ ms: number }>("slurm", "rawSubmitSingles", submit, options);
  const array = await inChild<{ ms: number; arrays: number }>("slurm", "taskfitSubmitArray", submit, options);
  section(`Slurm submission of a fan-out, ${submit.count} same-shape tasks (held, then cancelled)`, [
    ratioLine(
      `SlurmScheduler (${array.arrays} job array${array.arrays === 1 ? "" : "s"}) / ${submit.count} single sbatch calls (${submit.concurrency} at a time), until every call is queued`,
      array.ms / singles.ms,
      0.2,
      `${(array.ms / 1000).toFixed(2)} s vs ${(singles.ms / 1000).toFixed(2)} s`,
    ),
  ]);
}
