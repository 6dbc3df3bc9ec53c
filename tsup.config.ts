import { defineConfig } from "tsup";

export default defineConfig({
  // The worker is its own entry: LocalScheduler's process isolation and the cluster schedulers
  // start it as a script.
  // taskfit, taskfit/report and taskfit/testing are the typed entries (package.json "exports").
  entry: { index: "src/index.ts", report: "src/report.ts", testing: "src/testing.ts", worker: "src/schedulers/worker.ts", cli: "src/cli/main.ts" },
  format: ["esm", "cjs"],
  dts: { entry: { index: "src/index.ts", report: "src/report.ts", testing: "src/testing.ts" } },
  sourcemap: true,
  clean: true,
  target: "node20",
  // import.meta.url in the CJS build (the worker entry is found next to the code).
  shims: true,
  // Class and function names survive bundling: error classes are matched by name across copies
  // of taskfit (errors.ts), and tasks are named after their functions.
  keepNames: true,
  // Loaded at run time when present (TypeScript task modules), never bundled.
  external: ["tsx"],
});
