/**
 * SlurmScheduler: each call becomes one batch job whose sbatch request is the task's resources;
 * calls of the same shape made together become the elements of one job array. The job runs the
 * worker entry under Node on the compute node; arguments and the outcome travel as files in
 * `workDir` (mode 0600), never on a command line. One poller per scheduler asks
 * `squeue --jobs=<ids>` about the jobs in flight and settles each call from its final state.
 * The parts: array-batch.ts and submit.ts (gathering calls, sbatch), sbatch.ts (the argv),
 * job-files.ts (the files), nodes.ts and fit.ts (sinfo, the fit check), squeue.ts and
 * slurm-state.ts (the poll's question and its answers), scancel.ts; the shared poller and attempt
 * lifecycle are in ../cluster/.
 */
import { EventEmitter } from "node:events";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import {
  OutOfMemoryError,
  ConfigurationError,
  TaskCancelledError,
  TaskExecutionError,
  TaskTimeoutError,
} from "../../errors.js";
import type { AttemptEvents, Capacity, Invocation, Plan, PlannedCall, Scheduler, TaskLimit } from "../../contract/scheduler.js";
import { commandLine } from "../../process/quote.js";
import type { Clock } from "../../contract/clock.js";
import { type AttemptProgress, followJob } from "../cluster/followed-job.js";
import { keepAliveClock } from "../cluster/keep-alive-clock.js";
import { JobPoller, type Sighting } from "../cluster/poller.js";
import { type AttemptOutcome, decodeOutcome, type LastReport, lastReport, reportedUsage } from "../worker/decode.js";
import { reviveWorkerError, stderrTail, STDERR_TAIL_CHARS, workerFailure } from "../worker/failure.js";
import { isOutcome } from "../worker/protocol.js";
import { parseReport } from "../worker/read.js";
import { workerRequest } from "../worker/request.js";
import { diedOfMemory, WORKER_MEMORY_NOTE } from "../worker-command.js";
import { SubmissionBatcher } from "./array-batch.js";
import { type RunCommand, runCommand } from "./commands.js";
import { checkFits } from "./fit.js";
import { type JobFiles, jobFiles, JobScript, removeJobFiles } from "./job-files.js";
import { SlurmNodes } from "./nodes.js";
import { jobName, sbatchArgv, type SubmitSettings } from "./sbatch.js";
import { Canceller } from "./scancel.js";
import { type JobState, TERMINAL_STATES } from "./slurm-state.js";
import { jobStates } from "./squeue.js";
import { type CallToSubmit, type SubmittedCall, Submitter } from "./submit.js";

export interface SlurmSchedulerOptions {
  /** A directory the submit host and the compute nodes share: job files and logs go here. */
  readonly workDir: string;
  readonly partition?: string;
  readonly account?: string;
  /** The worker entry the job runs. @default taskfit's own (dist/worker.js, or src/schedulers/worker.ts from source) */
  readonly entry?: string;
  /** The Node binary on the compute nodes. @default process.execPath */
  readonly node?: string;
  /** More sbatch options, as argv entries (e.g. ["--qos=long"]). */
  readonly extraArgs?: readonly string[];
  /** How often the jobs in flight are polled. @default 500 */
  readonly pollIntervalMs?: number;
  /**
   * unit: ms on the clock; calls of the same shape (the same sbatch request and worker command)
   * made within this window of the first go to Slurm together, as one job array. 0: only calls
   * made in the same turn of the event loop (e.g. one `Promise.all`). @default 20
   */
  readonly arrayWindowMs?: number;
  /**
   * The most calls one job array holds: at most the cluster's MaxArraySize (`scontrol show config`;
   * Slurm's default 1001 allows 1001). 1 submits every call as a job of its own. @default 1000
   */
  readonly arrayMaxSize?: number;
  /** How long node sizes from `sinfo` are trusted. @default 30000 */
  readonly nodeCacheMs?: number;
  /** Runs Slurm's commands; a stand-in for unit tests. @default execFile */
  readonly runCommand?: RunCommand;
  /**
   * The clock of its polls, events and node cache. @default the system clock, its timers keeping
   * the process alive while jobs run
   */
  readonly clock?: Clock;
}

/** One submitted job, as its watch needs it. */
interface InFlight {
  readonly jobId: string;
  readonly invocation: Invocation<unknown>;
  readonly files: JobFiles;
  readonly progress: AttemptProgress;
}

export class SlurmScheduler extends EventEmitter<AttemptEvents> implements Scheduler {
  readonly name = "Slurm";
  readonly clock: Clock;
  private readonly workDir: string;
  private readonly options: SlurmSchedulerOptions;
  private readonly exec: RunCommand;
  private readonly nodes: SlurmNodes;
  private readonly poller: JobPoller<JobState>;
  private readonly batcher: SubmissionBatcher<CallToSubmit, SubmittedCall>;
  private readonly submitter: Submitter;
  private readonly canceller: Canceller;

