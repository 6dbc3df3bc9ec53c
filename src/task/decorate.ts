/**
 * One runtime function serves every way a task decorator is applied, by the shape of the call:
 *   wrapper        (fn)                                  → a Task
 *   TC39 method    (method, { kind: "method", name })    → the replacement method (a Task)
 *   legacy method  (prototype, key, descriptor)          → the descriptor, its value replaced
 * The spec is compiled at application, when the task's name is known, so a bad static value fails
 * at import with the task named in the error.
 */
import { ResourceSpecError } from "../errors.js";
import type { CompiledSpec } from "../resources/compile.js";
import { defineReflectMetadata } from "./metadata.js";
import { defineTask, type Definition } from "./task.js";
import { isWorkerProcess } from "./worker-guard.js";
import type { AnyFunction } from "./types.js";

/** Names esbuild/terser give when minifying (`a`, `Ke`), a missing name, rollup's `name$1`. */
const BUNDLER_MADE = /^(?:[A-Za-z_$][\w$]?|anonymous|.+\$\d+)$/;
const warned = new Set<string>();

/**
 * The task name a wrapped function gets: its own name. A bundler can rename functions (minifying
 * to `a`, or rollup's `myTask$1`); such a name still works within that bundle (its workers import
 * the same bundle) but says nothing in a report and changes between builds, so it is warned about
 * once. An explicit `name` option never is.
 */
function taskNameOf(fn: AnyFunction): string {
  const name = fn.name || "anonymous";
  // A worker imports the same bundle: the program that defined the task first has warned already.
  if (BUNDLER_MADE.test(name) && !warned.has(name) && !isWorkerProcess()) {
    warned.add(name);
    process.emitWarning(
      `Task name \`${name}\` looks made by a bundler or minifier; pass { name: "..." } in the task's options, or keep names when bundling (esbuild --keep-names)`,
      { code: "TASKFIT_TASK_NAME", type: "TaskfitWarning" },
    );
  }
  return name;
}

export type CompileFor = (taskName: string) => CompiledSpec;

/** Defines the task; where reflect-metadata is loaded, the task carries its metadata too. */
function define(fn: AnyFunction, spec: CompiledSpec, definition: Definition): AnyFunction {
  const task = defineTask(fn, spec, definition);
  defineReflectMetadata(task);
  return task;
}

interface MethodContext {
  readonly kind: string;
  readonly name: string | symbol;
}

function isMethodContext(value: unknown): value is MethodContext {
  return typeof value === "object" && value !== null && "kind" in value && "name" in value;
}

function isDescriptor(value: unknown): value is PropertyDescriptor {
  return typeof value === "object" && value !== null && ("value" in value || "get" in value || "set" in value);
}

/** True when `args` is the shape of a decorator or wrapper application rather than options. */
export function isApplication(args: readonly unknown[]): boolean {
  return (
    (typeof args[0] === "function" && args.length === 1) ||
    (typeof args[0] === "function" && isMethodContext(args[1])) ||
    (args.length === 3 && typeof args[0] === "object" && isDescriptor(args[2])) ||
    (args.length === 3 && typeof args[0] === "function" && isDescriptor(args[2]))
  );
}

/**
 * Applies a task decorator in whichever of the three shapes `args` has. `entry` is the public
 * function the user's code called (the decorator or wrapper): the frame above it is the module
 * that defines the task.
 */
export function applyTaskDecorator(
  what: string,
  name: string | undefined,
  compile: CompileFor,
  args: readonly unknown[],
  entry: (...args: never[]) => unknown,
): unknown {
  const [first, second, third] = args;
  if (isDescriptor(third)) {
    const key = String(second as string | symbol);
    const method: unknown = third.value;
    if (typeof method !== "function") {
      throw new ResourceSpecError({ task: key, value: method, expected: `${what} on a method or a function (not a getter, setter or field)` });
    }
    const taskName = name ?? key;
    third.value = define(method as AnyFunction, compile(taskName), { name: taskName, method: true, entry });
    return third;
  }
  if (typeof first !== "function") {
    throw new ResourceSpecError({ value: first, expected: `${what} applied to a function or a class method` });
  }
  if (isMethodContext(second)) {
    const key = String(second.name);
    if (second.kind !== "method") {
      throw new ResourceSpecError({ task: key, value: second.kind, expected: `${what} on a method or a function (decorator kind "method")` });
    }
    const taskName = name ?? key;
    return define(first as AnyFunction, compile(taskName), { name: taskName, method: true, entry });
  }
  const taskName = name ?? taskNameOf(first as AnyFunction);
  return define(first as AnyFunction, compile(taskName), { name: taskName, method: false, entry });
}
