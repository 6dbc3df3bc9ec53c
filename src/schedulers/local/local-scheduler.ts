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
import { type AbortListener, listenForAbort, stopListening } from "../../contract/abort.js";
import { currentTask } from "../../contract/running-task.js";
import {
  type AttemptEvents,
  type Capacity,
  type FinishedEvent,
  type Invocation,
  layered,
  type MeasuredUsage,
  type Plan,
  type PlannedCall,
  type Scheduler,
  type TaskLimit,
} from "../../contract/scheduler.js";
import { Admission, type Allocation, DEFAULT_RESERVE_AFTER, type Queued, type Request, type Usage } from "./admission.js";
import { type AttemptEndListener, type RemoteRun, runAttempt, type SignalRelay, startAttempt } from "./attempt.js";
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
  /** Newer tasks that may start while the oldest waits, before it holds a reservation. @default 256 */
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

/**
 * One queued call: its own record is the admission queue's entry (no wrapper per call), and it
 * listens for its call's signal itself (no closure per call: a million calls may wait at once).
 */
class Pending implements Queued, AbortListener, SignalRelay, AttemptEndListener {
  seq = 0;
  done = false;
  bypassed = 0;
  /** Its attempt, once started: the call's signal is relayed to it. */
  running: AbortListener | undefined = undefined;
  previousListener: AbortListener | undefined = undefined;
  nextListener: AbortListener | undefined = undefined;
  /** What it holds, once started. */
  allocation: Allocation<Pending> | undefined = undefined;
  private eventId: string | undefined = undefined;

  constructor(
    readonly id: number,
    readonly invocation: Invocation<unknown>,
    readonly request: Request,
    readonly resolve: (value: unknown) => void,
    readonly reject: (error: unknown) => void,
    /** The scheduler's side of a call's end: one object per scheduler, not closures per call. */
    private readonly owner: PendingOwner,
  ) {}

  signalAborted(): void {
    if (this.running !== undefined) this.running.signalAborted();
    else this.owner.dropped(this);
  }

  succeeded(value: unknown): void {
    this.owner.ended(this, "ok", undefined);
    this.resolve(value);
  }

  failed(error: unknown): void {
    this.owner.ended(this, error instanceof TaskCancelledError ? "cancelled" : "error", error);
    this.reject(error);
  }

  /** Its id in events, made once (three events per call). */
  get key(): string {
    return (this.eventId ??= String(this.id));
  }
}

interface PendingOwner {
  /** Its signal aborted while it waited. */
  dropped(pending: Pending): void;
  /** Its attempt ended: free what it held and say so. */
  ended(pending: Pending, end: FinishedEvent["end"], error: unknown): void;
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
  /** What each out-of-process attempt used, as its worker measured it, until its `finished` event. */
  private readonly measured = new WeakMap<Invocation<unknown>, MeasuredUsage>();
  private readonly peak: Usage = { cpu: 0, memoryGiB: 0, storageGiB: 0, gpus: 0 };
  private running = 0;
  private nextId = 1;
  private passQueued = false;
  private lastFit: Fitted | undefined;
  /** See `now()`. */
  private readAt: number | undefined;

