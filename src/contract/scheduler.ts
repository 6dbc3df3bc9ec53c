/**
 * The scheduler contract: everything an adapter is and emits. The task layer hands an adapter one
 * attempt at a time with its resources already resolved, validated and within limits; the adapter
 * runs it where it runs tasks and settles with the result or a typed error. Reporting and the
 * command line know adapters only through this file: a new adapter is one folder implementing it.
 * Retries live above the contract (the task layer re-invokes with escalated resources).
 */
import type { ClampRecord } from "../resources/limits.js";
import type { Clock } from "./clock.js";
import type { ResolvedResources } from "../resources/spec.js";

/** Enough to find a task again in another process: import `module`, take the `index`-th task named `name`. */
export interface TaskRef {
  /** The file URL of the module that defined the task; undefined when it had none (a REPL). */
  readonly module: string | undefined;
  readonly name: string;
  /** Among the tasks of that module with that name, in definition order: 0 for the first. */
  readonly index: number;
}

/** A call resolved for one attempt: what `plan()` turns into a job without running it. */
export interface PlannedCall {
  /** The task's name: for logs, job names and errors. */
  readonly taskName: string;
  /** The call's label (`.with({ label })`), shown with the name and part of job names; undefined when none. */
  readonly label?: string | undefined;
  /** What this attempt asks for. */
  readonly resources: ResolvedResources;
  /** The call's arguments, exactly as the caller passed them. */
  readonly args: readonly unknown[];
  /** 1 for the first run, 2 for the first retry, ... */
  readonly attempt: number;
  /** unit: seconds; undefined means no timeout */
  readonly timeoutSeconds: number | undefined;
  /** Where the task is defined, for adapters that run it in another process. */
  readonly task: TaskRef;
  /**
   * The instance a decorated method was called on (the class, for a static method); undefined for
   * a wrapped function. An adapter that runs the task in another process sends its own enumerable
   * fields (worker/request.ts).
   */
  readonly self?: unknown;
}

/** One attempt to run: a planned call, with the means to cancel it and to run it in this process. */
export interface Invocation<R = unknown> extends PlannedCall {
  /** Aborting it cancels the call: the adapter frees the resources and rejects with `TaskCancelledError`. */
  readonly signal: AbortSignal | undefined;
  /** Runs the task's function in this process (with the caller's `this`), for in-process adapters. */
  readonly execute: () => Promise<R>;
}

/** What an adapter would submit for a call, without submitting it (`taskfit plan`). */
export interface Plan {
  /** For people: a shell command line, a YAML manifest. */
  readonly text: string;
  /** The same, as JSON-ready data: sbatch's argv, the Job manifest. */
  readonly data: unknown;
  /** What a reader of the plan should know that it does not show (how the worker sizes its heap). */
  readonly notes: readonly string[];
}

/** The most one task can get from a target (its largest node); escalation after out-of-memory stops there. */
export interface TaskLimit {
  /** unit: cores */
  readonly cpu: number;
  /** unit: GiB */
  readonly memoryGiB: number;
  /** unit: GiB; undefined when the target does not say */
  readonly storageGiB?: number | undefined;
}

/** What a target holds in all. */
export interface Capacity {
  /** unit: cores */
  readonly cpu: number;
  /** unit: GiB */
  readonly memoryGiB: number;
  readonly gpus: number;
  /** Nodes behind the figures: 1 for this machine. */
  readonly nodes: number;
  /** Where each figure came from, by field: `{ memoryGiB: "cgroup v2 limit 8 GiB" }`; empty when the target is asked as a whole. */
  readonly sources: Readonly<Record<string, string>>;
}

/**
 * What an out-of-process attempt used, measured by its worker over its whole process tree (the
 * tools it shells out to included). In-process attempts (`isolation: "none"`) have none.
 */
export interface MeasuredUsage {
  /** unit: GiB; the most resident memory the process tree held at once */
  readonly peakMemoryGiB: number;
  /** unit: seconds; user + system CPU time of the tree, children included */
  readonly cpuSeconds: number;
  /** unit: seconds */
  readonly wallSeconds: number;
  /** unit: GiB; the most written to the task's scratch directory, when it was given one */
  readonly peakScratchGiB?: number | undefined;
  /** How the peak memory was measured, e.g. "cgroup memory.peak" or "/proc samples every 200 ms". */
  readonly method: string;
}

