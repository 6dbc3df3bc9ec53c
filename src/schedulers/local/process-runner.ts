/**
 * Process isolation: each attempt runs in a child Node process through the worker entry, with its
 * V8 heap capped from the task's memory and CUDA_VISIBLE_DEVICES set to its GPUs. Its answer is
 * decoded as on every scheduler (worker/decode.ts). A child that dies of memory (heap exhausted,
 * SIGKILL, exit 137) is an OutOfMemoryError, which `retries.escalate` acts on, with the usage of
 * the last running report it sent over IPC (a child killed by the kernel answers nothing else).
 *
 * Each worker leads its own process group, so a timeout or cancellation stops everything the task
 * started too (a tool, a pipeline): SIGTERM to the group, SIGKILL after a grace period. The attempt
 * settles only once the worker has exited.
 */
import { fork } from "node:child_process";
import { OutOfMemoryError, TaskExecutionError } from "../../errors.js";
import type { Invocation } from "../../contract/scheduler.js";
import type { AttemptControl } from "./attempt.js";
import { type AttemptOutcome, attemptOutcome, type LastReport, lastReport } from "../worker/decode.js";
import { stderrTail } from "../worker/failure.js";
import type { WorkerReport } from "../worker/protocol.js";
import { readReport } from "../worker/read.js";
import { workerRequest } from "../worker/request.js";
import { diedOfMemory, heapExhausted, workerEntry, workerNodeArgs } from "../worker-command.js";
import { DEFAULT_GRACE_MS, terminateGroup, trackGroup } from "../../process/group.js";

/** Kept to tell a V8 heap death by its message (after a long native stack); errors carry less (see stderrTail). */
const STDERR_KEPT_BYTES = 8 * 1024;

/** Where the reports come from, in errors. */
const FROM = "the worker process (process isolation)";

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

  /** Runs the attempt in a worker process: resolves with the task's result, rejects with the error it failed with. */
  run(invocation: Invocation<unknown>, gpus: readonly number[], control: AttemptControl): Promise<unknown> {
    return this.attempt(invocation, gpus, control).then((outcome) => (outcome.ok ? outcome.value : Promise.reject(outcome.error)));
  }

  /**
   * Runs the attempt in a worker process: how it ended, with what the worker measured. A worker
   * killed before it answered (out of memory, stopped) leaves the usage of its last running report.
   */
  attempt(invocation: Invocation<unknown>, gpus: readonly number[], control: AttemptControl): Promise<AttemptOutcome> {
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
    return new Promise((resolve) => {
      // The first report that breaks the protocol stays: it says why nothing else can be read.
      let last: LastReport = { report: undefined, broken: undefined };
      child.on("message", (message: unknown) => {
        if (last.broken === undefined) last = lastReport((): WorkerReport => readReport(message, FROM));
      });
      child.on("error", (cause) => {
        resolve({ ok: false, error: new TaskExecutionError({ task: taskName, label: invocation.label, attempt, message: `could not start the worker: ${cause.message}`, cause }) });
      });
      // Decided once the worker has exited *and* its IPC channel has closed: 'exit' can come before
      // the last messages on the channel are read, and the answer would be taken for missing.
      let exited: { readonly exitCode: number | null; readonly exitSignal: NodeJS.Signals | null } | undefined;
      let disconnected = !child.connected;
      const decideOnceDone = () => {
        if (exited !== undefined && disconnected) decide(exited.exitCode, exited.exitSignal);
      };
      child.once("disconnect", () => {
        disconnected = true;
        decideOnceDone();
      });
      child.on("exit", (exitCode, exitSignal) => {
        exited = { exitCode, exitSignal };
        decideOnceDone();
      });
      const decide = (exitCode: number | null, exitSignal: NodeJS.Signals | null) => {
        const tail = stderrTail(stderr);
        const details = { task: taskName, label: invocation.label, attempt, memoryGiB: resources.memoryGiB, stderrTail: tail };
        const ended = exitSignal ?? `exit code ${exitCode}`;
        resolve(
          attemptOutcome(last, details, FROM, () => {
            // Killed on timeout or cancellation: the attempt has already settled with that error.
            if (killed) return new TaskExecutionError({ ...details, message: "the worker process was stopped" });
            if (diedOfMemory(exitCode, exitSignal, stderr)) {
              const why = heapExhausted(stderr) ? " when its JavaScript heap reached the limit set from the task's memory" : "";
              return new OutOfMemoryError({ ...details, exitCode: exitCode ?? undefined, detail: `the worker process ended with ${ended}${why}` });
            }
            return new TaskExecutionError({ ...details, exitCode: exitCode ?? undefined, message: `the worker process ended with ${ended} before answering` });
          }),
        );
      };
      child.send(request);
    });
  }
}
