/**
 * One call of a task: resolve its resources against the arguments, hand each attempt to the
 * scheduler, and re-run failures as the retry policy says, growing memory (or another field) after
 * an out-of-memory failure when `escalate` asks for it.
 */
import { ErrorCode, OutOfMemoryError, TaskCancelledError, TaskfitError } from "../errors.js";
import type { CompiledSpec } from "../resources/compile.js";
import { LIMITS } from "../resources/limits.js";
import { MIN_CPU } from "../resources/quantity.js";
import { roundUpTo } from "../resources/rounding.js";
import { resolveLabel } from "../resources/label.js";
import { resolveCompiled } from "../resources/resolve.js";
import type { Escalation, ResolvedResources } from "../resources/spec.js";
import { getDefaultScheduler } from "../contract/default-scheduler.js";
import type { Invocation, Scheduler, TaskLimit } from "../contract/scheduler.js";
import { currentTask } from "../contract/running-task.js";
import type { TaskRef } from "./metadata.js";
import type { AnyFunction } from "./types.js";
import { callOutsideTask, isWorkerProcess } from "./worker-guard.js";

export interface CallContext {
  readonly name: string;
  readonly ref: TaskRef;
  readonly spec: CompiledSpec;
  readonly fn: AnyFunction;
  /** A decorated class method: its `this` travels to workers that run it elsewhere. */
  readonly method: boolean;
  readonly scheduler: Scheduler | undefined;
  readonly signal: AbortSignal | undefined;
}

/** Whether the policy retries this failure: a taskfit error whose `code` it names (by default execution errors, OOM, timeouts). */
/**
 * Failures a worker meets before the task runs (its module does not define the task, or cannot be
 * imported; a result JSON would lose; it speaks another protocol): another attempt fails the same
 * way, so none is made.
 */
const SETUP_FAILURES: ReadonlySet<unknown> = new Set([ErrorCode.TaskNotFound, ErrorCode.NotSerializable, ErrorCode.WorkerProtocol]);

function isRetryable(error: unknown, on: readonly string[]): boolean {
  if (!(error instanceof TaskfitError) || !on.includes(error.code)) return false;
  return !SETUP_FAILURES.has((error.cause as { code?: unknown } | undefined)?.code);
}

/**
 * One attempt as a scheduler sees it. A class, not a literal with a closure: calls queue by the
 * thousand. What every call of the task shares is read from its context, not copied per call.
 */
class CallAttempt implements Invocation<unknown> {
  constructor(
    private readonly context: CallContext,
    readonly resources: ResolvedResources,
    readonly args: readonly unknown[],
    readonly attempt: number,
    readonly label: string | undefined,
    private readonly thisArg: unknown,
  ) {}

  get taskName(): string {
    return this.context.name;
  }

  get task(): TaskRef {
    return this.context.ref;
  }

  get timeoutSeconds(): number | undefined {
    return this.context.spec.timeoutSeconds;
  }

  get signal(): AbortSignal | undefined {
    return this.context.signal;
  }

  /** The instance (or class, for a static method) a method task was called on. */
  get self(): unknown {
    return this.context.method ? this.thisArg : undefined;
  }

  execute(): Promise<unknown> {
    try {
      return Promise.resolve(this.context.fn.apply(this.thisArg, this.args as unknown[]));
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

/**
 * Not an async function: the common call (a static or synchronous spec, no label, no retries)
 * returns the scheduler's own promise, with no async frame kept alive per queued call.
 */
export function callTask(context: CallContext, thisArg: unknown, args: unknown[]): Promise<unknown> {
  const { name, spec, signal } = context;
  if (isWorkerProcess()) return callInWorker(context, thisArg, args);
  if (signal?.aborted) return Promise.reject(new TaskCancelledError({ task: name, reason: signal.reason }));
  try {
    const scheduler = context.scheduler ?? getDefaultScheduler();
    const resolution = resolveCompiled(spec, name, args);
    if (resolution instanceof Promise || spec.label !== undefined || spec.retries.count > 0) {
      return callWithRetries(context, scheduler, resolution, thisArg, args);
    }
    return Promise.resolve(scheduler.run(new CallAttempt(context, resolution, args, 1, undefined, thisArg)));
  } catch (error) {
    return Promise.reject(error);
  }
}

async function callInWorker(context: CallContext, thisArg: unknown, args: unknown[]): Promise<unknown> {
  // Never a second level of workers (worker-guard.ts): inline inside the running task, else not at all.
  if (currentTask() === undefined) return callOutsideTask(context.name);
  return context.fn.apply(thisArg, args);
}

async function callWithRetries(
  context: CallContext,
  scheduler: Scheduler,
  resolution: ResolvedResources | Promise<ResolvedResources>,
  thisArg: unknown,
  args: unknown[],
): Promise<unknown> {
  const { name, spec, signal } = context;
  let resources = await resolution;
  const labelled = spec.label === undefined ? undefined : resolveLabel(spec.label, name, args);
  const label = labelled instanceof Promise ? await labelled : labelled;
  const { count, escalate, on } = spec.retries;
  for (let attempt = 1; ; attempt++) {
    try {
      return await scheduler.run(new CallAttempt(context, resources, args, attempt, label, thisArg));
    } catch (error) {
      if (attempt > count || !isRetryable(error, on) || signal?.aborted) throw error;
      if (error instanceof OutOfMemoryError && escalate !== undefined) {
        resources = escalated(resources, escalate, scheduler.taskLimit);
      }
    }
  }
}

/**
 * The resources for the attempt after an out-of-memory failure: each escalated field of the failed
 * attempt multiplied by its factor (so x2, x4, ... over attempts), rounded up, capped at the limit
 * and at what the scheduler can give one task.
 */
export function escalated(failed: ResolvedResources, escalate: Escalation, capacity?: TaskLimit): ResolvedResources {
  const grow = (value: number, factor: number | undefined, limit: number, step: number) =>
    factor === undefined ? value : Math.max(value, Math.min(limit, roundUpTo(value * factor, step)));
  return {
    ...failed,
    cpu: grow(failed.cpu, escalate.cpu, Math.min(LIMITS.cpu, capacity?.cpu ?? Infinity), MIN_CPU),
    memoryGiB: grow(failed.memoryGiB, escalate.memory, Math.min(LIMITS.memoryGiB, capacity?.memoryGiB ?? Infinity), MIB_IN_GIB),
    ...(failed.storageGiB !== undefined && {
      storageGiB: grow(failed.storageGiB, escalate.storage, Math.min(LIMITS.storageGiB, capacity?.storageGiB ?? Infinity), MIB_IN_GIB),
    }),
  };
}

const MIB_IN_GIB = 1 / 1024;
