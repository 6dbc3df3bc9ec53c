/**
 * Resolution: a compiled spec plus the call's arguments gives `ResolvedResources`. The static path
 * returns the resolution compiled at decoration time; the dynamic path calls each resource function
 * with exactly the task's arguments and validates only what the functions returned.
 */
import { ResourceResolutionError } from "../errors.js";
import type { CompiledSpec, DynamicField, StaticValues } from "./compile.js";
import { expectedGpuType, isNoStorage, parseGpuType } from "./compile.js";
import { applyLimit, type ClampRecord, type LimitedField, type OverLimitPolicy, warnClamped } from "./limits.js";
import { parseCpu, parseGiB, parseGpu, type Parsed } from "./quantity.js";
import type { ResolvedResources, ResourceField } from "./spec.js";

export interface ResolveOptions {
  /** What a function-computed value over `LIMITS` does. @default the task's `overLimit` */
  readonly overLimit?: OverLimitPolicy;
}

const PARSERS: Readonly<Record<Exclude<ResourceField, "gpuType">, (v: unknown) => Parsed>> = {
  cpu: parseCpu,
  memoryGiB: parseGiB,
  storageGiB: parseGiB,
  gpu: parseGpu,
};

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
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
  for (let i = 0; i < functions.length; i++) {
    const dynamic = functions[i] as DynamicField;
    let value: unknown;
    try {
      // Called as a plain function: `this` is undefined, as for any callback.
      value = Reflect.apply(dynamic.fn, undefined, args);
    } catch (cause) {
      // Promises already made by earlier functions are abandoned: keep their rejections handled.
      for (let j = 0; j < i; j++) if (results[j] instanceof Promise) (results[j] as Promise<unknown>).catch(() => {});
      throw new ResourceResolutionError({ task, field: dynamic.key, cause, fn: dynamic.fn, args });
    }
    if (isThenable(value)) {
      async = true;
      value = Promise.resolve(value).then(undefined, (cause: unknown) => {
        throw new ResourceResolutionError({ task, field: dynamic.key, cause, fn: dynamic.fn, args });
      });
    }
    results[i] = value;
  }
  const policy = options?.overLimit ?? spec.overLimit;
  if (!async) return finish(spec, task, args, results, policy);
  return Promise.all(results).then((values) => finish(spec, task, args, values, policy));
}

function finish(spec: CompiledSpec, task: string, args: readonly unknown[], results: readonly unknown[], policy: OverLimitPolicy): ResolvedResources {
  const values: StaticValues = { ...spec.values };
  const clamped: ClampRecord[] = spec.clamped.length > 0 ? [...spec.clamped] : [];
  const dynamicFields: ResourceField[] = [];
  for (let i = 0; i < spec.functions.length; i++) {
    const { field, key, fn } = spec.functions[i] as DynamicField;
    const raw = results[i];
    dynamicFields.push(field);
    if (field === "gpuType") {
      if (!parseGpuType(raw)) {
        throw new ResourceResolutionError({ task, field: key, value: raw, expected: expectedGpuType(), fn, args });
      }
      values.gpuType = raw;
      continue;
    }
    if (field === "storageGiB" && isNoStorage(raw)) {
      delete values.storageGiB;
      continue;
    }
    const parsed = PARSERS[field](raw);
    if (!parsed.ok) throw new ResourceResolutionError({ task, field: key, value: raw, expected: parsed.expected, fn, args });
    values[field] = applyLimit(field as LimitedField, key, parsed.value, policy, task, clamped);
  }
  if (clamped.length > spec.clamped.length) warnClamped(task, clamped.slice(spec.clamped.length));
  const gpu = values.gpu ?? 0;
  const source =
    spec.kind === "preset"
      ? { kind: "preset" as const, preset: spec.preset as NonNullable<CompiledSpec["preset"]>, overridden: spec.overridden }
      : { kind: "custom" as const, dynamic: dynamicFields, overridden: spec.overridden };
  return {
    cpu: values.cpu as number,
    memoryGiB: values.memoryGiB as number,
    ...(values.storageGiB !== undefined && { storageGiB: values.storageGiB }),
    gpu,
    // A function may decide on no GPU; a GPU type then describes nothing and is left out.
    ...(values.gpuType !== undefined && gpu > 0 && { gpuType: values.gpuType }),
    source,
    clamped,
  };
}
