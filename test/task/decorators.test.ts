// Runs under TC39 decorators (vitest.config.ts) AND experimentalDecorators (vitest.legacy.config.ts):
// only class method decorators here, no accessor/field decorators, no decorated #private methods.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  asTask,
  custom_task,
  customTask,
  getDefaultScheduler,
  ResourceSpecError,
  resolveResources,
  type Scheduler,
  setDefaultScheduler,
  small_task,
  smallGpuTask,
  smallTask,
} from "../../src/index.js";
import { InProcessScheduler } from "../support/in-process-scheduler.js";

// Decorators, not scheduling, are under test: run every call in this process whatever it asks for.
let previous: Scheduler;
beforeAll(() => {
  previous = getDefaultScheduler();
  setDefaultScheduler(new InProcessScheduler());
});
afterAll(() => {
  setDefaultScheduler(previous);
});

const SMALL = { cpu: 2, memoryGiB: 4, gpu: 0 };

class Counter {
  factor = 3;

  @smallTask
  async bare(x: number) {
    return x * this.factor;
  }

  @smallTask({ retries: 2 })
  async withOptions(x: number) {
    return x + this.factor;
  }

  @small_task({ name: "renamed-method" })
  async latchSpelling(x: number) {
    return x - this.factor;
  }

  @customTask(4, 16)
  async positional(x: number) {
    return [this.factor, x];
  }

  @customTask({ cpu: 6, memory: "24Gi", storage: 100 })
  async object() {
    return this.factor;
  }

  @customTask({ cpu: (n: number) => n, memory: async (n: number) => n * 2 })
  async dynamic(n: number) {
    return n * this.factor;
  }
}

class Static {
  static base = 10;

  @smallGpuTask
  static async add(x: number) {
    return this.base + x;
  }
}

describe("the four forms of a preset", () => {
  it("@smallTask on a method keeps `this` and resolves to the preset", async () => {
    const c = new Counter();
    await expect(c.bare(2)).resolves.toBe(6);
    expect(await resolveResources(c.bare, [2])).toMatchObject({ ...SMALL, source: { kind: "preset", preset: "small_task" } });
  });

  it("@smallTask({ retries: 2 }) on a method keeps `this` and carries the options", async () => {
    const c = new Counter();
    await expect(c.withOptions(2)).resolves.toBe(5);
    expect(asTask(c.withOptions).spec.retries.count).toBe(2);
    expect(await resolveResources(c.withOptions, [1])).toMatchObject(SMALL);
  });

  it("smallTask(fn) wraps a function", async () => {
    const double = smallTask(async (x: number) => x * 2);
    await expect(double(4)).resolves.toBe(8);
    expect(await resolveResources(double, [4])).toMatchObject(SMALL);
    expect(double.spec.retries.count).toBe(0);
  });

  it("smallTask({ retries: 2 })(fn) wraps a function with options", async () => {
    const double = smallTask({ retries: 2 })(async (x: number) => x * 2);
    await expect(double(4)).resolves.toBe(8);
    expect(double.spec.retries.count).toBe(2);
    expect(await double.resolve(4)).toMatchObject(SMALL);
  });
});

