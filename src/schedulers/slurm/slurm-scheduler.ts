/**
 * SlurmScheduler: each call becomes one batch job whose sbatch request is the task's resources.
 * The job runs the worker entry under Node on the compute node; arguments and the outcome travel
 * as files in `workDir` (mode 0600), never on a command line. One poller per scheduler asks
 * `squeue --jobs=<ids>` about the jobs in flight and settles each call from its final state.
 */
import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  OutOfMemoryError,
  ConfigurationError,
  type Shortfall,
  SubmissionError,
  TaskCancelledError,
  TaskExecutionError,
  TaskTimeoutError,
  UnschedulableError,
} from "../../errors.js";
import type { AttemptEnd, AttemptEvents, Capacity, Invocation, Plan, PlannedCall, Scheduler, TaskLimit } from "../../contract/scheduler.js";
import { commandLine } from "../../process/quote.js";
import type { ResolvedResources } from "../../resources/spec.js";
import { onAbort as onAbortOf } from "../../contract/abort.js";
import { type Clock, systemClock } from "../../contract/clock.js";
import { type AttemptOutcome, decodeOutcome, type LastReport, lastReport, reportedUsage } from "../worker/decode.js";
import { reviveWorkerError, stderrTail, STDERR_TAIL_CHARS, workerFailure } from "../worker/failure.js";
import { isOutcome, type MeasuredUsage } from "../worker/protocol.js";
import { parseReport } from "../worker/read.js";
import { importableModule, workerRequest } from "../worker/request.js";
import { diedOfMemory, WORKER_MEMORY_NOTE, workerEntry, workerNodeArgs } from "../worker-command.js";
import { type RunCommand, runCommand } from "./commands.js";
import { JOB_SCRIPT, jobName, sbatchOptions } from "./sbatch.js";
import { type JobState, type NodeInfo, parseJobLines, parseNodes, SQUEUE_FORMAT, TERMINAL_STATES } from "./slurm-state.js";

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
  /** How long node sizes from `sinfo` are trusted. @default 30000 */
  readonly nodeCacheMs?: number;
  /** Runs Slurm's commands; a stand-in for unit tests. @default execFile */
  readonly runCommand?: RunCommand;
  /** The clock of its events and of the node cache. @default the system clock */
  readonly clock?: Clock;
}

interface InFlight {
  readonly jobId: string;
  readonly invocation: Invocation<unknown>;
  readonly files: JobFiles;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly onAbort: (() => void) | undefined;
  unsubscribe?: () => void;
  /** Polls in a row in which Slurm did not list the job. */
  missing: number;
  /** A poll has seen it RUNNING. */
  running: boolean;
}

interface JobFiles {
  readonly request: string;
  readonly outcome: string;
  readonly output: string;
  readonly error: string;
}

/** Job ids per squeue call: keeps the argv short however many calls are in flight. */
const SQUEUE_BATCH = 500;

