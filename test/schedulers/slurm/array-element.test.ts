import { describe, expect, it } from "vitest";
import { WorkerProtocolError } from "../../../src/errors.js";
import { elementPath } from "../../../src/schedulers/worker/array-element.js";

describe("a job array element's files (the worker's side)", () => {
  it("fills in its own index for %a in the file name, and leaves other paths as they are", () => {
    expect(elementPath("/jobs/taskfit-b1_%a.request.json", { SLURM_ARRAY_TASK_ID: "17" })).toBe("/jobs/taskfit-b1_17.request.json");
    expect(elementPath("/jobs/%a/taskfit-b1_%a.outcome.json", { SLURM_ARRAY_TASK_ID: "0" })).toBe("/jobs/%a/taskfit-b1_0.outcome.json");
    expect(elementPath("/jobs/taskfit-x.request.json", {})).toBe("/jobs/taskfit-x.request.json");
  });

  it("refuses a pattern outside a job array, saying what it needs", () => {
    expect(() => elementPath("/jobs/taskfit-b1_%a.request.json", {})).toThrow(WorkerProtocolError);
    expect(() => elementPath("/jobs/taskfit-b1_%a.request.json", {})).toThrow(/SLURM_ARRAY_TASK_ID must hold the index of a job array's element; it is not set/);
    expect(() => elementPath("/jobs/taskfit-b1_%a.request.json", { SLURM_ARRAY_TASK_ID: "x" })).toThrow(/it is "x"/);
  });
});
