/**
 * KubernetesScheduler: each call becomes one batch/v1 Job (see manifest.ts), submitted with
 * @kubernetes/client-node and followed until it ends. The result comes back in the pod's
 * termination message or, when larger, the marked last line of its log. The parts: api.ts (the
 * API calls, a seam for tests), fit.ts (the fit check), job-status.ts (the poll's question),
 * outcome.ts (how a Job ended); the shared poller and attempt lifecycle are in ../cluster/.
 */
import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigurationError, SubmissionError, TaskCancelledError, TaskExecutionError } from "../../errors.js";
import type { AttemptEvents, Capacity, Invocation, Plan, PlannedCall, Scheduler } from "../../contract/scheduler.js";
import type { Clock } from "../../contract/clock.js";
import { BYTES_PER_GIB } from "../../resources/rounding.js";
import { type AttemptProgress, followJob } from "../cluster/followed-job.js";
import { keepAliveClock } from "../cluster/keep-alive-clock.js";
import { JobPoller, type Sighting } from "../cluster/poller.js";
import { WORKER_MEMORY_NOTE } from "../worker-command.js";
import { importableModule, workerRequest } from "../worker/request.js";
import { clientApi, type KubernetesApi } from "./api.js";
import { checkFits, type NodeView } from "./fit.js";
import { DEFAULT_GPU_LABEL, type GpuSelectorOptions, gpuLabelValues } from "./gpu-selector.js";
import { type JobSnapshot, listJobs } from "./job-status.js";
import {
  buildJob,
  GPU_RESOURCE,
  type JobManifest,
  type ManifestOptions,
  type Toleration,
} from "./manifest.js";
import { jobEnd, settleEnd, START_FAILURES, waitingReason } from "./outcome.js";
import { quantityValue, validateJob } from "./validate.js";

export interface KubernetesSchedulerOptions {
  /** The image the task runs in: Node, the workflow's code and taskfit installed. */
  readonly image: string;
  /** @default "default" */
  readonly namespace?: string;
  /** A kubeconfig file. @default the usual lookup (KUBECONFIG, ~/.kube/config, in-cluster) */
  readonly kubeconfig?: string;
  /**
   * The node label that names the GPU model, and (optionally) its value per GPU type. Without a
   * value for a type, nodes whose label value normalises to the type ("NVIDIA-H100-80GB-HBM3" ->
   * h100) are found by listing nodes. @default { label: "nvidia.com/gpu.product" } (GPU feature discovery)
   */
  readonly gpuNodeSelector?: { readonly label?: string; readonly values?: Readonly<Record<string, string>> };
  readonly tolerations?: readonly Toleration[];
  readonly serviceAccount?: string;
  /** Added to the Job and its pod. */
  readonly labels?: Readonly<Record<string, string>>;
  /** The worker inside the image. @default ["node", "/app/node_modules/taskfit/dist/worker.js"] */
  readonly workerCommand?: readonly string[];
  /**
   * Where the project's modules are inside the image: a task defined in `local`/x.ts is imported
   * from `image`/x.ts in the pod. @default { local: process.cwd(), image: "/app" }
   */
  readonly modulePaths?: { readonly local: string; readonly image: string };
  /** @default 1000 */
  readonly pollIntervalMs?: number;
  /** The clock of its polls, events and start timeout. @default the system clock, its timers keeping the process alive while Jobs run */
  readonly clock?: Clock;
  /** The API calls it makes; a stand-in for unit tests. @default @kubernetes/client-node's clients for `kubeconfig` */
  readonly api?: KubernetesApi;
  /**
   * Keep each finished Job (and its pod) instead of deleting it once its outcome is read, e.g. to
   * look at it with kubectl. Kept Jobs are yours to delete. @default false
   */
  readonly keepJobs?: boolean;
  /**
   * How long a container may wait in a state it will not leave by itself (ErrImagePull,
   * ImagePullBackOff, InvalidImageName, CreateContainerConfigError, CreateContainerError) before
   * the call fails with a SubmissionError and its Job is deleted. @default 120
   */
  readonly startTimeoutSeconds?: number;
}

