/** The built `taskfit` binary, run as a user runs it: a subprocess, checked by output and exit code. */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, truncate, writeFile } from "node:fs/promises";
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
}, 300_000);

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
    // The worker's own memory is not added to --mem: said where the request is reviewed.
    expect(out.stderr).toMatch(/^taskfit: note: the memory limit also holds taskfit's worker \(a Node process of about 57 MiB, about 95 MiB for a TypeScript module run through tsx\)/);
  });

  it("prints the Job for --target kubernetes", () => {
    const out = cli("plan", "examples/dynamic.ts", "myTask", "--target", "kubernetes", "--file", `${a},${b}`, "--args", "[3]", "--json");
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout).spec.template.spec.containers[0].resources.limits).toEqual({ cpu: "2000m", memory: "8192Mi", "ephemeral-storage": "2304Mi" });
  });

  it("refuses an option of the other target rather than ignore it", () => {
    const out = cli("plan", "examples/dynamic.ts", "myTask", "--target", "slurm", "--image", "ghcr.io/lab/p:1");
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/Expected --image only for kubernetes \(it has no effect on slurm\)/);
  });

  it("refuses an unknown target", () => {
    const out = cli("plan", "examples/dynamic.ts", "myTask", "--target", "mars");
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/Expected slurm or kubernetes, got `"mars"`.*field `--target`/);
  });
});

describe("version", () => {
  it("prints the package's version", async () => {
    const out = cli("--version");
    expect(out.code).toBe(0);
    expect(out.stdout.trim()).toBe(JSON.parse(await readFile("package.json", "utf8")).version);
  });
});

describe("help", () => {
  it("shows examples for each command", () => {
    for (const command of ["presets", "resolve", "plan", "run"]) {
      const out = cli(command, "--help");
      expect(out.code).toBe(0);
      expect(out.stdout).toContain("Examples:");
    }
  });
});

