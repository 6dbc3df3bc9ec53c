/**
 * KubernetesScheduler: each call becomes one batch/v1 Job (see manifest.ts), submitted with
 * @kubernetes/client-node and followed until it ends. The result comes back in the pod's
 * termination message or, when larger, the marked last line of its log.
 */
import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  ConfigurationError,
  type Shortfall,
  SubmissionError,
  TaskCancelledError,
  TaskExecutionError,
  UnschedulableError,
} from "../../errors.js";
import type { AttemptEvents, Capacity, Invocation, MeasuredUsage, Plan, PlannedCall, Scheduler } from "../../contract/scheduler.js";
import { onAbort } from "../../contract/abort.js";
import type { Clock } from "../../contract/clock.js";
import { WORKER_MEMORY_NOTE } from "../worker-command.js";
import { importableModule, workerRequest } from "../worker/request.js";
import { DEFAULT_GPU_LABEL, type GpuSelectorOptions, gpuLabelValues, nodeHasGpuType } from "./gpu-selector.js";
import {
  buildJob,
  GPU_RESOURCE,
  type JobManifest,
  type ManifestOptions,
  type Toleration,
} from "./manifest.js";
import { JobPoller, keepAliveClock } from "./job-poller.js";
import { jobEnd, settleEnd, START_FAILURES, waitingReason } from "./outcome.js";
import { quantityValue, validateJob } from "./validate.js";

type Client = typeof import("@kubernetes/client-node");

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
/** Polls in a row a followed Job may be missing from the list before its call fails. */
const MISSING_POLLS = 5;

interface NodeView {
  readonly labels: Readonly<Record<string, string>>;
  readonly allocatable: Readonly<Record<string, string>>;
}

interface Api {
  readonly k8s: Client;
  readonly batch: InstanceType<Client["BatchV1Api"]>;
  readonly core: InstanceType<Client["CoreV1Api"]>;
}

