/** The built `taskfit` binary, run as a user runs it: a subprocess, checked by output and exit code. */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Table from "cli-table3";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { PRESETS } from "../../src/index.js";
import { isRunning, until } from "../helpers/processes.js";

// Each test starts the built command, once or a few times: seconds each on a shared, busy machine.
vi.setConfig({ testTimeout: 120_000 });

const cli = (...args: string[]) => {
  const result = spawnSync(process.execPath, ["dist/cli.js", ...args], { encoding: "utf8" });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
};

let a: string;
let b: string;

beforeAll(async () => {
  if (process.env.TASKFIT_CLI_BUILT !== "1") execFileSync("npx", ["tsup", "--silent"], { stdio: "ignore" });
  const dir = await mkdtemp(join(tmpdir(), "taskfit-cli-"));
  a = join(dir, "a.fq");
  b = join(dir, "b.fq");
  for (const [path, size] of [[a, 512 * 1024 ** 2], [b, 1024 ** 3]] as const) {
    await writeFile(path, "");
    await truncate(path, size);
  }
}, 300_000);

describe("taskfit presets", { timeout: 60_000 }, () => {
  it("prints every preset in the table cli-table3 draws, and the table as JSON with --json", () => {
    const table = cli("presets");
    expect(table.code).toBe(0);
    const expected = new Table({ head: ["preset", "cpu", "memory (GiB)", "gpus", "gpu type", "VRAM per GPU (GiB)"], style: { head: [], border: [] } });
    for (const [name, p] of Object.entries(PRESETS)) expected.push([name, p.cpu, p.memoryGiB, p.gpu, p.gpuType ?? "", p.gpuMemoryGiB ?? ""]);
    expect(table.stdout).toBe(`${expected.toString()}\n`);
    const json = cli("presets", "--json");
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(JSON.parse(JSON.stringify(PRESETS)));
  });

  it("leaves its help, its errors and --version among its options to the program", () => {
    expect(cli("presets", "--help").stdout).toMatch(/^Usage: taskfit presets \[options\]\n/);
    const bogus = cli("presets", "--bogus");
    expect([bogus.code, bogus.stderr]).toEqual([1, "taskfit: INVALID_CONFIGURATION: unknown option '--bogus' (see `taskfit presets --help`)\n"]);
    const extra = cli("presets", "extra");
    expect(extra.code).toBe(1);
    expect(extra.stderr).toMatch(/^taskfit: INVALID_CONFIGURATION: too many arguments for 'presets'/);
    expect(cli("presets", "--version").stdout).toBe(cli("--version").stdout);
  });
});

describe("taskfit resolve", { timeout: 60_000 }, () => {
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

describe("taskfit plan", { timeout: 60_000 }, () => {
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
    for (const command of ["presets", "resolve", "plan", "run", "fit"]) {
      const out = cli(command, "--help");
      expect(out.code).toBe(0);
      expect(out.stdout).toContain("Examples:");
    }
  });
});

