/**
 * A task's spec as plain data: what `task.spec` shows and what reflect-metadata carries, for a
 * container or an admin UI listing tasks and what they ask for. Static values as compiled (rounded
 * up, limit-checked); a value computed at each call is named as a function, with its parameters.
 */
import type { CompiledSpec, DynamicField } from "../resources/compile.js";
import type { ClampRecord, OverLimitPolicy } from "../resources/limits.js";
import type { GpuType, PresetName } from "../resources/presets.js";
import type { ResourceField } from "../resources/fields.js";
import type { Escalation, RetryableCode } from "../resources/spec.js";
import { parameterNames } from "./parameter-names.js";

/** A value computed by a function of the task's arguments at each call. */
export interface DeclaredFunction {
  /** The function's name (an arrow function written in the spec is named after its key). */
  readonly function: string;
  /** Its parameters as written: null for a destructured one; null for all when unreadable (native, bound). */
  readonly parameters: readonly (string | null)[] | null;
}

/** A task's declared spec in plain data (JSON keeps all of it). */
export interface TaskSpec {
  /** The preset (`"small_task"`), or null for a custom task. */
  readonly preset: PresetName | null;
  /** unit: cores */
  readonly cpu: number | DeclaredFunction;
  /** unit: GiB */
  readonly memoryGiB: number | DeclaredFunction;
  /** unit: GiB; null: no scratch request (the scheduler's default) */
  readonly storageGiB: number | DeclaredFunction | null;
  /** unit: GPUs */
  readonly gpu: number | DeclaredFunction;
  /** null: any GPU type, or no GPU */
  readonly gpuType: GpuType | DeclaredFunction | null;
  /** unit: seconds; null: no timeout */
  readonly timeoutSeconds: number | null;
  readonly retries: { readonly count: number; readonly on: readonly RetryableCode[]; readonly escalate: Escalation | null };
  readonly overLimit: OverLimitPolicy;
  /** The calls' label, or the function giving it; null: none. */
  readonly label: string | DeclaredFunction | null;
  /** Static values lowered to a limit under `overLimit: "clamp"`. */
  readonly clamped: readonly ClampRecord[];
}

function declaredFunction(fn: (...args: never[]) => unknown): DeclaredFunction {
  const parameters = parameterNames(fn);
  return Object.freeze({
    function: fn.name || "anonymous",
    parameters: parameters === undefined ? null : Object.freeze(parameters.map((name) => name ?? null)),
  });
}

function declare(spec: CompiledSpec): TaskSpec {
  const dynamic = (field: ResourceField): DynamicField | undefined => spec.functions.find((f) => f.field === field);
  const numeric = (field: "cpu" | "memoryGiB" | "storageGiB" | "gpu"): number | DeclaredFunction | null => {
    const fn = dynamic(field);
    return fn !== undefined ? declaredFunction(fn.fn) : (spec.values[field] ?? null);
  };
  const required = (field: "cpu" | "memoryGiB" | "gpu"): number | DeclaredFunction => {
    const value = numeric(field);
    // compile.ts gives every spec these three; a spec without one is a bug here, not the user's.
    if (value === null) throw new Error(`a compiled spec without \`${field}\``);
    return value;
  };
  const gpuType = dynamic("gpuType");
  const { label, retries } = spec;
  return Object.freeze({
    preset: spec.preset ?? null,
    cpu: required("cpu"),
    memoryGiB: required("memoryGiB"),
    storageGiB: numeric("storageGiB"),
    gpu: required("gpu"),
    gpuType: gpuType !== undefined ? declaredFunction(gpuType.fn) : (spec.values.gpuType ?? null),
    timeoutSeconds: spec.timeoutSeconds ?? null,
    retries: Object.freeze({
      count: retries.count,
      on: Object.freeze([...retries.on]),
      escalate: retries.escalate === undefined ? null : Object.freeze({ ...retries.escalate }),
    }),
    overLimit: spec.overLimit,
    label: typeof label === "function" ? declaredFunction(label) : (label ?? null),
    clamped: Object.freeze(spec.clamped.map((record) => Object.freeze({ ...record }))),
  });
}

const declared = new WeakMap<CompiledSpec, TaskSpec>();

/** The plain-data form of a compiled spec, made once per spec. */
export function declaredSpec(spec: CompiledSpec): TaskSpec {
  let made = declared.get(spec);
  if (made === undefined) {
    made = declare(spec);
    declared.set(spec, made);
  }
  return made;
}
