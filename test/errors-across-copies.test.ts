import { describe, expect, it, vi } from "vitest";
import * as here from "../src/errors.js";

describe("taskfit errors across copies of taskfit in one process", () => {
  it("match instanceof by class, whichever copy made them (and only their own class chain)", async () => {
    // A second, separate instance of the module: what the CJS build or another install would be.
    const copy = "../src/errors.js?another-copy";
    const other = (await import(/* @vite-ignore */ copy)) as typeof here;
    expect(other.TaskExecutionError).not.toBe(here.TaskExecutionError);
    const error = new other.TaskExecutionError({ task: "align", attempt: 1, message: "boom" });
    expect(error instanceof here.TaskExecutionError).toBe(true);
    expect(error instanceof here.TaskfitError).toBe(true);
    expect(error instanceof here.OutOfMemoryError).toBe(false);
    expect(new here.OutOfMemoryError({ task: "t", memoryGiB: 1 }) instanceof other.OutOfMemoryError).toBe(true);
    // A plain Error with the same name is not one.
    expect(Object.assign(new Error("x"), { name: "TaskExecutionError" }) instanceof here.TaskExecutionError).toBe(false);
    expect((null as unknown) instanceof here.TaskfitError).toBe(false);
  });

  it("do not match a copy of another compatibility line (its codes and fields may differ)", async () => {
    vi.resetModules();
    vi.doMock("../src/global-slot.js", async (importOriginal) => {
      const original = await importOriginal<typeof import("../src/global-slot.js")>();
      return { ...original, slotKey: (name: string) => Symbol.for(`taskfit@99:${name}`) };
    });
    try {
      const other = (await import("../src/errors.js")) as typeof here;
      expect(other.TaskExecutionError).not.toBe(here.TaskExecutionError);
      const error = new other.TaskExecutionError({ task: "align", attempt: 1, message: "boom" });
      expect(error instanceof other.TaskExecutionError).toBe(true);
      expect(error instanceof here.TaskExecutionError).toBe(false);
      expect(error instanceof here.TaskfitError).toBe(false);
      expect(new here.TaskExecutionError({ task: "t", attempt: 1, message: "x" }) instanceof other.TaskfitError).toBe(false);
    } finally {
      vi.doUnmock("../src/global-slot.js");
      vi.resetModules();
    }
  });
});
