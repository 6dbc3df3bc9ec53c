/** Makespan of seeded batches with GPUs, against offline FFD and the lower bound (cases/packing.ts). */
import type { PackingResult } from "./cases/packing.js";
import { inChild, ratioLine, section } from "./harness.js";

const SEEDS = [1, 2, 3, 4, 5, 6];
/** Simulated time costs little: both sizes at any TASKFIT_BENCH_SCALE. */
const COUNTS = [100, 500];

export async function benchPacking(): Promise<void> {
  const lines: string[] = [];
  for (const count of COUNTS) {
    const results = await inChild<PackingResult[]>("packing", "packing", { seeds: SEEDS, count });
    const worst = (of: (r: PackingResult) => number) => Math.max(...results.map(of));
    const mean = (of: (r: PackingResult) => number) => results.reduce((sum, r) => sum + of(r), 0) / results.length;
    lines.push(
      `   ${count} tasks:`,
      ...results.map((r) => `   seed ${r.seed}: makespan ${r.makespan}, offline FFD ${r.ffd}, lower bound ${r.bound.toFixed(0)}`),
      ratioLine(`${count} tasks, worst makespan / lower bound`, worst((r) => r.makespan / r.bound), 1.05, `best ${Math.min(...results.map((r) => r.makespan / r.bound)).toFixed(3)}`),
      ratioLine(`${count} tasks, worst makespan / offline FFD`, worst((r) => r.makespan / r.ffd), 1.03, `offline FFD itself: worst ${worst((r) => r.ffd / r.bound).toFixed(3)} x the bound`),
      `   for reference, from the last start to the end / lower bound: mean ${mean((r) => (r.makespan - r.lastStart) / r.bound).toFixed(3)} (durations are unknown online: the last task to start runs its whole length after it)`,
    );
  }
  section(`Packing, seeded tasks (1-8 CPU, 1-32 GiB, 15% with 1-2 GPUs) on 16 CPU / 64 GiB / 4 GPUs, simulated time, seeds ${SEEDS.join(",")}`, lines);
}