/** Names one attempt in every event: `id` is the adapter's own (a sequence number, a Slurm job id, a Job name). */
export interface AttemptRef {
  readonly id: string;
  readonly task: string;
  /** The call's label, when it has one. */
  readonly label: string | undefined;
  readonly attempt: number;
  /** unit: ms on the adapter's clock */
  readonly at: number;
}

export interface QueuedEvent extends AttemptRef {
  readonly resources: ResolvedResources;
}

export interface StartedEvent extends AttemptRef {
  /** Where it runs, when the adapter knows: a node's name. */
  readonly where?: string | undefined;
  /** The GPU device indices it was given, when the adapter assigns them. */
  readonly gpus?: readonly number[] | undefined;
}

/** An attempt that was submitted but does not run yet, and why (a pod's `ImagePullBackOff`, a Slurm reason). */
export interface WaitingEvent extends AttemptRef {
  readonly reason: string;
  readonly message?: string | undefined;
}

export const AttemptEnd = {
  Ok: "ok",
  /** It failed of its own accord: an error, a timeout, out of memory. */
  Error: "error",
  /** It was stopped: the call was cancelled or the run interrupted. */
  Cancelled: "cancelled",
} as const;
export type AttemptEnd = (typeof AttemptEnd)[keyof typeof AttemptEnd];

export interface FinishedEvent extends AttemptRef {
  readonly end: AttemptEnd;
  /** What it failed with, for `error` and `cancelled`. */
  readonly error?: unknown;
  /** What it used, when its worker measured it (failed and out-of-memory attempts included). */
  readonly usage?: MeasuredUsage | undefined;
}

/** A request lowered to fit (`oversize: "clamp"`): what was lowered, per attempt. */
export interface ClampEvent {
  readonly task: string;
  readonly attempt: number;
  readonly clamped: readonly ClampRecord[];
}

/**
 * The events every adapter emits, in this order per attempt: `queued`, then `waiting` (any number
 * of times) and `started` (at most once), then `finished` exactly once. An attempt cancelled
 * before it started is `finished` without `started`.
 */
export interface AttemptEvents {
  queued: [QueuedEvent];
  waiting: [WaitingEvent];
  started: [StartedEvent];
  finished: [FinishedEvent];
  /** Listening to it replaces the process warning a clamping otherwise gives (`taskfit run` prints each). */
  clamped: [ClampEvent];
}

export type AttemptEventName = keyof AttemptEvents;

export interface Scheduler {
  /** Shown in errors: "can never run on <name>". */
  readonly name: string;
  /** The clock its events' times (`at`) are read from. */
  readonly clock: Clock;
  /** The most one task can get, when known without asking the target; escalation stops at it. */
  readonly taskLimit?: TaskLimit | undefined;
  /** Runs one attempt of one call. */
  run<R>(invocation: Invocation<R>): Promise<R>;
  /** What `run` would submit for this call, without submitting it; checked as far as it can be offline. */
  plan(call: PlannedCall): Promise<Plan>;
  /** What the target holds in all, asked afresh. */
  capacity(): Promise<Capacity>;
  on<E extends AttemptEventName>(event: E, listener: (...event: AttemptEvents[E]) => void): this;
  off<E extends AttemptEventName>(event: E, listener: (...event: AttemptEvents[E]) => void): this;
}

/**
 * The same invocation with some fields replaced, as a layer over it: a spread would drop methods
 * such as `execute` of a class instance. So an adapter reads an invocation's fields by name and
 * never spreads one. A class reading through to the base (not `Object.create` with property
 * descriptors): `taskfit run` layers every queued call, and this keeps the layer three fields.
 */
class LayeredInvocation<R> implements Invocation<R> {
  constructor(
    private readonly base: Invocation<R>,
    readonly resources: ResolvedResources,
    readonly signal: AbortSignal | undefined,
  ) {}

  get taskName(): string {
    return this.base.taskName;
  }

  get label(): string | undefined {
    return this.base.label;
  }

  get args(): readonly unknown[] {
    return this.base.args;
  }

  get attempt(): number {
    return this.base.attempt;
  }

  get timeoutSeconds(): number | undefined {
    return this.base.timeoutSeconds;
  }

  get task(): TaskRef {
    return this.base.task;
  }

  get self(): unknown {
    return this.base.self;
  }

  execute(): Promise<R> {
    return this.base.execute();
  }
}

export function layered<R>(invocation: Invocation<R>, fields: Partial<Pick<Invocation<R>, "resources" | "signal">>): Invocation<R> {
  return new LayeredInvocation(invocation, fields.resources ?? invocation.resources, "signal" in fields ? fields.signal : invocation.signal);
}