/**
 * The most a call's request (its arguments, as JSON) may weigh. It travels in the Job's pod spec,
 * and the API server stores a Job and its pod whole in etcd, which takes at most 1.5 MiB per object.
 */
export const MAX_REQUEST_BYTES = 1024 * 1024;

/** The label that ties a Job and its pod to the scheduler that submitted them. */
const INSTANCE_LABEL = "taskfit.dev/scheduler";

export class KubernetesScheduler extends EventEmitter<AttemptEvents> implements Scheduler {
  readonly name = "Kubernetes";
  readonly clock: Clock;
  private readonly manifestOptions: ManifestOptions;
  private readonly gpuSelector: GpuSelectorOptions;
  private readonly pollIntervalMs: number;
  private readonly keepJobs: boolean;
  private readonly startTimeoutMs: number;
  private api: Promise<KubernetesApi> | undefined;
  private poller: JobPoller<JobSnapshot> | undefined;
  /** Labels this scheduler's Jobs and pods, so that one list finds exactly those it follows. */
  private readonly instance = randomBytes(5).toString("hex");

  constructor(private readonly options: KubernetesSchedulerOptions) {
    super();
    if (typeof options?.image !== "string" || options.image.length === 0) {
      throw new ConfigurationError({ field: "image", value: options?.image, expected: "a container image name (image)" });
    }
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.clock = options.clock ?? keepAliveClock;
    this.gpuSelector = { label: options.gpuNodeSelector?.label ?? DEFAULT_GPU_LABEL, values: { ...options.gpuNodeSelector?.values } };
    this.keepJobs = options.keepJobs ?? false;
    const startTimeout = options.startTimeoutSeconds ?? 120;
    if (typeof startTimeout !== "number" || !(startTimeout > 0) || !Number.isFinite(startTimeout)) {
      throw new ConfigurationError({ field: "startTimeoutSeconds", value: options.startTimeoutSeconds, expected: "a positive number of seconds" });
    }
    this.startTimeoutMs = startTimeout * 1000;
    this.manifestOptions = {
      image: options.image,
      namespace: options.namespace ?? "default",
      workerCommand: options.workerCommand ?? ["node", "/app/node_modules/taskfit/dist/worker.js"],
      gpuLabel: options.gpuNodeSelector?.label ?? DEFAULT_GPU_LABEL,
      tolerations: options.tolerations ?? [],
      serviceAccount: options.serviceAccount,
      labels: options.labels ?? {},
    };
  }

  /** The Job a call would submit, validated, without a cluster: `data` is the manifest, `text` its YAML. */
  async plan(call: PlannedCall): Promise<Plan> {
    const job = this.manifest(call, call.attempt, call.args, undefined);
    await validateJob(job, call.taskName);
    const { stringify } = await import("yaml");
    return { text: stringify(job), data: job, notes: [WORKER_MEMORY_NOTE] };
  }

  /** `nodes`: the labels of the cluster's nodes, when they could be listed (to find the GPU label values). */
  private manifest(
    call: PlannedCall,
    attempt: number,
    args: readonly unknown[],
    nodes: ReadonlyArray<Readonly<Record<string, string>>> | undefined,
    labels: Readonly<Record<string, string>> = {},
  ): JobManifest {
    const request = workerRequest(
      { taskName: call.taskName, task: call.task, args, attempt, self: call.self },
      call.resources,
      [],
      this.imageModule(importableModule(call.taskName, call.task)),
    );
    const json = JSON.stringify(request);
    const bytes = Buffer.byteLength(json);
    if (bytes > MAX_REQUEST_BYTES) {
      throw new SubmissionError({
        task: call.taskName,
        scheduler: this.name,
        detail: `its request (the arguments as JSON) takes ${bytes} bytes, more than the ${MAX_REQUEST_BYTES} bytes (1 MiB) a Kubernetes Job may carry (the Job and its pod are stored whole in etcd): pass large data as a TaskFile or a path the pod can read`,
      });
    }
    // Named, not spread: an invocation may carry its fields on its prototype (a layer over another).
    const { taskName, label, resources, timeoutSeconds } = call;
    const options = { ...this.manifestOptions, labels: { ...this.manifestOptions.labels, ...labels } };
    const gpuValues = resources.gpu > 0 && resources.gpuType !== undefined ? gpuLabelValues(resources.gpuType, this.gpuSelector, nodes, taskName) : [];
    return buildJob({ taskName, label, resources, timeoutSeconds, task: request.ref, attempt, request: json, gpuLabelValues: gpuValues }, options);
  }

