/** One attempt's history line, from what was known of it: the call, its definition, its events. */
import type { AttemptEnd, MeasuredUsage, PlannedCall } from "../contract/scheduler.js";
import type { ResolvedResources } from "../resources/spec.js";
import type { TaskDefinition } from "../task/metadata.js";
import type { ArgumentFeatures } from "./argument-features.js";
import { declaredSpec } from "../task/declared-spec.js";
import { parameterNames } from "../task/parameter-names.js";
import { HISTORY_VERSION, type HistoryLine, type RecordedOutcome } from "./history-line.js";

export interface AttemptFacts {
  /** Which run recorded it. */
  readonly run: string;
  readonly recordedAt: Date;
  readonly call: PlannedCall;
  /** The task's definition, when this process has it. */
  readonly definition: TaskDefinition | undefined;
  /** What the scheduler was asked for: the call's, or what the scheduler lowered it to. */
  readonly resources: ResolvedResources;
  readonly features: ArgumentFeatures;
  readonly end: AttemptEnd;
  /** What it failed with, for `error` and `cancelled`. */
  readonly error: unknown;
  readonly usage: MeasuredUsage | undefined;
  /** Why there is no usage, when there is none. */
  readonly unmeasured: string;
  /** unit: ms on the scheduler's clock; undefined when unknown */
  readonly queuedAt: number | undefined;
  readonly startedAt: number | undefined;
  readonly finishedAt: number | undefined;
}

function outcome(end: AttemptEnd, error: unknown): RecordedOutcome {
  if (end === "ok") return { end, code: null, message: null };
  const code = (error as { code?: unknown } | null | undefined)?.code;
  const message = error instanceof Error ? error.message : error === undefined ? null : String(error);
  return { end, code: typeof code === "string" ? code : null, message: message === null ? null : (message.split("\n")[0] as string) };
}

/** The task function's parameter names, null where one cannot be read (destructured); null when none can. */
function taskParameters(definition: TaskDefinition): (string | null)[] | null {
  return parameterNames(definition.fn)?.map((name) => name ?? null) ?? null;
}

const seconds = (from: number | undefined, to: number | undefined) => (from === undefined || to === undefined ? null : Math.max(0, to - from) / 1000);

export function attemptLine(facts: AttemptFacts): HistoryLine {
  const { call, resources, usage, definition } = facts;
  return {
    version: HISTORY_VERSION,
    run: facts.run,
    recordedAt: facts.recordedAt.toISOString(),
    task: { name: call.task.name, module: call.task.module ?? null, index: call.task.index },
    label: call.label ?? null,
    attempt: call.attempt,
    parameters: definition === undefined ? null : taskParameters(definition),
    spec: definition === undefined ? null : { ...declaredSpec(definition.spec) },
    request: {
      cpu: resources.cpu,
      memoryGiB: resources.memoryGiB,
      storageGiB: resources.storageGiB ?? null,
      gpu: resources.gpu,
      gpuType: resources.gpuType ?? null,
      source: { ...resources.source },
      clamped: [...resources.clamped],
    },
    usage:
      usage === undefined
        ? null
        : { peakMemoryGiB: usage.peakMemoryGiB, cpuSeconds: usage.cpuSeconds, wallSeconds: usage.wallSeconds, peakScratchGiB: usage.peakScratchGiB ?? null, method: usage.method },
    unmeasured: usage === undefined ? facts.unmeasured : null,
    outcome: outcome(facts.end, facts.error),
    waitSeconds: seconds(facts.queuedAt, facts.startedAt),
    runSeconds: seconds(facts.startedAt, facts.finishedAt),
    features: facts.features.features,
    kinds: facts.features.kinds,
    featureErrors: facts.features.errors,
  };
}
