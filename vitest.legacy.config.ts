import { defineConfig } from "vitest/config";
import { decorators } from "./vitest.shared.js";

// The decorator tests again, under `experimentalDecorators` (legacy) semantics and types.
export default defineConfig({
  plugins: [decorators("legacy")],
  test: {
    include: ["test/task/**/*.test.ts"],
    typecheck: { enabled: true, include: ["test/task/**/*.test-d.ts"], tsconfig: "./tsconfig.legacy.json" },
  },
});
