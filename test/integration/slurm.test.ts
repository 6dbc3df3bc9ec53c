/**
 * SlurmScheduler against a real Slurm cluster (scripts/slurm/up.sh: one node, 4 CPUs, 8 GiB,
 * 2 x a10g + 1 x v100 fake GPUs, memory enforcement on).
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  customTask,
  OutOfMemoryError,
  SlurmScheduler,
  SubmissionError,
  TaskCancelledError,
  TaskExecutionError,
  TaskFile,
  TaskTimeoutError,
  UnschedulableError,
  type FinishedEvent,
} from "../../src/index.js";
import { fragile } from "../fixtures/fragile-tasks.js";
import { reportsOutOfMemory } from "../fixtures/isolated-tasks.js";
import { dynamicInfo, echo, fails, gpuInfo, holdsMemory, oddlyNamed, presetInfo, sleeps, stopsOnAbort } from "../fixtures/slurm-tasks.js";

let slurm: SlurmScheduler;
let dir: string;

function showJob(jobId: string): string {
  return execFileSync("scontrol", ["show", "job", jobId], { encoding: "utf8" });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function activeJobs(): string[] {
  return execFileSync("squeue", ["-h", "-o", "%i"], { encoding: "utf8" }).split("\n").filter(Boolean);
}

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "taskfit-slurm-test-"));
  slurm = new SlurmScheduler({ workDir: join(dir, "jobs"), pollIntervalMs: 250 });
});

describe("SlurmScheduler on a real cluster", () => {
  it("submits a preset with its resources as the sbatch request", async () => {
    const info = await presetInfo.with({ scheduler: slurm })();
    expect(info).toMatchObject({ cpusPerTask: "2", memPerNode: "4096", attempt: 1 });
    const job = showJob(info.jobId as string);
    expect(job).toMatch(/TRES=cpu=2,mem=4G/);
    expect(job).toMatch(/JobName=presetInfo/);
  });

  it("submits a dynamic custom task with what it resolved to for these arguments", async () => {
    const files = await Promise.all(
      ["a.fastq", "b.fastq", "c.fastq", "d.fastq"].map(async (name) => {
        const path = join(dir, name);
        await writeFile(path, "");
        await truncate(path, 100 * 1024 * 1024);
        return new TaskFile(path);
      }),
    );
    const info = await dynamicInfo.with({ scheduler: slurm })(files, "cohort");
    expect(info).toMatchObject({ cpusPerTask: "3", memPerNode: "1536", label: "cohort", names: ["a.fastq", "b.fastq", "c.fastq", "d.fastq"] });
    const job = showJob(info.jobId as string);
    expect(job).toMatch(/TRES=cpu=3,mem=1.50G/); // 1536 MiB, as Slurm prints it
    // 1.5 x 400 MiB = 600 MiB of scratch.
    expect(job).toMatch(/MinTmpDiskNode=600M/);
  });

  it("gives a GPU task its device through CUDA_VISIBLE_DEVICES", async () => {
    const info = await gpuInfo.with({ scheduler: slurm })();
    expect(info.cudaVisibleDevices).toMatch(/^[01]$/);
    expect(showJob(info.jobId as string)).toMatch(/gpu:a10g:1|gres\/gpu:a10g=1|gres\/gpu=1/);
  });

  it("brings back a task's error with the job's stderr and id", async () => {
    const error = await fails.with({ scheduler: slurm })("no such sample").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskExecutionError);
    const failure = error as TaskExecutionError;
    expect(failure.message).toContain("TypeError: no such sample");
    expect(failure.stderrTail).toContain("fails: about to throw no such sample");
    expect(failure.jobId).toMatch(/^\d+$/);
    expect(failure.exitCode).toBe(1);
  });

  it("maps a job killed for exceeding --mem to OutOfMemoryError, and escalation then succeeds", async () => {
    const once = holdsMemory.with({ scheduler: slurm, retries: 0 });
    await expect(once(700)).rejects.toBeInstanceOf(OutOfMemoryError);
    const ended: Array<{ end: string; peakMiB: number | undefined }> = [];
    const onFinished = (event: FinishedEvent) => ended.push({ end: event.end, peakMiB: event.usage && event.usage.peakMemoryGiB * 1024 });
    slurm.on("finished", onFinished);
    const result = await holdsMemory.with({ scheduler: slurm })(700);
    slurm.off("finished", onFinished);
    expect(result).toMatchObject({ held: 700, memPerNode: "1024", attempt: 2 });
    // The job's worker measured its process tree on the node: the 700 MiB it held, and its Node.
    expect(ended.map((e) => e.end)).toEqual(["error", "ok"]);
    expect(ended[1]?.peakMiB).toBeGreaterThanOrEqual(700);
  });

  it("maps a job past its --time to TaskTimeoutError, also when the task reacts to the abort and throws", async () => {
    const [ignores, reacts] = await Promise.all([
      sleeps.with({ scheduler: slurm, timeout: 30 })(150).catch((e: unknown) => e),
      stopsOnAbort.with({ scheduler: slurm, timeout: 30 })(150).catch((e: unknown) => e),
    ]);
    expect(ignores).toBeInstanceOf(TaskTimeoutError);
    expect(reacts).toBeInstanceOf(TaskTimeoutError);
    expect(reacts).toMatchObject({ jobId: expect.stringMatching(/^\d+$/), cause: { name: "AbortError" } });
  }, 200_000);

  it("escalates a task that throws OutOfMemoryError itself, as it does in-process", async () => {
    const result = await reportsOutOfMemory.with({ scheduler: slurm })(1);
    expect(result).toEqual({ memoryGiB: 1, attempt: 3 });
    const error = await reportsOutOfMemory.with({ scheduler: slurm, retries: 0 })(1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutOfMemoryError);
    expect(error).toMatchObject({ memoryGiB: 0.25, attempt: 1, jobId: expect.stringMatching(/^\d+$/), cause: { code: "OUT_OF_MEMORY" } });
  }, 120_000);

  it("cancels with scancel on abort and leaves no job in squeue", async () => {
    const controller = new AbortController();
    const before = new Set(activeJobs());
    const call = sleeps.with({ scheduler: slurm, signal: controller.signal })(120);
    let jobId: string | undefined;
    await until(() => {
      jobId = activeJobs().find((id) => !before.has(id));
      return jobId !== undefined;
    }, "the job to appear in squeue");
    controller.abort(new Error("user pressed stop"));
    await expect(call).rejects.toBeInstanceOf(TaskCancelledError);
    await until(() => !activeJobs().includes(jobId as string), "the job to leave squeue", 30_000);
  });

  it("refuses at once a request no node can hold, naming what is short", async () => {
    const huge = customTask({ cpu: 64, memory: 4 })(async function huge() {});
    const error = await huge.with({ scheduler: slurm })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnschedulableError);
    expect((error as Error).message).toMatch(/cpu: requested 64, at most 4/);
    const gpus = customTask({ cpu: 1, memory: 1, gpu: 2, gpuType: "v100" })(async function twoV100() {});
    await expect(gpus.with({ scheduler: slurm })()).rejects.toThrow(/gpu \(type v100\): requested 2, at most 1/);
    // Any GPU type name is accepted; the cluster's typed GRES (a10g, v100) has no h100.
    const h100 = customTask({ cpu: 1, memory: 1, gpu: 1, gpuType: "h100" })(async function oneH100() {});
    await expect(h100.with({ scheduler: slurm })()).rejects.toThrow(/gpu \(type h100\): requested 1, at most 0/);
  });

  it("reports sbatch's own refusal with its message", async () => {
    // A `partition` option no node is in: taskfit refuses before sbatch, from sinfo.
    const elsewhere = new SlurmScheduler({ workDir: join(dir, "jobs"), partition: "nosuchpartition" });
    const error = await echo.with({ scheduler: elsewhere })("x", 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnschedulableError);
    expect((error as Error).message).toContain("partition nosuchpartition");
    // The same through extraArgs reaches sbatch, whose message comes back as it is.
    const badOption = new SlurmScheduler({ workDir: join(dir, "jobs"), extraArgs: ["--partition=nope"] });
    const refused = await echo.with({ scheduler: badOption })("x", 1).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SubmissionError);
    expect((refused as SubmissionError).detail).toMatch(/sbatch: error: invalid partition specified: nope/);
  });

  it("keeps waiting through a restart of slurmctld and gets the result", async () => {
    const pidFile = join(process.env.TASKFIT_SLURM_DIR ?? "/tmp/taskfit-slurm", "run", "slurmctld.pid");
    const before = new Set(activeJobs());
    const call = sleeps.with({ scheduler: slurm })(8);
    await until(() => activeJobs().some((id) => !before.has(id)), "the job to start");
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    process.kill(pid, "SIGTERM");
    await until(() => !isAlive(pid), "slurmctld to stop", 30_000);
    // Down long enough for several polls to fail.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    execFileSync("bash", ["scripts/slurm/up.sh"], { stdio: "ignore" });
    expect(await call).toBe(8);
  });

  it("runs 50 tasks in parallel and brings every result back", async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => echo.with({ scheduler: slurm })(`item-${i}`, i)));
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => ({ value: `item-${i}`, n: i })));
  }, 300_000);

  describe("job arrays", () => {
    /** The ids of the attempts a scheduler queued, in order. */
    const queuedIds = (scheduler: SlurmScheduler) => {
      const ids: string[] = [];
      scheduler.on("queued", (event) => ids.push(event.id));
      return ids;
    };
    /** The elements of array `arrayId` Slurm still has queued or running. */
    const liveElements = (arrayId: string) =>
      execFileSync("squeue", ["-h", "--array", `--jobs=${arrayId}`, "--states=PENDING,RUNNING,CONFIGURING,COMPLETING,SUSPENDED", "-o", "%i"], { encoding: "utf8" })
        .split("\n")
        .filter(Boolean);

    it("runs a fan-out of same-shape calls as one job array: every result back to its call, no element left", async () => {
      const workDir = join(dir, "array-jobs");
      const own = new SlurmScheduler({ workDir, pollIntervalMs: 250 });
      const ids = queuedIds(own);
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => echo.with({ scheduler: own })(`item-${i}`, i)));
      expect(results).toEqual(Array.from({ length: 12 }, (_, i) => ({ value: `item-${i}`, n: i })));
      const arrayId = ids[0]?.split("_")[0] as string;
      expect(ids).toEqual(Array.from({ length: 12 }, (_, i) => `${arrayId}_${i}`));
      expect(showJob(`${arrayId}_5`)).toMatch(new RegExp(`ArrayJobId=${arrayId} ArrayTaskId=5 `));
      expect(liveElements(arrayId)).toEqual([]);
      expect(readdirSync(workDir)).toEqual(["taskfit-job.sh"]);
    }, 200_000);

    it("maps an element killed for exceeding --mem to its own call, which is retried on its own with more memory", async () => {
      const own = new SlurmScheduler({ workDir: join(dir, "array-jobs"), pollIntervalMs: 250 });
      const ended: Array<{ id: string; end: string; error: unknown }> = [];
      own.on("finished", (event) => ended.push({ id: event.id, end: event.end, error: event.error }));
      const results = await Promise.all([10, 700, 10].map((mib) => holdsMemory.with({ scheduler: own })(mib)));
      expect(results.map((r) => [r.held, r.attempt, r.memPerNode])).toEqual([
        [10, 1, "256"],
        [700, 2, "1024"],
        [10, 1, "256"],
      ]);
      const arrayId = ended.find((e) => e.id.includes("_"))?.id.split("_")[0] as string;
      const killed = ended.find((e) => e.id === `${arrayId}_1`);
      expect(killed?.end).toBe("error");
      expect(killed?.error).toBeInstanceOf(OutOfMemoryError);
      expect(killed?.error).toMatchObject({ jobId: `${arrayId}_1`, attempt: 1 });
      // The retry went as a job of its own.
      expect(ended.filter((e) => e.end === "ok").map((e) => e.id)).toEqual(expect.arrayContaining([`${arrayId}_0`, `${arrayId}_2`, expect.stringMatching(/^\d+$/)]));
      expect(liveElements(arrayId)).toEqual([]);
    }, 200_000);

    it("cancels one call's element only, by its own id; the other elements finish; none is left", async () => {
      const own = new SlurmScheduler({ workDir: join(dir, "array-jobs"), pollIntervalMs: 250 });
      const ids = queuedIds(own);
      const controller = new AbortController();
      const calls = [4, 120, 4].map((seconds, i) => sleeps.with({ scheduler: own, ...(i === 1 && { signal: controller.signal }) })(seconds).catch((e: unknown) => e));
      await until(() => ids.length === 3, "the elements to be queued");
      const arrayId = ids[0]?.split("_")[0] as string;
      await until(() => liveElements(arrayId).includes(`${arrayId}_1`), "the element to be listed");
      controller.abort(new Error("not this one"));
      expect(await calls[1]).toBeInstanceOf(TaskCancelledError);
      expect(await calls[0]).toBe(4);
      expect(await calls[2]).toBe(4);
      // A running element stays listed as CANCELLED; a pending one Slurm drops from the array at once.
      const states = execFileSync("squeue", ["-h", "--array", `--jobs=${arrayId}`, "--states=all", "-o", "%i %T"], { encoding: "utf8" }).trim().split("\n");
      expect(states.find((line) => line.startsWith(`${arrayId}_1 `)) ?? `${arrayId}_1 CANCELLED`).toBe(`${arrayId}_1 CANCELLED`);
      expect(states).toEqual(expect.arrayContaining([`${arrayId}_0 COMPLETED`, `${arrayId}_2 COMPLETED`]));
      await until(() => liveElements(arrayId).length === 0, "no element left in squeue", 30_000);
    }, 200_000);
  });

  it("passes a task name and an argument full of shell metacharacters intact", async () => {
    const nasty = `$(touch /tmp/taskfit-pwned) \`id\` ; rm -rf / && echo "quoted" 'single' \\ | > < * ? ~ # \n newline`;
    expect(await oddlyNamed.with({ scheduler: slurm })(nasty)).toBe(nasty);
    expect(await echo.with({ scheduler: slurm })(nasty, 0)).toEqual({ value: nasty, n: 0 });
    expect(existsSync("/tmp/taskfit-pwned")).toBe(false);
  });

  it("recreates a workDir deleted between calls", async () => {
    const own = new SlurmScheduler({ workDir: join(dir, "deleted-jobs"), pollIntervalMs: 250 });
    expect(await echo.with({ scheduler: own })("before", 1)).toEqual({ value: "before", n: 1 });
    await rm(join(dir, "deleted-jobs"), { recursive: true, force: true });
    expect(await echo.with({ scheduler: own })("after", 2)).toEqual({ value: "after", n: 2 });
  });

  it("has removed the job's files when the call settles", async () => {
    const workDir = join(dir, "settled-jobs");
    const own = new SlurmScheduler({ workDir, pollIntervalMs: 250 });
    await echo.with({ scheduler: own })("files", 3);
    expect(readdirSync(workDir)).toEqual(["taskfit-job.sh"]);
  });

  it("leaves no job files behind a program that exits right after its last call", () => {
    const workDir = join(dir, "exiting-jobs");
    const script = `
      import { SlurmScheduler } from "./src/index.js";
      import { echo } from "./test/fixtures/slurm-tasks.js";
      const slurm = new SlurmScheduler({ workDir: ${JSON.stringify(workDir)}, pollIntervalMs: 250 });
      console.log(JSON.stringify(await echo.with({ scheduler: slurm })("exit", 4)));
      process.exit(0);`;
    const out = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 120_000 });
    expect(out.stdout.trim()).toBe('{"value":"exit","n":4}');
    expect(readdirSync(workDir)).toEqual(["taskfit-job.sh"]);
  }, 150_000);

  it("carries the worker's import error when the task's module cannot be imported on the node", async () => {
    const error = await fragile.with({ scheduler: slurm })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskExecutionError);
    expect((error as Error).message).toMatch(/could not be imported: fragile-tasks: the reference index is not installed on this node/);
    expect(((error as Error).cause as { cause?: { stack?: string } }).cause?.stack).toMatch(/fragile-tasks\.ts/);
  });
});

