import { describe, expectTypeOf, it } from "vitest";
import { customTask, type GpuType, type KnownGpuType, registerGpuType } from "../../src/index.js";

describe("GPU types at the type level", () => {
  it("takes any type name, and still lists the seed's names", () => {
    expectTypeOf<"h100">().toMatchTypeOf<GpuType>();
    expectTypeOf<KnownGpuType>().toEqualTypeOf<"a10g" | "v100" | "l40s">();
    customTask({ cpu: 1, memory: 1, gpu: 1, gpuType: "h100" })(async function h100() {});
    customTask({ cpu: 1, memory: 1, gpu: 1, gpuType: (n: number) => (n > 1 ? "h100" : "a10g") })(async function either(n: number) {
      return n;
    });
    // @ts-expect-error a type name is a string
    customTask({ cpu: 1, memory: 1, gpu: 1, gpuType: 100 })(async function numeric() {});
    // @ts-expect-error the VRAM is required
    registerGpuType("h200", { model: "NVIDIA H200" });
  });
});