  constructor(options: SlurmSchedulerOptions) {
    super();
    if (typeof options?.workDir !== "string" || options.workDir.length === 0) {
      throw new ConfigurationError({ field: "workDir", value: options?.workDir, expected: "a shared directory path for job files (workDir)" });
    }
    const extra = options.extraArgs ?? [];
    if (!Array.isArray(extra) || extra.some((a) => typeof a !== "string")) {
      throw new ConfigurationError({ field: "extraArgs", value: extra, expected: "an array of sbatch arguments as strings" });
    }
    const poll = options.pollIntervalMs ?? 500;
    if (!Number.isFinite(poll) || poll < 10) {
      throw new ConfigurationError({ field: "pollIntervalMs", value: poll, expected: "a number of milliseconds from 10 up" });
    }
    const windowMs = options.arrayWindowMs ?? 20;
    if (!Number.isFinite(windowMs) || windowMs < 0) {
      throw new ConfigurationError({ field: "arrayWindowMs", value: windowMs, expected: "a number of milliseconds from 0 up" });
    }
    const maxSize = options.arrayMaxSize ?? 1000;
    if (!Number.isInteger(maxSize) || maxSize < 1) {
      throw new ConfigurationError({ field: "arrayMaxSize", value: maxSize, expected: "a whole number of calls from 1 up" });
    }
    this.options = options;
    this.workDir = resolve(options.workDir);
    this.exec = options.runCommand ?? runCommand;
    this.clock = options.clock ?? keepAliveClock;
    this.nodes = new SlurmNodes(this.exec, this.clock, options.nodeCacheMs ?? 30_000);
    this.poller = new JobPoller({ query: (ids) => jobStates(this.exec, ids), intervalMs: poll, clock: this.clock });
    this.submitter = new Submitter(this.exec, new JobScript(this.workDir), () => this.settings());
    this.batcher = new SubmissionBatcher({
      clock: this.clock,
      windowMs,
      maxSize,
      submit: (calls) => this.submitter.submit(calls),
      withdrawn: ({ invocation }, signal) => new TaskCancelledError({ task: invocation.taskName, reason: signal.reason }),
    });
    this.canceller = new Canceller(this.exec);
  }

  /** The largest node seen, once `sinfo` has been read: escalation stops at it. */
  get taskLimit(): TaskLimit | undefined {
    return this.nodes.taskLimit;
  }

  /** What the cluster holds in all, from `sinfo`: for progress displays and run reports. */
  capacity(): Promise<Capacity> {
    return this.nodes.capacity();
  }

  /**
   * The sbatch command a call would run, without submitting it (for review and `taskfit plan`):
   * `data` is its argv. File names are placeholders until a real submission.
   */
  async plan(call: PlannedCall): Promise<Plan> {
    const argv = ["sbatch", ...sbatchArgv(call, this.filesFor(call, "<id>"), this.settings())];
    return { text: commandLine(argv), data: argv, notes: [WORKER_MEMORY_NOTE] };
  }

  private settings(): SubmitSettings {
    const { entry, node, partition, account, extraArgs = [] } = this.options;
    return { workDir: this.workDir, entry, node, partition, account, extraArgs };
  }

  private filesFor(call: PlannedCall, id: string): JobFiles {
    return jobFiles(this.workDir, id, jobName(call.taskName, call.label), call.attempt);
  }

  async run<R>(invocation: Invocation<R>): Promise<R> {
    const { taskName, signal } = invocation;
    if (signal?.aborted) throw new TaskCancelledError({ task: taskName, reason: signal.reason });
    checkFits(taskName, invocation.resources, await this.nodes.list(taskName), this.options.partition);
    const request = workerRequest(invocation, invocation.resources, []);
    const { jobId, files } = await this.batcher.add(this.submitter.shapeOf(invocation), { invocation, request }, signal);
    const followed = followJob<JobState>({
      id: jobId,
      invocation,
      events: this,
      clock: this.clock,
      poller: this.poller,
      cancel: () => this.canceller.cancel(jobId),
      watch: (sighting, progress) => this.watch({ jobId, invocation, files, progress }, sighting),
      // Before the call settles, so a program that exits right after leaves no job files behind.
      release: (error) => removeJobFiles(files, error === undefined),
    });
    return followed as Promise<R>;
  }

  /** One poll's news of a job: its start, why it waits, its end; or that Slurm no longer lists it. */
  private async watch(entry: InFlight, sighting: Sighting<JobState>): Promise<void> {
    if (sighting.kind === "missing") return this.missingJob(entry, sighting.gone);
    const job = sighting.status;
    if (TERMINAL_STATES.has(job.state)) return this.finish(entry, job);
    if (job.state === "RUNNING") entry.progress.started(job.where);
    // "None" until the scheduler has looked at it; then Priority, Resources, a QOS limit, ...
    else if (job.state === "PENDING" && job.reason !== undefined && job.reason !== "None") entry.progress.waiting(job.reason);
  }

