import { defineConfig, type Options } from "tsup";

const common: Options = {
  format: ["esm", "cjs"],
  sourcemap: true,
  target: "node20",
  // import.meta.url in the CJS build (the worker entry is found next to the code).
  shims: true,
  // Class and function names survive bundling: error classes are matched by name across copies
  // of taskfit (errors.ts), and tasks are named after their functions.
  keepNames: true,
  // Loaded at run time when present (TypeScript task modules), never bundled.
  external: ["tsx"],
};

export default defineConfig([
  // The two builds run at once: this one's cleaning leaves the worker's files to the other.
  // taskfit, taskfit/report and taskfit/testing are the typed entries (package.json "exports").
  {
    ...common,
    entry: { index: "src/index.ts", report: "src/report.ts", testing: "src/testing.ts", cli: "src/cli/main.ts" },
    dts: { entry: { index: "src/index.ts", report: "src/report.ts", testing: "src/testing.ts" } },
    clean: ["!worker.*"],
    // zod in taskfit's own chunks: every worker imports taskfit again through the task's module,
    // and zod's ~100 module files took ~100 ms of each Slurm job's start. With `import * as z`
    // the bundle keeps only the parts taskfit uses (~200 KB, not all of zod's 790 KB).
    noExternal: ["zod"],
  },
  // The worker is its own entry: LocalScheduler's process isolation and the cluster schedulers
  // start it as a script. It carries its own copy of zod/mini (the protocol's schemas): one file
  // loads in a few ms, where zod's many module files take tens of ms at every worker start.
  { ...common, entry: { worker: "src/schedulers/worker.ts" }, noExternal: ["zod"] },
]);