// Each test starts the command once or more: seconds each on a loaded machine.
describe("taskfit run", { timeout: 60_000 }, () => {
  const FIXTURE = "test/fixtures/cli-workflow.ts";
  const LOCAL = ["--cpu", "2", "--memory", "4Gi", "--gpus", "0"];

  it("runs one task: the result on stdout, a line per attempt and the summary on stderr", () => {
    const out = cli("run", FIXTURE, "square", "--args", "[7]", ...LOCAL);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toBe(49);
    expect(out.stderr).toMatch(/\[1\/1\] ok {4}square \(attempt 1\) 1 cpu, 256 MiB/);
    expect(out.stderr).toMatch(/│ square +│ 1 +│ 0 +│ 0 +│ 1 +│ 256 MiB/);
    expect(out.stderr).toMatch(/peak use: cpu 1 of 2 cores, busy \d+% of the time; memory 256 MiB of 4 GiB/);
  });

  it("shows what each task used against its request when its attempts were measured (process isolation), and says when none was", () => {
    const measured = cli("run", FIXTURE, "square", "--args", "[7]", "--isolation", "process", ...LOCAL);
    expect(measured.code).toBe(0);
    expect(measured.stderr).toMatch(/│ peak memory \(of request\) │ cpu efficiency │/);
    expect(measured.stderr).toMatch(/│ square +│ 1 +│ 0 +│ 0 +│ 1 +│ 256 MiB +│ [\d.]+ MiB \(\d+%\) +│ \d+% +│/);
    expect(measured.stderr).not.toContain("no measured usage");
    const json = JSON.parse(cli("run", FIXTURE, "square", "--args", "[7]", "--isolation", "process", "--json", ...LOCAL).stdout);
    expect(json.tasks[0].used).toMatchObject({ measured: 1 });
    // A Node worker holds tens of MiB at least, and it did some work.
    expect(json.tasks[0].used.peakMemoryGiB).toBeGreaterThan(0.01);
    expect(json.tasks[0].used.cpuEfficiency).toBeGreaterThan(0);
    const inProcess = cli("run", FIXTURE, "square", "--args", "[7]", ...LOCAL);
    expect(inProcess.stderr).toContain("no measured usage: tasks run in this process (isolation none) are not measured");
    expect(JSON.parse(cli("run", FIXTURE, "square", "--args", "[7]", "--json", ...LOCAL).stdout).tasks[0].used).toBeUndefined();
  });

  it("names the report as the user wrote it, not by this machine's absolute path", async () => {
    const dir = await mkdtemp(join(tmpdir(), "taskfit-report-name-"));
    const run = spawnSync(process.execPath, [resolve("dist/cli.js"), "run", resolve(FIXTURE), "--args", "[2]", "--report", "run.html", ...LOCAL], { cwd: dir, encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/^report: run\.html$/m);
    expect(existsSync(join(dir, "run.html"))).toBe(true);
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
    expect(nowhere.stderr).toMatch(/INVALID_CONFIGURATION: Expected a file in an existing, writable directory \(\/no\/such\/dir is not\), got `"\/no\/such\/dir\/run.html"`.*field `--report`/);
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
    expect(out.stderr).toMatch(/INVALID_CONFIGURATION: Expected examples\/dynamic.ts to export a workflow function as default, or a task name .*tasks found: myTask/);
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
    expect(stderr).toMatch(/\[1\/1\] cancelled waitsLong \(attempt 1\)/);
    expect(stderr.trim().split("\n").at(-1)).toBe("taskfit: TASK_CANCELLED: Task `waitsLong` was cancelled: interrupted (SIGINT)");
    expect(await readFile(report, "utf8")).toContain("TASK_CANCELLED");
  });

  describe("stops everything it started before it exits", () => {
    const TOOLS = "test/fixtures/cli-tools-workflow.ts";
    const toolPid = (dir: string) => Number(readFileSync(join(dir, "tool.pid"), "utf8"));

    it("when a task fails: cancels the running one (its tool is stopped, its file never written), shows it cancelled, exits 1", async () => {
      const dir = await mkdtemp(join(tmpdir(), "taskfit-fail-"));
      const report = join(dir, "run.html");
      const out = cli("run", TOOLS, "--args", JSON.stringify([dir]), "--isolation", "process", "--json", "--report", report, ...LOCAL);
      expect(out.code).toBe(1);
      // The tool had started; it is gone once the command has exited, and wrote nothing.
      await until(() => !isRunning(toolPid(dir)), "the tool to be gone", 5000);
      expect(existsSync(join(dir, "late.txt"))).toBe(false);
      const json = JSON.parse(out.stdout);
      expect(json).toMatchObject({ ok: false, error: { code: "TASK_EXECUTION_FAILED" }, attempts: { ok: 0, error: 1, cancelled: 1 } });
      expect(json.tasks).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ task: "slowTool", failed: 0, cancelled: 1 }),
          expect.objectContaining({ task: "breaks", failed: 1, cancelled: 0 }),
        ]),
      );
      expect(out.stderr).toMatch(/\] cancelled slowTool \(attempt 1\)/);
      expect(out.stderr).toMatch(/\] error breaks \(attempt 1\)/);
      expect(await readFile(report, "utf8")).toMatch(/data-task="slowTool" data-outcome="cancelled"/);
    }, 60_000);

    it("on SIGTERM sent to the command alone (kill, timeout): cleans up as on Ctrl-C, exit 143", async () => {
      const dir = await mkdtemp(join(tmpdir(), "taskfit-term-"));
      const child = spawn(process.execPath, ["dist/cli.js", "run", TOOLS, "slowTool", "--args", JSON.stringify([dir]), "--isolation", "process", ...LOCAL], {
        stdio: ["ignore", "pipe", "pipe"],
        // Not in the test's process group: only the command gets the signal.
        detached: true,
      });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
      await until(() => existsSync(join(dir, "tool.pid")) && readFileSync(join(dir, "tool.pid"), "utf8").trim() !== "", "the tool to start");
      const pid = toolPid(dir);
      expect(isRunning(pid)).toBe(true);
      process.kill(child.pid as number, "SIGTERM");
      expect(await exited).toBe(143);
      await until(() => !isRunning(pid), "the tool to be gone", 5000);
      expect(existsSync(join(dir, "late.txt"))).toBe(false);
      expect(stderr).toContain("taskfit: SIGTERM: cancelling the tasks still queued or running");
      expect(stderr).toMatch(/\[1\/1\] cancelled slowTool \(attempt 1\)/);
    }, 60_000);
  });

  it("checks the scheduler options before running anything", () => {
    expect(cli("run", FIXTURE, "square", "--scheduler", "mars").stderr).toMatch(/'mars' is invalid.*local, slurm, kubernetes/);
    const k8s = cli("run", FIXTURE, "square", "--scheduler", "kubernetes");
    expect(k8s.code).toBe(1);
    expect(k8s.stderr).toMatch(/INVALID_CONFIGURATION: Expected the container image .*field `--image`/);
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
    expect(cli("run", FIXTURE, "square", "--array-max-size", "10").stderr).toMatch(/--array-max-size only for slurm/);
    expect(cli("run", FIXTURE, "square", "--scheduler", "slurm", "--array-max-size", "0.5").stderr).toMatch(/whole number of calls from 1 up, got `"0.5"`.*field `--array-max-size`/);
  });
});

