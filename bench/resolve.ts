/** Resource resolution against hand-written code, in a plain awaited loop (cases/resolve.ts). */
import { inChild, ratioLine, scaled, section } from "./harness.js";

export async function benchResolve(): Promise<void> {
  const params = { count: scaled(100_000, 10_000), rounds: 15 };
  const ns = await inChild<Record<"handWritten" | "dynamic" | "constant" | "static", number>>("resolve", "resolution", params);
  const f = (v: number) => `${v.toFixed(0)} ns`;
  section(`Resolution, ${params.count.toLocaleString("en")} awaited calls in a plain loop (CPU time, median of ${params.rounds} interleaved rounds)`, [
    ratioLine("dynamic spec / hand-written", ns.dynamic / ns.handWritten, 2, `${f(ns.dynamic)} vs ${f(ns.handWritten)} per call`),
    ratioLine("static spec / an async constant", ns.static / ns.constant, 1.3, `${f(ns.static)} vs ${f(ns.constant)} per call`),
  ]);
}
