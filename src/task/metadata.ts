/**
 * Where a task's definition is kept: a WeakMap keyed by the function a user holds (the wrapper, or
 * the method that replaced the original on the class). No reflect-metadata or Symbol.metadata is
 * needed, so nothing global is patched and both decorator modes share one store.
 */
import type { CompiledSpec } from "../resources/compile.js";
import type { TaskRef } from "../contract/scheduler.js";
import type { AnyFunction } from "./types.js";

export type { TaskRef };

export interface TaskDefinition {
  readonly name: string;
  /** A decorated class method (its `this` is the instance), rather than a wrapped function. */
  readonly method: boolean;
  readonly spec: CompiledSpec;
  readonly fn: AnyFunction;
  readonly ref: TaskRef;
}

// On globalThis for the same reason as the registry: one store for every copy of taskfit loaded.
const STORE = Symbol.for("taskfit.definitions");
const definitions: WeakMap<AnyFunction, TaskDefinition> = ((globalThis as Record<symbol, unknown>)[STORE] ??=
  new WeakMap()) as WeakMap<AnyFunction, TaskDefinition>;

export function setDefinition(task: AnyFunction, definition: TaskDefinition): void {
  definitions.set(task, definition);
}

export function getDefinition(task: unknown): TaskDefinition | undefined {
  return typeof task === "function" ? definitions.get(task as AnyFunction) : undefined;
}