describe("taskfit run: GPU types and clamping", () => {
  const FIXTURE = "test/fixtures/gpu-clamp-workflow.ts";
  const cliWith = (env: NodeJS.ProcessEnv, ...args: string[]) => {
    const result = spawnSync(process.execPath, ["dist/cli.js", ...args], { encoding: "utf8", env: { ...process.env, ...env } });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  let gpuPath: string;

  beforeAll(async () => {
    // One H100, as a fake nvidia-smi on PATH reports it (this machine has no GPU).
    const bin = await mkdtemp(join(tmpdir(), "taskfit-fake-gpu-"));
    await writeFile(join(bin, "nvidia-smi"), "#!/bin/sh\necho '0, NVIDIA H100 80GB HBM3, 81559'\n", { mode: 0o755 });
    gpuPath = `${bin}:${process.env.PATH}`;
  }, 60_000);

  it("warns on stderr for each distinct clamping of tasks that finish at once, and marks them in the summary", () => {
    const out = cli("run", FIXTURE, "--oversize", "clamp", "--cpu", "2", "--memory", "4Gi", "--gpus", "0");
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual([2, 2, 2]);
    const warnings = out.stderr.split("\n").filter((line) => line.startsWith("taskfit: warning:"));
    expect(warnings).toEqual([
      "taskfit: warning: task `sized` (attempt 1) clamped: cpu 16 -> 2 (to the machine)",
      "taskfit: warning: task `sized` (attempt 1) clamped: cpu 32 -> 2 (to the machine)",
    ]);
    expect(out.stderr).toMatch(/│ task +│ attempts +│ failed +│ cancelled +│ clamped +│/);
    expect(out.stderr).toMatch(/│ sized +│ 3 +│ 0 +│ 0 +│ 3 +│ 2 +│/);
    expect(out.stderr).toContain("clamped: sized: cpu 16 -> 2 (to the machine)");
    expect(out.stderr).toMatch(/ok {4}sized \(attempt 1\) 2 cpu, 64 MiB \(clamped\)/);
  }, 60_000);

  it("lists clamped attempts in --json and in the report", async () => {
    const dir = await mkdtemp(join(tmpdir(), "taskfit-clamp-"));
    const report = join(dir, "run.html");
    const out = cli("run", FIXTURE, "--oversize", "clamp", "--cpu", "2", "--memory", "4Gi", "--gpus", "0", "--json", "--report", report);
    expect(out.code).toBe(0);
    const json = JSON.parse(out.stdout);
    expect(json.tasks).toEqual([
      expect.objectContaining({ task: "sized", attempts: 3, clamped: 3, clampings: ["cpu 16 -> 2 (to the machine)", "cpu 32 -> 2 (to the machine)"] }),
    ]);
    expect(json.capacitySources).toMatchObject({ cpu: "given (capacity.cpu)", memoryGiB: "given (capacity.memoryGiB)" });
    const html = await readFile(report, "utf8");
    expect(html.match(/<g class="attempt"[^>]*data-clamped="true"/g)).toHaveLength(3);
    expect(html).toContain("3 attempts were clamped");
    expect(html).toContain("<li><b>sized</b>: cpu 32 -&gt; 2 (to the machine)</li>");
    expect(html).toContain("cpu: given (capacity.cpu)");
  }, 60_000);

  it("learns an H100 from nvidia-smi; smallGpuTask (an A10G) runs on it only with --gpu-match memory", () => {
    const exact = cliWith({ PATH: gpuPath }, "run", FIXTURE, "smallGpu", "--cpu", "8", "--memory", "32Gi");
    expect(exact.code).toBe(1);
    expect(exact.stderr).toMatch(/UNSCHEDULABLE: .*`smallGpu`.*gpu \(type a10g\): requested 1, at most 0/);
    const any = cliWith({ PATH: gpuPath }, "run", FIXTURE, "smallGpu", "--cpu", "8", "--memory", "32Gi", "--gpu-match", "memory", "--json");
    expect(any.code).toBe(0);
    const json = JSON.parse(any.stdout);
    expect(json.result).toEqual([0]);
    expect(json.capacity.gpus).toBe(1);
    expect(json.capacitySources.gpus).toBe("nvidia-smi: 0: NVIDIA H100 80GB HBM3 79.647 GiB");
    // The VRAM of a type the module registered is known to the command's copy of taskfit too.
    const l4 = cliWith({ PATH: gpuPath }, "run", FIXTURE, "onL4", "--gpu-match", "memory");
    expect(l4.stderr).not.toMatch(/UNSCHEDULABLE/);
    expect(l4.code).toBe(0);
    expect(JSON.parse(l4.stdout)).toEqual([0]);
  }, 60_000);

  it("never clamps a GPU away: a GPU shortfall fails even with --oversize clamp", () => {
    const out = cli("run", FIXTURE, "smallGpu", "--oversize", "clamp", "--gpus", "0");
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/UNSCHEDULABLE: .*`smallGpu`.*gpu \(type a10g\): requested 1, at most 0/);
  }, 60_000);
});

