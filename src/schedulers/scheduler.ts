/**
 * The adapter contract between a task call and wherever it runs. A scheduler receives one
 * invocation per attempt, with the resources already resolved, validated and within limits, and
 * settles with the task's result or a typed error. Retries live above this contract (the task
 * layer re-invokes with escalated resources), so an adapter only ever runs one attempt.
 */
import type { ResolvedResources } from "../resources/spec.js";
import type { TaskRef } from "../task/metadata.js";

export interface Invocation<R = unknown> {
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
  /** Aborting it cancels the call: the scheduler frees the resources and rejects with `TaskCancelledError`. */
  readonly signal: AbortSignal | undefined;
  /** Where the task is defined, for schedulers that run it in another process. */
  readonly task: TaskRef;
  /**
   * The instance a decorated method was called on (the class, for a static method); undefined for
   * a wrapped function. A scheduler that runs the task in another process sends its own
   * enumerable fields (worker-request.ts).
   */
  readonly self?: unknown;
  /** Runs the task's function in this process (with the caller's `this`), for in-process schedulers. */
  readonly execute: () => Promise<R>;
}

export interface Scheduler {
  /** Shown in errors: "can never run on <name>". */
  readonly name: string;
  /** The most one task can get here; escalation after out-of-memory stops at it. */
  readonly capacity?: { readonly cpu: number; readonly memoryGiB: number; readonly storageGiB?: number | undefined };
  /** Runs one attempt of one call. */
  run<R>(invocation: Invocation<R>): Promise<R>;
}

/**
 * The same invocation with some fields replaced, as a layer over it: a spread would drop methods
 * such as `execute` of a class instance. So a scheduler reads an invocation's fields by name and
 * never spreads one.
 */
export function layered<R>(invocation: Invocation<R>, fields: Partial<Pick<Invocation<R>, "resources" | "signal">>): Invocation<R> {
  const properties: PropertyDescriptorMap = {};
  for (const [key, value] of Object.entries(fields)) properties[key] = { value, enumerable: true };
  return Object.create(invocation, properties) as Invocation<R>;
}
