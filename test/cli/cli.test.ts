/** The built `taskfit` binary, run as a user runs it: a subprocess, checked by output and exit code. */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtemp, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { PRESETS } from "../../src/index.js";

const cli = (...args: string[]) => {
  const result = spawnSync(process.execPath, ["dist/cli.js", ...args], { encoding: "utf8" });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
};

let a: string;
let b: string;

beforeAll(async () => {
  execFileSync("npx", ["tsup", "--silent"], { stdio: "ignore" });
  const dir = await mkdtemp(join(tmpdir(), "taskfit-cli-"));
  a = join(dir, "a.fq");
  b = join(dir, "b.fq");
  for (const [path, size] of [[a, 512 * 1024 ** 2], [b, 1024 ** 3]] as const) {
    await writeFile(path, "");
    await truncate(path, size);
  }
}, 60_000);

describe("taskfit presets", () => {
  it("prints every preset, and the table as JSON with --json", () => {
    const table = cli("presets");
    expect(table.code).toBe(0);
    for (const name of Object.keys(PRESETS)) expect(table.stdout).toContain(name);
    const json = cli("presets", "--json");
    expect(JSON.parse(json.stdout)).toEqual(JSON.parse(JSON.stringify(PRESETS)));
  });
});

describe("taskfit resolve", () => {
  it("imports a TypeScript module, finds the task and resolves it against the arguments", () => {
    const out = cli("resolve", "examples/dynamic.ts", "myTask", "--file", `${a},${b}`, "--args", "[3]", "--json");
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ cpu: 2, memoryGiB: 8, storageGiB: 2.25, gpu: 0 });
  });

  it("names the tasks it found when the task is not there, in one line, exit 1", () => {
    const out = cli("resolve", "examples/dynamic.ts", "nope");
    expect(out.code).toBe(1);
    expect(out.stderr.trim().split("\n")).toHaveLength(1);
    expect(out.stderr).toMatch(/TASK_NOT_FOUND.*`nope`.*tasks found there: `myTask`/);
  });

  it("says where the JSON is wrong", () => {
    const out = cli("resolve", "examples/dynamic.ts", "myTask", "--args", "[1,");
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/Expected JSON \(Unexpected end of JSON input\).*field `--args`/);
  });
});

describe("taskfit plan", () => {
  it("prints the sbatch command for --target slurm", () => {
    const out = cli("plan", "examples/dynamic.ts", "myTask", "--target", "slurm", "--file", `${a},${b}`, "--args", "[3]");
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^sbatch .*--cpus-per-task=2 --mem=8192M --tmp=2304M/);
  });

  it("prints the Job for --target kubernetes", () => {
    const out = cli("plan", "examples/dynamic.ts", "myTask", "--target", "kubernetes", "--file", `${a},${b}`, "--args", "[3]", "--json");
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout).spec.template.spec.containers[0].resources.limits).toEqual({ cpu: "2000m", memory: "8192Mi", "ephemeral-storage": "2304Mi" });
  });

  it("refuses an unknown target", () => {
    const out = cli("plan", "examples/dynamic.ts", "myTask", "--target", "mars");
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/Expected slurm or kubernetes, got `"mars"`.*field `--target`/);
  });
});

describe("help", () => {
  it("shows examples for each command", () => {
    for (const command of ["presets", "resolve", "plan"]) {
      const out = cli(command, "--help");
      expect(out.code).toBe(0);
      expect(out.stdout).toContain("Examples:");
    }
  });
});
