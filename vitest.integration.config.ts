import { defineConfig } from "vitest/config";
import { decorators } from "./vitest.shared.js";

// Integration tests against real engines (Slurm), started by the repo's own scripts.
export default defineConfig({
  plugins: [decorators("tc39")],
  test: {
    include: ["test/integration/**/*.test.ts"],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // One cluster, one test file at a time.
    fileParallelism: false,
  },
});