describe("taskfit run --scheduler slurm (the built command, as a user runs it)", () => {
  beforeAll(() => {
    execFileSync("npx", ["tsup", "--silent"], { stdio: "ignore" });
  }, 120_000);

  it("runs a module's workflow as Slurm jobs and reports each job against the cluster's capacity", async () => {
    const report = join(dir, "slurm-run.html");
    const out = spawnSync(
      process.execPath,
      ["dist/cli.js", "run", "test/fixtures/cluster-workflow.ts", "--args", "[4]", "--scheduler", "slurm", "--work-dir", join(dir, "cli-jobs"), "--poll-ms", "250", "--json", "--report", report],
      { encoding: "utf8", timeout: 180_000 },
    );
    expect(out.status, out.stderr).toBe(0);
    const json = JSON.parse(out.stdout);
    expect(json.result).toEqual(Array.from({ length: 4 }, (_, i) => ({ value: `sample ${i}`, n: i })));
    // The test cluster: one node, 4 CPUs, 8 GiB, 3 GPUs (sinfo).
    expect(json.capacity).toEqual({ cpu: 4, memoryGiB: 8, gpus: 3 });
    expect(json.attempts).toMatchObject({ ok: 4, error: 0, cancelled: 0 });
    expect(json.tasks).toEqual([expect.objectContaining({ task: "echo", attempts: 4, cpu: [1, 1], memoryGiB: [0.25, 0.25] })]);
    expect(json.scheduler).toMatch(/^Slurm \(4 cores, 8 GiB, 3 GPUs\)$/);
    const html = readFileSync(report, "utf8");
    expect(html.match(/<g class="attempt" data-task="echo" data-outcome="ok"/g)).toHaveLength(4);
    expect(html).toContain('data-resource="gpus" data-capacity="3"');
  }, 200_000);

  it("on Ctrl-C cancels its jobs with scancel before it exits (130), leaving none in squeue", async () => {
    const before = new Set(activeJobs());
    const child = spawn(process.execPath, ["dist/cli.js", "run", "test/fixtures/slurm-tasks.ts", "sleeps", "--args", "[120]", "--scheduler", "slurm", "--work-dir", join(dir, "cli-jobs"), "--poll-ms", "250"], { stdio: "ignore" });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    await until(() => activeJobs().some((id) => !before.has(id)), "the job to be submitted");
    const job = activeJobs().find((id) => !before.has(id)) as string;
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    // scancel has returned before the command exits; Slurm may take a moment to drop the job.
    await until(() => !activeJobs().includes(job), `job ${job} to leave squeue`, 30_000);
  }, 120_000);

  it("when a task fails, cancels the jobs still queued or running before it exits 1: none left in squeue", async () => {
    const before = new Set(activeJobs());
    const out = spawnSync(
      process.execPath,
      ["dist/cli.js", "run", "test/fixtures/slurm-failing-workflow.ts", "--scheduler", "slurm", "--work-dir", join(dir, "cli-jobs"), "--poll-ms", "250", "--json"],
      { encoding: "utf8", timeout: 180_000 },
    );
    expect(out.status, out.stderr).toBe(1);
    const json = JSON.parse(out.stdout);
    expect(json).toMatchObject({ ok: false, error: { code: "TASK_EXECUTION_FAILED" }, attempts: { error: 1, cancelled: 2, ok: 0 } });
    // scancel has returned for each before the command exits; Slurm may take a moment to drop them.
    const left = () => activeJobs().filter((id) => !before.has(id));
    await until(() => left().length === 0, "the run's jobs to leave squeue", 30_000);
    expect(left()).toEqual([]);
  }, 200_000);

  it("exits 1 with the job's error, naming the task, when a task fails on the cluster", () => {
    const out = spawnSync(
      process.execPath,
      ["dist/cli.js", "run", "test/fixtures/slurm-tasks.ts", "fails", "--args", '["no reference genome"]', "--scheduler", "slurm", "--work-dir", join(dir, "cli-jobs"), "--poll-ms", "250"],
      { encoding: "utf8", timeout: 180_000 },
    );
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/\[1\/1\] error fails \(attempt 1\) 1 cpu, 512 MiB/);
    const printed = out.stderr.slice(out.stderr.lastIndexOf("taskfit: ")).trim().split("\n");
    expect(printed[0]).toMatch(/^taskfit: TASK_EXECUTION_FAILED: .*`fails`.*no reference genome/);
    expect(printed[1]).toMatch(/^ {2}attempt 1 · exit code 1 · job \d+$/);
    // The log is named after the task and the call, and kept for whoever debugs it.
    const log = /^ {2}full log: (.*\/fails-attempt1-\d+\.err)$/.exec(printed[2] ?? "")?.[1];
    expect(log).toBeDefined();
    expect(readFileSync(log as string, "utf8")).toContain("fails: about to throw no reference genome");
    expect(printed.slice(3)).toContain("    fails: about to throw no reference genome");
  }, 200_000);
});
