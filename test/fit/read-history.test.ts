import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syntheticHistory } from "../../bench/cases/fit-truth.js";
import { ConfigurationError } from "../../src/index.js";
import { readHistory } from "../../src/fit/read-history.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "taskfit-read-history-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const [good, other] = syntheticHistory(1, 2).map((line) => JSON.stringify(line));

async function historyDir(name: string, text: string): Promise<string> {
  const at = join(dir, name);
  await mkdir(at, { recursive: true });
  await writeFile(join(at, "history.jsonl"), text);
  return at;
}

async function failure(path: string): Promise<ConfigurationError> {
  const error = await readHistory(path).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigurationError);
  return error as ConfigurationError;
}

describe("readHistory", () => {
  it("reads every line of a --record directory's history, skipping blank lines, or of the file itself", async () => {
    const at = await historyDir("ok", `${good}\n\n${other}\n`);
    const fromDir = await readHistory(at);
    expect(fromDir.file).toBe(join(at, "history.jsonl"));
    expect(fromDir.lines.map((l) => l.recordedAt)).toEqual([JSON.parse(good as string).recordedAt, JSON.parse(other as string).recordedAt]);
    expect((await readHistory(join(at, "history.jsonl"))).lines).toHaveLength(2);
  });

  it("names the file and line of a line that is not JSON", async () => {
    const at = await historyDir("not-json", `${good}\n{"version": 1,\n`);
    const error = await failure(at);
    expect(error.file).toBe(`${join(at, "history.jsonl")}:2`);
    expect(error.message).toMatch(/Expected one JSON object per line .*history\.jsonl:2/);
  });

  it("names the file, line and field of a line that does not fit the format", async () => {
    const broken = { ...JSON.parse(good as string), usage: { peakMemoryGiB: "a lot" } };
    const at = await historyDir("bad-field", `${good}\n${other}\n${JSON.stringify(broken)}\n`);
    const error = await failure(at);
    expect(error.file).toBe(`${join(at, "history.jsonl")}:3`);
    expect(error.field).toBe("usage.peakMemoryGiB");
  });

  it("refuses a line of a version it does not know, rather than guess", async () => {
    const at = await historyDir("future", `${JSON.stringify({ ...JSON.parse(good as string), version: 2 })}\n`);
    const error = await failure(at);
    expect(error.field).toBe("version");
    expect(error.message).toMatch(/Expected a history line of version 1, the one this taskfit reads, got `2`/);
  });

  it("refuses a feature name outside the documented naming", async () => {
    const at = await historyDir("bad-feature", `${JSON.stringify({ ...JSON.parse(good as string), features: { "files.size": 3 } })}\n`);
    expect((await failure(at)).field).toBe("features.files.size");
  });

  it("says so for a missing history and for an empty one", async () => {
    const missing = await failure(join(dir, "nothing-here"));
    expect(missing.field).toBe("DIR");
    expect(missing.message).toMatch(/recorded by `taskfit run --record DIR`.*nothing-here does not exist/);
    const noFile = await failure(await historyDir("no-file-yet", "").then(async (at) => (await rm(join(at, "history.jsonl")), at)));
    expect(noFile.message).toMatch(/no-file-yet\/history\.jsonl does not exist/);
    const empty = await failure(await historyDir("empty", "\n"));
    expect(empty.message).toMatch(/at least one attempt .*is empty/);
  });
});