  /** The task's module as the pod sees it: the project directory maps to its place in the image. */
  private imageModule(module: string | undefined): string | undefined {
    if (module === undefined) return undefined;
    const local = pathToFileURL(`${resolve(this.options.modulePaths?.local ?? process.cwd())}/`).href;
    const image = pathToFileURL(`${resolve(this.options.modulePaths?.image ?? "/app")}/`).href;
    return module.startsWith(local) ? image + module.slice(local.length) : module;
  }

  async run<R>(invocation: Invocation<R>): Promise<R> {
    const { taskName, signal, attempt } = invocation;
    if (signal?.aborted) throw new TaskCancelledError({ task: taskName, reason: signal.reason });
    const api = await this.connect(taskName);
    const nodes = await this.listNodes(api);
    if (nodes !== undefined) checkFits(taskName, invocation.resources, nodes, this.gpuSelector);
    const labelsOfNodes = nodes?.map((node) => node.labels);
    const job = this.manifest(invocation, attempt, invocation.args, labelsOfNodes, { [INSTANCE_LABEL]: this.instance });
    await validateJob(job, taskName);
    const { namespace, name } = job.metadata;
    try {
      await api.batch.createNamespacedJob({ namespace, body: job });
    } catch (error) {
      throw new SubmissionError({ task: taskName, scheduler: this.name, detail: apiMessage(error), cause: error });
    }
    const followed = followJob<JobSnapshot>({
      id: name,
      invocation,
      events: this,
      clock: this.clock,
      poller: this.pollerFor(api),
      cancel: () => this.deleteJob(api, name),
      watch: this.watcher(api, invocation, name),
    });
    return followed as Promise<R>;
  }

  private connect(task: string): Promise<KubernetesApi> {
    if (this.options.api !== undefined) return Promise.resolve(this.options.api);
    this.api ??= clientApi(this.options.kubeconfig, task).catch((error: unknown) => {
      this.api = undefined; // asked again by the next call: the package may be installed, the kubeconfig fixed
      throw error;
    });
    return this.api;
  }

  /** What the cluster's schedulable (not cordoned) nodes can allocate in all: for progress displays and run reports. Needs permission to list nodes. */
  async capacity(): Promise<Capacity> {
    const api = await this.connect("(cluster capacity)");
    const nodes = schedulable((await api.core.listNode()).items).map((node) => node.status?.allocatable ?? {});
    const sum = (resource: string) => nodes.reduce((total, n) => total + quantityValue(n[resource] ?? "0"), 0);
    return { cpu: sum("cpu"), memoryGiB: sum("memory") / BYTES_PER_GIB, gpus: sum(GPU_RESOURCE), nodes: nodes.length, sources: {} };
  }

  /** The nodes' labels and allocatable resources; undefined without permission to list nodes. */
  private async listNodes(api: KubernetesApi): Promise<NodeView[] | undefined> {
    try {
      const list = await api.core.listNode();
      return schedulable(list.items).map((node) => ({ labels: node.metadata?.labels ?? {}, allocatable: node.status?.allocatable ?? {} }));
    } catch {
      return undefined; // the pending-pod report still tells what does not fit
    }
  }

  /** This scheduler's poller: one list of its Jobs and one of their pods per interval, for all calls. */
  private pollerFor(api: KubernetesApi): JobPoller<JobSnapshot> {
    const query = listJobs(api, this.manifestOptions.namespace, `${INSTANCE_LABEL}=${this.instance}`);
    this.poller ??= new JobPoller({ query, intervalMs: this.pollIntervalMs, clock: this.clock });
    return this.poller;
  }

