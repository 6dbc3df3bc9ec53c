/**
 * The three schedulers that run the worker decode the same report the same way: one table of
 * reports, each decoded by process isolation (a stand-in worker over real IPC), Slurm (the outcome
 * file, against a stand-in Slurm) and Kubernetes (the pod's log).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OutOfMemoryError, TaskExecutionError, TaskfitError, WorkerProtocolError } from "../../../src/errors.js";
import type { MeasuredUsage } from "../../../src/contract/scheduler.js";
import type { ResolvedResources } from "../../../src/resources/spec.js";
import { jobEnd, settleEnd } from "../../../src/schedulers/kubernetes/outcome.js";
import { AttemptControl } from "../../../src/schedulers/local/attempt.js";
import { ProcessRunner } from "../../../src/schedulers/local/process-runner.js";
import type { Invocation } from "../../../src/contract/scheduler.js";
import type { CommandResult } from "../../../src/schedulers/slurm/commands.js";
import { SlurmScheduler } from "../../../src/schedulers/slurm/slurm-scheduler.js";
import { toWire } from "../../../src/schedulers/wire.js";
import type { AttemptOutcome } from "../../../src/schedulers/worker/decode.js";
import { STDERR_TAIL_CHARS } from "../../../src/schedulers/worker/failure.js";
import { OUTCOME_MARKER, WORKER_PROTOCOL } from "../../../src/schedulers/worker/protocol.js";

const resources: ResolvedResources = { cpu: 1, memoryGiB: 1, gpu: 0, source: { kind: "custom", dynamic: [], overridden: [] }, clamped: [] };
const invocation: Invocation<unknown> = {
  taskName: "align",
  resources,
  args: [],
  attempt: 1,
  timeoutSeconds: undefined,
  signal: undefined,
  task: { module: "file:///project/tasks.js", name: "align", index: 0 },
  execute: () => Promise.reject(new Error("runs in a worker")),
};

/** A log long enough to be cut: every scheduler keeps the same last STDERR_TAIL_CHARS. */
const STDERR = `${"x".repeat(3 * STDERR_TAIL_CHARS)}\nlast line\n`;

interface How {
  /** The worker was killed (by the OOM killer) after its last report. */
  readonly killed?: boolean;
}

interface Decoder {
  readonly name: string;
  decode(reports: readonly unknown[], how?: How): Promise<AttemptOutcome>;
}

/** Process isolation: a stand-in worker entry sends the reports over the real IPC channel. */
const processIsolation: Decoder = {
  name: "process isolation",
  async decode(reports, how = {}) {
    const saved = { ...process.env };
    Object.assign(process.env, {
      TASKFIT_WORKER_ENTRY: fileURLToPath(new URL("../../fixtures/canned-worker.mjs", import.meta.url)),
      CANNED_REPORTS: JSON.stringify(reports),
      CANNED_STDERR: STDERR,
      CANNED_KILL: how.killed ? "1" : "",
    });
    try {
      const runner = new ProcessRunner(tmpdir());
      // The child's stderr is echoed: keep this test's output readable.
      const write = process.stderr.write;
      process.stderr.write = () => true;
      try {
        return await runner.attempt(invocation, [], new AttemptControl(invocation, [], {}));
      } finally {
        process.stderr.write = write;
      }
    } finally {
      for (const key of ["TASKFIT_WORKER_ENTRY", "CANNED_REPORTS", "CANNED_STDERR", "CANNED_KILL"]) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
  },
};

let workDir: string;
beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "taskfit-decoders-"));
});
afterAll(() => rm(workDir, { recursive: true, force: true }));

const NODES = JSON.stringify({ nodes: [{ name: "n1", cpus: 4, real_memory: 8192, temporary_disk: 1000, gres: "", partitions: ["debug"], state: "idle" }] });

/** Slurm: a stand-in Slurm whose job leaves the last report in its outcome file and the log in its error file. */
const slurm: Decoder = {
  name: "Slurm",
  async decode(reports, how = {}) {
    const last = reports.at(-1) as { kind?: string } | undefined;
    const state = how.killed ? "OUT_OF_MEMORY" : last?.kind === "result" ? "COMPLETED" : "FAILED";
    const run = async (command: string, args: readonly string[]): Promise<CommandResult> => {
      if (command === "sinfo") return { code: 0, stdout: NODES, stderr: "" };
      if (command === "sbatch") {
        const file = (flag: string) => (args.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1) ?? args[args.indexOf(flag) + 1]) as string;
        await writeFile(file("--outcome"), JSON.stringify(last));
        await writeFile(file("--error").replace("%j", "7"), STDERR);
        return { code: 0, stdout: "7\n", stderr: "" };
      }
      if (command === "squeue") return { code: 0, stdout: `7|${state}|None|${state === "FAILED" ? 256 : 0}\n`, stderr: "" };
      throw new Error(`unexpected command ${command}`);
    };
    const scheduler = new SlurmScheduler({ workDir, pollIntervalMs: 10, runCommand: run });
    let usage: MeasuredUsage | undefined;
    scheduler.on("finished", (event) => (usage = event.usage));
    try {
      return { ok: true, value: await scheduler.run(invocation), usage };
    } catch (error) {
      return { ok: false, error: error as Error, usage };
    }
  },
};

