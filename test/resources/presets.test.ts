import { describe, expect, it } from "vitest";
import * as taskfit from "../../src/index.js";
import {
  GPU_CATALOGUE,
  GPU_TYPES,
  LIMITS,
  PRESET_NAMES,
  PRESETS,
  resolveResources,
  v100_x8_task,
  v100x8Task,
} from "../../src/index.js";
import { InProcessScheduler } from "../support/in-process-scheduler.js";

type Row = readonly [latch: string, camel: string, cpu: number, memoryGiB: number, gpu: number, gpuType: string | undefined];

// The table (seed 000), typed out again by hand: the source must agree with it.
const TABLE: readonly Row[] = [
  ["small_task", "smallTask", 2, 4, 0, undefined],
  ["medium_task", "mediumTask", 32, 128, 0, undefined],
  ["large_task", "largeTask", 96, 192, 0, undefined],
  ["small_gpu_task", "smallGpuTask", 8, 32, 1, "a10g"],
  ["large_gpu_task", "largeGpuTask", 31, 120, 1, "a10g"],
  ["v100_x1_task", "v100x1Task", 16, 64, 1, "v100"],
  ["v100_x4_task", "v100x4Task", 64, 256, 4, "v100"],
  ["v100_x8_task", "v100x8Task", 128, 512, 8, "v100"],
  ["g6e_xlarge_task", "g6eXlargeTask", 4, 32, 1, "l40s"],
  ["g6e_2xlarge_task", "g6e2xlargeTask", 8, 64, 1, "l40s"],
  ["g6e_4xlarge_task", "g6e4xlargeTask", 16, 128, 1, "l40s"],
  ["g6e_8xlarge_task", "g6e8xlargeTask", 32, 256, 1, "l40s"],
  ["g6e_12xlarge_task", "g6e12xlargeTask", 48, 384, 1, "l40s"],
  ["g6e_16xlarge_task", "g6e16xlargeTask", 64, 512, 1, "l40s"],
  ["g6e_24xlarge_task", "g6e24xlargeTask", 96, 768, 4, "l40s"],
];

const VRAM: Readonly<Record<string, number>> = { a10g: 24, v100: 16, l40s: 48 };

type Decorator = (fn: (...args: unknown[]) => unknown) => (...args: unknown[]) => unknown;
const exported = taskfit as unknown as Record<string, Decorator & { preset?: string }>;

describe("PRESETS", () => {
  it("has exactly the fifteen presets of the seed, in its order", () => {
    expect(Object.keys(PRESETS)).toEqual(TABLE.map(([latch]) => latch));
    expect(PRESET_NAMES).toEqual(TABLE.map(([latch]) => latch));
  });

  it.each(TABLE)("%s has the exact cpu, memory, gpu count, type and VRAM per GPU", (latch, _camel, cpu, memoryGiB, gpu, gpuType) => {
    expect(PRESETS[latch as keyof typeof PRESETS]).toEqual({
      cpu,
      memoryGiB,
      gpu,
      gpuType,
      gpuMemoryGiB: gpuType === undefined ? undefined : VRAM[gpuType],
    });
  });

  it("is frozen, entries included", () => {
    expect(Object.isFrozen(PRESETS)).toBe(true);
    for (const name of PRESET_NAMES) expect(Object.isFrozen(PRESETS[name])).toBe(true);
  });
});

describe("GPU catalogue", () => {
  it("lists A10G, V100 and L40S with VRAM and CUDA cores", () => {
    expect(GPU_TYPES).toEqual(["a10g", "v100", "l40s"]);
    expect(GPU_CATALOGUE.a10g).toMatchObject({ memoryGiB: 24, cudaCores: 9216 });
    expect(GPU_CATALOGUE.v100).toMatchObject({ memoryGiB: 16, cudaCores: 5120 });
    expect(GPU_CATALOGUE.l40s).toMatchObject({ memoryGiB: 48, cudaCores: 18176 });
  });
});

describe("preset decorators", () => {
  it.each(TABLE)("%s: the camelCase decorator and the Latch alias resolve to its PRESETS entry", async (latch, camel) => {
    const camelDecorator = exported[camel];
    const latchDecorator = exported[latch];
    expect(typeof camelDecorator).toBe("function");
    expect(latchDecorator).toBe(camelDecorator);
    expect(camelDecorator?.preset).toBe(latch);

    const entry = PRESETS[latch as keyof typeof PRESETS];
    for (const decorator of [camelDecorator, latchDecorator] as Decorator[]) {
      const task = decorator(async (x: unknown) => x);
      const resolved = await resolveResources(task, [1]);
      expect(resolved).toEqual({
        cpu: entry.cpu,
        memoryGiB: entry.memoryGiB,
        gpu: entry.gpu,
        ...(entry.gpuType !== undefined && { gpuType: entry.gpuType }),
        source: { kind: "preset", preset: latch, overridden: [] },
        clamped: [],
      });
    }
  });

  it.each(TABLE)("%s sets no storage: storageGiB is absent, meaning the scheduler's default", async (latch) => {
    const resolved = await resolveResources(exported[latch]!(async () => 0), []);
    expect("storageGiB" in resolved).toBe(false);
    expect(resolved.storageGiB).toBeUndefined();
  });

  it("exempts presets from LIMITS: v100_x8_task has 128 CPUs, above the 126 limit", async () => {
    expect(PRESETS.v100_x8_task.cpu).toBeGreaterThan(LIMITS.cpu);
    const viaCamel = v100x8Task(async () => "ok");
    const viaAlias = v100_x8_task(async () => "ok");
    const resolved = await resolveResources(viaCamel, []);
    expect(resolved).toMatchObject({ cpu: 128, memoryGiB: 512, gpu: 8, gpuType: "v100", clamped: [] });
    await expect(resolveResources(viaAlias, [])).resolves.toEqual(resolved);
    await expect(viaCamel.with({ scheduler: new InProcessScheduler() })()).resolves.toBe("ok");
  });

  it("keeps the preset's numbers when the preset takes options", async () => {
    const task = taskfit.largeGpuTask({ retries: 2, timeout: "1h" })(async () => 0);
    expect(await resolveResources(task, [])).toMatchObject({ cpu: 31, memoryGiB: 120, gpu: 1, gpuType: "a10g" });
    expect(task.spec.retries.count).toBe(2);
    expect(task.spec.timeoutSeconds).toBe(3600);
  });

  it("rejects unknown preset option keys with a ResourceSpecError naming the valid keys", () => {
    expect(() => taskfit.smallTask({ cpu: 4 } as unknown as taskfit.TaskOptions)(async () => 0)).toThrow(taskfit.ResourceSpecError);
    expect(() => taskfit.smallTask({ cpu: 4 } as unknown as taskfit.TaskOptions)(async () => 0)).toThrow(/`retries`/);
  });
});
