/**
 * The shapes a user writes (`customTask({...})`, preset options, `.with({...})` overrides) and the
 * zod schemas that check them. Quantities themselves are parsed by quantity.ts; zod checks the
 * structure: known keys, value kinds, the retry policy.
 */
import { z } from "zod";
import type { GpuType, PresetName } from "./presets.js";
import type { ClampRecord, OverLimitPolicy } from "./limits.js";

export type MaybePromise<T> = T | PromiseLike<T>;

/** A resource function: called with exactly the task's arguments, sync or async. */
// `any[]` here is deliberate: which parameters are allowed is checked where the spec meets the
// task (see `SpecFits` in task/types.ts), not when the spec is written.
// biome-ignore lint: any is the point
export type ResourceFn<V> = (...args: any[]) => MaybePromise<V>;

/** A value, or a function of the task's arguments returning one. */
export type Dynamic<V> = V | ResourceFn<V>;

/** unit: cores. A number (fractions down to 0.001) or a string: "2", "0.5", "500m". */
export type CpuQuantity = number | string;
/** unit: GiB when a number; a string needs a unit: "512Mi", "8Gi", "16GB", "1.5TiB". */
export type ByteQuantity = number | string;
/** unit: seconds when a number; or a string such as "90s", "30m", "2h", "1h30m". */
export type Duration = number | string;

const resourceFnSchema = z.custom<ResourceFn<unknown>>((v) => typeof v === "function", {
  message: "a function",
});
const dynamic = <T extends z.ZodType>(schema: T) => z.union([schema, resourceFnSchema]);

export const CpuQuantitySchema = z.union([z.number(), z.string()]);
export const ByteQuantitySchema = z.union([z.number(), z.string()]);
export const DurationSchema = z.union([z.number(), z.string()]);

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

const resourceShape = {
  cpu: dynamic(CpuQuantitySchema),
  memory: dynamic(ByteQuantitySchema),
  storage: dynamic(ByteQuantitySchema).optional(),
  storage_gib: dynamic(ByteQuantitySchema).optional(),
  storageGib: dynamic(ByteQuantitySchema).optional(),
  gpu: dynamic(z.number()).optional(),
  gpuType: dynamic(z.string()).optional(),
};

export const PresetOptionsSchema = z.strictObject(TaskOptionsShape);
export const CustomTaskSpecSchema = z.strictObject({ ...resourceShape, ...TaskOptionsShape });
export const PositionalOptionsSchema = z.strictObject({
  ...TaskOptionsShape,
  storage: resourceShape.storage,
  storage_gib: resourceShape.storage_gib,
  storageGib: resourceShape.storageGib,
  gpu: resourceShape.gpu,
  gpuType: resourceShape.gpuType,
});
export const OverridesSchema = z.strictObject({
  cpu: resourceShape.cpu.optional(),
  memory: resourceShape.memory.optional(),
  storage: resourceShape.storage,
  storage_gib: resourceShape.storage_gib,
  storageGib: resourceShape.storageGib,
  gpu: resourceShape.gpu,
  gpuType: resourceShape.gpuType,
  timeout: TaskOptionsShape.timeout,
  label: TaskOptionsShape.label,
  retries: TaskOptionsShape.retries,
  overLimit: TaskOptionsShape.overLimit,
});

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

/** The resource fields a custom spec or an override may set. */
export interface ResourceFields {
  readonly cpu?: Dynamic<CpuQuantity>;
  readonly memory?: Dynamic<ByteQuantity>;
  /** Ephemeral storage. Aliases: `storage_gib`, `storageGib` (give one of the three). */
  readonly storage?: Dynamic<ByteQuantity>;
  readonly storage_gib?: Dynamic<ByteQuantity>;
  readonly storageGib?: Dynamic<ByteQuantity>;
  /** unit: GPUs (whole). @default 0 */
  readonly gpu?: Dynamic<number>;
  /** One of the GPU catalogue's names; any type when absent. */
  readonly gpuType?: Dynamic<GpuType>;
}

/** `customTask({ cpu, memory, ... })`. */
export interface CustomTaskSpec extends ResourceFields, TaskOptions {
  readonly cpu: Dynamic<CpuQuantity>;
  readonly memory: Dynamic<ByteQuantity>;
}

/** The fields a resolution produces; the names of `ResolvedResources` without `source`. */
export type ResourceField = "cpu" | "memoryGiB" | "storageGiB" | "gpu" | "gpuType";

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
