/**
 * Records what a scheduler did in a run: one record per attempt (queued, started, finished, how it
 * ended). The progress display, the summary table and the HTML timeline are all drawn from it.
 * It listens to the attempt events of the scheduler contract, so it works the same for every
 * adapter: the LocalScheduler, Slurm, Kubernetes, or one of your own.
 */
import { describeClamping } from "../resources/limits.js";
import type { ResolvedResources } from "../resources/spec.js";
import { type Clock, systemClock } from "../contract/clock.js";
import type { MeasuredUsage, Scheduler } from "../contract/scheduler.js";
import { describeFailure, type FailureSummary } from "./failure.js";
import { type UsedSummary, usedSummary } from "./used.js";

export const AttemptOutcome = {
  Queued: "queued",
  Running: "running",
  Ok: "ok",
  Error: "error",
  /** Cancelled (the run failed or was interrupted), or still open when the run ended. */
  Cancelled: "cancelled",
} as const;
export type AttemptOutcome = (typeof AttemptOutcome)[keyof typeof AttemptOutcome];

export interface AttemptRecord {
  /** The scheduler's own id: a local sequence number, a Slurm job id, a Kubernetes Job name. */
  readonly id: string;
  readonly task: string;
  /** The call's label, when it has one. */
  readonly label: string | undefined;
  readonly attempt: number;
  readonly resources: ResolvedResources;
  /** GPU device indices (local runs), or empty. */
  gpus: readonly number[];
  /** Where it ran, when the scheduler says (a Kubernetes node). */
  where: string | undefined;
  /** unit: ms on the recorder's clock */
  readonly queuedAt: number;
  /** unit: ms; undefined until it starts (a cluster job that ended between two polls never reports a start). */
  startedAt: number | undefined;
  /** unit: ms */
  finishedAt: number | undefined;
  outcome: AttemptOutcome;
  /** How it failed, when the scheduler said (see failure.ts). */
  failure: FailureSummary | undefined;
  /** Why it waits to start, when the scheduler said (a pod's `ImagePullBackOff`); cleared when it starts. */
  waiting: string | undefined;
  /** What it used, when its worker measured it (out-of-process attempts). */
  usage: MeasuredUsage | undefined;
}

/** One row per task, or per task and label for labelled calls. */
export interface TaskSummary {
  readonly task: string;
  readonly label: string | undefined;
  readonly attempts: number;
  /** Attempts that failed of their own accord (an error, a timeout, out of memory). */
  readonly failed: number;
  /** Attempts stopped by cancellation: the run failed elsewhere or was interrupted. */
  readonly cancelled: number;
  /** unit: cores; min and max over the task's attempts (they differ for dynamic specs and escalation) */
  readonly cpu: readonly [number, number];
  /** unit: GiB */
  readonly memoryGiB: readonly [number, number];
  readonly gpu: number;
  /** Attempts whose request was clamped (to a custom-task limit, or to the machine under `oversize: "clamp"`). */
  readonly clamped: number;
  /** Each distinct clamping of the task, e.g. "cpu 64 -> 2 (to the machine)". */
  readonly clampings: readonly string[];
  /** unit: ms */
  readonly meanWait: number;
  /** unit: ms */
  readonly meanRun: number;
  /** What the attempts used against what they asked for, when their workers measured it. */
  readonly used: UsedSummary | undefined;
}

/** What a RunRecorder listens to: any scheduler's attempt events, and its clock. */
export type RecordableScheduler = Pick<Scheduler, "on" | "clock">;

export interface RunRecorderOptions {
  /** The clock of the run's end and of records made by hand. @default the scheduler's clock, else the system clock */
  readonly clock?: Clock;
}

const NO_GPUS: readonly number[] = Object.freeze([]);

export class RunRecorder {
  readonly attempts = new Map<string, AttemptRecord>();
  readonly clock: Clock;
  private readonly listeners: Array<(record: AttemptRecord) => void> = [];
  private readonly tally: Record<AttemptOutcome, number> = { queued: 0, running: 0, ok: 0, error: 0, cancelled: 0 };
  private held = { cpu: 0, memoryGiB: 0, gpus: 0 };

  constructor(scheduler?: RecordableScheduler, options: RunRecorderOptions = {}) {
    this.clock = options.clock ?? scheduler?.clock ?? systemClock;
    if (scheduler !== undefined) this.listen(scheduler);
  }

  /** Records every attempt `scheduler` runs from now on. */
  listen(scheduler: RecordableScheduler): void {
    scheduler.on("queued", (e) => this.queued(e, e.at));
    scheduler.on("waiting", (e) => this.waiting(e.id, e.message === undefined ? e.reason : `${e.reason}: ${e.message}`));
    scheduler.on("started", (e) => this.started(e.id, { gpus: e.gpus, where: e.where }, e.at));
    scheduler.on("finished", (e) => {
      if (e.usage !== undefined) this.measured(e.id, e.usage);
      if (e.end === "cancelled") this.cancelled(e.id, e.at);
      else this.finished(e.id, e.end === "ok", e.at, e.error);
    });
  }

  /** Called after every change, with the record that changed, e.g. to redraw a progress display. */
  onChange(listener: (record: AttemptRecord) => void): void {
    this.listeners.push(listener);
  }

