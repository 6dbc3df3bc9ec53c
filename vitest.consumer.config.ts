import { defineConfig } from "vitest/config";

// The packed tarball installed into throwaway projects outside this repository: what users run.
export default defineConfig({
  test: {
    include: ["test/consumer/**/*.test.ts"],
    globalSetup: ["test/consumer/setup.ts"],
    testTimeout: 180_000,
    hookTimeout: 600_000,
    // Each test starts node processes; on 2 cores, one file at a time.
    fileParallelism: false,
  },
});
