import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigurationError, TaskFile, totalGiB } from "../../src/index.js";
import { argumentFeatures } from "../../src/fit/argument-features.js";

let dir: string;
let a: TaskFile;
let b: TaskFile;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "taskfit-features-"));
  await writeFile(join(dir, "a"), Buffer.alloc(300));
  await writeFile(join(dir, "b"), Buffer.alloc(700));
  a = new TaskFile(join(dir, "a"));
  b = new TaskFile(join(dir, "b"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("argumentFeatures", () => {
  it("names each feature by where it is in the call: files' bytes and count, numbers, lengths, one level into objects", async () => {
    const sample = { reads: [a, b], index: a, depth: 30, id: "s-01", tags: ["x", "y", "z"], nested: { deeper: 1 }, "odd key": 2 };
    const found = await argumentFeatures([[a, b], b, 3, "hello", [1, 2], sample, true, null, []]);
    expect(found.features).toEqual({
      "args[0].totalBytes": 1000,
      "args[0].count": 2,
      "args[1].totalBytes": 700,
      "args[1].count": 1,
      "args[2]": 3,
      "args[3].length": 5,
      "args[4].length": 2,
      "args[5].reads.totalBytes": 1000,
      "args[5].reads.count": 2,
      "args[5].index.totalBytes": 300,
      "args[5].index.count": 1,
      "args[5].depth": 30,
      "args[5].id.length": 4,
      "args[5].tags.length": 3,
      'args[5]["odd key"]': 2,
      "args[8].length": 0,
      "args[8].count": 0,
      "args[8].totalBytes": 0,
    });
    expect(found.kinds).toEqual({
      "args[0]": "TaskFile[]",
      "args[1]": "TaskFile",
      "args[2]": "number",
      "args[3]": "string",
      "args[4]": "array",
      "args[5]": "object",
      "args[5].reads": "TaskFile[]",
      "args[5].index": "TaskFile",
      "args[5].depth": "number",
      "args[5].id": "string",
      "args[5].tags": "array",
      "args[5].nested": "object",
      'args[5]["odd key"]': "number",
      "args[6]": "boolean",
      "args[7]": "other",
      "args[8]": "array",
    });
    expect(found.errors).toEqual([]);
  });

  it("counts a TaskFile's JSON form (as workers receive it) and leaves out a file it cannot stat, saying why", async () => {
    const missing = new TaskFile(join(dir, "missing"));
    const found = await argumentFeatures([a.toJSON(), [a, missing], Number.NaN]);
    expect(found.features).toEqual({ "args[0].totalBytes": 300, "args[0].count": 1, "args[1].count": 2 });
    expect(found.kinds["args[2]"]).toBe("number");
    expect(found.errors).toEqual([`args[1].totalBytes: ${missing.path}: ENOENT`]);
  });
});

describe("totalGiB", () => {
  it("adds up the sizes of a file or files, in GiB", () => {
    expect(totalGiB([a, b])).toBe(1000 / 1024 ** 3);
    expect(totalGiB(a)).toBe(300 / 1024 ** 3);
    expect(totalGiB([])).toBe(0);
  });

  it("refuses what is not a TaskFile, with a ConfigurationError", () => {
    expect(() => totalGiB(["reads.fq"] as unknown as TaskFile[])).toThrow(ConfigurationError);
    expect(() => totalGiB(["reads.fq"] as unknown as TaskFile[])).toThrow(/Expected a TaskFile or an array of TaskFiles/);
  });
});
