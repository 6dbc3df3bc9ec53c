/**
 * The batch/v1 Job for one attempt: one container running the worker entry, requests = limits for
 * cpu (millicores, rounded up), memory (Mi, rounded up), ephemeral-storage (when given) and
 * nvidia.com/gpu (whole), a node selector for the GPU type (gpu-selector.ts), `backoffLimit: 0` (taskfit's retries
 * decide), `activeDeadlineSeconds` from the timeout. The arguments travel in an environment
 * variable as JSON, never through a shell.
 */
import { randomBytes } from "node:crypto";
import { mebibytesUp, millicoresUp, secondsUp } from "../../resources/rounding.js";
import type { ResolvedResources } from "../../resources/spec.js";
import type { TaskRef } from "../../contract/scheduler.js";
import { workerNodeArgs } from "../worker-command.js";

/** The JSON form of a Job, as the API takes it (kept structural: no client types needed to plan). */
export interface JobManifest {
  readonly apiVersion: "batch/v1";
  readonly kind: "Job";
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels: Record<string, string>;
    readonly annotations: Record<string, string>;
  };
  readonly spec: {
    readonly backoffLimit: 0;
    readonly activeDeadlineSeconds?: number;
    readonly template: {
      readonly metadata: { readonly labels: Record<string, string> };
      readonly spec: PodSpec;
    };
  };
}

export interface Toleration {
  readonly key?: string;
  readonly operator?: "Exists" | "Equal";
  readonly value?: string;
  readonly effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  readonly tolerationSeconds?: number;
}

export interface PodSpec {
  readonly restartPolicy: "Never";
  readonly serviceAccountName?: string;
  readonly nodeSelector?: Record<string, string>;
  readonly affinity?: NodeAffinity;
  readonly tolerations?: readonly Toleration[];
  readonly containers: readonly [
    {
      readonly name: "task";
      readonly image: string;
      readonly command: readonly string[];
      readonly env: ReadonlyArray<{ readonly name: string; readonly value: string }>;
      readonly resources: { readonly requests: Record<string, string>; readonly limits: Record<string, string> };
      readonly terminationMessagePolicy: "FallbackToLogsOnError";
    },
  ];
}

/** Node affinity that requires one label to have one of several values (a GPU type seen under several model names). */
export interface NodeAffinity {
  readonly nodeAffinity: {
    readonly requiredDuringSchedulingIgnoredDuringExecution: {
      readonly nodeSelectorTerms: ReadonlyArray<{
        readonly matchExpressions: ReadonlyArray<{ readonly key: string; readonly operator: "In"; readonly values: readonly string[] }>;
      }>;
    };
  };
}

export interface ManifestOptions {
  readonly image: string;
  readonly namespace: string;
  /** The node binary and the worker entry inside the image. */
  readonly workerCommand: readonly string[];
  readonly gpuLabel: string;
  readonly tolerations: readonly Toleration[];
  readonly serviceAccount: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
}

export interface ManifestCall {
  readonly taskName: string;
  /** The call's label: part of the Job's name, and kept whole in an annotation. */
  readonly label?: string | undefined;
  readonly task: TaskRef;
  readonly resources: ResolvedResources;
  readonly timeoutSeconds: number | undefined;
  readonly attempt: number;
  /** The worker request (see worker.ts), JSON. */
  readonly request: string;
  /** The values of the GPU label that nodes of the requested type have (see gpu-selector.ts); empty without a GPU type. */
  readonly gpuLabelValues: readonly string[];
}

export const REQUEST_ENV = "TASKFIT_REQUEST";
export const MANAGED_BY = "taskfit";
export const TASK_LABEL = "taskfit.dev/task";
export const GPU_RESOURCE = "nvidia.com/gpu";

const SUFFIX_LENGTH = 8;

/** A DNS-1123 label from a task name (and the call's label) plus a unique suffix: at most 63 characters. */
export function jobNameFor(taskName: string, suffix = randomBytes(4).toString("hex"), label?: string): string {
  const base =
    (label === undefined ? taskName : `${taskName}-${label}`)
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 63 - 1 - SUFFIX_LENGTH)
      .replace(/-+$/, "") || "task";
  return `${base}-${suffix}`;
}

/** A label value from a task name: letters, digits, `-_.`, alphanumeric at both ends, at most 63. */
export function labelValueFor(taskName: string): string {
  return (
    taskName
      .replace(/[^A-Za-z0-9_.-]+/g, "-")
      .slice(0, 63)
      .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "") || "task"
  );
}

const millicores = (cpu: number) => `${millicoresUp(cpu)}m`;
const mebibytes = (gib: number) => `${mebibytesUp(gib)}Mi`;

export function quantities(resources: ResolvedResources): Record<string, string> {
  const amounts: Record<string, string> = { cpu: millicores(resources.cpu), memory: mebibytes(resources.memoryGiB) };
  if (resources.storageGiB !== undefined) amounts["ephemeral-storage"] = mebibytes(resources.storageGiB);
  if (resources.gpu > 0) amounts[GPU_RESOURCE] = String(resources.gpu);
  return amounts;
}

export function buildJob(call: ManifestCall, options: ManifestOptions, name = jobNameFor(call.taskName, undefined, call.label)): JobManifest {
  const labels = {
    ...options.labels,
    "app.kubernetes.io/managed-by": MANAGED_BY,
    [TASK_LABEL]: labelValueFor(call.taskName),
  };
  const amounts = quantities(call.resources);
  const values = call.resources.gpu > 0 ? call.gpuLabelValues : [];
  const [onlyValue] = values;
  const [node, ...rest] = options.workerCommand;
  const pod: PodSpec = {
    restartPolicy: "Never",
    ...(options.serviceAccount !== undefined && { serviceAccountName: options.serviceAccount }),
    ...(values.length === 1 && onlyValue !== undefined && { nodeSelector: { [options.gpuLabel]: onlyValue } }),
    ...(values.length > 1 && {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: options.gpuLabel, operator: "In", values }] }] },
        },
      },
    }),
    ...(options.tolerations.length > 0 && { tolerations: options.tolerations }),
    containers: [
      {
        name: "task",
        image: options.image,
        command: [node as string, ...workerNodeArgs(rest.at(-1) ?? "", call.task.module, call.resources.memoryGiB), ...rest, "--request-env", REQUEST_ENV],
        env: [{ name: REQUEST_ENV, value: call.request }],
        // Requests equal limits: the scheduler places the pod by what it will be held to.
        resources: { requests: { ...amounts }, limits: { ...amounts } },
        terminationMessagePolicy: "FallbackToLogsOnError",
      },
    ],
  };
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name,
      namespace: options.namespace,
      labels,
      annotations: {
        "taskfit.dev/task-name": call.taskName,
        ...(call.label !== undefined && { "taskfit.dev/label": call.label }),
        "taskfit.dev/attempt": String(call.attempt),
      },
    },
    spec: {
      backoffLimit: 0,
      ...(call.timeoutSeconds !== undefined && { activeDeadlineSeconds: secondsUp(call.timeoutSeconds) }),
      template: { metadata: { labels: { ...labels } }, spec: pod },
    },
  };
}