describe("taskfit run", () => {
  const FIXTURE = "test/fixtures/cli-workflow.ts";
  const LOCAL = ["--cpu", "2", "--memory", "4Gi", "--gpus", "0"];

  it("runs one task: the result on stdout, a line per attempt and the summary on stderr", () => {
    const out = cli("run", FIXTURE, "square", "--args", "[7]", ...LOCAL);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toBe(49);
    expect(out.stderr).toMatch(/\[1\/1\] ok {4}square \(attempt 1\) 1 cpu, 256 MiB/);
    expect(out.stderr).toMatch(/│ square +│ 1 +│ 0 +│ 1 +│ 256 MiB/);
    expect(out.stderr).toMatch(/peak use: cpu 1 of 2 cores, busy \d+% of the time; memory 256 MiB of 4 GiB/);
  });

  it("runs the default export as a workflow; --json gives the result, counts, per-task summary and utilisation", async () => {
    const dir = await mkdtemp(join(tmpdir(), "taskfit-run-"));
    const report = join(dir, "run.html");
    const out = cli("run", FIXTURE, "--args", "[5]", "--json", "--report", report, ...LOCAL);
    expect(out.code).toBe(0);
    const json = JSON.parse(out.stdout);
    expect(json).toMatchObject({ ok: true, result: { count: 5, sum: 30 }, capacity: { cpu: 2, memoryGiB: 4, gpus: 0 }, attempts: { ok: 6, error: 1, cancelled: 0 }, report });
    expect(json.tasks).toEqual([
      expect.objectContaining({ task: "square", attempts: 5, failed: 0, cpu: [1, 1] }),
      expect.objectContaining({ task: "flaky", attempts: 2, failed: 1 }),
    ]);
    expect(json.peak.cpu).toBeLessThanOrEqual(2);
    expect(json.busy.cpu).toBeGreaterThan(0);
    expect(json.busy.cpu).toBeLessThanOrEqual(1);
    const html = await readFile(report, "utf8");
    expect(html.match(/<g class="attempt"/g)).toHaveLength(7);
    expect(html).toContain('data-resource="cpu" data-capacity="2"');
  });

  it("exits 1 with the task's error and its attempt, and still writes the report", async () => {
    const report = join(await mkdtemp(join(tmpdir(), "taskfit-run-")), "failed.html");
    const out = cli("run", FIXTURE, "boom", "--args", '["bad sample sheet"]', "--report", report, ...LOCAL);
    expect(out.code).toBe(1);
    expect(out.stdout).toBe("");
    expect(out.stderr.trim().split("\n").slice(-2)).toEqual([expect.stringMatching(/^taskfit: TASK_EXECUTION_FAILED: .*`boom`.*bad sample sheet$/), "  attempt 1"]);
    expect(await readFile(report, "utf8")).toMatch(/role="alert"><b>The run failed:<\/b> TASK_EXECUTION_FAILED/);
  });

  it("prints what a person acts on: the labelled call, the attempt and the last 20 lines of the tool's stderr; --json and the report carry the same", async () => {
    const report = join(await mkdtemp(join(tmpdir(), "taskfit-run-")), "tool.html");
    const out = cli("run", FIXTURE, "alignFails", "--args", '["NA12878"]', "--isolation", "process", "--report", report, ...LOCAL);
    expect(out.code).toBe(1);
    const printed = out.stderr.slice(out.stderr.lastIndexOf("taskfit: ")).trim().split("\n");
    expect(printed).toEqual([
      "taskfit: TASK_EXECUTION_FAILED: Task `alignFails` (NA12878) failed on attempt 1: Error: bwa mem failed for NA12878",
      "  attempt 1",
      "  stderr (last 20 of 30 lines):",
      ...Array.from({ length: 20 }, (_, i) => `    [bwa] NA12878: line ${i + 11}`),
    ]);
    expect(out.stderr).toMatch(/\[1\/1\] error alignFails \(NA12878\) \(attempt 1\)/);
    expect(out.stderr).toMatch(/│ alignFails \(NA12878\) +│ 1 +│ 1/);
    expect(await readFile(report, "utf8")).toContain("stderr (last 20 of 30 lines):\n    [bwa] NA12878: line 11");
    const json = JSON.parse(cli("run", FIXTURE, "alignFails", "--args", '["NA12878"]', "--isolation", "process", "--json", ...LOCAL).stdout);
    expect(json.error).toMatchObject({ code: "TASK_EXECUTION_FAILED", task: "alignFails", label: "NA12878", attempt: 1 });
    expect(json.error.stderrTail.split("\n")).toHaveLength(30);
    expect(json.tasks).toEqual([expect.objectContaining({ task: "alignFails", label: "NA12878", failed: 1 })]);
  }, 60_000);

  it("checks the report's directory before running, and never loses the result to a report it cannot write", async () => {
    const nowhere = cli("run", FIXTURE, "square", "--args", "[3]", "--report", "/no/such/dir/run.html", ...LOCAL);
    expect(nowhere.code).toBe(1);
    expect(nowhere.stdout).toBe("");
    expect(nowhere.stderr).toMatch(/RESOURCE_SPEC_INVALID: Expected a file in an existing, writable directory \(\/no\/such\/dir is not\), got `"\/no\/such\/dir\/run.html"`.*field `--report`/);
    // A directory where the file should be: found only when writing, after the run.
    const dir = await mkdtemp(join(tmpdir(), "taskfit-run-"));
    const late = cli("run", FIXTURE, "square", "--args", "[3]", "--report", dir, ...LOCAL);
    expect(late.code).toBe(1);
    expect(JSON.parse(late.stdout)).toBe(9);
    expect(late.stderr.trim().split("\n").at(-1)).toMatch(/^taskfit: the report was not written to .*: EISDIR/);
  });

  it("fails (exit 1) rather than end silently when the run awaits a promise nothing will settle", () => {
    const out = cli("run", FIXTURE, "stalls", ...LOCAL);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/taskfit: the run never finished: it awaits a promise that nothing is left to settle/);
  });

  it("refuses a task larger than the machine before running it", () => {
    const out = cli("run", FIXTURE, "huge", ...LOCAL);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/taskfit: UNSCHEDULABLE: .*`huge`.*To run it here with what the machine has, use `oversize: "clamp"` \(LocalScheduler option\) or `--oversize clamp` \(taskfit run\)/);
  });

  it("prints a result that is not JSON data as Node shows it rather than losing it", () => {
    const out = cli("run", FIXTURE, "bigNumber", ...LOCAL);
    expect(out.code).toBe(0);
    expect(out.stdout.trim()).toBe(String(2n ** 70n) + "n");
  });

  it("says what the module offers when it has no default export and no task was named", () => {
    const out = cli("run", "examples/dynamic.ts", ...LOCAL);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/RESOURCE_SPEC_INVALID: Expected examples\/dynamic.ts to export a workflow function as default, or a task name .*tasks found: myTask/);
  });

  it("cancels the run on Ctrl-C (SIGINT): the task is aborted, the report still written, exit 130", async () => {
    const report = join(await mkdtemp(join(tmpdir(), "taskfit-run-")), "interrupted.html");
    const child = spawn(process.execPath, ["dist/cli.js", "run", FIXTURE, "waitsLong", "--report", report, ...LOCAL], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    const started = new Promise<void>((resolve) =>
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes("waitsLong: started")) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    await started;
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(stderr).toContain("taskfit: SIGINT: cancelling the tasks still queued or running");
    expect(stderr).toMatch(/\[1\/1\] error waitsLong \(attempt 1\)/);
    expect(stderr.trim().split("\n").at(-1)).toBe("taskfit: TASK_CANCELLED: Task `waitsLong` was cancelled: interrupted (SIGINT)");
    expect(await readFile(report, "utf8")).toContain("TASK_CANCELLED");
  });

  it("checks the scheduler options before running anything", () => {
    expect(cli("run", FIXTURE, "square", "--scheduler", "mars").stderr).toMatch(/'mars' is invalid.*local, slurm, kubernetes/);
    const k8s = cli("run", FIXTURE, "square", "--scheduler", "kubernetes");
    expect(k8s.code).toBe(1);
    expect(k8s.stderr).toMatch(/RESOURCE_SPEC_INVALID: Expected the container image .*field `--image`/);
    const cpu = cli("run", FIXTURE, "square", "--cpu", "lots");
    expect(cpu.code).toBe(1);
    expect(cpu.stderr).toMatch(/Expected .*got `"lots"` \(string\) \(field `--cpu`\)/);
    const misplaced = cli("run", FIXTURE, "square", "--scheduler", "slurm", "--cpu", "4");
    expect(misplaced.code).toBe(1);
    expect(misplaced.stderr).toMatch(/Expected --cpu only for local \(it has no effect on slurm\), got `"4"`.*field `--cpu`/);
    expect(cli("run", FIXTURE, "square", "--image", "x").stderr).toMatch(/Expected --image only for kubernetes \(it has no effect on local\)/);
    expect(cli("run", FIXTURE, "square", "--poll-ms", "100").stderr).toMatch(/--poll-ms only for slurm or kubernetes/);
    const poll = cli("run", FIXTURE, "square", "--scheduler", "slurm", "--poll-ms", "0");
    expect(poll.stderr).toMatch(/from 10 up, got `"0"`.*field `--poll-ms`/);
  });
});
