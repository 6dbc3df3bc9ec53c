import { describe, expectTypeOf, it } from "vitest";
import {
  customTask,
  resolveResources,
  smallTask,
  type ResolvedResources,
  type Task,
  TaskFile,
} from "../../src/index.js";

const allocateCpu = (files: TaskFile[]) => Math.min(8, files.length);
const allocateStorage = (files: TaskFile[]) => (1.5 * files.reduce((s, f) => s + f.size(), 0)) / 1024 ** 3;

describe("resource functions take only the task's parameters", () => {
  it("accepts a prefix of the task's parameters", () => {
    const myTask = customTask({ cpu: allocateCpu, memory: 8, storage_gib: allocateStorage })(
      async (files: TaskFile[], count: number) => files.length * count,
    );
    expectTypeOf(myTask).toEqualTypeOf<Task<[files: TaskFile[], count: number], Promise<number>>>();
    expectTypeOf(myTask).parameters.toEqualTypeOf<[files: TaskFile[], count: number]>();
    expectTypeOf(myTask).returns.toEqualTypeOf<Promise<number>>();
    customTask({ cpu: (files: TaskFile[], count: number) => count, memory: 8 })(
      (files: TaskFile[], count: number) => files.length + count,
    );
    customTask({ cpu: () => 2, memory: async () => "8Gi" })((x: string) => x);
  });

  it("rejects a parameter the task does not have", () => {
    customTask({ cpu: (files: TaskFile[], nope: string) => nope.length, memory: 8 })(
      // @ts-expect-error -- `nope` is not a parameter of the task
      (files: TaskFile[]) => files.length,
    );
    customTask({ cpu: (files: TaskFile[], extra?: string) => files.length, memory: 8 })(
      // @ts-expect-error -- an optional extra parameter is still one the task does not have
      (files: TaskFile[]) => files.length,
    );
  });

  it("infers the task from a named function expression too", () => {
    const named = customTask({ cpu: allocateCpu, memory: 8 })(async function named(files: TaskFile[], count: number) {
      return files.map((file) => `${file.name}${count}`);
    });
    expectTypeOf(named).parameters.toEqualTypeOf<[files: TaskFile[], count: number]>();
    expectTypeOf(named).returns.toEqualTypeOf<Promise<string[]>>();
    customTask({ cpu: allocateCpu, memory: 8 })(
      // @ts-expect-error -- a function expression is checked the same way
      async function wrong(count: number) {
        return count;
      },
    );
  });

  it("rejects a parameter of a different type", () => {
    customTask({ cpu: (files: string[]) => files.length, memory: 8 })(
      // @ts-expect-error -- the task's first argument is TaskFile[], not string[]
      (files: TaskFile[], count: number) => count,
    );
    customTask(allocateCpu, 8)(
      // @ts-expect-error -- positional form: same rule
      (count: number) => count,
    );
  });

  it("rejects unknown keys at compile time", () => {
    // @ts-expect-error -- `storag` is not an option
    customTask({ cpu: 2, memory: 4, storag: 5 });
  });

  it("types resolveResources from the task's parameters", () => {
    const t = smallTask((a: number, b: string) => a + b);
    expectTypeOf(resolveResources(t, [1, "x"])).toEqualTypeOf<Promise<ResolvedResources>>();
    // @ts-expect-error -- wrong argument types
    resolveResources(t, ["x", 1]);
  });
});

describe("methods", () => {
  it("checks method resource functions and requires async methods", () => {
    class A {
      @customTask({ cpu: (files: TaskFile[]) => files.length, memory: 4 })
      async ok(files: TaskFile[], n: number) {
        return n;
      }

      // @ts-expect-error -- `nope` is not a parameter of the method
      @customTask({ cpu: (files: TaskFile[], nope: string) => nope.length, memory: 4 })
      async bad(files: TaskFile[]) {
        return files.length;
      }

      // @ts-expect-error -- a task method must return a Promise (a task call always does)
      @smallTask
      sync(n: number) {
        return n;
      }
    }
    expectTypeOf(new A().ok).returns.toEqualTypeOf<Promise<number>>();
  });
});

describe("labels and failure policies", () => {
  it("a label function takes the task's parameters, like a resource function", () => {
    customTask({ cpu: 1, memory: 1, label: (sample: { id: string }) => sample.id })(async (sample: { id: string }) => sample);
    customTask({ cpu: 1, memory: 1, label: (id: number) => String(id) })(
      // @ts-expect-error -- the label function takes a number, the task a string
      async (sample: string) => sample,
    );
    const align = customTask({ cpu: 1, memory: 1 })(async (sample: { id: string }, lane: number) => sample.id + lane);
    align.with({ label: (sample, lane) => `${sample.id}.${lane}` });
    // @ts-expect-error -- a label is a string (or a function returning one)
    align.with({ label: 3 });
  });

  it("retries.on takes only the retryable failure codes", () => {
    smallTask({ retries: { count: 3, on: ["OUT_OF_MEMORY", "TASK_TIMEOUT"], escalate: { memory: 2 } } });
    // @ts-expect-error -- "TIMEOUT" is not a failure code (TASK_TIMEOUT is)
    smallTask({ retries: { count: 3, on: ["TIMEOUT"] } });
  });
});
