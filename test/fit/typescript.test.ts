import { readFile } from "node:fs/promises";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { featureTerm, linearFunction } from "../../src/fit/typescript.js";

const kinds = {
  "args[0]": "TaskFile[]",
  "args[1]": "object",
  "args[1].reads": "TaskFile[]",
  "args[1].id": "string",
  'args[1]["read group"]': "number",
  "args[2]": "number",
  "args[3]": "string",
} as const;
const parameters = ["files", "sample", "threads", "name"];

const printed = (feature: string, intercept = 0.5, slope = 1.25, floor?: number) => linearFunction(featureTerm(feature, parameters, kinds), intercept, slope, floor);

describe("a fitted function, printed as TypeScript", () => {
  it("uses the task's parameter names up to the one it needs, typed from what the history saw", () => {
    expect(printed("args[0].totalBytes")).toBe("(files: readonly TaskFile[]) => 0.5 + 1.25 * totalGiB(files)");
    expect(printed("args[0].count")).toBe("(files: readonly TaskFile[]) => 0.5 + 1.25 * files.length");
    expect(printed("args[1].reads.totalBytes")).toBe("(_files: unknown, sample: { reads: readonly TaskFile[] }) => 0.5 + 1.25 * totalGiB(sample.reads)");
    expect(printed('args[1]["read group"]')).toBe('(_files: unknown, sample: { "read group": number }) => 0.5 + 1.25 * sample["read group"]');
    expect(printed("args[2]", -0.25, 0.5, 1)).toBe("(_files: unknown, _sample: unknown, threads: number) => Math.max(1, 0.5 * threads - 0.25)");
    expect(linearFunction(featureTerm("args[1]", null, { "args[1]": "number" }), 2, 3, undefined)).toBe("(_arg0: unknown, arg1: number) => 2 + 3 * arg1");
  });

  it("prints exactly the functions that pasted-spec.test-d.ts shows tsc accepts in a task's spec", async () => {
    const pasted = await readFile(join(import.meta.dirname, "pasted-spec.test-d.ts"), "utf8");
    const shown = [printed("args[0].totalBytes"), printed("args[0].count"), printed("args[1].reads.totalBytes"), printed('args[1]["read group"]'), printed("args[2]", -0.25, 0.5, 1), printed("args[3].length")];
    for (const text of shown) expect(pasted).toContain(`memory: ${text} })(run);`);
  });

  it("computes what the fit says: intercept + slope * the feature, in GiB for bytes", () => {
    const js = ts.transpileModule(`(${printed("args[1].reads.totalBytes", 0.5, 1.25)})`, { compilerOptions: { target: ts.ScriptTarget.ES2022 } }).outputText;
    const fn = new Function("totalGiB", `return ${js}`)((files: { gib: number }[]) => files.reduce((sum, f) => sum + f.gib, 0)) as (a: unknown, s: unknown) => number;
    expect(fn(undefined, { reads: [{ gib: 2 }, { gib: 1.2 }] })).toBeCloseTo(0.5 + 1.25 * 3.2, 12);
    const floored = ts.transpileModule(`(${printed("args[2]", -0.25, 0.5, 1)})`, {}).outputText;
    const threads = new Function(`return ${floored}`)() as (a: unknown, b: unknown, n: number) => number;
    expect([threads(0, 0, 1), threads(0, 0, 10)]).toEqual([1, 4.75]);
  });
});
