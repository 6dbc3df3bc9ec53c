/** What measuring a worker's process tree costs the worker (cases/measure.ts). */
import { inChild, ratioLine, scaled, section } from "./harness.js";
import type { MeasureResult } from "./cases/measure.js";

export async function benchMeasure(): Promise<void> {
  const params = { seconds: scaled(10, 2) };
  const options = { deadlineMs: (params.seconds + 30) * 1000 };
  const bare = await inChild<MeasureResult>("measure", "bare", params, options);
  const sampled = await inChild<MeasureResult>("measure", "sampled", params, options);
  const share = Math.max(0, sampled.cpuMs - bare.cpuMs) / sampled.wallMs;
  section(`Usage sampling, a task of ${params.seconds} s holding ${sampled.treeSize} processes, sampled from /proc every 200 ms`, [
    ratioLine(
      "sampler CPU, % of one core",
      share * 100,
      2,
      `${sampled.cpuMs.toFixed(0)} ms CPU sampled vs ${bare.cpuMs.toFixed(0)} ms without, over ${(sampled.wallMs / 1000).toFixed(1)} s`,
    ),
  ]);
}
