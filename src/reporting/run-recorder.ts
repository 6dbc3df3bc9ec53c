/**
 * Records what a LocalScheduler did: one record per attempt (queued, started, finished, how it
 * ended), and a summary per task. The progress display, the run summary and a timeline of the run
 * are all drawn from it.
 */
import type { LocalScheduler, TaskEvent } from "../schedulers/local/local-scheduler.js";
import type { ResolvedResources } from "../resources/spec.js";

export interface AttemptRecord {
  readonly id: number;
  readonly task: string;
  readonly attempt: number;
  readonly resources: ResolvedResources;
  readonly gpus: readonly number[];
  /** unit: ms on the scheduler's clock */
  readonly queuedAt: number;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  outcome: "queued" | "running" | "ok" | "error";
}

export interface TaskSummary {
  readonly task: string;
  readonly attempts: number;
  readonly failed: number;
  /** unit: cores; min and max over the task's attempts (they differ for dynamic specs) */
  readonly cpu: readonly [number, number];
  /** unit: GiB */
  readonly memoryGiB: readonly [number, number];
  readonly gpu: number;
  /** unit: ms */
  readonly meanWait: number;
  /** unit: ms */
  readonly meanRun: number;
}

export class RunRecorder {
  readonly attempts = new Map<number, AttemptRecord>();
  private readonly listeners: Array<() => void> = [];

  constructor(readonly scheduler: LocalScheduler) {
    scheduler.on("queued", (event) => this.queued(event));
    scheduler.on("start", (event) => this.update(event, "running"));
    scheduler.on("finish", (event) => this.update(event, "ok"));
    scheduler.on("error", (event) => this.update(event, "error"));
  }

  /** Called after every change, e.g. to redraw a progress display. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  counts(): { queued: number; running: number; ok: number; error: number } {
    const counts = { queued: 0, running: 0, ok: 0, error: 0 };
    for (const record of this.attempts.values()) counts[record.outcome]++;
    return counts;
  }

  summary(): TaskSummary[] {
    const byTask = new Map<string, AttemptRecord[]>();
    for (const record of this.attempts.values()) {
      const list = byTask.get(record.task) ?? [];
      list.push(record);
      byTask.set(record.task, list);
    }
    return [...byTask].map(([task, records]) => {
      const started = records.filter((r) => r.startedAt !== undefined);
      const finished = started.filter((r) => r.finishedAt !== undefined);
      const mean = (values: number[]) => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);
      const range = (values: number[]) => [Math.min(...values), Math.max(...values)] as const;
      return {
        task,
        attempts: records.length,
        failed: records.filter((r) => r.outcome === "error").length,
        cpu: range(records.map((r) => r.resources.cpu)),
        memoryGiB: range(records.map((r) => r.resources.memoryGiB)),
        gpu: Math.max(...records.map((r) => r.resources.gpu)),
        meanWait: mean(started.map((r) => (r.startedAt as number) - r.queuedAt)),
        meanRun: mean(finished.map((r) => (r.finishedAt as number) - (r.startedAt as number))),
      };
    });
  }

  private queued(event: TaskEvent): void {
    this.attempts.set(event.id, {
      id: event.id,
      task: event.task,
      attempt: event.attempt,
      resources: event.resources,
      gpus: [],
      queuedAt: event.queuedAt,
      startedAt: undefined,
      finishedAt: undefined,
      outcome: "queued",
    });
    this.changed();
  }

  private update(event: TaskEvent, outcome: AttemptRecord["outcome"]): void {
    const record = this.attempts.get(event.id);
    if (record === undefined) return;
    record.outcome = outcome;
    if (event.startedAt !== undefined) record.startedAt = event.startedAt;
    if (event.finishedAt !== undefined) record.finishedAt = event.finishedAt;
    if (event.gpus !== undefined) (record as { gpus: readonly number[] }).gpus = event.gpus;
    this.changed();
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
