/**
 * LocalScheduler: the embedded default. Runs tasks on this machine without ever over-committing
 * it: each call waits until its whole request fits (see admission.ts), holds its CPU, memory,
 * storage and GPU devices while it runs, and frees them the moment it settles, times out or is
 * cancelled.
 */
import { EventEmitter } from "node:events";
import { ConfigurationError, TaskCancelledError } from "../../errors.js";
import type { ClampRecord } from "../../resources/limits.js";
import { formatGiB } from "../../resources/quantity.js";
import type { ResolvedResources } from "../../resources/spec.js";
import { type Clock, systemClock } from "../../contract/clock.js";
import { onAbort } from "../../contract/abort.js";
import { currentTask } from "../../contract/running-task.js";
import {
  type AttemptEvents,
  type Capacity,
  type FinishedEvent,
  type Invocation,
  layered,
  type Plan,
  type PlannedCall,
  type Scheduler,
  type TaskLimit,
} from "../../contract/scheduler.js";
import { Admission, type Allocation, type Queued, type Request, type Usage } from "./admission.js";
import { type RemoteRun, runAttempt } from "./attempt.js";
import { type CapacityOptions, type DetectedCapacity, resolveCapacity } from "./capacity.js";
import { type DeviceMatcher, deviceMatcher, type GpuMatch } from "./gpu-match.js";
import { fitToCapacity, type OversizePolicy, oversizeRecords, shortfalls, warnOversize } from "./oversize.js";
import { ProcessRunner } from "./process-runner.js";

export const Isolation = {
  /** Run the task's function in this process (fast; a runaway task can take the process down). */
  None: "none",
  /** Run each task in a child Node process with its heap capped from the task's memory. */
  Process: "process",
} as const;
export type Isolation = (typeof Isolation)[keyof typeof Isolation];

export interface LocalSchedulerOptions {
  /** What the machine offers. Each field left out is detected. */
  readonly capacity?: CapacityOptions;
  /**
   * A request larger than the whole machine: `"error"` (UnschedulableError) or `"clamp"` (its CPU,
   * memory and storage lowered to the machine, recorded in `resources.clamped` and warned once per
   * distinct clamping). A GPU shortfall is always an UnschedulableError. @default "error"
   */
  readonly oversize?: OversizePolicy;
  /**
   * Which GPUs serve a request for a GPU type: `"type"`, devices of exactly that type; `"memory"`,
   * also any device with at least the catalogue's VRAM for the type (one H100 runs `smallGpuTask`).
   * @default "type"
   */
  readonly gpuMatch?: GpuMatch;
  /** @default "none" */
  readonly isolation?: Isolation;
  /** Where child processes run and disk space is measured. @default process.cwd() */
  readonly workDir?: string;
  /** Newer tasks that may start past the oldest waiting one before it reserves the machine. @default 32 */
  readonly reserveAfter?: number;
  /** @default the system clock */
  readonly clock?: Clock;
}

export interface SchedulerStats {
  /** With `sources`: where each figure came from ("cgroup v1 limit 2 GiB", "given (capacity.cpu)"). */
  readonly capacity: DetectedCapacity;
  readonly inUse: Readonly<Usage>;
  /** The most in use at once since the scheduler was made. */
  readonly peak: Readonly<Usage>;
  readonly running: number;
  readonly queued: number;
}

/** One queued call: its own record is the admission queue's entry (no wrapper per call). */
interface Pending extends Queued {
  readonly id: number;
  readonly invocation: Invocation<unknown>;
  readonly queuedAt: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  onAbort: (() => void) | undefined;
  unsubscribe: (() => void) | undefined;
}

export class LocalScheduler extends EventEmitter<AttemptEvents> implements Scheduler {
  readonly name = "the local machine";
  /** What this machine offers, detected once, with where each figure came from. */
  private readonly machine: DetectedCapacity;
  private readonly admission: Admission<Pending>;
  private readonly oversize: OversizePolicy;
  private readonly gpuMatches: DeviceMatcher;
  private readonly isolation: Isolation;
  /** The clock its events and timeouts use. */
  readonly clock: Clock;
  private readonly remote: RemoteRun | undefined;
  private readonly peak: Usage = { cpu: 0, memoryGiB: 0, storageGiB: 0, gpus: 0 };
  private running = 0;
  private nextId = 1;
  private passQueued = false;