describe("customTask on methods and functions", () => {
  it("customTask(4, 16) on a method", async () => {
    const c = new Counter();
    await expect(c.positional(1)).resolves.toEqual([3, 1]);
    expect(await resolveResources(c.positional, [1])).toMatchObject({ cpu: 4, memoryGiB: 16, gpu: 0, source: { kind: "custom" } });
  });

  it("customTask({...}) on a method", async () => {
    const c = new Counter();
    await expect(c.object()).resolves.toBe(3);
    expect(await resolveResources(c.object, [])).toMatchObject({ cpu: 6, memoryGiB: 24, storageGiB: 100 });
  });

  it("customTask(4, 16) and customTask({...}) on functions, and the custom_task alias", async () => {
    const a = customTask(4, 16)(async (x: number) => x + 1);
    const b = customTask({ cpu: 4, memory: 16 })(async (x: number) => x + 1);
    const c = custom_task(4, "16Gi")(async (x: number) => x + 1);
    for (const t of [a, b, c]) {
      await expect(t(1)).resolves.toBe(2);
      expect(await resolveResources(t, [1])).toMatchObject({ cpu: 4, memoryGiB: 16 });
    }
  });

  it("dynamic resource functions of a method get the call's arguments, not `this`", async () => {
    const seen: { self: unknown; args: unknown[] }[] = [];
    class Probe {
      factor = 5;
      @customTask({
        cpu: function (this: unknown, ...args: unknown[]) {
          seen.push({ self: this, args });
          return 2;
        },
        memory: 1,
      })
      async run(n: number, label: string) {
        return `${label}:${n * this.factor}`;
      }
    }
    const p = new Probe();
    await expect(p.run(2, "x")).resolves.toBe("x:10");
    expect(seen).toHaveLength(1);
    expect(seen[0]?.args).toEqual([2, "x"]);
    expect(seen[0]?.self).toBeUndefined();
  });

  it("a dynamic method spec resolves from the arguments and the method keeps `this`", async () => {
    const c = new Counter();
    await expect(c.dynamic(4)).resolves.toBe(12);
    expect(await resolveResources(c.dynamic, [4])).toMatchObject({ cpu: 4, memoryGiB: 8, source: { dynamic: ["cpu", "memoryGiB"] } });
  });

  it("@customTask without arguments throws a ResourceSpecError when the class is defined", () => {
    const bare = customTask as unknown as (...args: unknown[]) => never;
    expect(() => {
      class Misused {
        @bare
        async m() {
          return 1;
        }
      }
      return Misused;
    }).toThrow(ResourceSpecError);
    expect(() => bare(async () => 1)).toThrow(/customTask to be called with resources first/);
  });
});

describe("decorated methods as tasks", () => {
  it("resolveResources(instance.method) and resolveResources(Class.prototype.method) agree", async () => {
    const c = new Counter();
    for (const key of ["bare", "positional", "dynamic"] as const) {
      const viaInstance = await resolveResources(c[key], [7]);
      const viaPrototype = await resolveResources(Counter.prototype[key], [7]);
      expect(viaPrototype).toEqual(viaInstance);
    }
    expect((await resolveResources(Counter.prototype.dynamic, [7])).cpu).toBe(7);
  });

  it("taskName is the function name, the method name, or the `name` option", () => {
    async function alignReads(x: number) {
      return x;
    }
    expect(smallTask(alignReads).taskName).toBe("alignReads");
    expect(smallTask({ name: "align" })(alignReads).taskName).toBe("align");
    expect(smallTask(alignReads).name).toBe("alignReads");
    expect(asTask(Counter.prototype.bare).taskName).toBe("bare");
    expect(asTask(new Counter().withOptions).taskName).toBe("withOptions");
    expect(asTask(new Counter().latchSpelling).taskName).toBe("renamed-method");
  });

  it("asTask(instance.method, instance).with({ cpu: 3 }) keeps `this` and overrides cpu", async () => {
    const c = new Counter();
    c.factor = 10;
    const faster = asTask(c.bare, c).with({ cpu: 3 });
    await expect(faster(2)).resolves.toBe(20);
    expect(await faster.resolve(2)).toMatchObject({ cpu: 3, memoryGiB: 4, source: { kind: "preset", overridden: ["cpu"] } });
    await expect(c.bare(2)).resolves.toBe(20);
    expect((await resolveResources(c.bare, [2])).cpu).toBe(2);
  });

  it("a decorated static method keeps `this` (the class) and resolves", async () => {
    await expect(Static.add(5)).resolves.toBe(15);
    expect(await resolveResources(Static.add, [5])).toMatchObject({ cpu: 8, memoryGiB: 32, gpu: 1, gpuType: "a10g" });
    expect(asTask(Static.add).taskName).toBe("add");
  });

  it("each instance keeps its own `this`", async () => {
    const a = new Counter();
    const b = new Counter();
    b.factor = 100;
    await expect(Promise.all([a.bare(1), b.bare(1)])).resolves.toEqual([3, 100]);
  });
});

describe("calling a task", () => {
  it("returns a Promise of the function's result, also for a sync function", async () => {
    const sync = smallTask((x: number) => ({ doubled: x * 2 }));
    const result = sync(21);
    expect(result).toBeInstanceOf(Promise);
    await expect(result).resolves.toEqual({ doubled: 42 });
  });

  it("exposes the original function as .fn", async () => {
    const original = async (x: number) => x;
    const t = smallTask(original);
    expect(t.fn).toBe(original);
  });
});
