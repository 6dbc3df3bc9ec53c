/**
 * Resolution: a compiled spec plus the call's arguments gives `ResolvedResources`. The static path
 * returns the resolution compiled at decoration time; the dynamic path calls each resource function
 * with exactly the task's arguments and validates only what the functions returned, by the rules
 * of the table of fields (each function's rule and the spec's source were looked up at compilation).
 */
import { ResourceResolutionError } from "../errors.js";
import type { CompiledSpec, DynamicField } from "./compile.js";
import { applyLimit, type ClampRecord, type OverLimitPolicy, warnClamped } from "./limits.js";
import { type FieldRuleOf, type LimitedField, RULE_OF_FIELD, type StaticValues } from "./fields.js";
import { resolvedResources, setNumber, writableCopy } from "./resolved.js";
import type { ResolvedResources } from "./spec.js";

export interface ResolveOptions {
  /** What a function-computed value over `LIMITS` does. @default the task's `overLimit` */
  readonly overLimit?: OverLimitPolicy;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null && "then" in value && typeof value.then === "function";
}

/**
 * Resolves a compiled spec against one call's arguments. Returns synchronously when nothing is
 * async, so callers on a hot path can skip a microtask.
 */
export function resolveCompiled(
  spec: CompiledSpec,
  task: string,
  args: readonly unknown[],
  options?: ResolveOptions,
): ResolvedResources | Promise<ResolvedResources> {
  if (spec.fixed !== undefined) return spec.fixed;
  return resolveDynamic(spec, task, args, options?.overLimit ?? spec.overLimit, false);
}

/**
 * The same resolution as a Promise, always (`resolveResources`, `task.resolve`): a static spec's is
 * made once at compilation; errors become rejections.
 */
export function resolveSettled(spec: CompiledSpec, task: string, args: readonly unknown[], options?: ResolveOptions): Promise<ResolvedResources> {
  if (spec.settled !== undefined) return spec.settled;
  try {
    return resolveDynamic(spec, task, args, options?.overLimit ?? spec.overLimit, true);
  } catch (error) {
    return Promise.reject(error);
  }
}

function resolveDynamic(spec: CompiledSpec, task: string, args: readonly unknown[], policy: OverLimitPolicy, settle: true): Promise<ResolvedResources>;
function resolveDynamic(spec: CompiledSpec, task: string, args: readonly unknown[], policy: OverLimitPolicy, settle: false): ResolvedResources | Promise<ResolvedResources>;
function resolveDynamic(
  spec: CompiledSpec,
  task: string,
  args: readonly unknown[],
  policy: OverLimitPolicy,
  settle: boolean,
): ResolvedResources | Promise<ResolvedResources> {
  // The fast path reads each value as its function returns it: valid and within its limit, read
  // without a result object into locals (one object is made per call, the resolution). From the
  // first value it cannot take (a promise, an invalid value, one over a limit, a GPU type), the
  // values are kept as returned and `checked` takes them once every function has been called.
  let { cpu, memoryGiB, storageGiB, gpu } = spec.values;
  let rest: unknown[] | undefined;
  let from = 0;
  let async = false;
  for (const dynamic of spec.functions) {
    let value: unknown;
    try {
      // Called as a plain function: `this` is undefined, as for any callback.
      value = Reflect.apply(dynamic.fn, undefined, args);
    } catch (cause) {
      throw threw(dynamic, cause, rest ?? [], task, args);
    }
    if (rest === undefined) {
      // Each field's reader is called at a place of its own, where V8 sees one reader and inlines it.
      // A reader runs no code of the user's (no getter, no valueOf, no `then`): reading a value now
      // or once every function has been called is the same. A promise or any other object reads NaN.
      let reading: number | undefined;
      switch (dynamic.field) {
        case "cpu":
          reading = cpu = within(RULE_OF_FIELD.cpu, value, RULE_OF_FIELD.cpu.read(value));
          break;
        case "memoryGiB":
          reading = memoryGiB = within(RULE_OF_FIELD.memoryGiB, value, RULE_OF_FIELD.memoryGiB.read(value));
          break;
        case "storageGiB":
          reading = storageGiB = within(RULE_OF_FIELD.storageGiB, value, RULE_OF_FIELD.storageGiB.read(value));
          break;
        case "gpu":
          reading = gpu = within(RULE_OF_FIELD.gpu, value, RULE_OF_FIELD.gpu.read(value));
          break;
        case "gpuType":
          // A name, not a number: its parser reads it.
          reading = Number.NaN;
          break;
        default:
          dynamic.field satisfies never;
      }
      if (!Number.isNaN(reading)) {
        from++;
        continue;
      }
      rest = [];
    }
    if (isThenable(value)) {
      async = true;
      value = settledBy(dynamic, value, task, args);
    }
    rest.push(value);
  }
  const read = { cpu, memoryGiB, storageGiB, gpu, gpuType: spec.values.gpuType };
  if (rest === undefined) return settle ? resolvedResources(read, spec.source, spec.clamped, true) : resolvedResources(read, spec.source, spec.clamped);
  if (async) return Promise.all(rest).then((values) => checked(spec, task, args, policy, false, read, from, values));
  return checked(spec, task, args, policy, settle, read, from, rest);
}

