/**
 * `npm run bench`: every benchmark, each printing ratios against a baseline measured in the same
 * run, with the goal beside each. Contenders run in child processes of their own (harness.ts).
 * `npm run bench -- dispatch slurm` runs only those; TASKFIT_BENCH_SCALE=0.1 shrinks every size.
 */
import { benchCli } from "./cli.js";
import { benchDispatch } from "./dispatch.js";
import { benchFit } from "./fit.js";
import { benchMeasure } from "./measure.js";
import { benchPacking } from "./packing.js";
import { benchReport } from "./report.js";
import { benchResolve } from "./resolve.js";
import { benchSlurm } from "./slurm.js";

const benches: Record<string, () => Promise<void>> = {
  dispatch: benchDispatch,
  resolve: benchResolve,
  packing: benchPacking,
  cli: benchCli,
  report: benchReport,
  measure: benchMeasure,
  slurm: benchSlurm,
  fit: benchFit,
};
const only = process.argv.slice(2);
const unknown = only.filter((name) => !(name in benches));
if (unknown.length > 0) throw new Error(`no bench named ${unknown.join(", ")}; there are: ${Object.keys(benches).join(", ")}`);
const started = performance.now();
for (const [name, bench] of Object.entries(benches)) {
  if (only.length !== 0 && !only.includes(name)) continue;
  try {
    await bench();
  } catch (error) {
    // One bench that fails (a case past its deadline) is reported; the others still run.
    console.log(`\n${name}: FAILED: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
console.log(`\n(all figures from one run of \`npm run bench\`, ${((performance.now() - started) / 1000).toFixed(0)} s)`);
