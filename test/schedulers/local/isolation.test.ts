import { existsSync } from "node:fs";
import { readFile, writeFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  LocalScheduler,
  SlurmScheduler,
  KubernetesScheduler,
  TaskNotFoundError,
  OutOfMemoryError,
  SerializationError,
  smallTask,
  TaskCancelledError,
  TaskExecutionError,
  TaskFile,
  TaskTimeoutError,
  planCall,
} from "../../../src/index.js";
import type { Task } from "../../../src/index.js";
import { ManualClock } from "../../../src/testing.js";
import { describeFile, hungry, reportsOutOfMemory, returnsFunction, spawnsTools, throws } from "../../fixtures/isolated-tasks.js";
import { fragile } from "../../fixtures/fragile-tasks.js";
import { isRunning, until } from "../../helpers/processes.js";

const isolated = () =>
  new LocalScheduler({ isolation: "process", capacity: { cpu: 2, memoryGiB: 4, gpus: [{ index: 0 }, { index: 1 }] } });

describe("LocalScheduler with process isolation", () => {
  it("runs the task in a child process, reviving TaskFile arguments", async () => {
    const dir = await mkdtemp(join(tmpdir(), "taskfit-iso-"));
    const path = join(dir, "reads.fastq");
    await writeFile(path, "ACGT\n");
    const result = await describeFile.with({ scheduler: isolated() })(new TaskFile(path), "x");
    expect(result).toMatchObject({ label: "x", isTaskFile: true, name: "reads.fastq", size: 5, attempt: 1 });
    expect(result.pid).not.toBe(process.pid);
    expect(result.cudaVisibleDevices).toBe("");
  }, 30_000);

  it("sets CUDA_VISIBLE_DEVICES to the GPUs the task was given", async () => {
    const result = await describeFile.with({ scheduler: isolated(), gpu: 2 })(new TaskFile(import.meta.filename), "gpu");
    expect(result.cudaVisibleDevices).toBe("0,1");
    expect(result.gpus).toEqual([0, 1]);
  }, 30_000);

  it("turns a child that runs out of heap into OutOfMemoryError, and escalation makes it succeed", async () => {
    const local = isolated();
    const attempts: number[] = [];
    local.on("queued", (event) => attempts.push(event.resources.memoryGiB));
    expect(await hungry.with({ scheduler: local })(0.5)).toBe(0.5);
    expect(attempts).toEqual([0.125, 0.5]);
    const noRetry = hungry.with({ scheduler: local, retries: 0 });
    await expect(noRetry(1)).rejects.toBeInstanceOf(OutOfMemoryError);
  }, 60_000);

  it("a task that throws OutOfMemoryError itself escalates as it does in-process", async () => {
    const local = isolated();
    await expect(reportsOutOfMemory.with({ scheduler: local })(1)).resolves.toEqual({ memoryGiB: 1, attempt: 3 });
    const error = await reportsOutOfMemory.with({ scheduler: local, retries: 0 })(1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutOfMemoryError);
    expect(error).toMatchObject({ memoryGiB: 0.25, attempt: 1, cause: { name: "OutOfMemoryError", code: "OUT_OF_MEMORY" } });
    expect((error as Error).message).toBe("Task `reportsOutOfMemory` ran out of memory with 0.25 GiB requested: the aligner was killed by the kernel's OOM killer");
  }, 60_000);

  it("brings back the task's error with the child's stderr", async () => {
    const error = await throws.with({ scheduler: isolated() })("bad input").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskExecutionError);
    expect((error as TaskExecutionError).message).toContain("RangeError: bad input");
    expect((error as TaskExecutionError).stderrTail).toContain("about to fail: bad input");
  }, 30_000);

  it("refuses a result JSON would lose, naming where", async () => {
    const error = await returnsFunction.with({ scheduler: isolated() })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskExecutionError);
    expect((error as Error).message).toMatch(/result\.callback/);
  }, 30_000);

  it("refuses an argument JSON would lose, before starting a process", async () => {
    const error = await describeFile.with({ scheduler: isolated() })(new TaskFile(import.meta.filename), (() => "x") as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SerializationError);
    expect((error as Error).message).toMatch(/args\[1\]/);
  });

  it("says which module and task it looked for when the task cannot be found", async () => {
    const local = isolated();
    // Defined here, in a test module whose import in a child defines no task of this name.
    const inline = smallTask({ name: "definedAtRunTime" })(async () => 1);
    const error = await inline.with({ scheduler: local })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskExecutionError);
    expect((error as Error).message).toMatch(/definedAtRunTime/);
    expect((error as Error).message).toMatch(/isolation\.test\.ts/);
  }, 30_000);

  it("makes no second attempt when the worker cannot find the task: it would fail the same way", async () => {
    const local = isolated();
    const starts: number[] = [];
    local.on("started", (event) => starts.push(event.attempt));
    const inline = smallTask({ name: "definedAtRunTimeRetried", retries: 2 })(async () => 1);
    const error = await inline.with({ scheduler: local })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskExecutionError);
    expect(((error as Error).cause as { code?: string }).code).toBe("TASK_NOT_FOUND");
    expect(starts).toEqual([1]);
  }, 30_000);

  it("refuses a task with no module file before any process, job or manifest exists", async () => {
    // Indirect eval: code with no file, as in a REPL or `node -e`.
    const define = (0, eval)("(wrap) => wrap(async function evaluated() { return 1; })") as (wrap: typeof smallTask) => Task<[], Promise<number>>;
    const evaluated = define(smallTask);
    const error = await evaluated.with({ scheduler: isolated() })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskNotFoundError);
    expect((error as Error).message).toMatch(/task `evaluated` to be defined in a module file/);
    await expect(new SlurmScheduler({ workDir: tmpdir() }).plan(await planCall(evaluated, []))).rejects.toBeInstanceOf(TaskNotFoundError);
    await expect(new KubernetesScheduler({ image: "node:20" }).plan(await planCall(evaluated, []))).rejects.toBeInstanceOf(TaskNotFoundError);
  });

  describe("leaves nothing running once the call has settled", () => {
    /** Starts `spawnsTools`, waits until its two processes exist, stops it with `stop`; returns the error and the pids. */
    async function stopped(stop: (controller: AbortController) => void, scheduler = isolated(), timeout?: number) {
      const dir = await mkdtemp(join(tmpdir(), "taskfit-orphans-"));
      const controller = new AbortController();
      const call = spawnsTools.with({ scheduler, signal: controller.signal, ...(timeout !== undefined && { timeout }) })(dir).catch((e: unknown) => e);
      await until(() => existsSync(join(dir, "pids.json")), "the task to start its processes");
      const pids = JSON.parse(await readFile(join(dir, "pids.json"), "utf8")) as number[];
      expect(pids.filter(isRunning)).toHaveLength(2);
      stop(controller);
      const error = await call;
      return { error, pids, dir };
    }

    it("on cancel: the task's sleep and Node child are gone, and the file the child would write never appears", async () => {
      const { error, pids, dir } = await stopped((controller) => controller.abort(new Error("stop")));
      expect(error).toBeInstanceOf(TaskCancelledError);
      expect(pids.filter(isRunning)).toEqual([]);
      expect(existsSync(join(dir, "late.txt"))).toBe(false);
    }, 30_000);

    it("on timeout: the same", async () => {
      const clock = new ManualClock();
      const local = new LocalScheduler({ isolation: "process", capacity: { cpu: 2, memoryGiB: 4, gpus: [] }, clock });
      const { error, pids, dir } = await stopped(() => clock.advanceTo(10_000), local, 5);
      expect(error).toBeInstanceOf(TaskTimeoutError);
      expect(pids.filter(isRunning)).toEqual([]);
      expect(existsSync(join(dir, "late.txt"))).toBe(false);
    }, 30_000);
  });
});

describe("a task module the worker cannot import", () => {
  it("fails with the module's own import error, message and stack, not 'no task found'", async () => {
    const error = await fragile.with({ scheduler: isolated() })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskExecutionError);
    expect((error as Error).message).toMatch(/TaskNotFoundError: Module file:.*fragile-tasks\.ts \(task `fragile`\) could not be imported: fragile-tasks: the reference index is not installed on this node/);
    const importError = ((error as Error).cause as { cause?: { message: string; stack: string } }).cause;
    expect(importError?.message).toBe("fragile-tasks: the reference index is not installed on this node");
    expect(importError?.stack).toMatch(/fragile-tasks\.ts/);
  }, 30_000);
});
