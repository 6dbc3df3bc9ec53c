/**
 * Turns what a user wrote (a preset, a custom spec, `.with()` overrides) into a `CompiledSpec`:
 * static values parsed, rounded up and limit-checked once, here, at decoration time; functions kept
 * for resolution. A spec with no functions carries its finished `ResolvedResources`, so resolving
 * it later does no validation at all.
 */
import type { z } from "zod";
import { ResourceSpecError } from "../errors.js";
import { checkLabelSpec, type LabelSpec } from "./label.js";
import { applyLimit, type ClampRecord, type LimitedField, type OverLimitPolicy, warnClamped } from "./limits.js";
import { expectedGpuType, isGpuTypeName } from "./gpu-types.js";
import { PRESETS, type GpuType, type PresetName } from "./presets.js";
import { type Parsed, parseCpu, parseDurationSeconds, parseGiB, parseGpu } from "./quantity.js";
import {
  CustomTaskSpecSchema,
  type Escalation,
  OverridesSchema,
  PresetOptionsSchema,
  type ResolvedResources,
  type ResourceField,
  type ResourceFn,
  DEFAULT_RETRY_ON,
  RETRYABLE_CODES,
  type RetryableCode,
  type RetryPolicy,
} from "./spec.js";

/** A resource field computed by a function at each call. */
export interface DynamicField {
  readonly field: ResourceField;
  /** The key the user wrote (`storage_gib`, `memory`, ...), for messages. */
  readonly key: string;
  readonly fn: ResourceFn<unknown>;
}

export interface StaticValues {
  cpu?: number;
  memoryGiB?: number;
  storageGiB?: number;
  gpu?: number;
  gpuType?: GpuType;
}

export interface CompiledSpec {
  readonly kind: "preset" | "custom";
  readonly preset: PresetName | undefined;
  readonly values: Readonly<StaticValues>;
  readonly functions: readonly DynamicField[];
  readonly overridden: readonly ResourceField[];
  /** unit: seconds */
  readonly timeoutSeconds: number | undefined;
  readonly retries: { readonly count: number; readonly escalate: Escalation | undefined; readonly on: readonly RetryableCode[] };
  readonly overLimit: OverLimitPolicy;
  /** The calls' label, or a function of the arguments giving it. */
  readonly label: LabelSpec;
  readonly clamped: readonly ClampRecord[];
  /** The finished resolution when no field is a function. */
  readonly fixed: ResolvedResources | undefined;
}

/** Which user keys feed which field, and how each is parsed. */
const FIELD_OF_KEY: Readonly<Record<string, { field: ResourceField; parse: (v: unknown) => Parsed }>> = {
  cpu: { field: "cpu", parse: parseCpu },
  memory: { field: "memoryGiB", parse: parseGiB },
  storage: { field: "storageGiB", parse: parseGiB },
  storage_gib: { field: "storageGiB", parse: parseGiB },
  storageGib: { field: "storageGiB", parse: parseGiB },
  gpu: { field: "gpu", parse: parseGpu },
};
export const STORAGE_KEYS = ["storage", "storage_gib", "storageGib"] as const;

const EXPECTED_OF_KEY: Readonly<Record<string, string>> = {
  cpu: 'a CPU count (number or "500m"-style string) or a function of the task\'s arguments',
  memory: 'a memory size (GiB number or "8Gi"-style string) or a function of the task\'s arguments',
  storage: 'a storage size (GiB number or "100Gi"-style string) or a function of the task\'s arguments',
  gpu: "a whole number of GPUs or a function of the task's arguments",
  gpuType: `${expectedGpuType()} or a function of the task's arguments`,
  name: "a non-empty string",
  timeout: 'a number of seconds or a duration string such as "2h"',
  retries: "a whole number from 0 up, or { count, on?: [codes], escalate?: { memory?, cpu?, storage? } } with factors from 1 up",
  overLimit: '"error" or "clamp"',
};

/**
 * Storage of 0 means "no scratch request" (no `--tmp`, no `ephemeral-storage`): Latch's own
 * `sum(1.5 * size) // 1024**3` is 0 for inputs under ~683 MiB. CPU and memory of 0 stay errors.
 */
export function isNoStorage(value: unknown): boolean {
  return value === 0;
}

const EXPECTED_RETRY_ON = `a non-empty array of failure codes among ${RETRYABLE_CODES.map((c) => `"${c}"`).join(", ")} (to never retry, set \`count: 0\`)`;

/** The part of `retries.on` that is wrong, if any (zod reports a failed union without saying which branch's field). */
function invalidRetryOn(retries: unknown): { field: string; value: unknown } | undefined {
  if (typeof retries !== "object" || retries === null || !("on" in retries) || retries.on === undefined) return undefined;
  const { on } = retries;
  if (!Array.isArray(on) || on.length === 0) return { field: "retries.on", value: on };
  const at = on.findIndex((code) => !(RETRYABLE_CODES as readonly unknown[]).includes(code));
  return at < 0 ? undefined : { field: `retries.on.${at}`, value: on[at] };
}


