import { describe, expect, it } from "vitest";
import { customTask, gpuTypeInfo, gpuTypeOfModel, registerGpuType, resolveResources, ResourceSpecError } from "../../src/index.js";

describe("GPU type names", () => {
  it.each([
    ["NVIDIA H100 80GB HBM3", "h100"],
    ["NVIDIA-H100-80GB-HBM3", "h100"],
    ["NVIDIA H100 PCIe", "h100"],
    ["NVIDIA H100 NVL", "h100"],
    ["NVIDIA H200", "h200"],
    ["NVIDIA A10G", "a10g"],
    ["A10G", "a10g"],
    ["Tesla V100-SXM2-16GB", "v100"],
    ["Tesla-V100-SXM2-32GB", "v100"],
    ["NVIDIA L40S", "l40s"],
    ["NVIDIA L4", "l4"],
    ["Tesla T4", "t4"],
    ["NVIDIA A100-SXM4-80GB", "a100"],
    ["NVIDIA-A100-SXM4-40GB-MIG-1g.5gb", "a100"],
    ["NVIDIA GeForce RTX 4090", "rtx-4090"],
    ["NVIDIA GeForce RTX 3090 Ti", "rtx-3090-ti"],
    ["NVIDIA RTX A6000", "rtx-a6000"],
    ["NVIDIA RTX 6000 Ada Generation", "rtx-6000-ada"],
    ["Quadro RTX 8000", "rtx-8000"],
    ["NVIDIA GH200 480GB", "gh200"],
  ])("%s is type %s", (model, type) => {
    expect(gpuTypeOfModel(model)).toBe(type);
  });

  it("has no type for a name with nothing left after the vendor words", () => {
    expect(gpuTypeOfModel("NVIDIA")).toBeUndefined();
    expect(gpuTypeOfModel("")).toBeUndefined();
  });

  it("accepts any lower-case type in a spec, and refuses other spellings with what is expected", async () => {
    const h100 = customTask({ cpu: 4, memory: 16, gpu: 1, gpuType: "h100" })(async function onH100() {});
    expect(await resolveResources(h100, [])).toMatchObject({ gpu: 1, gpuType: "h100" });
    const rtx = customTask({ cpu: 4, memory: 16, gpu: 2, gpuType: "rtx-4090" })(async function onRtx() {});
    expect(await resolveResources(rtx, [])).toMatchObject({ gpu: 2, gpuType: "rtx-4090" });
    for (const bad of ["H100", "h100 ", "-h100", "h_100", ""]) {
      expect(() => customTask({ cpu: 1, memory: 1, gpu: 1, gpuType: bad })(async function badType() {})).toThrow(ResourceSpecError);
    }
    expect(() => customTask({ cpu: 1, memory: 1, gpu: 1, gpuType: "H100" })(async function upper() {})).toThrow(/lower-case letters, digits and "-".*`"H100"`/);
  });
});

describe("the GPU catalogue", () => {
  it("knows the seed's GPUs and learns new ones from registerGpuType", () => {
    expect(gpuTypeInfo("a10g")).toMatchObject({ memoryGiB: 24, cudaCores: 9216 });
    expect(gpuTypeInfo("b200")).toBeUndefined();
    registerGpuType("b200", { memoryGiB: 180, model: "NVIDIA B200" });
    expect(gpuTypeInfo("b200")).toEqual({ memoryGiB: 180, model: "NVIDIA B200" });
    // Again with the same figures (a worker importing the module again) is harmless.
    registerGpuType("b200", { memoryGiB: 180, model: "NVIDIA B200" });
    registerGpuType("a10g", { memoryGiB: 24 });
  });

  it("refuses a bad name, bad figures and other figures for a known type", () => {
    expect(() => registerGpuType("H200", { memoryGiB: 141 })).toThrow(/lower-case.*`"H200"`/);
    expect(() => registerGpuType("h200", { memoryGiB: -1 })).toThrow(ResourceSpecError);
    expect(() => registerGpuType("h200", { memoryGiB: 141, vram: 141 } as never)).toThrow(/vram/);
    expect(() => registerGpuType("a10g", { memoryGiB: 48 })).toThrow(/already in the catalogue for "a10g"/);
  });

  it("is one catalogue for every copy of taskfit in the process", async () => {
    registerGpuType("mi300x", { memoryGiB: 192 });
    // Another copy of the module (as the command line and a user's module may load) sees it.
    const copy = "../../src/resources/gpu-types.js?another-copy";
    const other = (await import(/* @vite-ignore */ copy)) as typeof import("../../src/resources/gpu-types.js");
    expect(other.registerGpuType).not.toBe(registerGpuType);
    expect(other.gpuTypeInfo("mi300x")).toEqual({ memoryGiB: 192 });
  });
});
