/**
 * The KubernetesScheduler's state machine against a stand-in API server (the `api` seam) on a
 * ManualClock: submitted -> waiting -> running -> finished, a container that cannot start, cancel
 * (Job delete), a Job deleted by someone else, an API server that does not answer for a while, the
 * fit check; the contract's event order in each; and no timer once nothing is in flight.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { SubmissionError, TaskCancelledError, TaskExecutionError, UnschedulableError } from "../../../src/errors.js";
import type { ResolvedResources } from "../../../src/resources/spec.js";
import { GONE_AFTER_MS } from "../../../src/schedulers/cluster/poller.js";
import type { KubernetesApi, ListedJob, ListedNode, ListedPod } from "../../../src/schedulers/kubernetes/api.js";
import { KubernetesScheduler, type KubernetesSchedulerOptions } from "../../../src/schedulers/kubernetes/kubernetes-scheduler.js";
import type { JobManifest } from "../../../src/schedulers/kubernetes/manifest.js";
import { toWire } from "../../../src/schedulers/wire.js";
import { OUTCOME_MARKER, WORKER_PROTOCOL } from "../../../src/schedulers/worker/protocol.js";
import { clusterInvocation, inContractOrder, PollDriver, recordAttempts, until } from "../../helpers/attempt-events.js";
import { deferred, flush, ManualClock } from "../../helpers/manual-clock.js";

const INTERVAL = 1000;
const NODE: ListedNode = {
  metadata: { name: "node-a", labels: { "nvidia.com/gpu.product": "NVIDIA-A10G" } },
  status: { allocatable: { cpu: "4", memory: "8Gi", "ephemeral-storage": "100Gi", "nvidia.com/gpu": "1" } },
};

interface Stored {
  readonly manifest: JobManifest;
  job: ListedJob;
  pod: ListedPod | undefined;
}

/** An API server in memory: Jobs are stored as created; the test moves their pods on. */
class FakeApi implements KubernetesApi {
  readonly stored = new Map<string, Stored>();
  readonly deleted: string[] = [];
  readonly selectors: string[] = [];
  nodes: ListedNode[] = [NODE];
  lists = 0;
  down = false;
  /** When set, a Job is created only once it resolves. */
  createGate: Promise<void> | undefined;
  creates = 0;

  readonly batch: KubernetesApi["batch"] = {
    createNamespacedJob: async ({ body }) => {
      this.creates++;
      await this.createGate;
      const manifest = body as JobManifest;
      this.stored.set(manifest.metadata.name, { manifest, job: { metadata: { name: manifest.metadata.name }, status: { active: 1 } }, pod: undefined });
      return manifest;
    },
    listNamespacedJob: async ({ labelSelector }) => {
      this.lists++;
      this.selectors.push(labelSelector);
      if (this.down) throw new Error("connect ECONNREFUSED 127.0.0.1:6443");
      return { items: [...this.stored.values()].filter((s) => this.labelled(s, labelSelector)).map((s) => s.job) };
    },
    deleteNamespacedJob: async ({ name }) => {
      this.deleted.push(name);
      this.stored.delete(name);
      return {};
    },
  };

  readonly core: KubernetesApi["core"] = {
    listNode: async () => ({ items: this.nodes }),
    listNamespacedPod: async ({ labelSelector }) => {
      if (this.down) throw new Error("connect ECONNREFUSED 127.0.0.1:6443");
      return { items: [...this.stored.values()].filter((s) => this.labelled(s, labelSelector)).flatMap((s) => (s.pod === undefined ? [] : [s.pod])) };
    },
    readNamespacedPodLog: async () => "",
  };

  /** The Job's pod now has this status (and runs on `node`, when given). */
  pod(job: string, status: NonNullable<ListedPod["status"]>, node?: string): void {
    const stored = this.stored.get(job) as Stored;
    stored.pod = { metadata: { name: `${job}-x1`, labels: { "job-name": job } }, spec: node === undefined ? {} : { nodeName: node }, status };
  }

