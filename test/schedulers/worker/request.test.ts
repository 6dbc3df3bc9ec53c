import { describe, expect, it } from "vitest";
import { SerializationError, TaskNotFoundError, type ResolvedResources } from "../../../src/index.js";
import { workerRequest } from "../../../src/schedulers/worker/request.js";

const resources: ResolvedResources = { cpu: 1, memoryGiB: 1, gpu: 0, source: { kind: "custom", dynamic: [], overridden: [] }, clamped: [] };
const ref = { module: "file:///p/src/tasks.ts", name: "greet", index: 0 };

class Greeter {
  constructor(readonly prefix: string) {}
}

// The one request builder process isolation, Slurm and Kubernetes share.
describe("the worker request of an attempt", () => {
  it("carries a method's instance as its class name and own fields", () => {
    const request = workerRequest({ taskName: "greet", task: ref, args: ["bob"], attempt: 2, self: new Greeter("hi ") }, resources, [0]);
    expect(request).toMatchObject({ ref, attempt: 2, gpus: [0], self: { kind: "instance", className: "Greeter" } });
    expect(request.self?.kind === "instance" && JSON.parse(request.self.fields)).toEqual({ value: { prefix: "hi " } });
  });

  it("carries a static method's class, and nothing for a wrapped function", () => {
    expect(workerRequest({ taskName: "kind", task: ref, args: [], attempt: 1, self: Greeter }, resources, []).self).toEqual({ kind: "class", className: "Greeter" });
    expect(workerRequest({ taskName: "f", task: ref, args: [], attempt: 1, self: undefined }, resources, []).self).toBeUndefined();
  });

  it("names a field of `this` JSON would lose", () => {
    const self = Object.assign(new Greeter("x"), { onDone: () => 1 });
    expect(() => workerRequest({ taskName: "greet", task: ref, args: [], attempt: 1, self }, resources, [])).toThrow(SerializationError);
    expect(() => workerRequest({ taskName: "greet", task: ref, args: [], attempt: 1, self }, resources, [])).toThrow(/this\.onDone/);
  });

  it("refuses a task with no module, and lets a scheduler put the module where its worker sees it", () => {
    const call = { taskName: "inline", task: { ...ref, module: undefined }, args: [], attempt: 1 };
    expect(() => workerRequest(call, resources, [])).toThrow(TaskNotFoundError);
    expect(workerRequest({ ...call, task: ref }, resources, [], "file:///app/src/tasks.ts").ref.module).toBe("file:///app/src/tasks.ts");
  });
});
