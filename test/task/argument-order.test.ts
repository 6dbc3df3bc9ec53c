/**
 * Latch passes a resource function the task's arguments by name, taskfit by position: a port that
 * keeps the names in another order is refused when the task is defined (both decorator modes run this).
 */
import { describe, expect, it } from "vitest";
import { customTask, ResourceSpecError, resolveResources } from "../../src/index.js";
import { parameterNames } from "../../src/task/parameter-names.js";

describe("reading parameter names", () => {
  it.each([
    ["a function", function f(a: number, b: string) { return [a, b]; }, ["a", "b"]],
    ["an async arrow", async (files: string[], count = 2) => files.length + count, ["files", "count"]],
    ["a bare arrow", (n: number) => n, ["n"]],
    ["defaults with commas and parentheses", (a = Math.max(1, 2), b = ",)", c = [1, 2]) => [a, b, c], ["a", "b", "c"]],
    ["a destructured parameter", ({ x }: { x: number }, y: number) => x + y, [undefined, "y"]],
    ["a rest parameter", (first: number, ...rest: number[]) => first + rest.length, ["first", "rest"]],
    ["no parameters", () => 1, []],
  ] as const)("from %s", (_, fn, names) => {
    expect(parameterNames(fn as never)).toEqual(names);
  });

  it("from a method, and not from native or bound functions", () => {
    class C {
      async align(reads: string[], threads: number) {
        return reads.length * threads;
      }
    }
    expect(parameterNames(C.prototype.align as never)).toEqual(["reads", "threads"]);
    expect(parameterNames(Math.max as never)).toBeUndefined();
    expect(parameterNames(((a: number) => a).bind(null) as never)).toBeUndefined();
  });
});

describe("a resource function with the task's parameter names in another order", () => {
  it("is an error when the task is defined, naming both orders and the fix", () => {
    const define = () =>
      customTask({ cpu: 2, memory: (threads: number, n: number) => 2 * n + threads })(async function jointCall(nSamples: number, threads: number) {
        return nSamples * threads;
      });
    expect(define).toThrow(ResourceSpecError);
    expect(define).toThrow(
      "Expected the resource function for `memory` to take the task's arguments in the task's order: taskfit passes them by position, not by name as Latch does. " +
        "The task takes (nSamples, threads), the function takes (threads, n), so its `threads` would receive the task's `nSamples`. Write it as (nSamples, threads) => ...",
    );
    expect(define).toThrow(/\(task `jointCall`, field `memory`\)$/);
  });

  it("is checked for .with() overrides and for decorated methods too", () => {
    const t = customTask({ cpu: 1, memory: 1 })(async function call(sample: number, threads: number) {
      return sample * threads;
    });
    expect(() => t.with({ cpu: (threads: number) => threads })).toThrow(/`threads` would receive the task's `sample`/);
    expect(() => {
      class Caller {
        @customTask({ cpu: (threads: number) => threads, memory: 1 })
        async call(sample: number, threads: number) {
          return sample + threads;
        }
      }
      return Caller;
    }).toThrow(/The task takes \(sample, threads\), the function takes \(threads\)/);
  });

  it("accepts the task's order, other names, and destructured parameters", async () => {
    const t = customTask({ cpu: (samples: string[], threads: number) => threads, memory: (n: string[]) => n.length, storage: ({ length }: string[]) => length })(
      async function jointCall(samples: string[], threads: number) {
        return samples.length + threads;
      },
    );
    expect(await resolveResources(t, [["a", "b", "c", "d"], 2])).toMatchObject({ cpu: 2, memoryGiB: 4, storageGiB: 4 });
  });
});
