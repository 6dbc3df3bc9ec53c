import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  customTask,
  ConfigurationError,
  ResourceLimitError,
  ResourceResolutionError,
  ResourceSpecError,
  resolveResources,
  smallGpuTask,
  KubernetesScheduler,
  SlurmScheduler,
  smallTask,
  TaskFile,
  type JobManifest,
  planCall,
} from "../../src/index.js";
import * as quantity from "../../src/resources/quantity.js";
import { InProcessScheduler } from "../support/in-process-scheduler.js";

// Wrap the parsers and readers in spies (same behaviour) to prove the static path never re-validates.
vi.mock("../../src/resources/quantity.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/resources/quantity.js")>();
  return {
    ...original,
    parseCpu: vi.fn(original.parseCpu),
    parseGiB: vi.fn(original.parseGiB),
    parseGpu: vi.fn(original.parseGpu),
    readCpu: vi.fn(original.readCpu),
    readGiB: vi.fn(original.readGiB),
    readGpu: vi.fn(original.readGpu),
  };
});

const GIB = 1024 ** 3;
const allocateCpu = (files: TaskFile[]) => Math.min(8, files.length);
const allocateStorage = (files: TaskFile[]) => (1.5 * files.reduce((sum, f) => sum + f.size(), 0)) / GIB;

let dir: string;
let files: TaskFile[];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "taskfit-resolve-"));
  files = [];
  for (let i = 1; i <= 10; i++) {
    const path = join(dir, `reads-${i}.fastq`);
    await writeFile(path, "A".repeat(i * 1000));
    files.push(new TaskFile(path));
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );
}

describe("resource functions receive exactly the call's arguments", () => {
  it("passes the same values, no more, through resolve, resolveResources and a call", async () => {
    const seen: unknown[][] = [];
    const cpu = (...args: unknown[]) => {
      seen.push(args);
      return 2;
    };
    const t = customTask({ cpu, memory: 1 })(async (list: TaskFile[], count: number) => count);
    const list = files.slice(0, 2);
    await t.resolve(list, 3);
    await resolveResources(t, [list, 4]);
    await expect(t.with({ scheduler: new InProcessScheduler() })(list, 5)).resolves.toBe(5);
    expect(seen).toEqual([
      [list, 3],
      [list, 4],
      [list, 5],
    ]);
    for (const args of seen) expect(args[0]).toBe(list);
  });

  it("accepts sync and async functions", async () => {
    const t = customTask({ cpu: async (n: number) => n * 2, memory: (n: number) => `${n}Gi`, gpu: async () => 1 })(async (n: number) => n);
    expect(await resolveResources(t, [3])).toMatchObject({ cpu: 6, memoryGiB: 3, gpu: 1 });
  });
});

describe("the seed's dynamic example, with real files", () => {
  it("asks cpu = min(8, files) and storage = 1.5 x total bytes", async () => {
    const t = customTask({ cpu: allocateCpu, memory: 8, storage_gib: allocateStorage })(async (list: TaskFile[]) => list.length);
    const three = files.slice(0, 3);
    const resolved = await resolveResources(t, [three]);
    expect(resolved.cpu).toBe(3);
    expect(resolved.memoryGiB).toBe(8);
    expect(resolved.storageGiB).toBe((1.5 * (1000 + 2000 + 3000)) / GIB);
    expect(resolved.source).toEqual({ kind: "custom", dynamic: ["cpu", "storageGiB"], overridden: [] });
    expect((await resolveResources(t, [files])).cpu).toBe(8);
  });

  it.each(["storage", "storage_gib", "storageGib"] as const)("accepts `%s` as the storage key", async (key) => {
    const t = customTask({ cpu: allocateCpu, memory: 8, [key]: allocateStorage } as { cpu: typeof allocateCpu; memory: 8; storage: typeof allocateStorage })(async (list: TaskFile[]) => list.length);
    expect((await resolveResources(t, [files.slice(0, 1)])).storageGiB).toBe(1500 / GIB);
  });

  it("rejects two storage aliases at once with a ResourceSpecError", () => {
    const apply = () => customTask({ cpu: 1, memory: 1, storage: 2, storage_gib: allocateStorage })(async (list: TaskFile[]) => list);
    expect(apply).toThrow(ResourceSpecError);
    expect(apply).toThrow(/storage.*storage_gib/);
  });
});

