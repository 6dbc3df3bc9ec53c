import { defineConfig } from "vitest/config";
import { decorators } from "./vitest.shared.js";

// Every unit test, with TC39 standard decorators; type tests run under tsc.
export default defineConfig({
  plugins: [decorators("tc39")],
  test: {
    include: ["test/**/*.test.ts"],
    // Tests that start node processes (the command line, workers) take seconds on a busy 2-core
    // machine; a timeout is a hang detector here, never an assertion about speed.
    testTimeout: 30_000,
    exclude: ["test/integration/**", "test/consumer/**", "node_modules/**"],
    typecheck: { enabled: true, include: ["test/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
  },
});
