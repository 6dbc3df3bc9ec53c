import { expectTypeOf, test } from "vitest";
import { type CommandResult, pipe, run, type TaskGroup, taskGroup } from "../../src/index.js";

test("run and pipe take argv as strings and resolve to a CommandResult", () => {
  expectTypeOf(run("bwa", ["index", "ref.fa"])).toEqualTypeOf<Promise<CommandResult>>();
  expectTypeOf(pipe([["bwa", ["mem", "ref.fa", "r.fq"]], ["samtools", ["sort", "-"]]], { stdout: "out.bam" })).toEqualTypeOf<Promise<CommandResult>>();
  // @ts-expect-error a number is not an argument: String(n)
  void run("bwa", ["mem", "-t", 4]);
  // @ts-expect-error threads is a count or false
  void run("bwa", [], { threads: true });
});

test("taskGroup resolves to what its body returns, and gives the body a TaskGroup", () => {
  expectTypeOf(taskGroup(async (group) => {
    expectTypeOf(group).toEqualTypeOf<TaskGroup>();
    expectTypeOf(group.spawn(async () => 1)).toEqualTypeOf<Promise<number>>();
    return ["a.bam"];
  })).toEqualTypeOf<Promise<string[]>>();
});
