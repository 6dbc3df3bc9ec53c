/**
 * Turns what a user wrote (a preset, a custom spec, `.with()` overrides) into a `CompiledSpec`:
 * static values parsed, rounded up and limit-checked once, here, at decoration time; functions kept
 * for resolution. A spec with no functions carries its finished `ResolvedResources`, so resolving
 * it later does no validation at all.
 */
import type { z } from "zod";
import { ResourceSpecError } from "../errors.js";
import { checkLabelSpec, type LabelSpec } from "./label.js";
import {
  expectedOfKey,
  RESOURCE_FIELDS,
  RESOURCE_KEYS,
  RESOURCE_MAIN_KEYS,
  type ResourceField,
  type ResourceInput,
  type ResourceKey,
  RULE_OF_FIELD,
  type FieldRuleOf,
  type StaticValues,
} from "./fields.js";
import { applyLimit, type ClampRecord, type OverLimitPolicy, warnClamped } from "./limits.js";
import { PRESETS, type PresetName } from "./presets.js";
import { resolvedResources } from "./resolved.js";
import { type Duration, parseDurationSeconds } from "./quantity.js";
import {
  CustomTaskSpecSchema,
  type Escalation,
  type LabelSchema,
  OverridesSchema,
  PresetOptionsSchema,
  type ResolvedResources,
  type ResourceFn,
  type ResourceSource,
  DEFAULT_RETRY_ON,
  RETRYABLE_CODES,
  type RetryableCode,
  type RetryPolicy,
} from "./spec.js";

/** A resource field computed by a function at each call. */
export interface DynamicField {
  readonly field: ResourceField;
  /** The key the user wrote (`storage_gib`, `memory`, ...), for messages. */
  readonly key: ResourceKey;
  readonly fn: ResourceFn<unknown>;
  /** The field's rule, looked up once here rather than at each call. */
  readonly rule: FieldRuleOf<ResourceField>;
}

export type { StaticValues };

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
  /** Where the values of each resolution come from: one frozen object per spec, shared by its resolutions. */
  readonly source: ResourceSource;
  /** The finished resolution when no field is a function. */
  readonly fixed: ResolvedResources | undefined;
  /** A Promise settled with `fixed`, made once: what `resolveResources` returns for a static spec. */
  readonly settled: Promise<ResolvedResources> | undefined;
}

/** What compilation puts together before `finish` adds what follows from it. */
type SpecParts = Omit<CompiledSpec, "source" | "fixed" | "settled">;

/** The resource keys of a validated spec or override: a value or a function each. */
type ResourceValues = { readonly [K in ResourceKey]?: ResourceInput<K> | ResourceFn<unknown> };

/** The task options of validated preset options, a spec or an override. */
interface TaskOptionValues {
  readonly timeout?: Duration | undefined;
  readonly retries?: RetryPolicy | undefined;
  readonly overLimit?: OverLimitPolicy | undefined;
  readonly label?: z.output<typeof LabelSchema> | undefined;
}

/** What a value of the wrong kind for an option key is told it should have been. */
const EXPECTED_OF_OPTION: Readonly<Record<string, string>> = {
  name: "a non-empty string",
  timeout: 'a number of seconds or a duration string such as "2h"',
  retries: "a whole number from 0 up, or { count, on?: [codes], escalate?: { memory?, cpu?, storage? } } with factors from 1 up",
  overLimit: '"error" or "clamp"',
};

function expectedOf(key: string): string | undefined {
  const resource = RESOURCE_KEYS.find((k) => k.key === key);
  return resource !== undefined ? expectedOfKey(resource.rule) : EXPECTED_OF_OPTION[key];
}

/**
 * 0 of a field whose rule says so (storage) means "no request" (no `--tmp`, no `ephemeral-storage`):
 * Latch's own `sum(1.5 * size) // 1024**3` is 0 for inputs under ~683 MiB. CPU and memory of 0 stay errors.
 */
function isNoRequest(field: ResourceField, value: unknown): boolean {
  return value === 0 && RULE_OF_FIELD[field].zeroMeansNone;
}

const EXPECTED_RETRY_ON = `a non-empty array of failure codes among ${RETRYABLE_CODES.map((c) => `"${c}"`).join(", ")} (to never retry, set \`count: 0\`)`;

/** The part of `retries.on` that is wrong, if any (zod reports a failed union without saying which branch's field). */
function invalidRetryOn(retries: unknown): { field: string; value: unknown } | undefined {
  if (typeof retries !== "object" || retries === null || !("on" in retries) || retries.on === undefined) return undefined;
  const { on } = retries;
  if (!Array.isArray(on) || on.length === 0) return { field: "retries.on", value: on };
  const at = on.findIndex((code) => !RETRYABLE_CODES.some((known) => known === code));
  return at < 0 ? undefined : { field: `retries.on.${at}`, value: on[at] };
}