describe("taskfit tasks", () => {
  it("lists a module's exported tasks with what each declares", () => {
    const out = cli("tasks", "examples/workflow.ts", "--json");
    expect(out.code).toBe(0);
    const tasks = JSON.parse(out.stdout);
    expect(tasks.map((t: { task: string }) => t.task)).toEqual(["align", "callVariants", "merge", "trim"]);
    expect(tasks.find((t: { task: string }) => t.task === "align")).toMatchObject({ cpu: { function: ["sample"] }, memory: { function: ["sample"] }, storage: null, retries: 2 });
    expect(tasks.find((t: { task: string }) => t.task === "callVariants")).toMatchObject({ preset: "small_task", cpu: 2, memory: 4, timeoutSeconds: 600 });
    const table = cli("tasks", "examples/dynamic.ts");
    expect(table.stdout).toMatch(/│ myTask +│ - +│ function of \(files\) +│ 8 GiB +│ function of \(files\) +│ 0 /);
  });
});

describe("decorated methods and the command line", () => {
  const METHODS = "test/fixtures/cli-methods.ts";

  it("lists and runs exported task functions only; a method is refused, saying why", () => {
    expect(JSON.parse(cli("tasks", METHODS, "--json").stdout).map((t: { task: string }) => t.task)).toEqual(["count"]);
    const ran = cli("run", METHODS, "count", "--args", "[2]", "--no-progress", "--cpu", "2", "--memory", "4Gi");
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout)).toBe(3);
    const method = cli("run", METHODS, "summarise", "--args", "[2]");
    expect(method.code).toBe(1);
    expect(method.stderr.trim().split("\n")).toHaveLength(1);
    expect(method.stderr).toMatch(/TASK_NOT_FOUND: .*tasks found there: `count` \(`summarise`: it is defined there but is not an exported task function \(a decorated method needs its instance/);
  });
});