  constructor(options: LocalSchedulerOptions = {}) {
    super();
    const workDir = options.workDir ?? process.cwd();
    this.oversize = checkChoice("oversize", options.oversize ?? "error", ["error", "clamp"]);
    this.isolation = checkChoice("isolation", options.isolation ?? "none", ["none", "process"]);
    this.gpuMatches = deviceMatcher(checkChoice("gpuMatch", options.gpuMatch ?? "type", ["type", "memory"]));
    const reserveAfter = options.reserveAfter ?? 32;
    if (!Number.isInteger(reserveAfter) || reserveAfter < 1) {
      throw new ConfigurationError({ field: "reserveAfter", value: reserveAfter, expected: "a whole number from 1 up" });
    }
    this.machine = resolveCapacity(options.capacity, workDir);
    this.admission = new Admission(this.machine, reserveAfter, this.gpuMatches);
    this.clock = options.clock ?? systemClock;
    if (this.isolation === "process") {
      const runner = new ProcessRunner(workDir);
      this.remote = (invocation, gpus, control) => runner.run(invocation, gpus, control);
    }
  }

  /** The machine: one task can have all of it. */
  get taskLimit(): TaskLimit {
    return { cpu: this.machine.cpu, memoryGiB: this.machine.memoryGiB, storageGiB: this.machine.storageGiB };
  }

  async capacity(): Promise<Capacity> {
    const { cpu, memoryGiB, gpus, sources } = this.machine;
    return { cpu, memoryGiB, gpus: gpus.length, nodes: 1, sources };
  }

  /** Whether the call fits this machine, and how it would run (in this process or a child). */
  async plan(call: PlannedCall): Promise<Plan> {
    const { resources } = call;
    const missing = shortfalls(resources, this.machine, this.gpuMatches);
    const where = this.isolation === "process" ? "in a child process" : "in this process";
    const ask = `${resources.cpu} cores, ${formatGiB(resources.memoryGiB)}${resources.gpu > 0 ? `, ${resources.gpu} GPU${resources.gpuType === undefined ? "" : ` ${resources.gpuType}`}` : ""}`;
    const verdict =
      missing.length === 0
        ? `fits ${this.name} (${this.machine.cpu} cores, ${formatGiB(this.machine.memoryGiB)}); runs ${where}`
        : `does not fit ${this.name}: ${missing.map((m) => `${m.field} ${m.requested} > ${m.available}`).join(", ")}${this.oversize === "clamp" ? " (clamped to it under oversize: clamp)" : ""}`;
    return {
      text: `${call.taskName}${call.label === undefined ? "" : ` [${call.label}]`}: ${ask}; ${verdict}`,
      data: { scheduler: "local", task: call.taskName, label: call.label, resources, fits: missing.length === 0, shortfalls: missing, isolation: this.isolation },
      notes: [],
    };
  }

  stats(): SchedulerStats {
    return {
      capacity: this.machine,
      inUse: { ...this.admission.inUse },
      peak: { ...this.peak },
      running: this.running,
      queued: this.admission.size,
    };
  }

  run<R>(invocation: Invocation<R>): Promise<R> {
    const { taskName, signal } = invocation;
    if (signal?.aborted) return Promise.reject(new TaskCancelledError({ task: taskName, reason: signal.reason }));
    const parent = currentTask();
    // A task called from inside a running task runs within the caller's allocation: it takes no
    // capacity of its own and never waits, so a full machine cannot deadlock on nested calls.
    if (parent !== undefined && parent.scheduler === this) {
      return this.attempt(invocation as Invocation<unknown>, parent.gpus) as Promise<R>;
    }
    let resources: ResolvedResources;
    try {
      resources = fitToCapacity(invocation.resources, this.machine, this.oversize, taskName, this.name, this.gpuMatches);
    } catch (error) {
      return Promise.reject(error);
    }
    if (resources !== invocation.resources) this.reportClamped(taskName, invocation.attempt, oversizeRecords(resources));
    return new Promise<R>((resolve, reject) => {
      const pending: Pending = {
        id: this.nextId++,
        // Clamped: the same invocation with the new resources.
        invocation: resources === invocation.resources ? invocation : layered(invocation as Invocation<unknown>, { resources }),
        queuedAt: this.clock.now(),
        resolve: resolve as (value: unknown) => void,
        reject,
        request: requestOf(resources),
        seq: 0,
        done: false,
        bypassed: 0,
        onAbort: undefined,
        unsubscribe: undefined,
      };
      if (signal !== undefined) {
        pending.onAbort = () => {
          if (this.admission.remove(pending)) {
            const error = new TaskCancelledError({ task: taskName, reason: signal.reason });
            // Dropped from the queue: it ends here (as cancelled, for whoever records the run).
            this.finished(pending, "cancelled", error);
            reject(error);
          }
        };
        pending.unsubscribe = onAbort(signal, pending.onAbort);
      }
      this.admission.enqueue(pending);
      if (this.listenerCount("queued") > 0) {
        const { invocation: queued } = pending;
        this.emit("queued", { id: String(pending.id), task: taskName, label: queued.label, attempt: queued.attempt, at: pending.queuedAt, resources: queued.resources });
      }
      this.schedulePass();
    });
  }

