/** Process-wide state is one slot per name and compatibility line, shared by every copy of taskfit. */
import { readFile } from "node:fs/promises";
import { describe, expect, it, vi } from "vitest";
import { COMPATIBILITY_LINE, globalSlot, slotKey } from "../src/global-slot.js";

describe("globalSlot", () => {
  it("keys each slot with the compatibility line", () => {
    expect(slotKey("registry")).toBe(Symbol.for(`taskfit@${COMPATIBILITY_LINE}:registry`));
    const made = globalSlot("test:keyed", () => ({ made: true }));
    expect((globalThis as Record<symbol, unknown>)[Symbol.for(`taskfit@${COMPATIBILITY_LINE}:test:keyed`)]).toBe(made);
  });

  it("makes the value once: a later init is not called", () => {
    const first = globalSlot("test:once", () => ["first"]);
    const init = vi.fn(() => ["second"]);
    expect(globalSlot("test:once", init)).toBe(first);
    expect(init).not.toHaveBeenCalled();
  });

  it("is shared by two instances of the modules that keep state (as two copies of taskfit are)", async () => {
    const registryA = await import("../src/task/registry.js");
    const gpuTypesA = await import("../src/resources/gpu-types.js");
    vi.resetModules();
    const registryB = await import("../src/task/registry.js");
    const gpuTypesB = await import("../src/resources/gpu-types.js");
    expect(registryB).not.toBe(registryA);
    expect(gpuTypesB.registerGpuType).not.toBe(gpuTypesA.registerGpuType);

    const ref = registryA.nextRef("sharedSlotTask", "file:///slot.js");
    registryA.registerTask({ name: "sharedSlotTask", method: false, spec: {} as never, fn: () => 1, ref });
    expect(registryB.tasksNamed("sharedSlotTask").map((d) => d.ref)).toEqual([ref]);
    expect(registryB.nextRef("sharedSlotTask", "file:///slot.js").index).toBe(1);

    gpuTypesA.registerGpuType("slot-test-gpu", { memoryGiB: 12 });
    expect(gpuTypesB.gpuTypeInfo("slot-test-gpu")).toEqual({ memoryGiB: 12 });
  });

  it("leaves no state under the keys without a compatibility line", async () => {
    await import("../src/task/group.js");
    await import("../src/task/worker-guard.js");
    await import("../src/task/metadata.js");
    const keys = Object.getOwnPropertySymbols(globalThis).map((symbol) => symbol.description ?? "");
    expect(keys.filter((key) => key.startsWith("taskfit."))).toEqual([]);
    for (const name of ["registry", "definitions", "taskGroup", "worker", "gpuTypes"]) {
      expect(keys, name).toContain(`taskfit@${COMPATIBILITY_LINE}:${name}`);
    }
  });
});

describe("COMPATIBILITY_LINE", () => {
  it("is package.json's major version, or 0.minor before 1.0", async () => {
    const { version } = JSON.parse(await readFile("package.json", "utf8")) as { version: string };
    const [major, minor] = version.split(".");
    expect(COMPATIBILITY_LINE).toBe(major === "0" ? `0.${minor}` : major);
  });
});
