/**
 * The public types of a task, and the compile-time rule of the seed: a resource function receives
 * exactly the task's arguments, so it may only take a prefix of the task's parameters, each of a
 * type the task's argument is assignable to.
 */
import type { OverLimitPolicy } from "../resources/limits.js";
import type { Duration } from "../resources/quantity.js";
import type { ResolveOptions } from "../resources/resolve.js";
import type { MaybePromise, ResolvedResources, ResourceFields, RetryPolicy } from "../resources/spec.js";
import type { Scheduler } from "../contract/scheduler.js";
import type { TaskSpec } from "./declared-spec.js";

// biome-ignore lint: any is needed to accept every function
export type AnyFunction = (...args: any[]) => any;

/**
 * Per-call overrides: `task.with({ cpu: 8, scheduler, signal })`. The resource keys are the table's
 * (resources/fields.ts); their functions get the task's arguments.
 */
export interface CallOverrides<A extends readonly unknown[] = readonly unknown[]> extends ResourceFields<A> {
  readonly timeout?: Duration;
  /** This call's label (or a function of its arguments): shown with the task's name everywhere and in job names. */
  readonly label?: string | ((...args: A) => MaybePromise<string>);
  readonly retries?: RetryPolicy;
  readonly overLimit?: OverLimitPolicy;
  /** Where this call runs. @default getDefaultScheduler() */
  readonly scheduler?: Scheduler;
  /** Aborting it cancels the call with `TaskCancelledError`. */
  readonly signal?: AbortSignal;
}

/** A function made into a task: call it as before; it resolves its resources and runs on a scheduler. */
export interface Task<A extends readonly unknown[] = readonly unknown[], R = unknown> {
  (...args: A): Promise<Awaited<R>>;
  readonly taskName: string;
  /** What the task declares, as plain data. */
  readonly spec: TaskSpec;
  /** The original function. */
  readonly fn: (...args: A) => R;
  /** What a call with these arguments would request, without running it. */
  resolve(...args: A): Promise<ResolvedResources>;
  /** The same task with some resources, options, the scheduler or a signal replaced, for one call or many. */
  with(overrides: CallOverrides<A>): Task<A, R>;
}

/** The task type of a function type. */
export type TaskOf<F extends AnyFunction> = Task<Parameters<F>, ReturnType<F>>;

/** True when a resource function's parameters `P` may receive the task's arguments `A`. */
export type ParamsFit<A extends readonly unknown[], P extends readonly unknown[]> =
  // No parameter beyond the task's (with a rest parameter the task has no fixed length) ...
  (number extends A["length"] ? true : [Exclude<keyof P, keyof A>] extends [never] ? true : false) extends true
    ? // ... and each of the task's arguments assignable to the parameter that receives it.
      A extends readonly [...P, ...unknown[]]
      ? true
      : false
    : false;

/** The keys of spec `S` whose function takes more parameters than the task has. */
export type ExtraParameterKeys<S, A extends readonly unknown[]> = {
  [K in keyof S]-?: NonNullable<S[K]> extends (...params: infer P) => unknown
    ? number extends A["length"]
      ? never
      : [Exclude<keyof P, keyof A>] extends [never]
        ? never
        : K
    : never;
}[keyof S];

/** The keys of spec `S` whose function fits the task's arity but not the types of its arguments. */
export type MisfitKeys<S, A extends readonly unknown[]> = {
  [K in keyof S]-?: NonNullable<S[K]> extends (...params: infer P) => unknown
    ? ParamsFit<A, P> extends true
      ? never
      : K
    : never;
}[keyof S];

/** Where a resource function's parameters first disagree with the task's arguments: position (from 1), both types. */
export type FirstMismatch<A extends readonly unknown[], P extends readonly unknown[], Seen extends unknown[] = []> = P extends readonly [
  infer Param,
  ...infer Rest,
]
  ? A extends readonly [infer Arg, ...infer ArgRest]
    ? [Arg] extends [Param]
      ? FirstMismatch<ArgRest, Rest, [...Seen, 0]>
      : { readonly parameter: [...Seen, 0]["length"]; readonly expects: Param; readonly taskPasses: Arg }
    : never
  : never;

/**
 * Part of the decorated function's constraint: `unknown` when every resource function fits,
 * otherwise an object type the function is not assignable to, so the error lands on the task and
 * its one property names the problem and the offending keys.
 */
export type CheckSpec<S, F extends AnyFunction> = [ExtraParameterKeys<S, Parameters<F>>] extends [never]
  ? [MisfitKeys<S, Parameters<F>>] extends [never]
    ? unknown
    : {
        // Written out rather than named, so that the message shows each key's mismatch.
        readonly "taskfit: a resource function's parameter type differs from the task's argument at that position": {
          readonly [K in MisfitKeys<S, Parameters<F>> & keyof S]: NonNullable<S[K]> extends (...params: infer P) => unknown ? FirstMismatch<Parameters<F>, P> : never;
        };
      }
  : { readonly "taskfit: these resource functions take parameters the task does not have": ExtraParameterKeys<S, Parameters<F>> };

/** A method a task decorator may wrap: it must return a Promise, since a task call always does. */
// biome-ignore lint: any is needed to accept every method
export type AsyncMethod = (...args: any[]) => PromiseLike<unknown>;

/** Part of a method's constraint: a synchronous method is named as such rather than by a type mismatch. */
export type CheckAsync<F extends AnyFunction> = ReturnType<F> extends PromiseLike<unknown>
  ? unknown
  : { readonly "taskfit: a task method must be async (return a Promise), since a task call always does": ReturnType<F> };

/**
 * What `smallTask`, `smallTask({...})` and `customTask(...)` return: applicable to a function (gives
 * a Task), or to a class method under TC39 decorators or `experimentalDecorators`.
 */
export interface TaskDecorator<S = unknown> {
  // The check is an F-bounded constraint, not an intersection in the parameter: a parameter type
  // that mentions F stops TypeScript inferring F from a `function` expression (it is
  // context-sensitive through its `this`), while a constraint is checked after inference.
  // The method forms come first, and the wrapper form refuses a second argument: a decorator may
  // be called with more arguments than a signature takes, so a bad method would otherwise be
  // reported against the wrapper form first.
  <F extends AnyFunction & CheckAsync<F> & CheckSpec<S, F>>(
    target: object,
    propertyKey: string | symbol,
    descriptor: TypedPropertyDescriptor<F>,
  ): void;
  <This, F extends AnyFunction & CheckAsync<F> & CheckSpec<S, F>>(method: F, context: ClassMethodDecoratorContext<This, F>): F;
  <F extends AnyFunction & CheckSpec<S, F>>(fn: F, notAMethod?: undefined): TaskOf<F>;
}

export type { ResolveOptions };
