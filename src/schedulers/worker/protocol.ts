/**
 * The worker protocol: what a scheduler sends a worker (a request) and what the worker sends back
 * (reports), as versioned zod schemas. Both sides import only this file's schemas, so a request
 * and a report are checked against the same definition on either side. zod/mini: the worker
 * loads it at start on every node.
 *
 * A worker sends any number of `running` reports (its usage so far) and then one answer, `result`
 * or `error`. The last report a scheduler reads is the answer, or, when the worker was killed
 * before answering, the usage it had reached.
 */
import * as z from "zod/mini";
import type { MeasuredUsage as ContractUsage } from "../../contract/scheduler.js";
import { PRESET_NAMES } from "../../resources/presets.js";
import type { ResolvedResources } from "../../resources/spec.js";

/**
 * The version both sides must speak. Raise it whenever a request or a report changes shape: a
 * worker of another version answers with a clear error, never a guess.
 */
export const WORKER_PROTOCOL = 1;

/** The prefix of a report line in a pod's log (the Kubernetes channel). */
export const OUTCOME_MARKER = "TASKFIT_OUTCOME ";

const nonNegative = z.number().check(z.nonnegative());
const positive = z.number().check(z.positive());
const count = z.int().check(z.nonnegative());

const ResourceFieldName = z.enum(["cpu", "memoryGiB", "storageGiB", "gpu", "gpuType"]);

/** ResolvedResources (resources/spec.ts) as they cross: the task sees them as `currentTask().resources`. */
const Resources: z.ZodMiniType<ResolvedResources> = z.object({
  cpu: positive,
  memoryGiB: positive,
  storageGiB: z.optional(nonNegative),
  gpu: count,
  gpuType: z.optional(z.string()),
  source: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("preset"), preset: z.enum(PRESET_NAMES), overridden: z.array(ResourceFieldName) }),
    z.object({ kind: z.literal("custom"), dynamic: z.array(ResourceFieldName), overridden: z.array(ResourceFieldName) }),
  ]),
  clamped: z.array(
    z.object({
      field: z.enum(["cpu", "memoryGiB", "storageGiB", "gpu"]),
      key: z.string(),
      requested: z.number(),
      limit: z.number(),
      by: z.optional(z.literal("oversize")),
    }),
  ),
});

/** A method task's `this` on the wire: an instance's own fields (wire JSON), or the class of a static method. */
export const WorkerSelf = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("instance"), className: z.string(), fields: z.string() }),
  z.object({ kind: z.literal("class"), className: z.string() }),
]);
export type WorkerSelf = z.infer<typeof WorkerSelf>;

export const WorkerRequest = z.object({
  protocol: z.literal(WORKER_PROTOCOL),
  kind: z.literal("run"),
  /** The task to import: its module (a file URL the worker can reach), its name and index there. */
  ref: z.object({ module: z.string(), name: z.string(), index: count }),
  /** The arguments as wire JSON (see wire.ts). */
  args: z.string(),
  resources: Resources,
  gpus: z.array(count),
  attempt: z.int().check(z.positive()),
  /** A method task's `this`: see request.ts. */
  self: z.optional(WorkerSelf),
  /**
   * The task's own scratch directory, whose size the worker measures (`peakScratchGiB`). No
   * scheduler gives a task a scratch directory of its own yet: the field waits for one.
   */
  scratchDir: z.optional(z.string()),
});
export type WorkerRequest = z.infer<typeof WorkerRequest>;

/** An error the task (or the worker) threw, as it crosses: its name, message, stack, code and cause. */
export const WorkerError = z.object({
  name: z.string(),
  message: z.string(),
  stack: z.optional(z.string()),
  code: z.optional(z.string()),
  /** The error's cause, when it has one (the import error behind a module that would not load). */
  get cause(): z.ZodMiniOptional<typeof WorkerError> {
    return z.optional(WorkerError);
  },
});
export type WorkerError = z.infer<typeof WorkerError>;

/** The contract's MeasuredUsage (contract/scheduler.ts) as it crosses: what an attempt's process tree used. */
export const MeasuredUsage: z.ZodMiniType<ContractUsage> = z.object({
  peakMemoryGiB: nonNegative,
  cpuSeconds: nonNegative,
  wallSeconds: nonNegative,
  peakScratchGiB: z.optional(nonNegative),
  method: z.string(),
});
export type MeasuredUsage = ContractUsage;

const versioned = { protocol: z.literal(WORKER_PROTOCOL) };

/** The usage so far of a worker that has not answered yet. */
const Running = z.object({ ...versioned, kind: z.literal("running"), usage: MeasuredUsage });
/** The task returned: its value as wire JSON. */
const Result = z.object({ ...versioned, kind: z.literal("result"), value: z.string(), usage: z.optional(MeasuredUsage) });
/** The task (or the worker, before it) threw. */
const Failed = z.object({ ...versioned, kind: z.literal("error"), error: WorkerError, usage: z.optional(MeasuredUsage) });

export const WorkerReport = z.discriminatedUnion("kind", [Running, Result, Failed]);
export type WorkerReport = z.infer<typeof WorkerReport>;

/** A worker's answer: the last report of a worker that was not killed first. */
export type WorkerOutcome = Exclude<WorkerReport, { readonly kind: "running" }>;

export function isOutcome(report: WorkerReport | undefined): report is WorkerOutcome {
  return report !== undefined && report.kind !== "running";
}