  private reportClamped(task: string, attempt: number, clamped: readonly ClampRecord[]): void {
    if (this.listenerCount("clamped") > 0) this.emit("clamped", { task, attempt, clamped });
    else warnOversize(task, this.name, clamped);
  }

  /** Coalesces admission passes: many enqueues or completions in one tick cost one pass. */
  private schedulePass(): void {
    if (this.passQueued) return;
    this.passQueued = true;
    queueMicrotask(() => {
      this.passQueued = false;
      for (const allocation of this.admission.pass()) this.start(allocation);
    });
  }

  private start(allocation: Allocation<Pending>): void {
    const pending = allocation.entry;
    const { invocation } = pending;
    pending.unsubscribe?.();
    this.running++;
    this.trackPeak();
    if (this.listenerCount("started") > 0) {
      this.emit("started", { id: String(pending.id), task: invocation.taskName, label: invocation.label, attempt: invocation.attempt, at: this.clock.now(), gpus: allocation.gpus });
    }
    this.attempt(invocation, allocation.gpus).then(
      (value) => {
        this.release(allocation);
        this.finished(pending, "ok", undefined);
        pending.resolve(value);
      },
      (error: unknown) => {
        this.release(allocation);
        this.finished(pending, error instanceof TaskCancelledError ? "cancelled" : "error", error);
        pending.reject(error);
      },
    );
  }

  private attempt(invocation: Invocation<unknown>, gpus: readonly number[]): Promise<unknown> {
    return runAttempt(invocation, gpus, this.clock, this, this.remote);
  }

  private release(allocation: Allocation<Pending>): void {
    this.running--;
    this.admission.release(allocation);
    this.schedulePass();
  }

  private trackPeak(): void {
    const { inUse } = this.admission;
    this.peak.cpu = Math.max(this.peak.cpu, inUse.cpu);
    this.peak.memoryGiB = Math.max(this.peak.memoryGiB, inUse.memoryGiB);
    this.peak.storageGiB = Math.max(this.peak.storageGiB, inUse.storageGiB);
    this.peak.gpus = Math.max(this.peak.gpus, inUse.gpus);
  }

  /** Emits `finished`, building the event only when someone listens (dispatch is a hot path). */
  private finished(pending: Pending, end: FinishedEvent["end"], error: unknown): void {
    if (this.listenerCount("finished") === 0) return;
    const { invocation } = pending;
    this.emit("finished", { id: String(pending.id), task: invocation.taskName, label: invocation.label, attempt: invocation.attempt, at: this.clock.now(), end, error });
  }
}

// Static tasks resolve to the same frozen object on every call: their request is made once.
const requests = new WeakMap<ResolvedResources, Request>();

function requestOf(resources: ResolvedResources): Request {
  let request = requests.get(resources);
  if (request === undefined) {
    request = {
      cpu: resources.cpu,
      memoryGiB: resources.memoryGiB,
      storageGiB: resources.storageGiB ?? 0,
      gpu: resources.gpu,
      gpuType: resources.gpuType,
    };
    requests.set(resources, request);
  }
  return request;
}

function checkChoice<T extends string>(field: string, value: unknown, choices: readonly T[]): T {
  if (!(choices as readonly unknown[]).includes(value)) {
    throw new ConfigurationError({ field, value, expected: `one of ${choices.map((c) => `"${c}"`).join(", ")}` });
  }
  return value as T;
}

