/**
 * Where a task's definition is kept: a WeakMap keyed by the function a user holds (the wrapper, or
 * the method that replaced the original on the class). No reflect-metadata or Symbol.metadata is
 * needed, so nothing global is patched and both decorator modes share one store.
 */
import type { CompiledSpec } from "../resources/compile.js";
import type { AnyFunction } from "./types.js";

export interface TaskDefinition {
  readonly name: string;
  readonly spec: CompiledSpec;
  readonly fn: AnyFunction;
}

const definitions = new WeakMap<AnyFunction, TaskDefinition>();

export function setDefinition(task: AnyFunction, definition: TaskDefinition): void {
  definitions.set(task, definition);
}

export function getDefinition(task: unknown): TaskDefinition | undefined {
  return typeof task === "function" ? definitions.get(task as AnyFunction) : undefined;
}