/** Kubernetes: the pod's log holds the reports as marked lines after the task's output. */
const kubernetes: Decoder = {
  name: "Kubernetes",
  async decode(reports, how = {}) {
    const last = reports.at(-1) as { kind?: string } | undefined;
    const log = `${STDERR}${reports.map((r) => `\n${OUTCOME_MARKER}${JSON.stringify(r)}\n`).join("")}`;
    const terminated = how.killed
      ? { exitCode: 137, reason: "OOMKilled" }
      : last?.kind === "result"
        ? { exitCode: 0, reason: "Completed" }
        : { exitCode: 1, reason: "Error" };
    const phase = terminated.exitCode === 0 ? "Succeeded" : "Failed";
    const job = { status: phase === "Succeeded" ? { conditions: [{ type: "Complete", status: "True" }] } : { conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded" }] } };
    const pod = { metadata: { name: "align-1a2b-xk2p9" }, status: { phase, containerStatuses: [{ state: { terminated } }] } };
    const call = { task: "align", label: undefined, attempt: 1, memoryGiB: 1, timeoutSeconds: undefined, job: "align-1a2b", namespace: "bio" };
    return settleEnd(jobEnd(job, [pod]), log, call) as AttemptOutcome;
  },
};

const DECODERS = [processIsolation, slurm, kubernetes];

const usage: MeasuredUsage = { peakMemoryGiB: 0.75, cpuSeconds: 12.5, wallSeconds: 30, method: "resident memory of the process tree summed from /proc every 200 ms" };
const answer = (error: Record<string, unknown>) => ({ protocol: WORKER_PROTOCOL, kind: "error", error, usage });

const CASES = [
  {
    what: "a task that threw OutOfMemoryError",
    error: { name: "OutOfMemoryError", code: "OUT_OF_MEMORY", message: "Task `align` ran out of memory with 1 GiB requested: bwa was OOM-killed" },
    Class: OutOfMemoryError,
  },
  {
    what: "a worker that found no task",
    error: { name: "TaskNotFoundError", code: "TASK_NOT_FOUND", message: "Expected module file:///project/tasks.js to define task `align`; tasks found there: none" },
    Class: TaskExecutionError,
  },
  {
    what: "a result JSON would lose",
    error: { name: "SerializationError", code: "NOT_SERIALIZABLE", message: "Expected every result of a task run in another process to be JSON data, got `[function f]` (function) at `result.f`" },
    Class: TaskExecutionError,
  },
  {
    what: "a plain error",
    error: { name: "RangeError", message: "corrupt BAM", stack: "RangeError: corrupt BAM\n    at align (file:///project/tasks.js:3:9)" },
    Class: TaskExecutionError,
  },
] as const;

describe.each(DECODERS)("$name decodes a worker's answer", (decoder) => {
  it.each(CASES)("$what: the same error class, the task's error as cause, one stderr tail size, the usage", async ({ error, Class }) => {
    const outcome = await decoder.decode([answer(error)]);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error).toBeInstanceOf(Class);
    expect(outcome.error.cause).toBeInstanceOf(Error);
    expect(outcome.error.cause).toMatchObject({ name: error.name, message: error.message, ...("code" in error && { code: error.code }) });
    const tail = (outcome.error as TaskExecutionError | OutOfMemoryError).stderrTail;
    expect(tail).toHaveLength(STDERR_TAIL_CHARS);
    expect(tail?.endsWith("last line")).toBe(true);
    expect(outcome.usage).toEqual(usage);
  });

  it("a result: the value and the usage", async () => {
    const outcome = await decoder.decode([{ protocol: WORKER_PROTOCOL, kind: "result", value: toWire({ reads: 42 }, "align", "result", "result"), usage }]);
    expect(outcome).toEqual({ ok: true, value: { reads: 42 }, usage });
  });

  it("a worker killed by the kernel after a running report: out of memory, with what it had reached", async () => {
    const outcome = await decoder.decode([{ protocol: WORKER_PROTOCOL, kind: "running", usage }], { killed: true });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error).toBeInstanceOf(OutOfMemoryError);
    expect(outcome.usage).toEqual({ ...usage, method: `${usage.method}; as last reported before the worker ended without answering` });
  });

  it("a worker of another protocol version: a WorkerProtocolError naming both versions, with the worker's own words", async () => {
    const theirs = { name: "WorkerProtocolError", code: "WORKER_PROTOCOL_MISMATCH", message: "Expected a worker request in taskfit's worker protocol 2, got protocol `1` (number) ..." };
    const outcome = await decoder.decode([{ protocol: 2, kind: "error", error: theirs }]);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error).toBeInstanceOf(WorkerProtocolError);
    expect(outcome.error).toMatchObject({ code: "WORKER_PROTOCOL_MISMATCH", expected: WORKER_PROTOCOL, received: 2 });
    expect(outcome.error.message).toMatch(new RegExp(`worker protocol ${WORKER_PROTOCOL}, got protocol \`2\``));
    expect(outcome.error.cause).toMatchObject({ message: theirs.message });
  });

  it("a worker from before protocol versions: the same error, saying it carried none", async () => {
    const outcome = await decoder.decode([{ kind: "result", value: '{"value":1}' }]);
    expect(outcome.ok === false && outcome.error).toBeInstanceOf(WorkerProtocolError);
    expect(outcome.ok === false && outcome.error.message).toMatch(/no protocol version/);
  });

  it("a report of this version that does not fit it: a WorkerProtocolError saying what", async () => {
    const outcome = await decoder.decode([{ protocol: WORKER_PROTOCOL, kind: "error", error: { name: "Error" } }]);
    expect(outcome.ok === false && outcome.error).toBeInstanceOf(TaskfitError);
    expect(outcome.ok === false && outcome.error.message).toMatch(/does not fit it: .*message/s);
  });
});