// What a function's throw and rejection become: out of line, so that the loop above stays small.

/** The error for a function that threw; `made` are results of functions called before it (promises among them). */
function threw({ key, fn }: DynamicField, cause: unknown, made: readonly unknown[], task: string, args: readonly unknown[]): ResourceResolutionError {
  // Promises already made by earlier functions are abandoned: keep their rejections handled.
  for (const result of made) if (result instanceof Promise) result.catch(() => {});
  return new ResourceResolutionError({ task, field: key, cause, fn, args });
}

/** An async function's result, its rejection made a `ResourceResolutionError`. */
function settledBy({ key, fn }: DynamicField, value: PromiseLike<unknown>, task: string, args: readonly unknown[]): Promise<unknown> {
  return Promise.resolve(value).then(undefined, (cause: unknown) => {
    throw new ResourceResolutionError({ task, field: key, cause, fn, args });
  });
}

/** A number field's reading on the fast path: undefined for "no request", NaN when only `checked` can say (invalid, or over the limit). */
function within(rule: FieldRuleOf<LimitedField>, raw: unknown, read: number): number | undefined {
  if (raw === 0 && rule.zeroMeansNone) return undefined;
  return read <= rule.limit.max ? read : Number.NaN;
}

/**
 * The values the fast path did not take, from the function at `from` on (`rest`), parsed in the
 * fields' order over what it read: the first invalid one is the error; over a limit, the policy applies.
 */
function checked(
  spec: CompiledSpec,
  task: string,
  args: readonly unknown[],
  policy: OverLimitPolicy,
  settle: boolean,
  read: Readonly<StaticValues>,
  from: number,
  rest: readonly unknown[],
): ResolvedResources | Promise<ResolvedResources> {
  const values = writableCopy(read);
  let clamped: ClampRecord[] | undefined;
  let i = 0;
  for (const dynamic of spec.functions.slice(from)) {
    const raw = rest[i++];
    const { rule } = dynamic;
    if (raw === 0 && rule.zeroMeansNone) {
      // 0 is "no request" (storage): the scheduler's default applies.
      values[rule.field] = undefined;
      continue;
    }
    // Narrowed by its limit, a rule's parser and field agree in type: a number under a limit, or a GPU type name.
    if (rule.limit === undefined) {
      const parsed = rule.parse(raw);
      if (!parsed.ok) throw invalid(dynamic, task, args, raw, parsed.expected);
      values[rule.field] = parsed.value;
      continue;
    }
    const parsed = rule.parse(raw);
    if (!parsed.ok) throw invalid(dynamic, task, args, raw, parsed.expected);
    let value = parsed.value;
    if (value > rule.limit.max) {
      clamped ??= [...spec.clamped];
      value = applyLimit(rule.field, dynamic.key, value, policy, task, clamped);
    }
    setNumber(values, rule.field, value);
  }
  if (clamped !== undefined) warnClamped(task, clamped.slice(spec.clamped.length));
  const { source } = spec;
  return settle ? resolvedResources(values, source, clamped ?? spec.clamped, settle) : resolvedResources(values, source, clamped ?? spec.clamped);
}

function invalid({ key, fn }: DynamicField, task: string, args: readonly unknown[], value: unknown, expected: string): ResourceResolutionError {
  return new ResourceResolutionError({ task, field: key, value, expected, fn, args });
}