function specErrorFromZod(error: z.ZodError, input: Readonly<Record<string, unknown>>, task: string, schemaKeys: readonly string[]): ResourceSpecError {
  const issue = error.issues[0];
  if (issue?.code === "unrecognized_keys") {
    const key = issue.keys[0];
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
  const expected = expectedOf(key) ?? issue?.message ?? "a valid value";
  return new ResourceSpecError({ task, field: field || undefined, value: input[key], expected });
}

function isObject(input: unknown): input is Readonly<Record<string, unknown>> {
  return typeof input === "object" && input !== null && !Array.isArray(input);
}

/** Checks `input` against `schema`; returns zod's parsed data, or throws the `ResourceSpecError` that says what is wrong. */
function validate<S extends z.ZodObject>(schema: S, input: unknown, task: string, what: string): z.output<S> {
  if (!isObject(input)) throw new ResourceSpecError({ task, value: input, expected: what });
  const result = schema.safeParse(input);
  if (!result.success) throw specErrorFromZod(result.error, input, task, Object.keys(schema.shape));
  return result.data;
}

/** A field's key and its aliases are one setting: a spec gives at most one of them. */
function checkAliases(input: ResourceValues, task: string): void {
  for (const mainKey of RESOURCE_MAIN_KEYS) {
    const { aliases } = RESOURCE_FIELDS[mainKey];
    if (aliases.length === 0) continue;
    const keys = [mainKey, ...aliases];
    const given = keys.filter((k) => input[k] !== undefined);
    if (given.length > 1) {
      throw new ResourceSpecError({
        task,
        field: given[1],
        value: given.join(" and "),
        expected: `one of ${keys.map((k) => `\`${k}\``).join(", ")} (they are aliases)`,
      });
    }
  }
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

/** Folds resource keys of `input` into `values` / `functions`; limit-checks what it sets. */
function addResources(
  input: ResourceValues,
  task: string,
  policy: OverLimitPolicy,
  values: StaticValues,
  functions: DynamicField[],
  clamped: ClampRecord[],
): ResourceField[] {
  const set: ResourceField[] = [];
  for (const { key, rule } of RESOURCE_KEYS) {
    const raw = input[key];
    if (raw === undefined) continue;
    const { field } = rule;
    set.push(field);
    const at = functions.findIndex((f) => f.field === field);
    if (at >= 0) functions.splice(at, 1);
    if (typeof raw === "function") {
      delete values[field];
      functions.push({ field, key, fn: raw, rule: RULE_OF_FIELD[field] });
      continue;
    }
    if (isNoRequest(field, raw)) {
      // 0 is "no scratch request", the same from a resource function: the scheduler's default applies.
      delete values[field];
      continue;
    }
    // Narrowed by its limit, a rule's parser and field agree in type: a number under a limit, or a GPU type name.
    if (rule.limit === undefined) {
      const parsed = rule.parse(raw);
      if (!parsed.ok) throw new ResourceSpecError({ task, field: key, value: raw, expected: parsed.expected });
      values[rule.field] = parsed.value;
    } else {
      const parsed = rule.parse(raw);
      if (!parsed.ok) throw new ResourceSpecError({ task, field: key, value: raw, expected: parsed.expected });
      values[rule.field] = applyLimit(rule.field, key, parsed.value, policy, task, clamped);
    }
  }
  return set;
}

function finish(spec: SpecParts, task: string): CompiledSpec {
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
  const source = sourceOf(spec);
  const fixed = functions.length === 0 ? Object.freeze(resolvedResources(values, source, spec.clamped)) : undefined;
  const settled = fixed === undefined ? undefined : Promise.resolve(fixed);
  return Object.freeze({ ...spec, values: Object.freeze({ ...values }), source, fixed, settled });
}

function sourceOf({ kind, preset, functions, overridden }: SpecParts): ResourceSource {
  const source: ResourceSource =
    kind === "preset" && preset !== undefined
      ? { kind: "preset", preset, overridden }
      : { kind: "custom", dynamic: Object.freeze(functions.map((f) => f.field)), overridden };
  return Object.freeze(source);
}

function taskOptions(input: TaskOptionValues, task: string) {
  let timeoutSeconds: number | undefined;
  if (input.timeout !== undefined) {
    const parsed = parseDurationSeconds(input.timeout);
    if (!parsed.ok) throw new ResourceSpecError({ task, field: "timeout", value: input.timeout, expected: parsed.expected });
    timeoutSeconds = parsed.value;
  }
  return {
    timeoutSeconds,
    retries: compileRetries(input.retries, task),
    overLimit: input.overLimit ?? "error",
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
  checkAliases(input, task);
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
  checkAliases(input, task);
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
