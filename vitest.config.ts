import { defineConfig } from "vitest/config";
import { decorators } from "./vitest.shared.js";

// Every unit test, with TC39 standard decorators; type tests run under tsc.
export default defineConfig({
  plugins: [decorators("tc39")],
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/integration/**", "node_modules/**"],
    typecheck: { enabled: true, include: ["test/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
  },
});
