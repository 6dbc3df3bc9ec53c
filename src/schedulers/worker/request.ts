/**
 * The one place a scheduler turns an attempt into a worker request: the task's module (refused
 * before anything is submitted when there is none), the arguments and, for a method task, the
 * fields of the instance it was called on, all checked for what JSON would lose.
 */
import { TaskNotFoundError } from "../../errors.js";
import type { PlannedCall, TaskRef } from "../../contract/scheduler.js";
import type { ResolvedResources } from "../../resources/spec.js";
import { toWire } from "../wire.js";
import { WORKER_PROTOCOL, type WorkerRequest, type WorkerSelf } from "./protocol.js";

/** The module a worker must import to find the task; an error naming the fix when there is none. */
export function importableModule(taskName: string, ref: TaskRef): string {
  if (ref.module === undefined) throw new TaskNotFoundError({ task: taskName, module: undefined, found: [] });
  return ref.module;
}

/**
 * What crosses for a method task's `this`: its own enumerable fields as JSON (private `#fields`,
 * accessors and methods stay with the class, which the worker finds by name in the module).
 */
export function workerSelf(taskName: string, self: unknown): WorkerSelf | undefined {
  if (typeof self === "function") return { kind: "class", className: self.name };
  if (typeof self !== "object" || self === null || self === globalThis) return undefined;
  const className = (Object.getPrototypeOf(self) as { constructor?: { name?: string } } | null)?.constructor?.name ?? "Object";
  return { kind: "instance", className, fields: toWire({ ...self }, taskName, "field of `this`", "this") };
}

type Attempt = Pick<PlannedCall, "taskName" | "task" | "args" | "attempt" | "self">;

/** The request for one attempt; `module` replaces the task's module URL (a pod sees the image's path). */
export function workerRequest(
  attempt: Attempt,
  resources: ResolvedResources,
  gpus: readonly number[],
  module: string = importableModule(attempt.taskName, attempt.task),
): WorkerRequest {
  const { taskName } = attempt;
  const self = workerSelf(taskName, attempt.self);
  return {
    protocol: WORKER_PROTOCOL,
    kind: "run",
    ref: { name: attempt.task.name, index: attempt.task.index, module },
    args: toWire(attempt.args, taskName, "argument", "args"),
    resources,
    gpus: [...gpus],
    attempt: attempt.attempt,
    ...(self !== undefined && { self }),
  };
}
