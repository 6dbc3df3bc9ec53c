import { describe, expect, it } from "vitest";
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
});
