/**
 * Resolution: a compiled spec plus the call's arguments gives `ResolvedResources`. The static path
 * returns the resolution compiled at decoration time; the dynamic path calls each resource function
 * with exactly the task's arguments and validates only what the functions returned, by the rules
 * of the table of fields (each function's rule and the spec's source were looked up at compilation).
 */
import { ResourceResolutionError } from "../errors.js";
import type { CompiledSpec, DynamicField } from "./compile.js";
import { applyLimit, type ClampRecord, type OverLimitPolicy, warnClamped } from "./limits.js";
import { type FieldRuleOf, type LimitedField, RULE_OF_FIELD } from "./fields.js";
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
  const { functions } = spec;
  const results: unknown[] = new Array(functions.length);
  let async = false;
  let i = 0;
  for (const dynamic of functions) {
    let value: unknown;
    try {
      // Called as a plain function: `this` is undefined, as for any callback.
      value = Reflect.apply(dynamic.fn, undefined, args);
    } catch (cause) {
      throw threw(dynamic, cause, results.slice(0, i), task, args);
    }
    if (isThenable(value)) {
      async = true;
      value = settledBy(dynamic, value, task, args);
    }
    results[i++] = value;
  }
  if (async) return Promise.all(results).then((values) => finish(spec, task, args, values, policy));
  return settle ? finish(spec, task, args, results, policy, true) : finish(spec, task, args, results, policy);
}

// What a function's throw and rejection become: out of line, so that the loop above stays small
// enough for V8 to inline.

/** The error for a function that threw; `made` are the results of the functions called before it. */
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

function finish(spec: CompiledSpec, task: string, args: readonly unknown[], results: readonly unknown[], policy: OverLimitPolicy): ResolvedResources;
function finish(spec: CompiledSpec, task: string, args: readonly unknown[], results: readonly unknown[], policy: OverLimitPolicy, settle: true): Promise<ResolvedResources>;
function finish(
  spec: CompiledSpec,
  task: string,
  args: readonly unknown[],
  results: readonly unknown[],
  policy: OverLimitPolicy,
  settle?: true,
): ResolvedResources | Promise<ResolvedResources> {
  // The fast path: every value valid and within its limit, read without a result object. Anything
  // else (an invalid value, one over a limit, a GPU type) is left to `checked`, which reads them
  // all again with the parsers and says what is wrong, field by field in order.
  const { functions } = spec;
  // Locals, not a copy of the spec's values to fill in: one object is made per call, the resolution.
  let { cpu, memoryGiB, storageGiB, gpu } = spec.values;
  let i = 0;
  for (const { field } of functions) {
    const raw = results[i++];
    // Each field's reader is called at a place of its own: V8 sees one reader there and inlines it.
    let reading: number | undefined;
    switch (field) {
      case "cpu":
        reading = cpu = within(RULE_OF_FIELD.cpu, raw, RULE_OF_FIELD.cpu.read(raw));
        break;
      case "memoryGiB":
        reading = memoryGiB = within(RULE_OF_FIELD.memoryGiB, raw, RULE_OF_FIELD.memoryGiB.read(raw));
        break;
      case "storageGiB":
        reading = storageGiB = within(RULE_OF_FIELD.storageGiB, raw, RULE_OF_FIELD.storageGiB.read(raw));
        break;
      case "gpu":
        reading = gpu = within(RULE_OF_FIELD.gpu, raw, RULE_OF_FIELD.gpu.read(raw));
        break;
      case "gpuType":
        // A name, not a number: its parser reads it.
        reading = Number.NaN;
        break;
      default:
        field satisfies never;
    }
    if (Number.isNaN(reading)) return checked(spec, task, args, results, policy, settle);
  }
  const values = { cpu, memoryGiB, storageGiB, gpu, gpuType: spec.values.gpuType };
  return settle ? resolvedResources(values, spec.source, spec.clamped, settle) : resolvedResources(values, spec.source, spec.clamped);
}

/** A number field's reading on the fast path: undefined for "no request", NaN when only `checked` can say (invalid, or over the limit). */
function within(rule: FieldRuleOf<LimitedField>, raw: unknown, read: number): number | undefined {
  if (raw === 0 && rule.zeroMeansNone) return undefined;
  return read <= rule.limit.max ? read : Number.NaN;
}

/** Every function's value parsed in the fields' order: the first invalid one is the error; over a limit, the policy applies. */
function checked(
  spec: CompiledSpec,
  task: string,
  args: readonly unknown[],
  results: readonly unknown[],
  policy: OverLimitPolicy,
  settle: true | undefined,
): ResolvedResources | Promise<ResolvedResources> {
  const values = writableCopy(spec.values);
  let clamped: ClampRecord[] | undefined;
  let i = 0;
  for (const dynamic of spec.functions) {
    const raw = results[i++];
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
