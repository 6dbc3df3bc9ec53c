// With reflect-metadata loaded (as a NestJS-style app does at its entry, before its modules), every
// task carries its metadata under TASK_METADATA_KEY. Runs under TC39 decorators and
// experimentalDecorators; no-reflect-metadata.test.ts is the same process without the polyfill.
import "reflect-metadata";
import { describe, expect, it } from "vitest";
import { customTask, largeGpuTask, smallTask, TASK_METADATA_KEY, type TaskFile, type TaskMetadata } from "../../src/index.js";

const allocateCpu = (files: TaskFile[]) => Math.min(8, files.length);

const align = customTask({ cpu: allocateCpu, memory: 8, storage_gib: (files: TaskFile[]) => files.length, timeout: "1h" })(
  async function align(files: TaskFile[], count: number) {
    return files.length * count;
  },
);

class Models {
  @smallTask async clean(text: string) {
    return text.trim();
  }

  @largeGpuTask({ retries: { count: 2, on: ["OUT_OF_MEMORY"], escalate: { memory: 2 } }, label: (batch: number[]) => `batch of ${batch.length}` })
  async infer(batch: number[]) {
    return batch.length;
  }
}

const metadataOf = (target: object): TaskMetadata | undefined => Reflect.getMetadata(TASK_METADATA_KEY, target);
const thisModule = new URL(import.meta.url).href.split("?")[0];

describe("reflect-metadata: each task carries its declared spec", () => {
  it("on a wrapped function: name, spec in plain data (functions named with their parameters), where it was defined", () => {
    expect(TASK_METADATA_KEY).toBe("taskfit:task");
    expect(metadataOf(align)).toEqual({
      name: "align",
      method: false,
      spec: {
        preset: null,
        cpu: { function: "allocateCpu", parameters: ["files"] },
        memoryGiB: 8,
        storageGiB: { function: "storage_gib", parameters: ["files"] },
        gpu: 0,
        gpuType: null,
        timeoutSeconds: 3600,
        retries: { count: 0, on: ["TASK_EXECUTION_FAILED", "OUT_OF_MEMORY", "TASK_TIMEOUT"], escalate: null },
        overLimit: "error",
        label: null,
        clamped: [],
      },
      ref: { module: thisModule, name: "align", index: 0 },
    });
    expect(metadataOf(align)?.spec).toBe(align.spec);
  });

  it("on a decorated method, as the class's prototype holds it", () => {
    expect(metadataOf(Models.prototype.clean)).toMatchObject({
      name: "clean",
      method: true,
      spec: { preset: "small_task", cpu: 2, memoryGiB: 4, gpu: 0, gpuType: null, storageGiB: null },
    });
    expect(metadataOf(Models.prototype.infer)).toMatchObject({
      name: "infer",
      method: true,
      spec: {
        preset: "large_gpu_task",
        gpu: 1,
        gpuType: "a10g",
        retries: { count: 2, on: ["OUT_OF_MEMORY"], escalate: { memory: 2 } },
        label: { function: "label", parameters: ["batch"] },
      },
    });
    expect(metadataOf(new Models().infer)).toBe(metadataOf(Models.prototype.infer));
  });

  it("is plain data: JSON keeps all of it", () => {
    for (const task of [align, Models.prototype.clean, Models.prototype.infer]) {
      const metadata = metadataOf(task);
      expect(metadata).toBeDefined();
      expect(JSON.parse(JSON.stringify(metadata))).toEqual(metadata);
      expect(Object.isFrozen(metadata?.spec)).toBe(true);
    }
  });

  it("lets a container list the tasks among a module's exports, and a plain function has none", () => {
    const exports: Record<string, unknown> = { align, Models, helper: () => 1 };
    const listed = Object.entries(exports).flatMap(([key, value]) => {
      if (typeof value !== "function") return [];
      const own = metadataOf(value);
      const names = Object.getOwnPropertyNames(value.prototype ?? {}).filter((name) => name !== "constructor");
      const methods = names.map((name) => metadataOf(value.prototype[name]));
      return [own, ...methods].filter((m) => m !== undefined).map((m) => `${key}: ${m.name} ${JSON.stringify(m.spec.cpu)}`);
    });
    expect(listed).toEqual([`align: align {"function":"allocateCpu","parameters":["files"]}`, "Models: clean 2", "Models: infer 31"]);
    expect(metadataOf(exports.helper as object)).toBeUndefined();
  });
});
