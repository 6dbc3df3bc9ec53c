/**
 * How a function becomes a task: a callable with the same parameters that resolves its resources
 * and runs on a scheduler, plus `taskName`, `spec`, `fn`, `resolve()` and `with()`.
 */
import { ConfigurationError } from "../errors.js";
import { applyOverrides, type CompiledSpec } from "../resources/compile.js";
import { resolveLabel } from "../resources/label.js";
import { resolveSettled, type ResolveOptions } from "../resources/resolve.js";
import type { ResolvedResources } from "../resources/spec.js";
import type { PlannedCall, Scheduler } from "../contract/scheduler.js";
import { checkArgumentOrder } from "./argument-order.js";
import { declaredSpec } from "./declared-spec.js";
import { callTask } from "./call.js";
import { getDefinition, setDefinition, type TaskDefinition } from "./metadata.js";
import { callerModule } from "./caller.js";
import { currentGroup } from "./group.js";
import { nextRef, registerTask } from "./registry.js";
import type { AnyFunction, CallOverrides, Task } from "./types.js";

interface Binding {
  readonly scheduler: Scheduler | undefined;
  readonly signal: AbortSignal | undefined;
}

const UNBOUND: Binding = { scheduler: undefined, signal: undefined };

/** How a task is being defined: its name, whether it is a class method, and the public function applied. */
export interface Definition {
  readonly name: string;
  readonly method: boolean;
  /** The decorator or wrapper the user's code called: the frame above it is the defining module. */
  readonly entry: (...args: never[]) => unknown;
}

/** Defines a task from a function and its compiled spec, and registers it by name. */
export function defineTask(fn: AnyFunction, spec: CompiledSpec, { name, method, entry }: Definition): Task {
  checkArgumentOrder(fn, spec, name);
  const ref = Object.freeze(nextRef(name, callerModule(entry)));
  const definition: TaskDefinition = Object.freeze({ name, method, spec, fn, ref });
  registerTask(definition);
  return makeTask(definition, UNBOUND, undefined);
}

/**
 * The callable for a definition. `thisArg` undefined means "the `this` of the call", which is
 * what keeps `this` for a decorated method called as `instance.method(...)`.
 */
function makeTask(definition: TaskDefinition, binding: Binding, thisArg: unknown): Task {
  const context = { ...definition, ...binding };
  const task = function (this: unknown, ...args: unknown[]) {
    const group = currentGroup();
    if (group === undefined) return callTask(context, thisArg ?? this, args);
    // Inside a taskGroup: the call carries the group's signal too, and the group waits for it.
    const signal = context.signal === undefined ? group.signal : AbortSignal.any([context.signal, group.signal]);
    return group.track(callTask({ ...context, signal }, thisArg ?? this, args));
  } as unknown as Task;
  Object.defineProperty(task, "name", { value: definition.name });
  Object.defineProperties(task, {
    taskName: { value: definition.name, enumerable: true },
    spec: { get: () => declaredSpec(definition.spec), enumerable: true },
    fn: { value: definition.fn },
    resolve: { value: (...args: unknown[]) => resolveDefinition(definition, args) },
    with: { value: (overrides: CallOverrides) => withOverrides(definition, binding, thisArg, overrides) },
  });
  setDefinition(task, definition);
  return task;
}

function withOverrides(definition: TaskDefinition, binding: Binding, thisArg: unknown, overrides: CallOverrides): Task {
  const { scheduler, signal, ...resources } = (overrides ?? {}) as CallOverrides;
  if (scheduler !== undefined && typeof (scheduler as { run?: unknown }).run !== "function") {
    throw new ConfigurationError({ task: definition.name, field: "scheduler", value: scheduler, expected: "a Scheduler (an object with a run() method)" });
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new ConfigurationError({ task: definition.name, field: "signal", value: signal, expected: "an AbortSignal" });
  }
  const spec = Object.keys(resources).length > 0 ? applyOverrides(definition.spec, resources, definition.name) : definition.spec;
  if (spec !== definition.spec) checkArgumentOrder(definition.fn, spec, definition.name);
  const next: TaskDefinition = spec === definition.spec ? definition : Object.freeze({ ...definition, spec });
  return makeTask(next, { scheduler: scheduler ?? binding.scheduler, signal: signal ?? binding.signal }, thisArg);
}

function resolveDefinition(definition: TaskDefinition, args: readonly unknown[], options?: ResolveOptions): Promise<ResolvedResources> {
  return resolveSettled(definition.spec, definition.name, args, options);
}

/**
 * What a call of `task` with `args` would request. `task` is a wrapped function, or a decorated
 * method as `instance.method` or `Class.prototype.method`.
 */
export function resolveResources<A extends readonly unknown[]>(
  task: (...args: A) => unknown,
  args: A,
  options?: ResolveOptions,
): Promise<ResolvedResources> {
  const definition = getDefinition(task);
  if (definition === undefined) {
    return Promise.reject(
      new ConfigurationError({
        value: task,
        expected: "a taskfit task: a function wrapped by a preset or customTask, or a decorated method",
      }),
    );
  }
  if (!Array.isArray(args)) {
    return Promise.reject(
      new ConfigurationError({ task: definition.name, field: "args", value: args, expected: "the task's arguments as an array" }),
    );
  }
  return resolveDefinition(definition, args, options);
}

/**
 * The Task behind a decorated method (typed as the method), optionally bound to an instance:
 * `asTask(aligner.align, aligner).with({ cpu: 16 })(files)`.
 */
export function asTask<F extends AnyFunction>(method: F, thisArg?: unknown): Task<Parameters<F>, ReturnType<F>> {
  const definition = getDefinition(method);
  if (definition === undefined) {
    throw new ConfigurationError({
      value: method,
      expected: "a taskfit task: a function wrapped by a preset or customTask, or a decorated method",
    });
  }
  return makeTask(definition, UNBOUND, thisArg) as unknown as Task<Parameters<F>, ReturnType<F>>;
}

export async function planCall<A extends readonly unknown[]>(task: (...args: A) => unknown, args: A): Promise<PlannedCall> {
  const resources = await resolveResources(task, args);
  const definition = getDefinition(task) as TaskDefinition;
  const label = await resolveLabel(definition.spec.label, definition.name, args);
  return { taskName: definition.name, label, resources, args, attempt: 1, timeoutSeconds: definition.spec.timeoutSeconds, task: definition.ref };
}
