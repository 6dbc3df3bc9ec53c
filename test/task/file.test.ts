import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigurationError, reviveTaskFiles, TaskFile } from "../../src/index.js";

let dir: string;
let path: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "taskfit-file-"));
  path = join(dir, "sample.fastq");
  await writeFile(path, Buffer.alloc(12_345, 0x41));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("TaskFile", () => {
  it("keeps an absolute path as given", () => {
    const file = new TaskFile(path);
    expect(file.path).toBe(path);
    expect(isAbsolute(file.path)).toBe(true);
  });

  it("makes a relative path absolute against the working directory", () => {
    const file = new TaskFile("data/reads.fastq");
    expect(file.path).toBe(resolve(process.cwd(), "data/reads.fastq"));
    expect(isAbsolute(file.path)).toBe(true);
  });

  it("has the file's name without its directory", () => {
    expect(new TaskFile(path).name).toBe("sample.fastq");
    expect(String(new TaskFile(path))).toBe(path);
  });

  it("size() is the file's size in bytes, read synchronously", () => {
    const size = new TaskFile(path).size();
    expect(size).toBe(12_345);
  });

  it("size() follows the file as it changes", async () => {
    const grow = join(dir, "grow.txt");
    await writeFile(grow, "abc");
    const file = new TaskFile(grow);
    expect(file.size()).toBe(3);
    await writeFile(grow, "abcdef");
    expect(file.size()).toBe(6);
  });

  it("size() of a missing file throws the fs error", () => {
    expect(() => new TaskFile(join(dir, "missing")).size()).toThrow(/ENOENT/);
  });

  it("rejects an empty path with ConfigurationError", () => {
    expect(() => new TaskFile("")).toThrow(ConfigurationError);
    expect(() => new TaskFile(undefined as never)).toThrow(ConfigurationError);
  });
});

describe("TaskFile JSON", () => {
  it("serialises to a tagged object", () => {
    expect(JSON.parse(JSON.stringify(new TaskFile(path)))).toEqual({ $taskfit: "TaskFile", path });
  });

  it("round trips through JSON.stringify and JSON.parse(…, reviveTaskFiles)", () => {
    const revived: unknown = JSON.parse(JSON.stringify(new TaskFile(path)), reviveTaskFiles);
    expect(revived).toBeInstanceOf(TaskFile);
    expect((revived as TaskFile).path).toBe(path);
    expect((revived as TaskFile).size()).toBe(12_345);
  });

  it("revives TaskFiles nested in arrays and objects, and leaves other values alone", () => {
    const other = join(dir, "other.bam");
    const args = [[new TaskFile(path), new TaskFile(other)], { sample: { input: new TaskFile(path), label: "x" } }, 3, null];
    const revived = JSON.parse(JSON.stringify(args), reviveTaskFiles) as [TaskFile[], { sample: { input: TaskFile; label: string } }, number, null];
    expect(revived[0]).toHaveLength(2);
    expect(revived[0][0]).toBeInstanceOf(TaskFile);
    expect(revived[0][1]).toBeInstanceOf(TaskFile);
    expect(revived[0].map((f) => f.path)).toEqual([path, other]);
    expect(revived[1].sample.input).toBeInstanceOf(TaskFile);
    expect(revived[1].sample.input.path).toBe(path);
    expect(revived[1].sample.label).toBe("x");
    expect(revived.slice(2)).toEqual([3, null]);
  });

  it("does not revive look-alikes without the tag or with a non-string path", () => {
    const plain = JSON.parse('[{"path":"/a"},{"$taskfit":"TaskFile","path":5},{"$taskfit":"Other","path":"/a"}]', reviveTaskFiles) as unknown[];
    for (const value of plain) expect(value).not.toBeInstanceOf(TaskFile);
    expect(TaskFile.isJSON({ $taskfit: "TaskFile", path: "/a" })).toBe(true);
    expect(TaskFile.isJSON(null)).toBe(false);
  });
});
