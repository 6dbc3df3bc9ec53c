import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syntheticHistory } from "../../bench/cases/fit-truth.js";
import { fitCommand } from "../../src/cli/fit.js";
import { ConfigurationError } from "../../src/index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "taskfit-fit-command-"));
  await writeFile(join(dir, "history.jsonl"), `${syntheticHistory(3, 16).map((line) => JSON.stringify(line)).join("\n")}\n`);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The command as a user runs it, from the sources (tsx), checked by output and exit code. */
const taskfit = (...args: string[]) => {
  const result = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], { encoding: "utf8" });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
};

describe("taskfit fit", () => {
  it("prints a table per task, its flags and the spec to paste", async () => {
    const text = await fitCommand(dir, {});
    expect(text).toMatch(/│ task\s+│ attempts │ measured │ OOM │ memory asked │ peak\s+│ memory suggested\s+│ cpu asked │ cores used │ cpu suggested │/);
    expect(text).toMatch(/│ allocate │ 16\s+│ 16\s+│ 0\s+│ 4 GiB\s+│ [\d.]+ GiB │ f\(args\[0\]\.totalBytes\), R² 0\.\d\d │ 2\s+│ 0\.98\s+│ 1\s+│/);
    expect(text).toMatch(/\nallocate:\n {2}! requests 4 GiB, peak <= [\d.]+ GiB in 16 attempts\n/);
    expect(text).toMatch(/ {2}suggested spec:\n {4}memory: \(files: readonly TaskFile\[\]\) => [\d.]+ \+ [\d.]+ \* totalGiB\(files\),\n {4}cpu: 1,\n/);
    expect(text).toMatch(/import \{ totalGiB, type TaskFile \} from "taskfit";$/);
  });

  it("prints the same as JSON with --json, with the options it used", async () => {
    const out = JSON.parse(await fitCommand(dir, { json: true, headroom: "1.5" }));
    expect(out.history).toBe(join(dir, "history.jsonl"));
    expect(out.options).toEqual({ headroom: 1.5, quantile: 0.99, minAttempts: 8, minR2: 0.8 });
    expect(out.tasks).toHaveLength(1);
    expect(out.tasks[0]).toMatchObject({ task: "allocate", attempts: 16, memory: { suggested: "function", function: { fit: { feature: "args[0].totalBytes" } } }, cpu: { suggested: 1 } });
  });

  it("checks its options before reading anything", async () => {
    await expect(fitCommand(join(dir, "missing"), { headroom: "0.5" })).rejects.toThrow(/--headroom/);
    await expect(fitCommand(dir, { task: "nope" })).rejects.toThrow(ConfigurationError);
  });

  it("is a command of taskfit: help with examples; a bad option or a missing history is one line, exit 1", () => {
    const help = taskfit("fit", "--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: taskfit fit \[options\] <dir>/);
    expect(help.stdout).toMatch(/--headroom <factor>[^]*?\(default 1\.2\)/);
    expect(help.stdout).toMatch(/Examples:\n {2}taskfit run .* --record \.taskfit\/history .*\n {2}taskfit fit \.taskfit\/history\n/);
    const bad = taskfit("fit", dir, "--quantile", "2");
    expect([bad.code, bad.stderr.trim().split("\n").length]).toEqual([1, 1]);
    expect(bad.stderr).toMatch(/^taskfit: INVALID_CONFIGURATION: Expected a quantile in \(0, 1\], such as 0\.99, got `"2"` \(string\) \(field `--quantile`\)/);
    const missing = taskfit("fit", join(dir, "nothing"));
    expect([missing.code, missing.stderr.trim().split("\n").length]).toEqual([1, 1]);
    expect(missing.stderr).toMatch(/INVALID_CONFIGURATION: Expected a directory recorded by `taskfit run --record DIR`/);
    const ok = taskfit("fit", dir, "--json");
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).tasks[0].task).toBe("allocate");
  }, 60_000);
});