describe("--file", () => {
  it("once gives a list of one when the task's parameter is a list (from its type annotation)", () => {
    const out = cli("resolve", "examples/dynamic.ts", "myTask", "--file", a, "--args", "[3]", "--json");
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ cpu: 1, storageGiB: 0.75 });
    const plan = cli("plan", "examples/dynamic.ts", "myTask", "--target", "kubernetes", "--file", a, "--args", "[3]", "--json");
    expect(plan.code).toBe(0);
    expect(JSON.parse(plan.stdout).spec.template.spec.containers[0].resources.limits).toEqual({ cpu: "1000m", memory: "8192Mi", "ephemeral-storage": "768Mi" });
  });

  it("reads a JavaScript module's JSDoc the same way; a trailing comma is always a list", () => {
    const out = cli("resolve", "test/fixtures/cli-jsdoc.mjs", "countFiles", "--file", a, "--json");
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ cpu: 1 });
    expect(JSON.parse(cli("resolve", "test/fixtures/cli-jsdoc.mjs", "countFiles", "--file", `${a},`, "--json").stdout)).toMatchObject({ cpu: 1 });
  });
});

describe("plan takes run's scheduler options", () => {
  it("--partition and --account for slurm, --namespace and --kubeconfig for kubernetes", () => {
    const slurm = cli("plan", "examples/dynamic.ts", "myTask", "--target", "slurm", "--file", a, "--args", "[3]", "--partition", "debug", "--account", "lab");
    expect(slurm.code).toBe(0);
    expect(slurm.stdout).toMatch(/--partition=debug/);
    expect(slurm.stdout).toMatch(/--account=lab/);
    const k8s = cli("plan", "examples/dynamic.ts", "myTask", "--target", "kubernetes", "--file", a, "--args", "[3]", "--namespace", "ml", "--kubeconfig", "/nowhere/config", "--json");
    expect(k8s.code).toBe(0);
    expect(JSON.parse(k8s.stdout).metadata.namespace).toBe("ml");
    expect(cli("plan", "examples/dynamic.ts", "myTask", "--target", "slurm", "--namespace", "ml").stderr).toMatch(/--namespace only for kubernetes \(it has no effect on slurm\)/);
  });
});

describe("every error is one line: taskfit: CODE: message, exit 1", () => {
  const oneLine = (out: { code: number | null; stderr: string }, pattern: RegExp) => {
    expect(out.code).toBe(1);
    expect(out.stderr.trim().split("\n")).toHaveLength(1);
    expect(out.stderr.trim()).toMatch(pattern);
  };

  it("a missing module, a module that fails to import, a bad spec at import", () => {
    oneLine(cli("run", "nowhere/pipeline.ts"), /^taskfit: MODULE_LOAD_FAILED: Could not load nowhere\/pipeline.ts: no such file \(.*nowhere\/pipeline.ts\)$/);
    oneLine(cli("tasks", "test/fixtures/cli-throws.ts"), /^taskfit: MODULE_LOAD_FAILED: Could not load test\/fixtures\/cli-throws.ts: importing it threw Error: no sample sheet next to the module$/);
  });

  it("option errors: one line and a --help hint, not the whole usage", () => {
    oneLine(cli("run", "examples/dynamic.ts", "--bogus"), /^taskfit: INVALID_CONFIGURATION: unknown option '--bogus' \(see `taskfit run --help`\)$/);
    oneLine(cli("plan", "examples/dynamic.ts"), /^taskfit: INVALID_CONFIGURATION: missing required argument 'task' \(see `taskfit plan --help`\)$/);
    oneLine(cli("plan", "examples/dynamic.ts", "myTask"), /^taskfit: INVALID_CONFIGURATION: Expected --target slurm or --target kubernetes/);
    oneLine(cli("nonsense"), /^taskfit: INVALID_CONFIGURATION: unknown command 'nonsense' \(see `taskfit --help`\)$/);
  });

  it("--memory needs a unit, as memory: \"8\" does in code", () => {
    oneLine(cli("run", "test/fixtures/cli-workflow.ts", "square", "--args", "[2]", "--memory", "8"), /^taskfit: INVALID_CONFIGURATION: Expected a memory size with a unit, e.g. --memory 8Gi .*\(field `--memory`\)$/);
    expect(cli("run", "test/fixtures/cli-workflow.ts", "square", "--args", "[2]", "--memory", "8Gi", "--cpu", "1", "--no-progress").stdout.trim()).toBe("4");
  });
});

