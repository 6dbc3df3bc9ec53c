/**
 * The shapes a user writes (`customTask({...})`, preset options, `.with({...})` overrides) and the
 * zod schemas that check them. The resource keys of both come from the table in fields.ts;
 * quantities themselves are parsed by quantity.ts; zod checks the structure: known keys, value
 * kinds, the retry policy.
 */
import * as z from "zod";
import type { GpuType, PresetName } from "./presets.js";
import type { ClampRecord, OverLimitPolicy } from "./limits.js";
import {
  RESOURCE_FIELDS,
  RESOURCE_KEYS,
  type MainKeyOf,
  type RequiredResourceKey,
  type ResourceField,
  type ResourceFieldTable,
  type ResourceInput,
  type ResourceKey,
} from "./fields.js";
import { type Duration, DurationSchema } from "./quantity.js";

export type MaybePromise<T> = T | PromiseLike<T>;

/** A resource function: called with exactly the task's arguments `A`, sync or async. */
// `any[]` by default is deliberate: which parameters are allowed is checked where the spec meets
// the task (see `SpecFits` in task/types.ts), not when the spec is written.
// biome-ignore lint: any is the point
export type ResourceFn<V, A extends readonly unknown[] = any[]> = (...args: A) => MaybePromise<V>;

/** A value, or a function of the task's arguments `A` returning one. */
// biome-ignore lint: any is the point (see ResourceFn)
export type Dynamic<V, A extends readonly unknown[] = any[]> = V | ResourceFn<V, A>;

const resourceFnSchema = z.custom<ResourceFn<unknown>>((v) => typeof v === "function", {
  message: "a function",
});
const dynamic = <T extends z.ZodType>(schema: T) => z.union([schema, resourceFnSchema]);
type ValueSchema<K extends ResourceKey> = (typeof RESOURCE_FIELDS)[MainKeyOf<K>]["value"];
type DynamicSchema<K extends ResourceKey> = ValueSchema<K> extends infer S extends z.ZodType ? ReturnType<typeof dynamic<S>> : never;

/** Multipliers applied per retry after an out-of-memory failure, e.g. `{ memory: 2 }`. */
export const EscalationSchema = z.strictObject({
  /** factor per OOM retry; memory x2, x4, ... clamped to the limits */
  memory: z.number().min(1).optional(),
  cpu: z.number().min(1).optional(),
  storage: z.number().min(1).optional(),
});
export type Escalation = z.infer<typeof EscalationSchema>;

/**
 * The failure codes (`err.code`) a retry policy may name. What the task's own code threw is
 * TASK_EXECUTION_FAILED (OUT_OF_MEMORY when it threw an `OutOfMemoryError`); SUBMISSION_FAILED is a
 * cluster refusing a job (an sbatch or API error), retried only when named.
 */
export const RETRYABLE_CODES = ["TASK_EXECUTION_FAILED", "OUT_OF_MEMORY", "TASK_TIMEOUT", "SUBMISSION_FAILED"] as const;
export type RetryableCode = (typeof RETRYABLE_CODES)[number];
/** What `retries` retries when it names no codes: the task failing, running out of memory, timing out. */
export const DEFAULT_RETRY_ON: readonly RetryableCode[] = ["TASK_EXECUTION_FAILED", "OUT_OF_MEMORY", "TASK_TIMEOUT"];

export const RetryPolicySchema = z.union([
  z.number().int().min(0),
  z.strictObject({
    /** how many times a failed call is re-run; 0 means run once */
    count: z.number().int().min(0),
    /** which failures are retried, by `err.code` @default ["TASK_EXECUTION_FAILED", "OUT_OF_MEMORY", "TASK_TIMEOUT"] */
    on: z.array(z.enum(RETRYABLE_CODES)).min(1).readonly().optional(),
    escalate: EscalationSchema.optional(),
  }),
]);
export type RetryPolicy = z.infer<typeof RetryPolicySchema>;

export const OverLimitPolicySchema = z.enum(["error", "clamp"]);

/** A call's label: a string, or a function of the task's arguments returning one (checked by label.ts). */
export const LabelSchema = z.union([z.string(), resourceFnSchema]);

