import { availableParallelism, totalmem } from "node:os";
import { describe, expect, it } from "vitest";
import { ConfigurationError, LocalScheduler } from "../../../src/index.js";
import { detectGpus, resolveCapacity } from "../../../src/schedulers/local/capacity.js";

describe("LocalScheduler capacity", () => {
  it("detects what the options leave out: cores, total memory, free disk of the work dir", () => {
    const capacity = resolveCapacity({ gpus: 0 }, process.cwd());
    expect(capacity.cpu).toBe(availableParallelism());
    expect(capacity.memoryGiB).toBeCloseTo(totalmem() / 1024 ** 3, 6);
    expect(capacity.storageGiB).toBeGreaterThan(0);
    expect(capacity.gpus).toEqual([]);
  });

  it("keeps what the options give, and numbers GPUs from a count", () => {
    const capacity = resolveCapacity({ cpu: 64, memoryGiB: 256, storageGiB: 1000, gpus: 2 }, process.cwd());
    expect(capacity).toEqual({
      cpu: 64,
      memoryGiB: 256,
      storageGiB: 1000,
      gpus: [{ index: 0 }, { index: 1 }],
      sources: { cpu: "given (capacity.cpu)", memoryGiB: "given (capacity.memoryGiB)", storageGiB: "given (capacity.storageGiB)", gpus: "given (capacity.gpus)" },
    });
  });

  it("finds no GPU, and no error, where nvidia-smi is missing", () => {
    const saved = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      expect(detectGpus()).toEqual([]);
    } finally {
      process.env.PATH = saved;
    }
  });

  it.each([
    [{ cpu: -2 }, /greater than 0.*`-2`.*capacity\.cpu/],
    [{ memoryGiB: Number.NaN }, /`NaN`.*capacity\.memoryGiB/],
    [{ storageGiB: 0 }, /capacity\.storageGiB/],
    [{ gpus: -1 }, /capacity\.gpus/],
    [{ gpus: [{ index: 1, type: "a10g" }, { index: 1, type: "v100" }] }, /each GPU device index once.*`1`/],
    [{ gpus: [{ index: 0, type: "H100" }] }, /lower-case letters.*capacity\.gpus\.0\.type/],
    [{ ram: 4 }, /capacity key among.*`"ram"`/],
  ])("refuses capacity %j with a ConfigurationError that says where", (capacity, message) => {
    let error: unknown;
    try {
      new LocalScheduler({ capacity: capacity as never });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(message);
  });
});