export class SlurmScheduler extends EventEmitter<AttemptEvents> implements Scheduler {
  readonly name = "Slurm";
  readonly clock: Clock;
  private readonly workDir: string;
  private readonly options: SlurmSchedulerOptions;
  private readonly exec: RunCommand;
  private readonly inFlight = new Map<string, InFlight>();
  private nodes: { readonly at: number; readonly list: Promise<readonly NodeInfo[]> } | undefined;
  private knownNodes: readonly NodeInfo[] = [];
  private poller: NodeJS.Timeout | undefined;
  private polling = false;
  private scriptReady: Promise<string> | undefined;

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
    this.options = options;
    this.workDir = resolve(options.workDir);
    this.exec = options.runCommand ?? runCommand;
    this.clock = options.clock ?? systemClock;
  }

  /** The largest node seen, once `sinfo` has been read: escalation stops at it. */
  get taskLimit(): TaskLimit | undefined {
    const largest = this.knownNodes.reduce<NodeInfo | undefined>((a, b) => (a === undefined || b.memoryMiB > a.memoryMiB ? b : a), undefined);
    return largest && { cpu: largest.cpus, memoryGiB: largest.memoryMiB / 1024, storageGiB: largest.tmpDiskMiB / 1024 };
  }

  /** What the cluster holds in all, from `sinfo`: for progress displays and run reports. */
  async capacity(): Promise<Capacity> {
    const nodes = await this.nodeList("(cluster capacity)");
    const sum = (of: (n: NodeInfo) => number) => nodes.reduce((total, n) => total + of(n), 0);
    return { cpu: sum((n) => n.cpus), memoryGiB: sum((n) => n.memoryMiB) / 1024, gpus: sum((n) => n.gpus.get("") ?? 0), nodes: nodes.length, sources: {} };
  }

  /**
   * The sbatch command a call would run, without submitting it (for review and `taskfit plan`):
   * `data` is its argv. File names are placeholders until a real submission.
   */
  async plan(call: PlannedCall): Promise<Plan> {
    const argv = ["sbatch", ...this.sbatchArgv(call, this.filesFor("<id>", call.taskName, call.label, call.attempt))];
    return { text: commandLine(argv), data: argv, notes: [WORKER_MEMORY_NOTE] };
  }

  private sbatchArgv(invocation: PlannedCall, files: JobFiles): string[] {
    const entry = this.options.entry ?? workerEntry();
    const options = sbatchOptions(invocation.resources, {
      jobName: jobName(invocation.taskName, invocation.label),
      timeoutSeconds: invocation.timeoutSeconds,
      partition: this.options.partition,
      account: this.options.account,
      output: files.output,
      error: files.error,
      chdir: process.cwd(),
      extraArgs: this.options.extraArgs ?? [],
    });
    return [
      ...options,
      join(this.workDir, "taskfit-job.sh"),
      this.options.node ?? process.execPath,
      ...workerNodeArgs(entry, importableModule(invocation.taskName, invocation.task), invocation.resources.memoryGiB),
      entry,
      "--request",
      files.request,
      "--outcome",
      files.outcome,
    ];
  }

  async run<R>(invocation: Invocation<R>): Promise<R> {
    const { taskName, signal } = invocation;
    if (signal?.aborted) throw new TaskCancelledError({ task: taskName, reason: signal.reason });
    await this.checkFits(taskName, invocation.resources);
    const patterns = this.filesFor(`${Date.now().toString(36)}-${randomBytes(6).toString("hex")}`, taskName, invocation.label, invocation.attempt);
    const request = workerRequest(invocation, invocation.resources, []);
    try {
      await this.jobScript();
      await writeFile(patterns.request, JSON.stringify(request), { mode: 0o600 });
    } catch (cause) {
      this.scriptReady = undefined;
      throw new SubmissionError({ task: taskName, scheduler: this.name, detail: `could not write the job's files in workDir ${this.workDir}: ${(cause as Error).message}`, cause });
    }
    const submitted = await this.exec("sbatch", this.sbatchArgv(invocation, patterns));
    if (submitted.code !== 0) {
      await this.removeFiles(patterns, true);
      throw new SubmissionError({ task: taskName, scheduler: this.name, detail: submitted.stderr.trim() || `sbatch exited with ${submitted.code}` });
    }
    const jobId = submitted.stdout.trim().split(";")[0] as string;
    const files = withJobId(patterns, jobId);
    this.emit("queued", { id: jobId, task: taskName, label: invocation.label, attempt: invocation.attempt, at: this.clock.now(), resources: invocation.resources });
    return new Promise<R>((resolvePromise, reject) => {
      const onAbort =
        signal === undefined
          ? undefined
          : () => {
              // Settled once scancel has returned: a cancelled call has no job left behind, even
              // when the process exits right after (as the taskfit command does on Ctrl-C).
              void this.exec("scancel", [jobId]).then(() => {
                const error = new TaskCancelledError({ task: taskName, reason: signal.reason });
                const entry = this.inFlight.get(jobId);
                if (entry !== undefined) this.finished(entry, "cancelled", error);
                this.settle(jobId, error);
              });
            };
      this.inFlight.set(jobId, {
        jobId,
        invocation: invocation as Invocation<unknown>,
        files,
        resolve: resolvePromise as (value: unknown) => void,
        reject,
        onAbort,
        missing: 0,
        running: false,
      });
      const entry = this.inFlight.get(jobId) as InFlight;
      if (onAbort !== undefined && signal !== undefined) entry.unsubscribe = onAbortOf(signal, onAbort);
      this.startPolling();
      // Aborted while sbatch ran: no listener saw it, so cancel the job that was just submitted.
      if (signal?.aborted) onAbort?.();
    });
  }

  /**
   * The job's files. The logs are named after the call and the job (`align-s3-attempt2-%j.err`,
   * Slurm puts the job id for `%j`), so a person finds them by what failed; the request and
   * outcome files are taskfit's own.
   */
  private filesFor(id: string, task: string, label: string | undefined, attempt: number): JobFiles {
    const base = join(this.workDir, `taskfit-${id}`);
    const logs = join(this.workDir, `${jobName(task, label)}-attempt${attempt}-%j`);
    return { request: `${base}.request.json`, outcome: `${base}.outcome.json`, output: `${logs}.out`, error: `${logs}.err` };
  }

  private jobScript(): Promise<string> {
    // Made again when missing: workDir may have been deleted since (a cleanup, a tmp reaper).
    if (this.scriptReady !== undefined && !existsSync(join(this.workDir, "taskfit-job.sh"))) this.scriptReady = undefined;
    this.scriptReady ??= (async () => {
      await mkdir(this.workDir, { recursive: true, mode: 0o700 });
      const path = join(this.workDir, "taskfit-job.sh");
      await writeFile(path, JOB_SCRIPT, { mode: 0o700 });
      await chmod(path, 0o700);
      return path;
    })();
    return this.scriptReady;
  }

  /** A request no node can ever hold is refused now, not left pending forever. */
  private async checkFits(task: string, resources: ResolvedResources): Promise<void> {
    const nodes = await this.nodeList(task);
    const candidates = this.options.partition === undefined ? nodes : nodes.filter((n) => n.partitions.includes(this.options.partition as string));
    const want = {
      cpu: Math.ceil(resources.cpu - 1e-9),
      memoryMiB: Math.ceil(resources.memoryGiB * 1024 - 1e-9),
      tmpMiB: resources.storageGiB === undefined ? 0 : Math.ceil(resources.storageGiB * 1024 - 1e-9),
      gpus: resources.gpu,
      type: resources.gpuType ?? "",
    };
    const fits = (n: NodeInfo) =>
      n.cpus >= want.cpu && n.memoryMiB >= want.memoryMiB && n.tmpDiskMiB >= want.tmpMiB && (n.gpus.get(want.type) ?? 0) >= want.gpus;
    if (candidates.some(fits)) return;
    const most = (pick: (n: NodeInfo) => number) => Math.max(0, ...candidates.map(pick));
    const shortfalls: Shortfall[] = [];
    if (most((n) => n.cpus) < want.cpu) shortfalls.push({ field: "cpu", requested: want.cpu, available: most((n) => n.cpus) });
    if (most((n) => n.memoryMiB) < want.memoryMiB) {
      shortfalls.push({ field: "memory (MiB)", requested: want.memoryMiB, available: most((n) => n.memoryMiB) });
    }
    if (most((n) => n.tmpDiskMiB) < want.tmpMiB) shortfalls.push({ field: "tmp disk (MiB)", requested: want.tmpMiB, available: most((n) => n.tmpDiskMiB) });
    const gpuField = want.type === "" ? "gpu" : `gpu (type ${want.type})`;
    if (most((n) => n.gpus.get(want.type) ?? 0) < want.gpus) {
      shortfalls.push({ field: gpuField, requested: want.gpus, available: most((n) => n.gpus.get(want.type) ?? 0) });
    }
    if (shortfalls.length === 0) shortfalls.push({ field: "one node with all of it", requested: JSON.stringify(want), available: "none" });
    const where = this.options.partition === undefined ? "Slurm" : `Slurm partition ${this.options.partition}`;
    throw new UnschedulableError({ task, scheduler: where, shortfalls });
  }

  /** Node sizes from `sinfo --json`, read once per `nodeCacheMs` however many calls ask at once. */
  private nodeList(task: string): Promise<readonly NodeInfo[]> {
    const maxAge = this.options.nodeCacheMs ?? 30_000;
    if (this.nodes !== undefined && this.clock.now() - this.nodes.at < maxAge) return this.nodes.list;
    const list = this.exec("sinfo", ["--json"]).then((result) => {
      if (result.code !== 0) {
        this.nodes = undefined;
        throw new SubmissionError({ task, scheduler: this.name, detail: `sinfo --json failed: ${result.stderr.trim()}` });
      }
      this.knownNodes = parseNodes(result.stdout);
      return this.knownNodes;
    });
    this.nodes = { at: this.clock.now(), list };
    return list;
  }

  private startPolling(): void {
    if (this.poller !== undefined) return;
    this.poller = setInterval(() => void this.poll(), this.options.pollIntervalMs ?? 500);
  }

  /** No job left to follow: the interval goes, so nothing keeps the process alive. */
  private stopPollingWhenIdle(): void {
    if (this.inFlight.size > 0 || this.polling || this.poller === undefined) return;
    clearInterval(this.poller);
    this.poller = undefined;
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    if (this.inFlight.size === 0) return this.stopPollingWhenIdle();
    this.polling = true;
    try {
      const ids = [...this.inFlight.keys()];
      const states = await this.jobStates(ids);
      // slurmctld may be restarting: keep the jobs and ask again next time.
      if (states === undefined) return;
      for (const id of ids) {
        const job = states.get(id);
        const entry = this.inFlight.get(id);
        if (entry === undefined) continue;
        if (job === undefined) await this.missingJob(entry);
        else if (TERMINAL_STATES.has(job.state)) await this.finish(entry, job);
        else if (job.state === "RUNNING" && !entry.running) {
          this.started(entry);
        }
      }
    } finally {
      this.polling = false;
      this.stopPollingWhenIdle();
    }
  }

  /**
   * The states of these jobs only (`squeue --jobs`), so a poll costs what is in flight, not what
   * the controller remembers; undefined when Slurm did not answer. A job it no longer knows is
   * absent from the map.
   */
  private async jobStates(ids: readonly string[]): Promise<Map<string, JobState> | undefined> {
    const states = new Map<string, JobState>();
    for (let i = 0; i < ids.length; i += SQUEUE_BATCH) {
      const batch = ids.slice(i, i + SQUEUE_BATCH);
      const result = await this.exec("squeue", ["--noheader", "--states=all", `--jobs=${batch.join(",")}`, `--Format=${SQUEUE_FORMAT}`]);
      // squeue fails this way only when it knows none of the ids: all of them are gone.
      if (result.code !== 0 && /Invalid job id/i.test(result.stderr)) continue;
      if (result.code !== 0) return undefined;
      for (const job of parseJobLines(result.stdout)) states.set(job.jobId, job);
    }
    return states;
  }

  /** Slurm no longer lists the job (purged, or an id it lost): the worker's answer in the outcome file still tells. */
  private async missingJob(entry: InFlight): Promise<void> {
    const { report } = await readOutcome(entry.files.outcome, `Slurm job ${entry.jobId}`);
    if (isOutcome(report)) return this.finish(entry, { jobId: entry.jobId, state: report.kind === "result" ? "COMPLETED" : "FAILED", exitCode: undefined, signal: undefined, reason: undefined });
    entry.missing++;
    if (entry.missing >= 20) {
      const error = new TaskExecutionError({ task: entry.invocation.taskName, attempt: entry.invocation.attempt, jobId: entry.jobId, message: "Slurm no longer knows the job and it left no outcome" });
      this.finished(entry, "error", error);
      await this.settle(entry.jobId, error);
    }
  }

  private async finish(entry: InFlight, job: JobState): Promise<void> {
    const outcome = await this.outcome(entry, job);
    const error = outcome.ok ? undefined : outcome.error;
    // A job that ran and ended between two polls was never seen running: it started all the same.
    if (!(error instanceof TaskCancelledError)) this.started(entry);
    this.finished(entry, error === undefined ? "ok" : error instanceof TaskCancelledError ? "cancelled" : "error", error, outcome.usage);
    if (outcome.ok) return this.settle(job.jobId, undefined, outcome.value);
    this.settle(job.jobId, outcome.error);
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

  private started(entry: InFlight): void {
    if (entry.running) return;
    entry.running = true;
    const { invocation } = entry;
    this.emit("started", { id: entry.jobId, task: invocation.taskName, label: invocation.label, attempt: invocation.attempt, at: this.clock.now() });
  }

  private finished(entry: InFlight, end: AttemptEnd, error: unknown, usage?: MeasuredUsage): void {
    const { invocation } = entry;
    this.emit("finished", { id: entry.jobId, task: invocation.taskName, label: invocation.label, attempt: invocation.attempt, at: this.clock.now(), end, error, usage });
  }

  /**
   * Settles a call once: later polls or aborts find nothing to do. The job's files are removed
   * before the call settles, so a program that exits right after leaves none behind.
   */
  private async settle(jobId: string, error: unknown, value?: unknown): Promise<void> {
    const entry = this.inFlight.get(jobId);
    if (entry === undefined) return;
    this.inFlight.delete(jobId);
    // A call settled outside a poll (cancelled) must not leave the interval running.
    this.stopPollingWhenIdle();
    entry.unsubscribe?.();
    await this.removeFiles(entry.files, error === undefined).catch(() => undefined);
    if (error === undefined) entry.resolve(value);
    else entry.reject(error);
  }

  /** Job files go once read; the logs of a failed job stay for whoever debugs it. */
  private async removeFiles(files: JobFiles, logsToo: boolean): Promise<void> {
    const paths = logsToo ? Object.values(files) : [files.request, files.outcome];
    await Promise.all(paths.map((path) => rm(path, { force: true })));
  }
}

/** The log paths as Slurm wrote them, once the job id is known. */
function withJobId(files: JobFiles, jobId: string): JobFiles {
  return { ...files, output: files.output.replace("%j", jobId), error: files.error.replace("%j", jobId) };
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