  queued(attempt: { id: string; task: string; label?: string | undefined; attempt: number; resources: ResolvedResources }, at = this.clock.now()): void {
    const previous = this.attempts.get(attempt.id);
    if (previous !== undefined) this.leave(previous);
    // Fields named, not spread: one record per attempt, on the dispatch path of `taskfit run`.
    const record: AttemptRecord = {
      id: attempt.id,
      task: attempt.task,
      label: attempt.label,
      attempt: attempt.attempt,
      resources: attempt.resources,
      gpus: NO_GPUS,
      where: undefined,
      queuedAt: at,
      startedAt: undefined,
      finishedAt: undefined,
      outcome: "queued",
      failure: undefined,
      waiting: undefined,
      usage: undefined,
    };
    this.attempts.set(attempt.id, record);
    this.tally.queued++;
    this.changed(record);
  }

  /** Why a queued attempt does not start yet (shown until it starts). */
  waiting(id: string, why: string): void {
    const record = this.attempts.get(id);
    if (record === undefined || record.startedAt !== undefined || record.waiting === why) return;
    record.waiting = why;
    this.changed(record);
  }

  /** What an attempt used, as its worker measured it. */
  measured(id: string, usage: MeasuredUsage): void {
    const record = this.attempts.get(id);
    if (record !== undefined) record.usage = usage;
  }

  started(id: string, details: { gpus?: readonly number[] | undefined; where?: string | undefined } = {}, at = this.clock.now()): void {
    const record = this.attempts.get(id);
    if (record === undefined || record.startedAt !== undefined) return;
    record.startedAt = at;
    record.waiting = undefined;
    if (details.gpus !== undefined) record.gpus = details.gpus;
    if (details.where !== undefined) record.where = details.where;
    this.move(record, "running");
  }

  /** `error` is what the attempt failed with, when the scheduler says. */
  finished(id: string, ok: boolean, at = this.clock.now(), error?: unknown): void {
    const record = this.attempts.get(id);
    if (record === undefined || record.finishedAt !== undefined) return;
    record.finishedAt = at;
    if (!ok && error !== undefined) record.failure = describeFailure(error);
    this.move(record, ok ? "ok" : "error");
  }

  /** An attempt stopped by cancellation (not by its own failure): shown as cancelled, not as an error. */
  cancelled(id: string, at = this.clock.now()): void {
    const record = this.attempts.get(id);
    if (record === undefined || record.finishedAt !== undefined) return;
    record.finishedAt = at;
    this.move(record, "cancelled");
  }

  /** Ends the run: attempts still queued or running are closed as cancelled at `at`. */
  close(at = this.clock.now()): void {
    for (const record of this.attempts.values()) {
      if (record.finishedAt !== undefined) continue;
      record.finishedAt = at;
      this.move(record, "cancelled");
    }
  }

  counts(): Record<AttemptOutcome, number> {
    return { ...this.tally };
  }

  /** What the running attempts hold now. */
  inUse(): { cpu: number; memoryGiB: number; gpus: number } {
    return { ...this.held };
  }

  summary(): TaskSummary[] {
    const byTask = new Map<string, AttemptRecord[]>();
    for (const record of this.attempts.values()) {
      // A NUL cannot be in a label (label.ts refuses control characters): the key is unambiguous.
      const key = record.label === undefined ? record.task : `${record.task}\u0000${record.label}`;
      const list = byTask.get(key) ?? [];
      list.push(record);
      byTask.set(key, list);
    }
    const mean = (values: number[]) => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);
    // reduce, not Math.max(...values): a fan-out of 100k attempts would overflow the call stack.
    const range = (values: number[]) => [values.reduce((a, b) => Math.min(a, b)), values.reduce((a, b) => Math.max(a, b))] as const;
    return [...byTask.values()].map((records) => {
      const { task, label } = records[0] as AttemptRecord;
      const started = records.filter((r) => r.startedAt !== undefined);
      const finished = started.filter((r) => r.finishedAt !== undefined);
      return {
        task,
        label,
        attempts: records.length,
        failed: records.filter((r) => r.outcome === "error").length,
        cancelled: records.filter((r) => r.outcome === "cancelled").length,
        cpu: range(records.map((r) => r.resources.cpu)),
        memoryGiB: range(records.map((r) => r.resources.memoryGiB)),
        gpu: records.reduce((most, r) => Math.max(most, r.resources.gpu), 0),
        clamped: records.filter((r) => r.resources.clamped.length > 0).length,
        clampings: [...new Set(records.filter((r) => r.resources.clamped.length > 0).map((r) => describeClamping(r.resources.clamped)))],
        meanWait: mean(started.map((r) => (r.startedAt as number) - r.queuedAt)),
        meanRun: mean(finished.map((r) => (r.finishedAt as number) - (r.startedAt as number))),
        used: usedSummary(records),
      };
    });
  }

  /** Moves a record to another outcome, keeping the tallies (a progress display reads them on every change: no scan). */
  private move(record: AttemptRecord, outcome: AttemptOutcome): void {
    this.leave(record);
    record.outcome = outcome;
    this.tally[outcome]++;
    if (outcome === "running") {
      this.held.cpu += record.resources.cpu;
      this.held.memoryGiB += record.resources.memoryGiB;
      this.held.gpus += record.resources.gpu;
    }
    this.changed(record);
  }

  /** Takes a record's outcome out of the tallies. */
  private leave(record: AttemptRecord): void {
    this.tally[record.outcome]--;
    if (record.outcome !== "running") return;
    // Sums of floats drift: nothing running holds exactly nothing.
    if (this.tally.running === 0) this.held = { cpu: 0, memoryGiB: 0, gpus: 0 };
    else {
      this.held.cpu -= record.resources.cpu;
      this.held.memoryGiB -= record.resources.memoryGiB;
      this.held.gpus -= record.resources.gpu;
    }
  }

  private changed(record: AttemptRecord): void {
    for (const listener of this.listeners) listener(record);
  }
}
