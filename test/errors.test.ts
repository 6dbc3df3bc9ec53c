import { describe, expect, it } from "vitest";
import {
  ErrorCode,
  OutOfMemoryError,
  ResourceLimitError,
  ResourceResolutionError,
  ResourceSpecError,
  TaskCancelledError,
  TaskExecutionError,
  TaskfitError,
  TaskTimeoutError,
  UnschedulableError,
} from "../src/index.js";
import { describeValue } from "../src/errors.js";

const cause = new Error("underlying");

const CASES = [
  {
    error: new ResourceSpecError({ task: "align", field: "cpu", value: 0, expected: "a CPU count" }),
    Class: ResourceSpecError,
    code: "RESOURCE_SPEC_INVALID",
    contains: ["align", "`cpu`", "`0` (number)", "Expected a CPU count"],
  },
  {
    error: new ResourceResolutionError({ task: "align", field: "memory", value: "8", expected: "a memory size" }),
    Class: ResourceResolutionError,
    code: "RESOURCE_RESOLUTION_FAILED",
    contains: ["align", "`memory`", '`"8"` (string)', "a memory size"],
  },
  {
    error: new ResourceResolutionError({ task: "align", field: "storage_gib", cause }),
    Class: ResourceResolutionError,
    code: "RESOURCE_RESOLUTION_FAILED",
    contains: ["align", "`storage_gib`", "threw", "underlying"],
  },
  {
    error: new ResourceLimitError({ task: "align", field: "cpu", value: 127, limit: 126, unit: "cores" }),
    Class: ResourceLimitError,
    code: "RESOURCE_LIMIT_EXCEEDED",
    contains: ["align", "`cpu`", "126 cores", "127 cores", "clamp"],
  },
  {
    error: new UnschedulableError({ task: "align", scheduler: "local", shortfalls: [{ field: "gpu", requested: 2, available: 0 }] }),
    Class: UnschedulableError,
    code: "UNSCHEDULABLE",
    contains: ["align", "gpu", "requested 2", "at most 0", "local"],
  },
  {
    error: new TaskExecutionError({ task: "align", attempt: 2, message: "exit", exitCode: 3, stderrTail: "Killed", jobId: "42", cause }),
    Class: TaskExecutionError,
    code: "TASK_EXECUTION_FAILED",
    contains: ["align", "attempt 2", "exit code 3", "job 42", "Killed"],
  },
  {
    error: new TaskTimeoutError({ task: "align", timeoutSeconds: 90 }),
    Class: TaskTimeoutError,
    code: "TASK_TIMEOUT",
    contains: ["align", "90 s"],
  },
  {
    error: new TaskCancelledError({ task: "align", reason: cause }),
    Class: TaskCancelledError,
    code: "TASK_CANCELLED",
    contains: ["align", "cancelled", "underlying"],
  },
  {
    error: new OutOfMemoryError({ task: "align", memoryGiB: 16, detail: "OOMKilled", jobId: "j1" }),
    Class: OutOfMemoryError,
    code: "OUT_OF_MEMORY",
    contains: ["align", "16 GiB", "OOMKilled"],
  },
] as const;

describe("error classes", () => {
  it.each(CASES)("$Class.name extends TaskfitError and Error, with code $code and its own name", ({ error, Class, code }) => {
    expect(error).toBeInstanceOf(Class);
    expect(error).toBeInstanceOf(TaskfitError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe(code);
    expect(error.name).toBe(Class.name);
    expect(Object.values(ErrorCode)).toContain(error.code);
    expect(error.stack).toContain(Class.name);
  });

  it.each(CASES)("$Class.name says what was expected, what arrived and where", ({ error, contains }) => {
    for (const part of contains) expect(error.message).toContain(part);
  });

  it("has one distinct code per class, each listed in ErrorCode", () => {
    const codes = new Set(CASES.map((c) => c.code));
    expect(codes.size).toBe(8);
    for (const code of codes) expect(Object.values(ErrorCode)).toContain(code);
    expect(new Set(Object.values(ErrorCode)).size).toBe(Object.values(ErrorCode).length);
  });

  it("keeps the details as fields", () => {
    expect(new ResourceSpecError({ task: "t", field: "gpu", value: 0.5, expected: "x" })).toMatchObject({ task: "t", field: "gpu", value: 0.5 });
    expect(new ResourceLimitError({ task: "t", field: "gpu", value: 9, limit: 8, unit: "GPUs" })).toMatchObject({ task: "t", field: "gpu", value: 9, limit: 8 });
    expect(new TaskExecutionError({ task: "t", attempt: 1, message: "m", exitCode: 137, stderrTail: "e", jobId: "9" })).toMatchObject({
      exitCode: 137,
      stderrTail: "e",
      jobId: "9",
    });
    expect(new OutOfMemoryError({ task: "t", memoryGiB: 8, jobId: "j" })).toMatchObject({ task: "t", memoryGiB: 8, jobId: "j" });
    expect(new UnschedulableError({ task: "t", scheduler: "s", shortfalls: [] }).shortfalls).toEqual([]);
  });

  it("sets cause when there is one, and none otherwise", () => {
    expect(new ResourceResolutionError({ task: "t", field: "cpu", cause }).cause).toBe(cause);
    expect(new TaskExecutionError({ task: "t", attempt: 1, message: "m", cause }).cause).toBe(cause);
    expect(new TaskCancelledError({ task: "t", reason: "stop" }).cause).toBe("stop");
    expect(new TaskTimeoutError({ task: "t", timeoutSeconds: 1 }).cause).toBeUndefined();
  });

  it("leaves out the value part when a spec error has no value", () => {
    const error = new ResourceSpecError({ expected: "customTask to be called with resources" });
    expect(error.message).toBe("Expected customTask to be called with resources");
    expect(error.task).toBeUndefined();
  });

  it("a subclass of TaskfitError gets its own class name", () => {
    class CustomFailure extends TaskfitError {}
    expect(new CustomFailure(ErrorCode.TaskExecution, "x").name).toBe("CustomFailure");
  });
});

describe("describeValue", () => {
  it.each([
    [0, "`0` (number)"],
    [-1.5, "`-1.5` (number)"],
    [Number.NaN, "`NaN` (number)"],
    [Number.POSITIVE_INFINITY, "`Infinity` (number)"],
    ["8G", '`"8G"` (string)'],
    ["", '`""` (string)'],
    [true, "`true` (boolean)"],
    [undefined, "`undefined` (undefined)"],
    [null, "`null` (null)"],
    [10n, "`10n` (bigint)"],
    [[1, 2], "`[1,2]` (array)"],
    [{ cpu: 2 }, '`{"cpu":2}` (object)'],
    [Symbol("s"), "`Symbol(s)` (symbol)"],
  ])("formats %s as %s", (value, shown) => {
    expect(describeValue(value)).toBe(shown);
  });

  it("names functions", () => {
    expect(describeValue(function allocate() {})).toBe("`[function allocate]` (function)");
    expect(describeValue((() => () => 1)())).toBe("`[function anonymous]` (function)");
  });

  it("survives circular objects", () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(describeValue(loop)).toBe("`[object Object]` (object)");
  });

  it("cuts long values to 80 characters", () => {
    const shown = describeValue("x".repeat(200));
    expect(shown).toBe(`\`"${"x".repeat(76)}...\` (string)`);
  });
});
