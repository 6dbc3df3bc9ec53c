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

/** One attempt as a scheduler sees it. A class, not a literal with a closure: calls queue by the thousand. */
class CallAttempt implements Invocation<unknown> {
  constructor(
    readonly taskName: string,
    readonly task: TaskRef,
    readonly resources: ResolvedResources,
    readonly args: readonly unknown[],
    readonly attempt: number,
    readonly timeoutSeconds: number | undefined,
    readonly signal: AbortSignal | undefined,
    readonly label: string | undefined,
    private readonly fn: AnyFunction,
    private readonly thisArg: unknown,
    private readonly method: boolean,
  ) {}

  /** The instance (or class, for a static method) a method task was called on. */
  get self(): unknown {
    return this.method ? this.thisArg : undefined;
  }

  execute(): Promise<unknown> {
    try {
      return Promise.resolve(this.fn.apply(this.thisArg, this.args as unknown[]));
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

export async function callTask(context: CallContext, thisArg: unknown, args: unknown[]): Promise<unknown> {
  const { name, spec, fn, signal } = context;
  if (isWorkerProcess()) {
    // Never a second level of workers (worker-guard.ts): inline inside the running task, else not at all.
    if (currentTask() === undefined) return callOutsideTask(name);
    return fn.apply(thisArg, args);
  }
  if (signal?.aborted) throw new TaskCancelledError({ task: name, reason: signal.reason });
  const scheduler = context.scheduler ?? getDefaultScheduler();
  const resolution = resolveCompiled(spec, name, args);
  // A static spec resolves synchronously: no extra tick on the hot path.
  let resources = resolution instanceof Promise ? await resolution : resolution;
  const labelled = spec.label === undefined ? undefined : resolveLabel(spec.label, name, args);
  const label = labelled instanceof Promise ? await labelled : labelled;
  const { count, escalate, on } = spec.retries;
  for (let attempt = 1; ; attempt++) {
    try {
      return await scheduler.run(
        new CallAttempt(name, context.ref, resources, args, attempt, spec.timeoutSeconds, signal, label, fn, thisArg, context.method),
      );
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