export class KubernetesScheduler extends EventEmitter<AttemptEvents> implements Scheduler {
  readonly name = "Kubernetes";
  readonly clock: Clock;
  private readonly manifestOptions: ManifestOptions;
  private readonly gpuSelector: GpuSelectorOptions;
  private readonly pollIntervalMs: number;
  private readonly keepJobs: boolean;
  private readonly startTimeoutMs: number;
  private api: Promise<Api> | undefined;
  private poller: JobPoller | undefined;
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
    if (nodes !== undefined) this.checkFits(nodes, invocation);
    const labelsOfNodes = nodes?.map((node) => node.labels);
    const job = this.manifest(invocation, attempt, invocation.args, labelsOfNodes, { [INSTANCE_LABEL]: this.instance });
    await validateJob(job, taskName);
    const { namespace, name } = job.metadata;
    try {
      await api.batch.createNamespacedJob({ namespace, body: job as never });
    } catch (error) {
      throw new SubmissionError({ task: taskName, scheduler: this.name, detail: apiMessage(error), cause: error });
    }
    this.emit("queued", { id: name, task: taskName, label: invocation.label, attempt, at: this.clock.now(), resources: invocation.resources });
    return (await this.follow(api, invocation as Invocation<unknown>, name)) as R;
  }

  private connect(task: string): Promise<Api> {
    this.api ??= import("@kubernetes/client-node").then(
      (k8s) => {
        const config = new k8s.KubeConfig();
        if (this.options.kubeconfig !== undefined) config.loadFromFile(this.options.kubeconfig);
        else config.loadFromDefault();
        return { k8s, batch: config.makeApiClient(k8s.BatchV1Api), core: config.makeApiClient(k8s.CoreV1Api) };
      },
      (cause: unknown) => {
        this.api = undefined;
        throw new SubmissionError({ task, scheduler: this.name, detail: "the optional peer dependency @kubernetes/client-node@1.4.0 is not installed", cause });
      },
    );
    return this.api;
  }

  /** What the cluster's schedulable (not cordoned) nodes can allocate in all: for progress displays and run reports. Needs permission to list nodes. */
  async capacity(): Promise<Capacity> {
    const api = await this.connect("(cluster capacity)");
    const nodes = schedulable((await api.core.listNode()).items).map((node) => node.status?.allocatable ?? {});
    const sum = (resource: string) => nodes.reduce((total, n) => total + quantityValue(n[resource] ?? "0"), 0);
    return { cpu: sum("cpu"), memoryGiB: sum("memory") / 1024 ** 3, gpus: sum(GPU_RESOURCE), nodes: nodes.length, sources: {} };
  }

  /** The nodes' labels and allocatable resources; undefined without permission to list nodes. */
  private async listNodes(api: Api): Promise<NodeView[] | undefined> {
    try {
      const list = await api.core.listNode();
      return schedulable(list.items).map((node) => ({ labels: node.metadata?.labels ?? {}, allocatable: node.status?.allocatable ?? {} }));
    } catch {
      return undefined; // the pending-pod report still tells what does not fit
    }
  }

  /** A request no node's allocatable could ever hold is refused now. */
  private checkFits(nodes: readonly NodeView[], invocation: Invocation<unknown>): void {
    const { resources } = invocation;
    const wanted: Record<string, number> = {
      cpu: Math.ceil(resources.cpu * 1000 - 1e-6) / 1000,
      memory: Math.ceil(resources.memoryGiB * 1024 - 1e-9) * 1024 ** 2,
      ...(resources.storageGiB !== undefined && { "ephemeral-storage": Math.ceil(resources.storageGiB * 1024 - 1e-9) * 1024 ** 2 }),
      ...(resources.gpu > 0 && { [GPU_RESOURCE]: resources.gpu }),
    };
    const gpuType = resources.gpu > 0 ? resources.gpuType : undefined;
    const eligible = nodes.filter((n) => gpuType === undefined || nodeHasGpuType(n.labels, gpuType, this.gpuSelector));
    const has = (n: NodeView, resource: string) => quantityValue(n.allocatable[resource] ?? "0");
    if (eligible.some((n) => Object.entries(wanted).every(([resource, amount]) => has(n, resource) >= amount))) return;
    const shortfalls: Shortfall[] = Object.entries(wanted)
      .map(([field, requested]) => ({ field, requested, available: Math.max(0, ...eligible.map((n) => has(n, field))) }))
      .filter((s) => s.available < s.requested);
    if (eligible.length === 0 && gpuType !== undefined) {
      const value = this.gpuSelector.values[gpuType];
      const which = value === undefined ? `with a ${gpuType} GPU` : `=${value}`;
      shortfalls.push({ field: `nodes labelled ${this.gpuSelector.label} ${which}`, requested: 1, available: 0 });
    }
    throw new UnschedulableError({ task: invocation.taskName, scheduler: this.name, shortfalls });
  }

  /** This scheduler's poller: one list of its Jobs and one of their pods per interval, for all calls. */
  private pollerFor(api: Api): JobPoller {
    const namespace = this.manifestOptions.namespace;
    const labelSelector = `${INSTANCE_LABEL}=${this.instance}`;
    this.poller ??= new JobPoller(
      async () => {
        const [jobs, pods] = await Promise.all([api.batch.listNamespacedJob({ namespace, labelSelector }), api.core.listNamespacedPod({ namespace, labelSelector })]);
        return { jobs: jobs.items as never, pods: pods.items as never };
      },
      this.pollIntervalMs,
      this.clock,
    );
    return this.poller;
  }

  /** Follows the Job and its pod until it ends; maps the end to the result or a typed error. */
  private follow(api: Api, invocation: Invocation<unknown>, job: string): Promise<unknown> {
    const { taskName, signal, attempt, resources, timeoutSeconds } = invocation;
    return new Promise((resolve, reject) => {
      let done = false;
      let reportedPending = false;
      let bound = false;
      let missing = 0;
      let waitingFor: string | undefined;
      let stuckSince: number | undefined;
      let unfollow: (() => void) | undefined;
      const finish = (error: unknown, value?: unknown, usage?: MeasuredUsage) => {
        if (done) return;
        done = true;
        unfollow?.();
        unsubscribe?.();
        const at = this.clock.now();
        const end = error === undefined ? "ok" : error instanceof TaskCancelledError ? "cancelled" : "error";
        this.emit("finished", { id: job, task: taskName, label: invocation.label, attempt, at, end, error, usage });
        if (error === undefined) resolve(value);
        else reject(error);
      };
      const unsubscribe =
        signal === undefined
          ? undefined
          : onAbort(signal, () => {
              // Settled once the API server has taken the delete: no Job is left behind, even when
              // the process exits right after (as the taskfit command does on Ctrl-C).
              void this.deleteJob(api, job).then(() => finish(new TaskCancelledError({ task: taskName, reason: signal.reason })));
            });
      unfollow = this.pollerFor(api).follow(job, async ({ job: status, pods }) => {
        if (done) return true;
        if (status === undefined) {
          // Gone from the list for several polls in a row: deleted by someone else (not by an abort).
          if (++missing >= MISSING_POLLS) finish(new TaskExecutionError({ task: taskName, attempt, jobId: job, message: "the Job was deleted before it finished (not by taskfit)" }));
          return done;
        }
        missing = 0;
        const node = pods[0]?.spec?.nodeName;
        if (node !== undefined && !bound) {
          bound = true;
          this.emit("started", { id: job, task: taskName, label: invocation.label, attempt, at: this.clock.now(), where: node });
        }
        const end = jobEnd(status, pods);
        if (end.kind === "unschedulable" && !reportedPending) {
          reportedPending = true;
          this.emit("waiting", { id: job, task: taskName, label: invocation.label, attempt, at: this.clock.now(), reason: "Unschedulable", message: end.message });
        }
        const waiting = end.kind === "running" ? waitingReason(pods) : undefined;
        if (waiting !== undefined && waiting.reason !== waitingFor) {
          this.emit("waiting", { id: job, task: taskName, label: invocation.label, attempt, at: this.clock.now(), reason: waiting.reason, message: waiting.message });
        }
        waitingFor = waiting?.reason;
        if (waiting !== undefined && START_FAILURES.has(waiting.reason)) {
          stuckSince ??= this.clock.now();
          if (this.clock.now() - stuckSince >= this.startTimeoutMs) {
            // Nothing will ever start this pod: the Job goes, kept or not (it holds the node's resources).
            await this.deleteJob(api, job);
            const why = `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ""}`;
            const detail = `its container could not start within ${this.startTimeoutMs / 1000} s (startTimeoutSeconds), pod ${pods[0]?.metadata?.name ?? "?"} waiting in ${why}`;
            finish(new SubmissionError({ task: taskName, scheduler: this.name, detail }));
          }
          return done;
        }
        stuckSince = undefined;
        // Every ended pod's log: its worker's reports (usage too, when it was killed before answering).
        const log = end.kind !== "running" && end.kind !== "unschedulable" && end.pod !== undefined ? await this.podLog(api, end.pod) : "";
        const settled = settleEnd(end, log, { task: taskName, label: invocation.label, attempt, memoryGiB: resources.memoryGiB, timeoutSeconds, job, namespace: this.manifestOptions.namespace });
        if (settled === undefined) return done;
        // The outcome is read: the Job and its pod have served their purpose.
        if (!this.keepJobs) await this.deleteJob(api, job);
        if (settled.ok) finish(undefined, settled.value, settled.usage);
        else finish(settled.error, undefined, settled.usage);
        return done;
      });
      if (done) unfollow();
    });
  }

  private async podLog(api: Api, pod: string): Promise<string> {
    try {
      return String(await api.core.readNamespacedPodLog({ name: pod, namespace: this.manifestOptions.namespace, container: "task" }));
    } catch {
      return "";
    }
  }

  private async deleteJob(api: Api, name: string): Promise<void> {
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