  /** The pod succeeded with `value` as its outcome; the Job is Complete. */
  complete(job: string, value: unknown): void {
    const message = `${OUTCOME_MARKER}${JSON.stringify({ protocol: WORKER_PROTOCOL, kind: "result", value: toWire(value, "t", "result", "result") })}`;
    this.pod(job, { phase: "Succeeded", containerStatuses: [{ state: { terminated: { exitCode: 0, reason: "Completed", message } } }] }, "node-a");
    (this.stored.get(job) as Stored).job = { metadata: { name: job }, status: { succeeded: 1, conditions: [{ type: "Complete", status: "True" }] } };
  }

  /** Someone deletes the Job (kubectl delete). */
  remove(job: string): void {
    this.stored.delete(job);
  }

  private labelled(stored: Stored, selector: string): boolean {
    const [key, value] = selector.split("=") as [string, string];
    return stored.manifest.metadata.labels[key] === value;
  }
}

const invocation = (signal?: AbortSignal, resources?: Partial<ResolvedResources>) => clusterInvocation("file:///app/tasks.js", { signal, resources });

let api: FakeApi;
let clock: ManualClock;
let k8s: KubernetesScheduler;
let log: ReturnType<typeof recordAttempts>;
let driver: PollDriver;

function scheduler(options: Partial<KubernetesSchedulerOptions> = {}): KubernetesScheduler {
  const made = new KubernetesScheduler({ image: "lab/pipeline:1", pollIntervalMs: INTERVAL, clock, api, modulePaths: { local: "/app", image: "/app" }, ...options });
  log = recordAttempts(made);
  return made;
}

beforeEach(() => {
  api = new FakeApi();
  clock = new ManualClock();
  k8s = scheduler();
  driver = new PollDriver(clock, () => log);
});

/** Runs a call until its Job is queued; its id and the call's value or error. */
const submit = (options: { signal?: AbortSignal; resources?: Partial<ResolvedResources>; on?: KubernetesScheduler } = {}) =>
  driver.submit(() => (options.on ?? k8s).run(invocation(options.signal, options.resources)));