  /** Slurm no longer lists the job (purged, or an id it lost): the worker's answer in the outcome file still tells. */
  private async missingJob(entry: InFlight, gone: boolean): Promise<void> {
    const { report } = await readOutcome(entry.files.outcome, `Slurm job ${entry.jobId}`);
    if (isOutcome(report)) return this.finish(entry, { jobId: entry.jobId, state: report.kind === "result" ? "COMPLETED" : "FAILED", exitCode: undefined, signal: undefined, reason: undefined });
    if (gone) {
      // Slurm keeps no record of an element of a job array cancelled before it started.
      const element = entry.jobId.includes("_") ? " (an element of a job array scancel'ed while pending leaves no record)" : "";
      const message = `Slurm no longer knows the job and it left no outcome${element}`;
      const error = new TaskExecutionError({ task: entry.invocation.taskName, attempt: entry.invocation.attempt, jobId: entry.jobId, message });
      await entry.progress.settle(error);
    }
  }

  private async finish(entry: InFlight, job: JobState): Promise<void> {
    const outcome = await this.outcome(entry, job);
    const error = outcome.ok ? undefined : outcome.error;
    // A job that ran and ended between two polls was never seen running: it started all the same.
    if (!(error instanceof TaskCancelledError)) entry.progress.started(job.where);
    if (outcome.ok) return entry.progress.settle(undefined, outcome.value, outcome.usage);
    return entry.progress.settle(outcome.error, undefined, outcome.usage);
  }

  /** How the job ended: the worker's result, or a typed error (failure()); with the usage the worker reported. */
  private async outcome(entry: InFlight, job: JobState): Promise<AttemptOutcome> {
    const from = `Slurm job ${job.jobId}`;
    const last = await readOutcome(entry.files.outcome, from);
    if (last.report?.kind === "result") {
      return decodeOutcome(last.report, { task: entry.invocation.taskName, attempt: entry.invocation.attempt, memoryGiB: entry.invocation.resources.memoryGiB }, from);
    }
    return { ok: false, error: await this.failure(entry, job, last), usage: reportedUsage(last.report) };
  }

  /** The typed error for a job that left no result: a worker of another protocol, then Slurm's final state, then the worker's own error. */
  private async failure(entry: InFlight, job: JobState, last: LastReport): Promise<Error> {
    if (last.broken !== undefined) return last.broken;
    const { taskName: task, attempt, resources, timeoutSeconds } = entry.invocation;
    const stderr = await readTail(entry.files.error);
    const details = { label: entry.invocation.label, attempt, jobId: job.jobId, exitCode: job.exitCode, stderrTail: stderrTail(stderr), log: entry.files.error };
    const thrown = last.report?.kind === "error" ? last.report.error : undefined;
    const ended = `Slurm job ${job.jobId} ended ${job.state}`;
    const memoryKill = /exceeded memory limit|oom-kill|out of memory/i.test(stderr) || diedOfMemory(job.exitCode ?? null, null, stderr);
    if (job.state === "OUT_OF_MEMORY" || (thrown === undefined && memoryKill)) {
      return new OutOfMemoryError({ ...details, task, memoryGiB: resources.memoryGiB, detail: `${ended}${stderr.trim() ? `: ${lastLine(stderr)}` : ""}` });
    }
    // At its time limit Slurm sends SIGTERM first: a task that reacts to its abort signal leaves an
    // error outcome, and that is still a timeout, as on every other scheduler.
    if (job.state === "TIMEOUT" || job.state === "DEADLINE") {
      return new TaskTimeoutError({ ...details, task, timeoutSeconds: timeoutSeconds ?? 0, ...(thrown !== undefined && { cause: reviveWorkerError(thrown) }) });
    }
    if (thrown !== undefined) return workerFailure(thrown, { ...details, task, memoryGiB: resources.memoryGiB });
    if (job.state === "CANCELLED") return new TaskCancelledError({ task, reason: `Slurm job ${job.jobId} was cancelled` });
    return new TaskExecutionError({ ...details, task, message: `Slurm job ended ${job.state}${job.reason && job.reason !== "None" ? ` (${job.reason})` : ""}` });
  }
}

/** The worker's last report in its outcome file (none when the file is missing), or the protocol error reading it. */
async function readOutcome(path: string, from: string): Promise<LastReport> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return { report: undefined, broken: undefined };
  }
  return lastReport(() => parseReport(text, from));
}

/** The end of a log: room for `stderrTail` to cut the same tail as on every scheduler. */
async function readTail(path: string): Promise<string> {
  try {
    return (await readFile(path, "utf8")).slice(-2 * STDERR_TAIL_CHARS);
  } catch {
    return "";
  }
}

function lastLine(text: string): string {
  return text.trim().split("\n").at(-1) ?? "";
}