describe("profiles: taskfit.config.json / .ts, found from the working directory up", () => {
  const FIXTURE = join(process.cwd(), "test/fixtures/cli-workflow.ts");
  const inDir = (cwd: string, env: Record<string, string> = {}) => (...args: string[]) => {
    const result = spawnSync(process.execPath, [join(process.cwd(), "dist/cli.js"), ...args], { cwd, encoding: "utf8", env: { ...process.env, TASKFIT_PROFILE: "", ...env } });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  let project: string;
  let below: string;
  /** A project whose config has one bad profile, `bad`. */
  const badProject = async (profile: unknown) => {
    const dir = await mkdtemp(join(tmpdir(), "taskfit-profile-bad-"));
    await writeFile(join(dir, "taskfit.config.json"), JSON.stringify({ profiles: { bad: profile } }));
    return dir;
  };

  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), "taskfit-profile-"));
    below = join(project, "analysis", "run-1");
    await mkdir(below, { recursive: true });
    await writeFile(join(project, "taskfit.config.json"), JSON.stringify({ profiles: { small: { scheduler: "local", cpu: 1, memory: "2Gi", gpus: 0 }, cluster: { scheduler: "slurm" } } }));
  });

  it("--profile sets the scheduler's options; the command line's own options win", () => {
    const run = inDir(below);
    const out = run("run", FIXTURE, "square", "--args", "[3]", "--profile", "small", "--json");
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ result: 9, capacity: { cpu: 1, memoryGiB: 2, gpus: 0 } });
    expect(JSON.parse(run("run", FIXTURE, "square", "--args", "[3]", "--profile", "small", "--cpu", "2", "--json").stdout).capacity).toEqual({ cpu: 2, memoryGiB: 2, gpus: 0 });
  });

  it("TASKFIT_PROFILE chooses the profile when --profile is not given", () => {
    const out = inDir(below, { TASKFIT_PROFILE: "small" })("run", FIXTURE, "square", "--args", "[3]", "--json");
    expect(JSON.parse(out.stdout).capacity).toEqual({ cpu: 1, memoryGiB: 2, gpus: 0 });
  });

  it("bad config is one clear error naming the file and the key", async () => {
    const file = join(project, "taskfit.config.json");
    const line = (out: { code: number | null; stderr: string }) => {
      expect(out.code).toBe(1);
      expect(out.stderr.trim().split("\n")).toHaveLength(1);
      return out.stderr.trim();
    };
    expect(line(inDir(below)("run", FIXTURE, "square", "--profile", "nope"))).toBe(`taskfit: INVALID_CONFIGURATION: Expected a profile named "nope" (profiles there: small, cluster) (in ${file}, key \`profiles.nope\`)`);
    const typo = await badProject({ partiton: "debug" });
    expect(line(inDir(typo)("run", FIXTURE, "square", "--profile", "bad"))).toBe(
      `taskfit: INVALID_CONFIGURATION: Expected a key among \`scheduler\`, \`cpu\`, \`memory\`, \`gpus\`, \`oversize\`, \`gpuMatch\`, \`isolation\`, \`workDir\`, \`partition\`, \`account\`, \`image\`, \`namespace\`, \`kubeconfig\`, \`imageDir\`, \`workerCommand\`, \`pollMs\`, \`arrayMaxSize\` (unknown keys are not ignored) (in ${join(typo, "taskfit.config.json")}, key \`profiles.bad.partiton\`)`,
    );
    const unitless = await badProject({ memory: "8" });
    expect(line(inDir(unitless)("run", FIXTURE, "square", "--profile", "bad"))).toMatch(/INVALID_CONFIGURATION: Expected a positive number of GiB, or a quantity string with a unit .*got `"8"` \(string\) \(in .*taskfit.config.json, key `profiles.bad.memory`\)$/);
    const misplaced = await badProject({ scheduler: "slurm", cpu: 4 });
    expect(line(inDir(misplaced)("run", FIXTURE, "square", "--profile", "bad"))).toMatch(/Expected `cpu` only in a profile for local \(this one's scheduler is slurm\), got `4` .*key `profiles.bad.cpu`/);
    expect(line(inDir(tmpdir())("run", FIXTURE, "square", "--profile", "small"))).toMatch(/INVALID_CONFIGURATION: Expected a taskfit.config.ts or taskfit.config.json in .* or a directory above it, with that profile, got `"small"` \(string\) \(field `--profile`\)/);
    expect(line(inDir(below)("run", FIXTURE, "square", "--profile", "cluster", "--scheduler", "local"))).toMatch(/Expected the scheduler of profile cluster \(slurm\), or no --profile, got `"local"`.*field `--scheduler`/);
  });
});

