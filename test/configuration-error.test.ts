/**
 * What taskfit is given that is not a task's spec is a ConfigurationError (INVALID_CONFIGURATION),
 * naming the option; a task's spec alone is a ResourceSpecError.
 */
import { describe, expect, it } from "vitest";
import {
  asTask,
  ConfigurationError,
  customTask,
  isMain,
  KubernetesScheduler,
  LocalScheduler,
  ResourceSpecError,
  resolveResources,
  run,
  SlurmScheduler,
  TaskFile,
} from "../src/index.js";

function thrown(act: () => unknown): unknown {
  try {
    act();
  } catch (error) {
    return error;
  }
  throw new Error("expected it to throw");
}

const double = customTask(1, 1)(async function double(x: number) {
  return x * 2;
});

describe("ConfigurationError for what is not a task's spec", () => {
  it.each([
    ["LocalScheduler capacity", () => new LocalScheduler({ capacity: { cpu: -1 } }), "capacity.cpu"],
    ["LocalScheduler oversize", () => new LocalScheduler({ oversize: "shrink" as never }), "oversize"],
    ["LocalScheduler reserveAfter", () => new LocalScheduler({ reserveAfter: 0 }), "reserveAfter"],
    ["SlurmScheduler workDir", () => new SlurmScheduler({ workDir: "" }), "workDir"],
    ["SlurmScheduler pollIntervalMs", () => new SlurmScheduler({ workDir: "/w", pollIntervalMs: 0 }), "pollIntervalMs"],
    ["KubernetesScheduler image", () => new KubernetesScheduler({ image: "" }), "image"],
    ["KubernetesScheduler startTimeoutSeconds", () => new KubernetesScheduler({ image: "x", startTimeoutSeconds: -1 }), "startTimeoutSeconds"],
    ["a call's scheduler", () => double.with({ scheduler: {} as never }), "scheduler"],
    ["a call's signal", () => double.with({ signal: "stop" as never }), "signal"],
    ["isMain's argument", () => isMain(42 as never), "isMain"],
    ["asTask's argument", () => asTask(() => 1), undefined],
    ["a TaskFile's path", () => new TaskFile(""), "path"],
  ])("%s", (_what, act, field) => {
    const error = thrown(act);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).not.toBeInstanceOf(ResourceSpecError);
    expect((error as ConfigurationError).code).toBe("INVALID_CONFIGURATION");
    expect((error as ConfigurationError).field).toBe(field);
  });

  it("names the task an option was given for", () => {
    const error = thrown(() => double.with({ scheduler: { name: "not one" } as never })) as ConfigurationError;
    expect(error.task).toBe("double");
    expect(error.message).toBe('Expected a Scheduler (an object with a run() method), got `{"name":"not one"}` (object) (task `double`, field `scheduler`)');
  });

  it("for resolveResources given no task or no argument list, and run given bad arguments", async () => {
    await expect(resolveResources(async () => 1, [])).rejects.toBeInstanceOf(ConfigurationError);
    await expect(resolveResources(double, 3 as never)).rejects.toMatchObject({ code: "INVALID_CONFIGURATION", task: "double", field: "args" });
    await expect(run("echo", [4 as never])).rejects.toMatchObject({ code: "INVALID_CONFIGURATION", field: "commands[0][1]" });
  });

  it("while a wrong spec, option of a task or override stays a ResourceSpecError", () => {
    expect(thrown(() => customTask({ cpu: -1, memory: 1 })(async function bad() {}))).toBeInstanceOf(ResourceSpecError);
    expect(thrown(() => customTask({ cpu: 1, memory: 1, retries: -1 })(async function bad() {}))).toBeInstanceOf(ResourceSpecError);
    expect(thrown(() => double.with({ memory: "8" }))).toBeInstanceOf(ResourceSpecError);
  });
});