/** Options every task takes, preset or custom. */
export const TaskOptionsShape = {
  /** The task's name in logs, errors and schedulers. @default the function's name */
  name: z.string().min(1).optional(),
  label: LabelSchema.optional(),
  timeout: DurationSchema.optional(),
  retries: RetryPolicySchema.optional(),
  /** @default "error" */
  overLimit: OverLimitPolicySchema.optional(),
};

/** One schema per resource key (aliases included): its value or a function; optional unless `customTask` requires it. */
type ResourceShape = {
  readonly [K in ResourceKey]: K extends RequiredResourceKey ? DynamicSchema<K> : z.ZodOptional<DynamicSchema<K>>;
};
// Built from the table, so typed by hand: each key gets its own field's schema, by construction.
const resourceShape = Object.fromEntries(
  RESOURCE_KEYS.map(({ key, rule }): [string, z.ZodType] => [key, rule.required ? dynamic(rule.value) : dynamic(rule.value).optional()]),
) as ResourceShape;

export const PresetOptionsSchema = z.strictObject(TaskOptionsShape);
export const CustomTaskSpecSchema = z.strictObject({ ...resourceShape, ...TaskOptionsShape });
export const OverridesSchema = z
  .strictObject({
    ...resourceShape,
    timeout: TaskOptionsShape.timeout,
    label: TaskOptionsShape.label,
    retries: TaskOptionsShape.retries,
    overLimit: TaskOptionsShape.overLimit,
  })
  .partial();

/** Options for a preset: `smallTask({ retries: 2 })`. */
export interface TaskOptions {
  /** The task's name in logs, errors and schedulers. @default the function's (or method's) name */
  readonly name?: string;
  /**
   * Tells calls of the task apart in progress lines, the summary, the report, errors and job
   * names: a string, or a function of the task's arguments (`(sample) => sample.id`).
   */
  readonly label?: Dynamic<string>;
  /** unit: seconds, or a duration string. @default no timeout */
  readonly timeout?: Duration;
  /** @default 0 */
  readonly retries?: RetryPolicy;
  /** What a custom value over `LIMITS` does. @default "error" */
  readonly overLimit?: OverLimitPolicy;
}

/**
 * The resource keys a custom spec or an override may set, each a value or a function of the task's
 * arguments `A`. Mapped over the table's keys, so each key shows its entry's documentation.
 */
// biome-ignore lint: any is the point (see ResourceFn)
export type ResourceFields<A extends readonly unknown[] = any[]> = {
  readonly [K in keyof ResourceFieldTable]?: Dynamic<ResourceInput<K>, A>;
} & {
  readonly [K in Exclude<ResourceKey, keyof ResourceFieldTable>]?: Dynamic<ResourceInput<K>, A>;
};

/** `customTask({ cpu, memory, ... })`. */
export interface CustomTaskSpec
  extends Omit<ResourceFields, RequiredResourceKey>,
    Required<Pick<ResourceFields, RequiredResourceKey>>,
    TaskOptions {}

export type ResourceSource =
  | {
      readonly kind: "preset";
      readonly preset: PresetName;
      /** Fields set by `.with()` for this call. */
      readonly overridden: readonly ResourceField[];
    }
  | {
      readonly kind: "custom";
      /** Fields computed by a resource function for this call. */
      readonly dynamic: readonly ResourceField[];
      readonly overridden: readonly ResourceField[];
    };

/** What a task asks for on one call: validated, rounded up, within limits (presets exempt). */
export interface ResolvedResources {
  /** unit: cores, a multiple of 0.001 */
  readonly cpu: number;
  /** unit: GiB */
  readonly memoryGiB: number;
  /** unit: GiB; absent means the scheduler's default */
  readonly storageGiB?: number;
  /** unit: GPUs (whole) */
  readonly gpu: number;
  /** absent means any type (or no GPU) */
  readonly gpuType?: GpuType;
  readonly source: ResourceSource;
  /** Values lowered to a limit under `overLimit: "clamp"`, or to the local machine under `oversize: "clamp"`; empty otherwise. */
  readonly clamped: readonly ClampRecord[];
}