describe("every command line in the README and in each --help, run as written", () => {
  // From a clone of the repository (the README says so): examples/ is here, a.fq and b.fq are any files.
  const repo = process.cwd();
  const made = ["a.fq", "b.fq"].map((name) => join(repo, name));
  let bin: string;

  beforeAll(async () => {
    for (const path of made) await writeFile(path, "ACGT\n".repeat(1000));
    // `taskfit` as the --help examples name it: the built command, as an installed bin would be.
    bin = await mkdtemp(join(tmpdir(), "taskfit-bin-"));
    await writeFile(join(bin, "taskfit"), `#!/bin/sh\nexec "${process.execPath}" "${join(repo, "dist/cli.js")}" "$@"\n`, { mode: 0o755 });
  });
  afterAll(async () => {
    for (const path of [...made, join(repo, "run.html"), join(repo, "taskfit-report.html")]) await rm(path, { force: true });
  });

  const readmeLines = async () => {
    const readme = await readFile("README.md", "utf8");
    const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] as string);
    return blocks.flatMap((block) => block.split("\n")).filter((line) => line.startsWith("npx taskfit "));
  };
  const helpLines = () =>
    ["presets", "tasks", "resolve", "plan", "run", "fit"].flatMap((command) => {
      const help = cli(command, "--help").stdout;
      return help.slice(help.indexOf("Examples:")).split("\n").slice(1).map((line) => line.trim()).filter((line) => line.startsWith("taskfit "));
    });
  const slurmUp = spawnSync("sinfo", ["-h"], { encoding: "utf8" }).status === 0;
  // The alignment example runs bwa and samtools (scripts/tools/install.sh installs them; CI does, before the integration tests).
  const toolsInstalled = spawnSync("bash", ["-c", "command -v bwa && command -v samtools"]).status === 0;

  const runLine = (line: string) => {
    const result = spawnSync("bash", ["-c", line], {
      cwd: repo,
      encoding: "utf8",
      // npm_config_yes=false: npx must find the repository's own bin, never fetch a package.
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, TASKFIT_PROFILE: "", npm_config_yes: "false" },
    });
    const lastLine = result.stderr.trim().split("\n").at(-1) ?? "";
    if (/--scheduler kubernetes/.test(line) || (/--scheduler slurm/.test(line) && !slurmUp)) {
      // No cluster here: the command gets as far as the cluster, and says so in one line.
      expect(result.status, `${line}\n${result.stderr}`).toBe(1);
      expect(lastLine).toMatch(/^taskfit: (SUBMISSION_FAILED|UNSCHEDULABLE): /);
    } else if (/examples\/alignment\//.test(line) && !toolsInstalled) {
      // Without the tools, the first one the workflow runs is named as what could not start.
      expect(result.status, `${line}\n${result.stderr}`).toBe(1);
      expect(result.stderr).toMatch(/TASK_EXECUTION_FAILED: .*command `bwa index [^`]*` could not start: spawn bwa ENOENT/);
    } else {
      expect(result.status, `${line}\n${result.stderr}`).toBe(0);
    }
  };

  it("finds the README's command lines and each --help's examples", async () => {
    expect((await readmeLines()).length).toBeGreaterThanOrEqual(10);
    expect(helpLines().length).toBeGreaterThanOrEqual(10);
  });

  // About a dozen commands each, some running workflows: minutes on a busy 2-core machine.
  it("runs each README command line", async () => {
    for (const line of await readmeLines()) runLine(line);
  }, 900_000);

  it("runs each --help example", () => {
    for (const line of helpLines()) runLine(line);
  }, 900_000);
});
