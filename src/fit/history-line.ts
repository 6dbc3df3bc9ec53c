/**
 * The history format: one JSON line per attempt, appended by `taskfit run --record DIR` to
 * DIR/history.jsonl and read back by `taskfit fit`. Any change to a line's shape bumps `version`;
 * a reader refuses versions it does not know rather than guess.
 *
 * Argument features (`features`, `kinds`) are named by where they come from in the call:
 * - `args[0]`: the first argument, when it is a number;
 * - `args[0].length`: a string's length or an array's length;
 * - `args[0].totalBytes`, `args[0].count`: a TaskFile (count 1) or an array of TaskFiles, their
 *   sizes added up (stat'ed when the attempt was called) and how many there are;
 * - `args[0].reads.totalBytes`, `args[0].depth`, ...: the same, one level into a plain object.
 */
import * as z from "zod";

export const HISTORY_VERSION = 1;
/** The history's file name inside the `--record` directory. */
export const HISTORY_FILE = "history.jsonl";

/** What the attempt asked for: its `ResolvedResources`, as data. */
export const RecordedRequest = z.strictObject({
  cpu: z.number(),
  memoryGiB: z.number(),
  /** null: the scheduler's default */
  storageGiB: z.number().nullable(),
  gpu: z.number(),
  gpuType: z.string().nullable(),
  /** `ResolvedResources.source`: preset or custom, which fields a function or `.with()` set. */
  source: z.record(z.string(), z.unknown()),
  /** Fields lowered to a limit or to the machine, as `ClampRecord`s. */
  clamped: z.array(z.unknown()),
});
export type RecordedRequest = z.infer<typeof RecordedRequest>;

/** `MeasuredUsage` of the contract, as data. */
export const RecordedUsage = z.strictObject({
  peakMemoryGiB: z.number().min(0),
  cpuSeconds: z.number().min(0),
  wallSeconds: z.number().min(0),
  peakScratchGiB: z.number().min(0).nullable(),
  method: z.string(),
});
export type RecordedUsage = z.infer<typeof RecordedUsage>;

export const RecordedOutcome = z.strictObject({
  end: z.enum(["ok", "error", "cancelled"]),
  /** The error's `code` (OUT_OF_MEMORY, TASK_TIMEOUT, TASK_CANCELLED, ...); null when it ended ok or the error had none. */
  code: z.string().nullable(),
  /** The error message's first line; null when it ended ok. */
  message: z.string().nullable(),
});
export type RecordedOutcome = z.infer<typeof RecordedOutcome>;

/** `args[0]`, `args[1].totalBytes`, `args[0].reads.count`, `args[0]["a b"].length`: see the header. */
export const FEATURE_NAME = /^args\[\d+\](?:\.[A-Za-z_$][\w$]*|\["(?:[^"\\]|\\.)*"\])*$/;
const FeatureName = z.string().regex(FEATURE_NAME, "a feature name such as args[0].totalBytes");

export const ArgumentKind = z.enum(["number", "string", "boolean", "TaskFile", "TaskFile[]", "array", "object", "other"]);
export type ArgumentKind = z.infer<typeof ArgumentKind>;

export const HistoryLine = z.strictObject({
  version: z.literal(HISTORY_VERSION),
  /** Which `taskfit run` recorded it: every line of one run has the same. */
  run: z.string(),
  /** When the line was written (ISO 8601). */
  recordedAt: z.string(),
  task: z.strictObject({
    name: z.string(),
    /** The file URL of the module that defined it; null when it had none. */
    module: z.string().nullable(),
    /** Among the module's tasks of that name, in definition order. */
    index: z.number().int().min(0),
  }),
  label: z.string().nullable(),
  /** 1 for the first run, 2 for the first retry, ... */
  attempt: z.number().int().min(1),
  /** The task function's parameter names (null where one cannot be read); null when none can. */
  parameters: z.array(z.string().nullable()).nullable(),
  /**
   * What the task declares: its `task.spec` (`TaskSpec`: a preset or values, a function as
   * `{ function, parameters }`, timeout, retries), kept as that JSON; null when the recording
   * process did not have the task's definition.
   */
  spec: z.record(z.string(), z.unknown()).nullable(),
  request: RecordedRequest,
  /** null when the attempt was not measured: see `unmeasured`. */
  usage: RecordedUsage.nullable(),
  /** Why `usage` is null (an in-process attempt, no measurement arrived); null when it is not. */
  unmeasured: z.string().nullable(),
  outcome: RecordedOutcome,
  /** unit: seconds from queued to started; null when it never started */
  waitSeconds: z.number().min(0).nullable(),
  /** unit: seconds from started to finished, as the scheduler saw it; null when it never started */
  runSeconds: z.number().min(0).nullable(),
  /** Numbers describing the arguments, by the names in this file's header comment. */
  features: z.record(FeatureName, z.number()),
  /** What each argument (and each key one level into an object) was. */
  kinds: z.record(FeatureName, ArgumentKind),
  /** Features that could not be read, and why (a TaskFile that did not exist). */
  featureErrors: z.array(z.string()),
});
export type HistoryLine = z.infer<typeof HistoryLine>;
