/**
 * Process isolation: each attempt runs in a child Node process through the worker entry, with its
 * V8 heap capped from the task's memory and CUDA_VISIBLE_DEVICES set to its GPUs. A child that dies
 * of memory (heap exhausted, SIGKILL, exit 137) is an OutOfMemoryError, which `retries.escalate`
 * acts on.
 *
 * Each worker leads its own process group, so a timeout or cancellation stops everything the task
 * started too (a tool, a pipeline): SIGTERM to the group, SIGKILL after a grace period. The attempt
 * settles only once the worker has exited.
 */
import { fork } from "node:child_process";
import { OutOfMemoryError, TaskExecutionError } from "../../errors.js";
import type { Invocation } from "../../contract/scheduler.js";
import type { AttemptControl } from "./attempt.js";
import { fromWire } from "../wire.js";
import { stderrTail, type WorkerOutcome, workerFailure } from "../worker-protocol.js";
import { workerRequest } from "../worker-request.js";
import { diedOfMemory, workerEntry, workerNodeArgs } from "../worker-command.js";
import { DEFAULT_GRACE_MS, terminateGroup, trackGroup } from "../../process/group.js";

/** Kept to tell a V8 heap death by its message (after a long native stack); errors carry less (see stderrTail). */
const STDERR_KEPT_BYTES = 8 * 1024;

export class ProcessRunner {
  private readonly entry = workerEntry();

  constructor(
    private readonly workDir: string,
    /**
     * unit: ms. How long a stopped worker's group has between SIGTERM and SIGKILL: longer than
     * `run()`'s own grace, so that a worker outlives the tools it is stopping (in groups of their own).
     */
    private readonly graceMs = DEFAULT_GRACE_MS + 2000,
  ) {}

  run(invocation: Invocation<unknown>, gpus: readonly number[], control: AttemptControl): Promise<unknown> {
    const { taskName, attempt, resources } = invocation;
    const request = workerRequest(invocation, resources, gpus);
    const execArgv = workerNodeArgs(this.entry, invocation.task.module, resources.memoryGiB);
    const child = fork(this.entry, [], {
      cwd: this.workDir,
      execArgv,
      env: { ...process.env, TASKFIT_WORKER: "ipc", CUDA_VISIBLE_DEVICES: gpus.join(",") },
      stdio: ["ignore", "inherit", "pipe", "ipc"],
      serialization: "json",
      // Its own process group: stopping it stops whatever it started.
      detached: true,
    });
    trackGroup(child);
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      process.stderr.write(chunk);
      stderr = (stderr + chunk.toString("utf8")).slice(-STDERR_KEPT_BYTES);
    });
    let killed = false;
    control.onAbort(() => {
      killed = true;
      void terminateGroup(child, this.graceMs);
    });
    return new Promise((resolve, reject) => {
      let outcome: WorkerOutcome | undefined;
      child.on("message", (message: WorkerOutcome) => {
        outcome = message;
      });
      child.on("error", (cause) => {
        reject(new TaskExecutionError({ task: taskName, attempt, message: `could not start the worker: ${cause.message}`, cause }));
      });
      child.on("exit", (exitCode, exitSignal) => {
        const tail = stderrTail(stderr);
        if (outcome?.kind === "result") return resolve(fromWire(outcome.value));
        if (outcome?.kind === "error") {
          return reject(workerFailure(outcome.error, { task: taskName, label: invocation.label, attempt, memoryGiB: resources.memoryGiB, stderrTail: tail }));
        }
        // Killed on timeout or cancellation: the attempt has already settled with that error.
        if (killed) return reject(new TaskExecutionError({ task: taskName, attempt, message: "the worker process was stopped" }));
        if (diedOfMemory(exitCode, exitSignal, stderr)) {
          return reject(
            new OutOfMemoryError({
              task: taskName,
              memoryGiB: resources.memoryGiB,
              detail: `the worker process ended with ${exitSignal ?? `exit code ${exitCode}`}${tail ? `; stderr: ${tail.slice(-500)}` : ""}`,
            }),
          );
        }
        reject(
          new TaskExecutionError({
            task: taskName,
            attempt,
            message: `the worker process ended with ${exitSignal ?? `exit code ${exitCode}`} before answering`,
            exitCode: exitCode ?? undefined,
            stderrTail: tail,
          }),
        );
      });
      child.send(request);
    });
  }
}