describe("storage of 0: no scratch request", () => {
  // The seed's Latch code, ported as written: `sum(1.5 * size) // 1024**3`.
  const latchStorage = (list: TaskFile[]) => Math.floor((1.5 * list.reduce((sum, f) => sum + f.size(), 0)) / GIB);
  const seed = customTask({ cpu: allocateCpu, memory: 8, storage_gib: latchStorage })(async function seedTask(list: TaskFile[]) {
    return list.length;
  });

  it("a function that computes 0 (small inputs) resolves with no storage: the scheduler's default", async () => {
    const resolved = await resolveResources(seed, [files.slice(0, 2)]);
    expect(resolved).not.toHaveProperty("storageGiB");
    expect(resolved).toMatchObject({ cpu: 2, memoryGiB: 8 });
    await expect(seed.with({ scheduler: new InProcessScheduler() })(files.slice(0, 2))).resolves.toBe(2);
  });

  it("asks Slurm for no --tmp and Kubernetes for no ephemeral-storage", async () => {
    const sbatch = (await new SlurmScheduler({ workDir: dir }).plan(await planCall(seed, [files.slice(0, 2)]))).data as string[];
    expect(sbatch.some((arg) => arg.startsWith("--tmp"))).toBe(false);
    expect(sbatch).toContain("--cpus-per-task=2");
    const job = (await new KubernetesScheduler({ image: "taskfit-task:latest" }).plan(await planCall(seed, [files.slice(0, 2)]))).data as JobManifest;
    const resources = job.spec.template.spec.containers[0]?.resources;
    expect(resources?.limits).not.toHaveProperty("ephemeral-storage");
    expect(resources?.requests).not.toHaveProperty("ephemeral-storage");
  });

  it("a static storage of 0 means the same", async () => {
    const t = customTask({ cpu: 1, memory: 1, storage: 0 })(async () => 0);
    expect(await resolveResources(t, [])).not.toHaveProperty("storageGiB");
    const over = customTask({ cpu: 1, memory: 1, storage: 5 })(async () => 0).with({ storage_gib: 0 });
    expect(await resolveResources(over, [])).not.toHaveProperty("storageGiB");
  });

  it("CPU or memory of 0 stay errors naming the function and the arguments", async () => {
    const threads = (list: TaskFile[], n: number) => Math.floor(n / 4);
    const t = customTask({ cpu: threads, memory: (list: TaskFile[], n: number) => n - 8 })(async function zeroes(list: TaskFile[], n: number) {
      return n;
    });
    const cpu = await rejection(resolveResources(t, [[], 3]));
    expect(cpu).toBeInstanceOf(ResourceResolutionError);
    expect(cpu).toMatchObject({ field: "cpu", value: 0, args: [[], 3] });
    expect((cpu as Error).message).toMatch(/^Expected the resource function `threads` for `cpu` called with \(\[\], 3\) to return a CPU count/);
    const memory = await rejection(resolveResources(t, [[], 8]));
    expect((memory as Error).message).toMatch(/^Expected the resource function for `memory` called with \(\[\], 8\) to return a positive number of GiB.*got `0` \(number\)/);
  });
});

