/**
 * Resolution: a compiled spec plus the call's arguments gives `ResolvedResources`. The static path
 * returns the resolution compiled at decoration time; the dynamic path calls each resource function
 * with exactly the task's arguments and validates only what the functions returned.
 */
import { ResourceResolutionError } from "../errors.js";
import type { CompiledSpec, DynamicField } from "./compile.js";
import { isNoStorage } from "./compile.js";
import { expectedGpuType, isGpuTypeName } from "./gpu-types.js";
import { applyLimit, type ClampRecord, LIMITS, type OverLimitPolicy, warnClamped } from "./limits.js";
import type { GpuType } from "./presets.js";
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
  // Plain locals, not a spread of the static values: this runs on every call of a dynamic task.
  let { cpu, memoryGiB, storageGiB, gpu, gpuType } = spec.values;
  let clamped: ClampRecord[] | undefined;
  for (let i = 0; i < spec.functions.length; i++) {
    const { field, key, fn } = spec.functions[i] as DynamicField;
    const raw = results[i];
    if (field === "gpuType") {
      if (!isGpuTypeName(raw)) {
        throw new ResourceResolutionError({ task, field: key, value: raw, expected: expectedGpuType(), fn, args });
      }
      gpuType = raw;
      continue;
    }
    if (field === "storageGiB" && isNoStorage(raw)) {
      storageGiB = undefined;
      continue;
    }
    const parsed = PARSERS[field](raw);
    if (!parsed.ok) throw new ResourceResolutionError({ task, field: key, value: raw, expected: parsed.expected, fn, args });
    let value = parsed.value;
    if (value > LIMITS[field]) {
      clamped ??= [...spec.clamped];
      value = applyLimit(field, key, value, policy, task, clamped);
    }
    if (field === "cpu") cpu = value;
    else if (field === "memoryGiB") memoryGiB = value;
    else if (field === "storageGiB") storageGiB = value;
    else gpu = value;
  }
  if (clamped !== undefined) warnClamped(task, clamped.slice(spec.clamped.length));
  return resolved(cpu as number, memoryGiB as number, storageGiB, gpu ?? 0, gpuType, sourceOf(spec), clamped ?? spec.clamped);
}

// One source per spec, shared by its resolutions (frozen): the fields computed never change.
const sources = new WeakMap<CompiledSpec, ResolvedResources["source"]>();

function sourceOf(spec: CompiledSpec): ResolvedResources["source"] {
  let source = sources.get(spec);
  if (source === undefined) {
    const dynamic = Object.freeze(spec.functions.map((f) => f.field));
    source = Object.freeze(
      spec.kind === "preset"
        ? { kind: "preset" as const, preset: spec.preset as NonNullable<CompiledSpec["preset"]>, overridden: spec.overridden }
        : { kind: "custom" as const, dynamic, overridden: spec.overridden },
    );
    sources.set(spec, source);
  }
  return source;
}

/** The resolution, fields in one order (JSON output keeps it) and absent ones left out. */
function resolved(
  cpu: number,
  memoryGiB: number,
  storageGiB: number | undefined,
  gpu: number,
  gpuType: GpuType | undefined,
  source: ResolvedResources["source"],
  clamped: readonly ClampRecord[],
): ResolvedResources {
  // A function may decide on no GPU; a GPU type then describes nothing and is left out.
  const typed = gpuType !== undefined && gpu > 0;
  if (storageGiB === undefined) return typed ? { cpu, memoryGiB, gpu, gpuType, source, clamped } : { cpu, memoryGiB, gpu, source, clamped };
  return typed ? { cpu, memoryGiB, storageGiB, gpu, gpuType, source, clamped } : { cpu, memoryGiB, storageGiB, gpu, source, clamped };
}
