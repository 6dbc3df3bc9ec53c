/**
 * The functions `taskfit fit` prints, pasted into specs as a user would: tsc must accept each one
 * in the spec of a task whose arguments the history described. typescript.test.ts checks that
 * these are exactly the texts it prints.
 */
import { describe, expectTypeOf, it } from "vitest";
import { customTask, type Task, type TaskFile, totalGiB } from "../../src/index.js";

type Sample = { reads: TaskFile[]; id: string; "read group": number };

describe("printed memory functions fit the task's spec", () => {
  it("accepts each, at the parameter position it names", () => {
    const run = async (files: TaskFile[], sample: Sample, threads: number, name: string) => files.length + sample.id.length + threads + name.length;
    const t0 = customTask({ cpu: 1, memory: (files: readonly TaskFile[]) => 0.5 + 1.25 * totalGiB(files) })(run);
    customTask({ cpu: 1, memory: (files: readonly TaskFile[]) => 0.5 + 1.25 * files.length })(run);
    customTask({ cpu: 1, memory: (_files: unknown, sample: { reads: readonly TaskFile[] }) => 0.5 + 1.25 * totalGiB(sample.reads) })(run);
    customTask({ cpu: 1, memory: (_files: unknown, sample: { "read group": number }) => 0.5 + 1.25 * sample["read group"] })(run);
    customTask({ cpu: 1, memory: (_files: unknown, _sample: unknown, threads: number) => Math.max(1, 0.5 * threads - 0.25) })(run);
    customTask({ cpu: 1, memory: (_files: unknown, _sample: unknown, _threads: unknown, name: string) => 0.5 + 1.25 * name.length })(run);
    expectTypeOf(t0).toEqualTypeOf<Task<[files: TaskFile[], sample: Sample, threads: number, name: string], Promise<number>>>();
  });

  it("would refuse one typed unlike the task's argument", () => {
    customTask({ cpu: 1, memory: (_files: unknown, _sample: unknown, threads: string) => threads.length })(
      // @ts-expect-error -- the task's third parameter is a number
      async (files: TaskFile[], sample: Sample, threads: number) => files.length + sample.id.length + threads,
    );
  });
});
