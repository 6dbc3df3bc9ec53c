/**
 * Fitting resources from history (cases/fit-e2e.ts): a workload with known truth, run with a
 * generous static spec and recorded, fitted, and rerun with the printed spec, per seed.
 */
import { FIT_TRUTH, STATIC_SPEC } from "./cases/fit-truth.js";
import type { RoundTrip } from "./cases/fit-e2e.js";
import { inChild, ratioLine, scaled, section } from "./harness.js";

export async function benchFit(): Promise<void> {
  const seeds = [1, 2, 3, 4, 5];
  const params = { count: scaled(12, 8), maxFileMiB: 384 };
  const trips: RoundTrip[] = [];
  for (const seed of seeds) trips.push(await inChild<RoundTrip>("fit-e2e", "roundTrip", { ...params, seed }, { deadlineMs: 600_000 }));
  const sum = (of: (t: RoundTrip) => number) => trips.reduce((total, t) => total + of(t), 0);
  const reserved = sum((t) => t.after.reservedGiBSeconds) / sum((t) => t.before.reservedGiBSeconds);
  const makespan = sum((t) => t.after.makespanMs) / sum((t) => t.before.makespanMs);
  const slopes = trips.map((t) => (t.fit === null ? Number.NaN : t.fit.slope / FIT_TRUTH.slope));
  const worstSlope = Math.max(...slopes.map((s) => (Number.isNaN(s) ? Number.POSITIVE_INFINITY : Math.abs(s - 1))));
  const oom = sum((t) => t.after.outOfMemory);
  section(
    `Fitting from history: ${params.count} calls per seed holding ${FIT_TRUTH.interceptGiB} + ${FIT_TRUTH.slope} x input GiB (±${FIT_TRUTH.noise * 100}%) on ${FIT_TRUTH.cores} core, static spec ${STATIC_SPEC.cpu} CPU / ${STATIC_SPEC.memoryGiB} GiB, process isolation on 2 CPU / 6 GiB, seeds ${seeds.join(",")}`,
    [
      ...trips.map(
        (t) =>
          `   seed ${t.seed}: fitted ${t.fit === null ? "no function" : `${t.fit.intercept.toFixed(3)} + ${t.fit.slope.toFixed(3)} x GiB (R² ${t.fit.r2.toFixed(2)})`}; spec { ${t.spec.map((line) => line.replace(/,$/, "")).join(", ")} }; makespan ${(t.before.makespanMs / 1000).toFixed(1)} s -> ${(t.after.makespanMs / 1000).toFixed(1)} s; OOM ${t.before.outOfMemory} -> ${t.after.outOfMemory}`,
      ),
      ratioLine("reserved memory x time, fitted / static", reserved, 0.5, `${sum((t) => t.after.reservedGiBSeconds).toFixed(0)} vs ${sum((t) => t.before.reservedGiBSeconds).toFixed(0)} GiB·s`),
      ratioLine("makespan on the same capacity, fitted / static", makespan, 0.99, `${(sum((t) => t.after.makespanMs) / 1000).toFixed(1)} s vs ${(sum((t) => t.before.makespanMs) / 1000).toFixed(1)} s`),
      ratioLine("worst |fitted slope / true slope - 1|", worstSlope, 0.2, `slopes / truth: ${slopes.map((s) => s.toFixed(2)).join(", ")}; the intercept adds the worker's own memory (~0.1 GiB) to the truth's ${FIT_TRUTH.interceptGiB}`),
      `   out-of-memory kills in the fitted reruns: ${oom} (goal 0, ${oom === 0 ? "met" : "NOT met"})`,
    ],
  );
}
