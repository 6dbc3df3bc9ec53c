import { describe, expect, it } from "vitest";
import { asTask, LocalScheduler, SerializationError, TaskExecutionError } from "../../src/index.js";
import { Greeter, hidden } from "../fixtures/method-tasks.js";

// In both decorator modes (this folder runs under TC39 and legacy decorators): the class is found
// again in the worker and the method runs on a copy of its instance, never on a stand-in `this`.
const isolated = () => new LocalScheduler({ isolation: "process", capacity: { cpu: 2, memoryGiB: 4, gpus: 0 } });

describe("a method task in another process", () => {
  it("gives a method task its instance's fields and class in the child, not a stand-in `this`", async () => {
    const greeter = new Greeter("hi ");
    const result = await asTask(greeter.greet, greeter).with({ scheduler: isolated() })("bob");
    expect(result).toBe("hi bob!");
  }, 30_000);

  it("gives a static method task its class as `this`", async () => {
    expect(await asTask(Greeter.kind, Greeter).with({ scheduler: isolated() })()).toBe("Greeter");
  }, 30_000);

  it("refuses a method whose class the module does not export, instead of running it on a wrong `this`", async () => {
    const error = await asTask(hidden.reveal, hidden).with({ scheduler: isolated() })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskExecutionError);
    expect((error as Error).message).toMatch(/class `Hidden` must be exported/);
  }, 30_000);

  it("refuses an instance field JSON would lose, before starting a process", async () => {
    const greeter = new Greeter("hi ");
    greeter.callback = () => 1;
    const error = await asTask(greeter.greet, greeter).with({ scheduler: isolated() })("bob").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SerializationError);
    expect((error as Error).message).toMatch(/field of `this`.*this\.callback/);
  });

});