describe("failing resource functions", () => {
  const cause = new Error("disk unreadable");

  it("wraps a throw in ResourceResolutionError with the thrown error as cause", async () => {
    const t = customTask({ cpu: () => {
      throw cause;
    }, memory: 1 })(async function alignReads() {});
    const error = await rejection(resolveResources(t, []));
    expect(error).toBeInstanceOf(ResourceResolutionError);
    expect(error).toMatchObject({ code: "RESOURCE_RESOLUTION_FAILED", task: "alignReads", field: "cpu", cause });
    expect((error as Error).message).toMatch(/`cpu`.*alignReads.*disk unreadable/);
  });

  it("wraps an async rejection the same way", async () => {
    const t = customTask({ cpu: 1, memory: async () => Promise.reject(cause) })(async function alignReads() {});
    const error = await rejection(resolveResources(t, []));
    expect(error).toBeInstanceOf(ResourceResolutionError);
    expect(error).toMatchObject({ task: "alignReads", field: "memory", cause });
  });

  it("leaves no unhandled rejection when an async function rejects and a later one throws", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const t = customTask({
        cpu: async () => Promise.reject(new Error("first")),
        memory: () => {
          throw cause;
        },
      })(async function twoFailures() {});
      const error = await rejection(resolveResources(t, []));
      expect(error).toMatchObject({ field: "memory", cause });
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it.each([
    ["cpu", 0, "`0` (number)"],
    ["cpu", -1, "`-1` (number)"],
    ["cpu", Number.NaN, "`NaN` (number)"],
    ["cpu", Number.POSITIVE_INFINITY, "`Infinity` (number)"],
    ["cpu", "abc", '`"abc"` (string)'],
    ["memory", "8", '`"8"` (string)'],
    ["memory", 0, "`0` (number)"],
    ["storage", -1, "`-1` (number)"],
    ["gpu", 0.5, "`0.5` (number)"],
    ["gpu", "1", '`"1"` (string)'],
    ["gpuType", "H100", '`"H100"` (string)'],
    ["gpuType", "h 100", '`"h 100"` (string)'],
  ])("a function returning %s = %j is a ResourceResolutionError quoting the value", async (key, value, quoted) => {
    const t = customTask({ cpu: 1, memory: 1, gpu: 1, [key]: () => value } as never)(async function quoting() {});
    const error = await rejection(resolveResources(t, []));
    expect(error).toBeInstanceOf(ResourceResolutionError);
    expect(error).toMatchObject({ task: "quoting", field: key, cause: undefined });
    expect((error as ResourceResolutionError).value).toBe(value);
    expect((error as Error).message).toContain(quoted);
    expect((error as Error).message).toContain("quoting");
  });
});

describe("spec errors at application", () => {
  it("rejects a static gpuType with gpu 0", () => {
    expect(() => customTask({ cpu: 1, memory: 1, gpuType: "a10g" })(async () => 0)).toThrow(ResourceSpecError);
    expect(() => customTask({ cpu: 1, memory: 1, gpu: 0, gpuType: "a10g" })(async () => 0)).toThrow(/gpuType/);
  });

  it("drops gpuType when a gpu function decides on no GPU", async () => {
    const t = customTask({ cpu: 1, memory: 1, gpu: (n: number) => n, gpuType: "l40s" })(async (n: number) => n);
    expect(await resolveResources(t, [0])).not.toHaveProperty("gpuType");
    expect(await resolveResources(t, [2])).toMatchObject({ gpu: 2, gpuType: "l40s" });
  });

  it("rejects an unknown key and lists the valid keys", () => {
    const error = (() => {
      try {
        customTask({ cpu: 1, memory: 1, storag: 5 } as never)(async function typo() {});
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ResourceSpecError);
    expect(error).toMatchObject({ field: "storag", task: "typo" });
    for (const key of ["cpu", "memory", "storage", "storage_gib", "storageGib", "gpu", "gpuType", "timeout", "retries"]) {
      expect((error as Error).message).toContain(`\`${key}\``);
    }
  });
});

describe("the static path", () => {
  it("returns the same frozen object every time without parsing anything again", async () => {
    const parsers = [quantity.parseCpu, quantity.parseGiB, quantity.parseGpu, quantity.readCpu, quantity.readGiB, quantity.readGpu] as unknown as ReturnType<typeof vi.fn>[];
    const t = customTask({ cpu: "1500m", memory: "6Gi", storage: 20, gpu: 1, gpuType: "a10g" })(async (n: number) => n);
    expect(parsers.every((p) => vi.isMockFunction(p))).toBe(true);
    expect(parsers[0]).toHaveBeenCalled();
    for (const p of parsers) p.mockClear();
    const first = await t.resolve(1);
    const second = await resolveResources(t, [2]);
    expect(second).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(first).toEqual({
      cpu: 1.5,
      memoryGiB: 6,
      storageGiB: 20,
      gpu: 1,
      gpuType: "a10g",
      source: { kind: "custom", dynamic: [], overridden: [] },
      clamped: [],
    });
    for (const p of parsers) expect(p).not.toHaveBeenCalled();
  });

  it("a dynamic spec does parse what its functions return, on each resolution", async () => {
    // A valid number is read (the fast path); anything else goes through the parser, which says what is wrong.
    const readCpu = quantity.readCpu as unknown as ReturnType<typeof vi.fn>;
    const parseCpu = quantity.parseCpu as unknown as ReturnType<typeof vi.fn>;
    const t = customTask({ cpu: (n: number) => n, memory: 1 })(async (n: number) => n);
    readCpu.mockClear();
    parseCpu.mockClear();
    await t.resolve(2);
    await t.resolve(3);
    expect(readCpu.mock.calls).toEqual([[2], [3]]);
    await expect(t.resolve(-1)).rejects.toBeInstanceOf(ResourceResolutionError);
    expect(readCpu.mock.calls).toEqual([[2], [3], [-1]]);
    expect(parseCpu.mock.calls).toEqual([[-1]]);
  });
});

describe(".with overrides", () => {
  it("overrides a field for the new task and records it in source.overridden", async () => {
    const t = customTask({ cpu: 2, memory: 4 })(async () => 0);
    const bigger = t.with({ cpu: 8 });
    expect(await resolveResources(bigger, [])).toMatchObject({
      cpu: 8,
      memoryGiB: 4,
      source: { kind: "custom", dynamic: [], overridden: ["cpu"] },
    });
    expect((await resolveResources(t, [])).cpu).toBe(2);
  });

  it("overrides a preset, keeping the preset as the source", async () => {
    const t = smallTask(async () => 0);
    expect(await t.with({ memory: "16Gi" }).resolve()).toMatchObject({
      cpu: 2,
      memoryGiB: 16,
      source: { kind: "preset", preset: "small_task", overridden: ["memoryGiB"] },
    });
  });

  it("turns the GPU of a GPU preset off with .with({ gpu: 0 }), dropping its type", async () => {
    const t = smallGpuTask(async () => 0);
    const resolved = await t.with({ gpu: 0 }).resolve();
    expect(resolved).toMatchObject({ cpu: 8, memoryGiB: 32, gpu: 0, source: { overridden: ["gpu"] } });
    expect(resolved).not.toHaveProperty("gpuType");
  });

  it("replaces a resource function with a static value", async () => {
    const fn = vi.fn((n: number) => n);
    const t = customTask({ cpu: fn, memory: 1 })(async (n: number) => n);
    expect((await t.with({ cpu: 4 }).resolve(9)).cpu).toBe(4);
    expect(fn).not.toHaveBeenCalled();
  });

  it("throws ResourceLimitError for an override value over the limit", () => {
    const t = customTask({ cpu: 2, memory: 4 })(async function overridden() {});
    expect(() => t.with({ cpu: 127 })).toThrow(ResourceLimitError);
    expect(() => t.with({ memory: "976Gi" })).toThrow(ResourceLimitError);
  });
});

describe("resolveResources on something that is not a task", () => {
  it("rejects with ConfigurationError instead of throwing", async () => {
    const plain = async (n: number) => n;
    const result = resolveResources(plain, [1]);
    expect(result).toBeInstanceOf(Promise);
    await expect(result).rejects.toBeInstanceOf(ConfigurationError);
    await expect(resolveResources(plain, [1])).rejects.toThrow(/taskfit task/);
  });
});