function specErrorFromZod(error: z.ZodError, input: Record<string, unknown>, task: string, schemaKeys: readonly string[]): ResourceSpecError {
  const issue = error.issues[0];
  if (issue?.code === "unrecognized_keys") {
    const key = issue.keys[0] as string;
    return new ResourceSpecError({
      task,
      field: key,
      value: key,
      expected: `an option key among ${schemaKeys.map((k) => `\`${k}\``).join(", ")} (unknown keys are not ignored)`,
    });
  }
  const path = issue?.path ?? [];
  const key = String(path[0] ?? "");
  const field = path.map(String).join(".");
  const badOn = key === "retries" ? invalidRetryOn(input.retries) : undefined;
  if (badOn !== undefined) return new ResourceSpecError({ task, field: badOn.field, value: badOn.value, expected: EXPECTED_RETRY_ON });
  const expected = EXPECTED_OF_KEY[key.startsWith("storage") ? "storage" : key] ?? issue?.message ?? "a valid value";
  return new ResourceSpecError({ task, field: field || undefined, value: input[key], expected });
}

function checkObject(input: unknown, task: string, what: string): Record<string, unknown> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new ResourceSpecError({ task, value: input, expected: what });
  }
  return input as Record<string, unknown>;
}

function validate(schema: z.ZodObject, input: unknown, task: string, what: string): Record<string, unknown> {
  const object = checkObject(input, task, what);
  const result = schema.safeParse(object);
  if (!result.success) throw specErrorFromZod(result.error, object, task, Object.keys(schema.shape));
  const storage = STORAGE_KEYS.filter((k) => object[k] !== undefined);
  if (storage.length > 1) {
    throw new ResourceSpecError({
      task,
      field: storage[1],
      value: storage.join(" and "),
      expected: "one of `storage`, `storage_gib`, `storageGib` (they are aliases)",
    });
  }
  return object;
}

function compileRetries(retries: RetryPolicy | undefined, task: string): CompiledSpec["retries"] {
  if (retries === undefined) return { count: 0, escalate: undefined, on: DEFAULT_RETRY_ON };
  if (typeof retries === "number") return { count: retries, escalate: undefined, on: DEFAULT_RETRY_ON };
  const on = retries.on === undefined ? DEFAULT_RETRY_ON : Object.freeze([...new Set(retries.on)]);
  if (retries.escalate !== undefined && !on.includes("OUT_OF_MEMORY")) {
    // Escalation only ever follows an out-of-memory failure: without it in `on`, it could never act.
    throw new ResourceSpecError({ task, field: "retries.on", value: retries.on, expected: 'a list that includes "OUT_OF_MEMORY" when `escalate` is given (escalation acts only on out-of-memory failures)' });
  }
  return { count: retries.count, escalate: retries.escalate, on };
}

const LIMITED: ReadonlySet<ResourceField> = new Set(["cpu", "memoryGiB", "storageGiB", "gpu"]);

/** Folds resource keys of `input` into `values` / `functions`; limit-checks what it sets. */
function addResources(
  input: Record<string, unknown>,
  task: string,
  policy: OverLimitPolicy,
  values: StaticValues,
  functions: DynamicField[],
  clamped: ClampRecord[],
): ResourceField[] {
  const set: ResourceField[] = [];
  for (const key of [...Object.keys(FIELD_OF_KEY), "gpuType"]) {
    const raw = input[key];
    if (raw === undefined) continue;
    const field = key === "gpuType" ? "gpuType" : (FIELD_OF_KEY[key] as { field: ResourceField }).field;
    set.push(field);
    const at = functions.findIndex((f) => f.field === field);
    if (at >= 0) functions.splice(at, 1);
    if (typeof raw === "function") {
      delete values[field];
      functions.push({ field, key, fn: raw as ResourceFn<unknown> });
      continue;
    }
    if (field === "gpuType") {
      if (!isGpuTypeName(raw)) throw new ResourceSpecError({ task, field: key, value: raw, expected: expectedGpuType() });
      values.gpuType = raw;
      continue;
    }
    if (field === "storageGiB" && isNoStorage(raw)) {
      // 0 is "no scratch request", as from a resource function: the scheduler's default applies.
      delete values.storageGiB;
      continue;
    }
    const parsed = (FIELD_OF_KEY[key] as { parse: (v: unknown) => Parsed }).parse(raw);
    if (!parsed.ok) throw new ResourceSpecError({ task, field: key, value: raw, expected: parsed.expected });
    values[field] = LIMITED.has(field)
      ? applyLimit(field as LimitedField, key, parsed.value, policy, task, clamped)
      : parsed.value;
  }
  return set;
}

function finish(spec: Omit<CompiledSpec, "fixed">, task: string): CompiledSpec {
  const { values, functions } = spec;
  const gpuIsStatic = !functions.some((f) => f.field === "gpu");
  if (values.gpuType !== undefined && gpuIsStatic && (values.gpu ?? 0) === 0) {
    throw new ResourceSpecError({
      task,
      field: "gpuType",
      value: values.gpuType,
      expected: "`gpuType` only together with `gpu` of 1 or more",
    });
  }
  if (spec.clamped.length > 0) warnClamped(task, spec.clamped);
  const fixed = functions.length === 0 ? fixedResolution(spec) : undefined;
  return Object.freeze({ ...spec, values: Object.freeze({ ...values }), fixed });
}

function fixedResolution(spec: Omit<CompiledSpec, "fixed">): ResolvedResources {
  const { values } = spec;
  const source =
    spec.kind === "preset"
      ? { kind: "preset" as const, preset: spec.preset as PresetName, overridden: spec.overridden }
      : { kind: "custom" as const, dynamic: [], overridden: spec.overridden };
  return Object.freeze({
    cpu: values.cpu as number,
    memoryGiB: values.memoryGiB as number,
    ...(values.storageGiB !== undefined && { storageGiB: values.storageGiB }),
    gpu: values.gpu ?? 0,
    ...(values.gpuType !== undefined && { gpuType: values.gpuType }),
    source: Object.freeze(source),
    clamped: spec.clamped,
  });
}

function taskOptions(input: Record<string, unknown>, task: string) {
  let timeoutSeconds: number | undefined;
  if (input.timeout !== undefined) {
    const parsed = parseDurationSeconds(input.timeout);
    if (!parsed.ok) throw new ResourceSpecError({ task, field: "timeout", value: input.timeout, expected: parsed.expected });
    timeoutSeconds = parsed.value;
  }
  return {
    timeoutSeconds,
    retries: compileRetries(input.retries as RetryPolicy | undefined, task),
    overLimit: (input.overLimit as OverLimitPolicy | undefined) ?? "error",
    label: checkLabelSpec(input.label, task),
  };
}

/** A preset, with its options (`smallTask({ retries: 2 })`). */
export function compilePreset(preset: PresetName, options: unknown, task: string): CompiledSpec {
  const input = validate(PresetOptionsSchema, options ?? {}, task, "preset options as an object, e.g. { retries: 2 }");
  const p = PRESETS[preset];
  const values: StaticValues = { cpu: p.cpu, memoryGiB: p.memoryGiB, gpu: p.gpu };
  if (p.gpuType !== undefined) values.gpuType = p.gpuType;
  return finish(
    { kind: "preset", preset, values, functions: [], overridden: [], clamped: [], ...taskOptions(input, task) },
    task,
  );
}

/** A custom spec: `customTask({ cpu, memory, ... })`. */
export function compileCustom(spec: unknown, task: string): CompiledSpec {
  const input = validate(CustomTaskSpecSchema, spec, task, "a custom task spec object, e.g. { cpu: 4, memory: 16 }");
  const options = taskOptions(input, task);
  const values: StaticValues = { gpu: 0 };
  const functions: DynamicField[] = [];
  const clamped: ClampRecord[] = [];
  addResources(input, task, options.overLimit, values, functions, clamped);
  return finish({ kind: "custom", preset: undefined, values, functions, overridden: [], clamped, ...options }, task);
}

/** `task.with({...})`: a new spec with the given fields replaced; override values are limit-checked. */
export function applyOverrides(base: CompiledSpec, overrides: unknown, task: string): CompiledSpec {
  const input = validate(OverridesSchema, overrides, task, "overrides as an object, e.g. { cpu: 8, memory: \"32Gi\" }");
  const options = taskOptions(input, task);
  const overLimit = input.overLimit !== undefined ? options.overLimit : base.overLimit;
  const values: StaticValues = { ...base.values };
  const functions = [...base.functions];
  const clamped = [...base.clamped];
  const set = addResources(input, task, overLimit, values, functions, clamped);
  if (set.includes("gpu") && !set.includes("gpuType") && values.gpu === 0) {
    // `.with({ gpu: 0 })` on a GPU task: no GPU, so the inherited type describes nothing.
    delete values.gpuType;
    const at = functions.findIndex((f) => f.field === "gpuType");
    if (at >= 0) functions.splice(at, 1);
  }
  return finish(
    {
      ...base,
      values,
      functions,
      clamped,
      overLimit,
      overridden: [...new Set([...base.overridden, ...set])],
      timeoutSeconds: input.timeout !== undefined ? options.timeoutSeconds : base.timeoutSeconds,
      retries: input.retries !== undefined ? options.retries : base.retries,
      label: input.label !== undefined ? options.label : base.label,
    },
    task,
  );
}