  constructor(options: LocalSchedulerOptions = {}) {
    super();
    const workDir = options.workDir ?? process.cwd();
    this.oversize = checkChoice("oversize", options.oversize ?? "error", ["error", "clamp"]);
    this.isolation = checkChoice("isolation", options.isolation ?? "none", ["none", "process"]);
    this.gpuMatches = deviceMatcher(checkChoice("gpuMatch", options.gpuMatch ?? "type", ["type", "memory"]));
    const reserveAfter = options.reserveAfter ?? DEFAULT_RESERVE_AFTER;
    if (!Number.isInteger(reserveAfter) || reserveAfter < 1) {
      throw new ConfigurationError({ field: "reserveAfter", value: reserveAfter, expected: "a whole number from 1 up" });
    }
    this.machine = resolveCapacity(options.capacity, workDir);
    this.admission = new Admission(this.machine, reserveAfter, this.gpuMatches);
    this.clock = options.clock ?? systemClock;
    if (this.isolation === "process") {
      const runner = new ProcessRunner(workDir);
      this.remote = (invocation, gpus, control) =>
        runner.attempt(invocation, gpus, control).then((outcome) => {
          // Kept for the attempt's `finished` event (read there, once).
          if (outcome.usage !== undefined) this.measured.set(invocation, outcome.usage);
          return outcome.ok ? outcome.value : Promise.reject(outcome.error);
        });
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
    let fitted: Fitted;
    try {
      fitted = this.fit(invocation);
    } catch (error) {
      return Promise.reject(error);
    }
    const { resources, request } = fitted;
    if (resources !== invocation.resources) this.reportClamped(taskName, invocation.attempt, oversizeRecords(resources));
    // Clamped: the same invocation with the new resources.
    const queued = resources === invocation.resources ? invocation : layered(invocation as Invocation<unknown>, { resources });
    return new Promise<R>((resolve, reject) => {
      const pending = new Pending(this.nextId++, queued, request, resolve as (value: unknown) => void, reject, this.owner);
      if (signal !== undefined) listenForAbort(signal, pending);
      this.admission.enqueue(pending);
      this.schedulePass();
      if (this.listenerCount("queued") > 0) {
        this.emit("queued", { id: pending.key, task: taskName, label: queued.label, attempt: queued.attempt, at: this.now(), resources: queued.resources });
      }
    });
  }

  /** What a queued call tells its scheduler. */
  private readonly owner: PendingOwner = {
    // Its signal aborted while it waited: it leaves the queue and ends here (as cancelled, for whoever records the run).
    dropped: (pending) => {
      if (!this.admission.remove(pending)) return;
      const { taskName, signal } = pending.invocation;
      const error = new TaskCancelledError({ task: taskName, reason: signal?.reason });
      this.finished(pending, "cancelled", error);
      pending.reject(error);
    },
    ended: (pending, end, error) => {
      if (pending.allocation !== undefined) this.release(pending.allocation);
      this.finished(pending, end, error);
    },
  };

  /**
   * The call's resources fitted to this machine (or the error saying they never fit), and its
   * admission request. The last answer is kept: a static spec resolves to the same object on
   * every call, so a fan-out of it fits once.
   */
  private fit(invocation: Invocation<unknown>): Fitted {
    const asked = invocation.resources;
    if (this.lastFit?.asked === asked) return this.lastFit;
    const resources = fitToCapacity(asked, this.machine, this.oversize, invocation.taskName, this.name, this.gpuMatches);
    const fitted: Fitted = { asked, resources, request: requestOf(resources) };
    this.lastFit = fitted;
    return fitted;
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
      this.readAt = undefined;
      const started = this.admission.pass();
      // One reading of the clock for the attempts one pass starts: they start together.
      const at = started.length > 0 && this.listenerCount("started") > 0 ? this.clock.now() : 0;
      for (const allocation of started) this.start(allocation, at);
    });
  }

  /**
   * The time of an event, read once until the next admission pass: a fan-out queues thousands of
   * calls in one synchronous burst, and completions come in bursts of microtasks, none of which
   * the pass (the only thing that acts on them) can tell apart. A reading of the clock per event
   * was a measurable share of dispatch. Kept only while a pass is queued: that pass clears it.
   */
  private now(): number {
    if (!this.passQueued) return this.clock.now();
    return (this.readAt ??= this.clock.now());
  }

  private start(allocation: Allocation<Pending>, at: number): void {
    const pending = allocation.entry;
    const { invocation } = pending;
    this.running++;
    this.trackPeak();
    if (this.listenerCount("started") > 0) {
      this.emit("started", { id: pending.key, task: invocation.taskName, label: invocation.label, attempt: invocation.attempt, at, gpus: allocation.gpus });
    }
    pending.allocation = allocation;
    // The call stays subscribed to its signal while it runs, relaying an abort to the attempt.
    startAttempt(invocation, allocation.gpus, this.clock, this, this.remote, pending, invocation.signal === undefined ? undefined : pending);
  }

  private attempt(invocation: Invocation<unknown>, gpus: readonly number[]): Promise<unknown> {
    return runAttempt(invocation, gpus, this.clock, this, this.remote);
  }

  private release(allocation: Allocation<Pending>): void {
    const { signal } = allocation.entry.invocation;
    if (signal !== undefined) stopListening(signal, allocation.entry);
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
    const { invocation } = pending;
    const usage = this.measured.get(invocation);
    if (usage !== undefined) this.measured.delete(invocation);
    if (this.listenerCount("finished") === 0) return;
    this.emit("finished", { id: pending.key, task: invocation.taskName, label: invocation.label, attempt: invocation.attempt, at: this.now(), end, error, usage });
  }
}

interface Fitted {
  /** What the call asked for. */
  readonly asked: ResolvedResources;
  /** The same, or clamped to the machine. */
  readonly resources: ResolvedResources;
  readonly request: Request;
}

function requestOf(resources: ResolvedResources): Request {
  return { cpu: resources.cpu, memoryGiB: resources.memoryGiB, storageGiB: resources.storageGiB ?? 0, gpu: resources.gpu, gpuType: resources.gpuType };
}

function checkChoice<T extends string>(field: string, value: unknown, choices: readonly T[]): T {
  if (!(choices as readonly unknown[]).includes(value)) {
    throw new ConfigurationError({ field, value, expected: `one of ${choices.map((c) => `"${c}"`).join(", ")}` });
  }
  return value as T;
}