describe("KubernetesScheduler following Jobs", () => {
  it("follows Jobs from submitted through waiting and running to finished, one list of Jobs and pods per interval for all", async () => {
    const first = await submit();
    const second = await submit();
    expect(clock.pending).toBe(1);
    api.pod(first.id, { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/1 nodes are available: 1 Insufficient cpu." }] });
    await driver.poll();
    await driver.poll(); // still unschedulable: told once
    expect(api.lists).toBe(2);
    expect(new Set(api.selectors).size).toBe(1);
    expect(api.selectors[0]).toMatch(/^taskfit\.dev\/scheduler=[0-9a-f]{10}$/);
    api.pod(first.id, { phase: "Pending", containerStatuses: [{ state: { waiting: { reason: "ContainerCreating" } } }] }, "node-a");
    await driver.poll(); // bound and starting normally: neither waiting worth telling nor running
    expect(log.names(first.id)).toEqual(["queued", "waiting"]);
    api.pod(first.id, { phase: "Running" }, "node-a");
    await driver.poll();
    expect(log.started(first.id)).toEqual([{ id: first.id, task: "t", label: undefined, attempt: 1, at: 4 * INTERVAL, where: "node-a" }]);
    api.complete(first.id, "one");
    await driver.poll();
    expect(await first.call).toBe("one");
    expect(api.deleted).toEqual([first.id]);
    api.complete(second.id, "two");
    await driver.poll();
    expect(await second.call).toBe("two");
    expect(api.lists).toBe(6);
    expect(clock.pending).toBe(0);
    expect(log.waiting(first.id)).toEqual([
      { id: first.id, task: "t", label: undefined, attempt: 1, at: INTERVAL, reason: "Unschedulable", message: "0/1 nodes are available: 1 Insufficient cpu." },
    ]);
    expect(log.names(first.id)).toEqual(["queued", "waiting", "started", "finished"]);
    // Ended between two polls: it ran all the same, on the node its pod was bound to.
    expect(log.names(second.id)).toEqual(["queued", "started", "finished"]);
    expect(log.finished(second.id)[0]).toMatchObject({ end: "ok", at: 6 * INTERVAL });
  });

  it("tells a container that cannot start while it waits, then deletes the Job and fails after startTimeoutSeconds", async () => {
    const broken = scheduler({ startTimeoutSeconds: 5 });
    const { id, call } = await submit({ on: broken });
    api.pod(id, { phase: "Pending", containerStatuses: [{ state: { waiting: { reason: "ErrImagePull", message: "not found" } } }] }, "node-a");
    await driver.poll();
    const stuckSince = clock.now();
    api.pod(id, { phase: "Pending", containerStatuses: [{ state: { waiting: { reason: "ImagePullBackOff", message: "Back-off pulling image" } } }] }, "node-a");
    while (clock.now() - stuckSince < 5000 - INTERVAL) await driver.poll();
    expect(driver.unsettled).toBe(1);
    await driver.poll();
    const error = await call;
    expect(error).toBeInstanceOf(SubmissionError);
    expect(String(error)).toMatch(new RegExp(`its container could not start within 5 s \\(startTimeoutSeconds\\), pod ${id}-x1 waiting in ImagePullBackOff: Back-off pulling image`));
    expect(api.deleted).toEqual([id]);
    expect(log.waiting(id).map((event) => event.reason)).toEqual(["ErrImagePull", "ImagePullBackOff"]);
    expect(log.names(id)).toEqual(["queued", "waiting", "waiting", "finished"]);
    expect(clock.pending).toBe(0);
  });

  it("cancels by deleting the Job, then settles: finished with end cancelled, no timer left", async () => {
    const controller = new AbortController();
    const { id, call } = await submit({ signal: controller.signal });
    api.pod(id, { phase: "Running" }, "node-a");
    await driver.poll();
    controller.abort("stop");
    const error = await call;
    expect(error).toBeInstanceOf(TaskCancelledError);
    expect(api.deleted).toEqual([id]);
    expect(log.names(id)).toEqual(["queued", "started", "finished"]);
    expect(log.finished(id)[0]).toMatchObject({ end: "cancelled", error });
    expect(clock.pending).toBe(0);
    await flush();
    expect(log.finished(id)).toHaveLength(1);
  });

  it("deletes a Job whose call was aborted while it was being created", async () => {
    const creating = deferred();
    api.createGate = creating.promise;
    const controller = new AbortController();
    const call = k8s.run(invocation(controller.signal)).catch((e: unknown) => e);
    await until(() => api.creates === 1, "the create to be sent");
    controller.abort("stop");
    creating.resolve();
    expect(await call).toBeInstanceOf(TaskCancelledError);
    const [id] = log.ids() as [string];
    expect(api.deleted).toEqual([id]);
    expect(log.names(id)).toEqual(["queued", "finished"]);
    expect(clock.pending).toBe(0);
  });

  it(`fails the call of a Job deleted by someone else once it has been gone ${GONE_AFTER_MS} ms`, async () => {
    const { id, call } = await submit();
    api.pod(id, { phase: "Running" }, "node-a");
    await driver.poll();
    api.remove(id);
    await driver.poll();
    const missingSince = clock.now();
    while (clock.now() - missingSince < GONE_AFTER_MS - INTERVAL) await driver.poll();
    expect(driver.unsettled).toBe(1);
    await driver.poll();
    const error = await call;
    expect(error).toBeInstanceOf(TaskExecutionError);
    expect(String(error)).toMatch(/the Job was deleted before it finished \(not by taskfit\)/);
    expect(log.names(id)).toEqual(["queued", "started", "finished"]);
    expect(clock.pending).toBe(0);
  });

  it("keeps following while the API server does not answer, however long, and settles once it does", async () => {
    const { id, call } = await submit();
    api.pod(id, { phase: "Running" }, "node-a");
    await driver.poll();
    api.down = true;
    const downSince = clock.now();
    while (clock.now() - downSince < 3 * GONE_AFTER_MS) await driver.poll();
    expect(driver.unsettled).toBe(1);
    expect(log.names(id)).toEqual(["queued", "started"]);
    api.complete(id, 7);
    api.down = false;
    await driver.poll();
    expect(await call).toBe(7);
    expect(clock.pending).toBe(0);
  });

  it("keeps each finished Job with keepJobs", async () => {
    const keeping = scheduler({ keepJobs: true });
    const { id, call } = await submit({ on: keeping });
    api.complete(id, "kept");
    await driver.poll();
    expect(await call).toBe("kept");
    expect(api.deleted).toEqual([]);
  });

  it("keeps the contract's event order across a fan-out", async () => {
    const controller = new AbortController();
    const jobs = [await submit(), await submit({ signal: controller.signal }), await submit(), await submit()];
    const [a, b, c, d] = jobs.map((job) => job.id) as [string, string, string, string];
    api.pod(a, { phase: "Pending", containerStatuses: [{ state: { waiting: { reason: "ErrImagePull" } } }] }, "node-a");
    api.pod(c, { phase: "Running" }, "node-a");
    await driver.poll();
    controller.abort("enough");
    api.pod(a, { phase: "Running" }, "node-a");
    api.pod(d, { phase: "Failed", containerStatuses: [{ state: { terminated: { exitCode: 1, reason: "Error" } } }] }, "node-a");
    (api.stored.get(d) as Stored).job = { metadata: { name: d }, status: { failed: 1, conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded" }] } };
    await driver.poll();
    api.complete(a, 1);
    api.complete(c, 3);
    await driver.poll();
    await Promise.all(jobs.map((job) => job.call));
    expect(log.ids()).toEqual([a, b, c, d]);
    for (const id of log.ids()) expect({ id, order: inContractOrder(log.names(id)) }).toEqual({ id, order: true });
    expect(log.finished(b)[0]?.end).toBe("cancelled");
    expect(log.finished(d)[0]?.error).toBeInstanceOf(TaskExecutionError);
    expect(clock.pending).toBe(0);
  });
});

describe("KubernetesScheduler fit check", () => {
  it("refuses a request no node can hold, in the request's own fields, before creating a Job", async () => {
    const error = await k8s.run(invocation(undefined, { cpu: 6, memoryGiB: 16 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnschedulableError);
    expect((error as UnschedulableError).shortfalls).toEqual([
      { field: "cpu", requested: 6, available: 4 },
      { field: "memoryGiB", requested: 16, available: 8 },
    ]);
    expect(api.stored.size).toBe(0);
  });

  it("names the node label when no node has the GPU type at all", async () => {
    const error = await k8s.run(invocation(undefined, { gpu: 1, gpuType: "h100" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnschedulableError);
    expect((error as UnschedulableError).shortfalls).toEqual([{ field: "gpu (type h100)", requested: 1, available: 0 }]);
    expect((error as Error).message).toMatch(/No schedulable node is labelled nvidia\.com\/gpu\.product with a h100 GPU \(gpuNodeSelector\)$/);
    expect(await submit({ resources: { gpu: 1, gpuType: "a10g" } })).toMatchObject({ id: expect.stringMatching(/^t-/) });
  });

  it("leaves cordoned nodes out", async () => {
    api.nodes = [{ ...NODE, spec: { unschedulable: true } }];
    const error = await k8s.run(invocation()).catch((e: unknown) => e);
    expect((error as UnschedulableError).shortfalls).toEqual([
      { field: "cpu", requested: 1, available: 0 },
      { field: "memoryGiB", requested: 1, available: 0 },
    ]);
  });
});
