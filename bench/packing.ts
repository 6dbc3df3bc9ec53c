/** Makespan of seeded batches with GPUs, against offline FFD and the lower bound (cases/packing.ts). */
import { inChild, ratioLine, scaled, section } from "./harness.js";

export async function benchPacking(): Promise<void> {
  const params = { seeds: [1, 2, 3, 4, 5, 6], count: scaled(500, 50) };
  const results = await inChild<Array<{ seed: number; makespan: number; ffd: number; bound: number }>>("packing", "packing", params);
  const worst = (of: (r: (typeof results)[number]) => number) => Math.max(...results.map(of));
  section(`Packing, ${params.count} seeded tasks (1-8 CPU, 1-32 GiB, 15% with 1-2 GPUs) on 16 CPU / 64 GiB / 4 GPUs, simulated time, seeds ${params.seeds.join(",")}`, [
    ...results.map((r) => `   seed ${r.seed}: makespan ${r.makespan}, offline FFD ${r.ffd}, lower bound ${r.bound.toFixed(0)}`),
    ratioLine("worst makespan / lower bound", worst((r) => r.makespan / r.bound), 1.05, `best ${Math.min(...results.map((r) => r.makespan / r.bound)).toFixed(3)}`),
    ratioLine("worst makespan / offline FFD", worst((r) => r.makespan / r.ffd), 1.03, `offline FFD itself: worst ${worst((r) => r.ffd / r.bound).toFixed(3)} x the bound`),
  ]);
}
