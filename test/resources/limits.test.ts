import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  customTask,
  ErrorCode,
  LIMITS,
  ResourceLimitError,
  resolveResources,
  TaskfitError,
} from "../../src/index.js";
import { InProcessScheduler } from "../support/in-process-scheduler.js";

// Clamping reports through process.emitWarning; keep it quiet and observable.
let warn: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  warn = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
});
afterEach(() => {
  warn.mockRestore();
});

const OVER = [
  { key: "cpu", field: "cpu", value: 127, limit: 126 },
  { key: "memory", field: "memoryGiB", value: 976, limit: 975 },
  { key: "storage", field: "storageGiB", value: 4950, limit: 4949 },
  { key: "gpu", field: "gpu", value: 9, limit: 8 },
] as const;

const base = { cpu: 1, memory: 1 };

function catchSync(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("LIMITS", () => {
  it("are the seed's maximums for custom tasks", () => {
    expect(LIMITS).toEqual({ cpu: 126, memoryGiB: 975, storageGiB: 4949, gpu: 8 });
    expect(Object.isFrozen(LIMITS)).toBe(true);
  });

  it("allow a custom task at exactly every limit", async () => {
    const atLimits = customTask({ cpu: 126, memory: 975, storage: 4949, gpu: 8 })(async function atLimits() {
      return 1;
    });
    expect(await resolveResources(atLimits, [])).toMatchObject({
      cpu: 126,
      memoryGiB: 975,
      storageGiB: 4949,
      gpu: 8,
      clamped: [],
    });
  });

  it("allow limits given as quantity strings", async () => {
    const t = customTask({ cpu: "126000m", memory: "975Gi", storage: "4949GiB" })(async () => 1);
    expect(await resolveResources(t, [])).toMatchObject({ cpu: 126, memoryGiB: 975, storageGiB: 4949 });
  });
});

describe("static values over a limit", () => {
  it.each(OVER)("$key one over the limit throws ResourceLimitError when the wrapper is applied", ({ key, field, value, limit }) => {
    const error = catchSync(() => customTask({ ...base, [key]: value })(async function bigTask() {}));
    expect(error).toBeInstanceOf(ResourceLimitError);
    expect(error).toBeInstanceOf(TaskfitError);
    // The error names the key the user wrote; the resolved field is a separate property.
    expect(error).toMatchObject({ code: "RESOURCE_LIMIT_EXCEEDED", task: "bigTask", field: key, resource: field, value, limit });
    expect((error as Error).message).toContain("bigTask");
    expect((error as Error).message).toContain(`\`${key}\``);
    if (key !== field) expect((error as Error).message).not.toContain(field);
    expect((error as Error).message).toContain(String(limit));
  });

  it("treats a millicore over 126 as over the limit", () => {
    expect(() => customTask({ cpu: 126.001, memory: 1 })(async () => 0)).toThrow(ResourceLimitError);
    expect(() => customTask({ cpu: "126001m", memory: 1 })(async () => 0)).toThrow(ResourceLimitError);
  });

  it("checks a string quantity after converting it: 976Gi is over, 1000GB (931 GiB) is not", async () => {
    expect(() => customTask({ cpu: 1, memory: "976Gi" })(async () => 0)).toThrow(ResourceLimitError);
    const t = customTask({ cpu: 1, memory: "1000GB" })(async () => 0);
    expect((await resolveResources(t, [])).memoryGiB).toBeCloseTo(1e12 / 1024 ** 3, 9);
  });

  it("uses the code constant ErrorCode.ResourceLimit", () => {
    expect(ErrorCode.ResourceLimit).toBe("RESOURCE_LIMIT_EXCEEDED");
  });
});

describe("function values over a limit", () => {
  it.each(OVER)("$key from a function: applying does not throw, each resolution rejects", async ({ key, field, value, limit }) => {
    let calls = 0;
    const fn = () => {
      calls++;
      return value;
    };
    const t = customTask({ ...base, [key]: fn })(async function dynamicTask(n: number) {
      return n;
    });
    expect(calls).toBe(0);
    for (let i = 1; i <= 2; i++) {
      const error = await resolveResources(t, [1]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ResourceLimitError);
      expect(error).toMatchObject({ code: "RESOURCE_LIMIT_EXCEEDED", task: "dynamicTask", field: key, resource: field, value, limit });
      expect(calls).toBe(i);
    }
  });

  it("names the key the user wrote, storage_gib too, in the error of a function over the limit", async () => {
    const t = customTask({ cpu: 1, memory: 1, storage_gib: (gib: number) => gib })(async function scratch(gib: number) {
      return gib;
    });
    const error = await resolveResources(t, [5000]).catch((e: unknown) => e);
    expect(error).toMatchObject({ field: "storage_gib", resource: "storageGiB" });
    expect((error as Error).message).toMatch(/^Expected `storage_gib` to be at most 4949 GiB, got 5000 GiB \(task `scratch`, field `storage_gib`\)/);
  });

  it("is checked against the actual arguments of each call", async () => {
    let ran = 0;
    const t = customTask({ cpu: (n: number) => n, memory: 1 })(async (n: number) => {
      ran++;
      return n;
    });
    expect((await resolveResources(t, [126])).cpu).toBe(126);
    await expect(resolveResources(t, [127])).rejects.toBeInstanceOf(ResourceLimitError);
    const inProcess = t.with({ scheduler: new InProcessScheduler() });
    await expect(inProcess(127)).rejects.toBeInstanceOf(ResourceLimitError);
    expect(ran).toBe(0);
    await expect(inProcess(2)).resolves.toBe(2);
    expect(ran).toBe(1);
  });
});

describe('overLimit: "clamp"', () => {
  it("lowers static values to the limit and lists each in resolved.clamped", async () => {
    const t = customTask({ cpu: 200, memory: 2000, storage: "5000Gi", gpu: 9, overLimit: "clamp" })(async function clamped() {});
    const resolved = await resolveResources(t, []);
    expect(resolved).toMatchObject({ cpu: 126, memoryGiB: 975, storageGiB: 4949, gpu: 8 });
    expect(resolved.clamped).toEqual([
      { field: "cpu", key: "cpu", requested: 200, limit: 126 },
      { field: "memoryGiB", key: "memory", requested: 2000, limit: 975 },
      { field: "storageGiB", key: "storage", requested: 5000, limit: 4949 },
      { field: "gpu", key: "gpu", requested: 9, limit: 8 },
    ]);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("clamped"), expect.objectContaining({ code: "TASKFIT_CLAMPED" }));
    // The warning names the key the user wrote, not the internal field.
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("of `memory`; clamped"), expect.anything());
    expect(warn).not.toHaveBeenCalledWith(expect.stringContaining("memoryGiB"), expect.anything());
  });

  it("leaves values within the limits alone and clamped empty", async () => {
    const t = customTask({ cpu: 126, memory: 4, overLimit: "clamp" })(async () => 0);
    expect(await resolveResources(t, [])).toMatchObject({ cpu: 126, memoryGiB: 4, clamped: [] });
  });

  it("clamps function values at resolution when the task opts in", async () => {
    const t = customTask({ cpu: (n: number) => n, memory: 1, overLimit: "clamp" })(async (n: number) => n);
    const resolved = await resolveResources(t, [500]);
    expect(resolved.cpu).toBe(126);
    expect(resolved.clamped).toEqual([{ field: "cpu", key: "cpu", requested: 500, limit: 126 }]);
    expect((await resolveResources(t, [3])).clamped).toEqual([]);
  });

  it("resolveResources(t, args, { overLimit: 'clamp' }) clamps function values of a task that errors by default", async () => {
    const t = customTask({ cpu: 1, memory: async (gib: number) => gib })(async function perCall(gib: number) {
      return gib;
    });
    await expect(resolveResources(t, [2000])).rejects.toBeInstanceOf(ResourceLimitError);
    const resolved = await resolveResources(t, [2000], { overLimit: "clamp" });
    expect(resolved.memoryGiB).toBe(975);
    expect(resolved.clamped).toEqual([{ field: "memoryGiB", key: "memory", requested: 2000, limit: 975 }]);
  });

  it("resolveResources(t, args, { overLimit: 'error' }) overrides a task's clamp policy for function values", async () => {
    const t = customTask({ cpu: (n: number) => n, memory: 1, overLimit: "clamp" })(async (n: number) => n);
    await expect(resolveResources(t, [127], { overLimit: "error" })).rejects.toBeInstanceOf(ResourceLimitError);
  });

  it("never clamps invalid values: they are still errors", () => {
    expect(() => customTask({ cpu: Number.POSITIVE_INFINITY, memory: 1, overLimit: "clamp" })(async () => 0)).toThrow(TaskfitError);
    expect(() => customTask({ cpu: Number.POSITIVE_INFINITY, memory: 1, overLimit: "clamp" })(async () => 0)).not.toThrow(ResourceLimitError);
  });
});
