/**
 * Where a task's definition is kept: a WeakMap keyed by the function a user holds (the wrapper, or
 * the method that replaced the original on the class). No reflect-metadata or Symbol.metadata is
 * needed, so nothing global is patched and both decorator modes share one store. Where an app has
 * loaded reflect-metadata (as NestJS-style apps do), a defined task also carries its metadata
 * under TASK_METADATA_KEY, for a DI container or an admin UI to list tasks and their resources.
 */
import { globalSlot } from "../global-slot.js";
import type { CompiledSpec } from "../resources/compile.js";
import type { TaskRef } from "../contract/scheduler.js";
import { declaredSpec, type TaskSpec } from "./declared-spec.js";
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

// One per process, as the registry: one store for every copy of taskfit loaded.
const definitions = globalSlot("definitions", () => new WeakMap<AnyFunction, TaskDefinition>());

export function setDefinition(task: AnyFunction, definition: TaskDefinition): void {
  definitions.set(task, definition);
}

export function getDefinition(task: unknown): TaskDefinition | undefined {
  return typeof task === "function" ? definitions.get(task as AnyFunction) : undefined;
}

/** The reflect-metadata key a task carries: `Reflect.getMetadata("taskfit:task", task)`. */
export const TASK_METADATA_KEY = "taskfit:task";

/** What a task carries under TASK_METADATA_KEY: plain data. */
export interface TaskMetadata {
  readonly name: string;
  /** A decorated class method, rather than a wrapped function. */
  readonly method: boolean;
  readonly spec: TaskSpec;
  /** Where it was defined: its module, and its place among that module's tasks of this name. */
  readonly ref: TaskRef;
}

/**
 * Puts the task's metadata on it with `Reflect.defineMetadata`, where something loaded that
 * (reflect-metadata); taskfit never loads it, since it patches `Reflect` for the whole process.
 */
export function defineReflectMetadata(task: AnyFunction): void {
  const define: unknown = Reflect.get(Reflect, "defineMetadata");
  const definition = definitions.get(task);
  if (typeof define !== "function" || definition === undefined) return;
  const { name, method, spec, ref } = definition;
  const metadata: TaskMetadata = Object.freeze({ name, method, spec: declaredSpec(spec), ref });
  Reflect.apply(define, Reflect, [TASK_METADATA_KEY, metadata, task]);
}
