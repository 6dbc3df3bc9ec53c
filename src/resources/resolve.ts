/**
 * Resolution: a compiled spec plus the call's arguments gives `ResolvedResources`. The static path
 * returns the resolution compiled at decoration time; the dynamic path calls each resource function
 * with exactly the task's arguments and validates only what the functions returned, by the rules
 * of the table of fields.
 */
import { ResourceResolutionError } from "../errors.js";
import type { CompiledSpec, DynamicField } from "./compile.js";
import { RULE_OF_FIELD } from "./fields.js";
import { applyLimit, type ClampRecord, type OverLimitPolicy, warnClamped } from "./limits.js";
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
 * async, so callers on a hot path can skip a microtask; `resolveResources` wraps it in a Promise.
 */
export function resolveCompiled(
  spec: CompiledSpec,
  task: string,
  args: readonly unknown[],
  options?: ResolveOptions,
): ResolvedResources | Promise<ResolvedResources> {
  if (spec.fixed !== undefined) return spec.fixed;
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
      // Promises already made by earlier functions are abandoned: keep their rejections handled.
      for (const made of results.slice(0, i)) if (made instanceof Promise) made.catch(() => {});
      throw new ResourceResolutionError({ task, field: dynamic.key, cause, fn: dynamic.fn, args });
    }
    if (isThenable(value)) {
      async = true;
      value = Promise.resolve(value).then(undefined, (cause: unknown) => {
        throw new ResourceResolutionError({ task, field: dynamic.key, cause, fn: dynamic.fn, args });
      });
    }
    results[i++] = value;
  }
  const policy = options?.overLimit ?? spec.overLimit;
  if (!async) return finish(spec, task, args, results, policy);
  return Promise.all(results).then((values) => finish(spec, task, args, values, policy));
}

function finish(spec: CompiledSpec, task: string, args: readonly unknown[], results: readonly unknown[], policy: OverLimitPolicy): ResolvedResources {
  const values = writableCopy(spec.values);
  let clamped: ClampRecord[] | undefined;
  let i = 0;
  for (const dynamic of spec.functions) {
    const raw = results[i++];
    const rule = RULE_OF_FIELD[dynamic.field];
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
  return resolvedResources(values, sourceOf(spec), clamped ?? spec.clamped);
}

function invalid({ key, fn }: DynamicField, task: string, args: readonly unknown[], value: unknown, expected: string): ResourceResolutionError {
  return new ResourceResolutionError({ task, field: key, value, expected, fn, args });
}

// One source per spec, shared by its resolutions (frozen): the fields computed never change.
const sources = new WeakMap<CompiledSpec, ResolvedResources["source"]>();

function sourceOf(spec: CompiledSpec): ResolvedResources["source"] {
  let source = sources.get(spec);
  if (source === undefined) {
    const dynamic = Object.freeze(spec.functions.map((f) => f.field));
    const { preset, overridden } = spec;
    source = Object.freeze(spec.kind === "preset" && preset !== undefined ? { kind: "preset", preset, overridden } : { kind: "custom", dynamic, overridden });
    sources.set(spec, source);
  }
  return source;
}