  /** How each poll's view of one Job moves its call on, until the Job ends and the call settles. */
  private watcher(api: KubernetesApi, invocation: Invocation<unknown>, job: string): (sighting: Sighting<JobSnapshot>, progress: AttemptProgress) => Promise<void> {
    const { taskName, attempt, resources, timeoutSeconds } = invocation;
    /** Since when its container has waited in a state it will not leave by itself. */
    let stuckSince: number | undefined;
    return async (sighting, progress) => {
      if (sighting.kind === "missing") {
        // Gone from the list for a while: deleted by someone else (not by an abort).
        if (sighting.gone) await progress.settle(new TaskExecutionError({ task: taskName, attempt, jobId: job, message: "the Job was deleted before it finished (not by taskfit)" }));
        return;
      }
      const { job: status, pods } = sighting.status;
      const pod = pods[0];
      // Bound to a node is not yet running: its image may still fail to pull.
      if (pod?.status?.phase === "Running" || pod?.status?.phase === "Succeeded" || pod?.status?.phase === "Failed") progress.started(pod.spec?.nodeName);
      const end = jobEnd(status, pods);
      if (end.kind === "unschedulable") progress.waiting("Unschedulable", end.message);
      const waiting = end.kind === "running" ? waitingReason(pods) : undefined;
      if (waiting !== undefined) progress.waiting(waiting.reason, waiting.message);
      if (waiting !== undefined && START_FAILURES.has(waiting.reason)) {
        stuckSince ??= this.clock.now();
        if (this.clock.now() - stuckSince >= this.startTimeoutMs) {
          // Nothing will ever start this pod: the Job goes, kept or not (it holds the node's resources).
          await this.deleteJob(api, job);
          const why = `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ""}`;
          const detail = `its container could not start within ${this.startTimeoutMs / 1000} s (startTimeoutSeconds), pod ${pod?.metadata?.name ?? "?"} waiting in ${why}`;
          await progress.settle(new SubmissionError({ task: taskName, scheduler: this.name, detail }));
        }
        return;
      }
      stuckSince = undefined;
      // Every ended pod's log: its worker's reports (usage too, when it was killed before answering).
      const log = end.kind !== "running" && end.kind !== "unschedulable" && end.pod !== undefined ? await this.podLog(api, end.pod) : "";
      const settled = settleEnd(end, log, { task: taskName, label: invocation.label, attempt, memoryGiB: resources.memoryGiB, timeoutSeconds, job, namespace: this.manifestOptions.namespace });
      if (settled === undefined) return;
      // The outcome is read: the Job and its pod have served their purpose.
      if (!this.keepJobs) await this.deleteJob(api, job);
      if (settled.ok) await progress.settle(undefined, settled.value, settled.usage);
      else await progress.settle(settled.error, undefined, settled.usage);
    };
  }

  private async podLog(api: KubernetesApi, pod: string): Promise<string> {
    try {
      return String(await api.core.readNamespacedPodLog({ name: pod, namespace: this.manifestOptions.namespace, container: "task" }));
    } catch {
      return "";
    }
  }

  private async deleteJob(api: KubernetesApi, name: string): Promise<void> {
    try {
      await api.batch.deleteNamespacedJob({ name, namespace: this.manifestOptions.namespace, propagationPolicy: "Background" });
    } catch {
      // Already gone.
    }
  }
}

/** The API server's own message from an ApiException (its JSON body), or the error's message. */
function apiMessage(error: unknown): string {
  const body = (error as { body?: unknown }).body;
  const code = (error as { code?: unknown }).code;
  if (typeof body === "string") {
    try {
      const parsed = JSON.parse(body) as { message?: string };
      if (parsed.message) return `${code ?? ""} ${parsed.message}`.trim();
    } catch {
      return body;
    }
  }
  return error instanceof Error ? error.message : String(error);
}

/** Nodes new pods may be placed on: a cordoned node (spec.unschedulable) takes none. */
export function schedulable<N extends { readonly spec?: { readonly unschedulable?: boolean } }>(nodes: readonly N[]): N[] {
  return nodes.filter((node) => node.spec?.unschedulable !== true);
}
