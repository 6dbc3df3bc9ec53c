/**
 * KubernetesScheduler against a real kube-apiserver, kube-scheduler and Job controller
 * (scripts/kubernetes/up.sh: fake nodes `cpu-node` (4 CPU, 8Gi) and `gpu-node` (8 CPU, 32Gi,
 * 2 x nvidia.com/gpu, nvidia.com/gpu.product=A10G); no kubelet). The test stands in for the
 * kubelet: it runs the worker with the pod's own command and environment, and writes what came out
 * into the pod's status, as a kubelet would.
 */
import { execFile, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CoreV1Api, KubeConfig, BatchV1Api, type V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  customTask,
  KubernetesScheduler,
  OutOfMemoryError,
  SubmissionError,
  TaskCancelledError,
  TaskExecutionError,
  TaskTimeoutError,
  UnschedulableError,
} from "../../src/index.js";
import { echo, gpuInfo, needsBigNode, sleeps } from "../fixtures/slurm-tasks.js";

const run = promisify(execFile);
const DIR = process.env.TASKFIT_K8S_DIR ?? "/tmp/taskfit-kubernetes";
const KUBECONFIG = join(DIR, "kubeconfig");
const NAMESPACE = "taskfit-test";

const config = new KubeConfig();
let core: CoreV1Api;
let batch: BatchV1Api;
let k8s: KubernetesScheduler;
/** What the stand-in kubelet does with each bound pod; `undefined` leaves it alone. */
let kubelet: ((pod: V1Pod) => Promise<Record<string, unknown> | undefined>) | undefined;
let stopKubelet = false;
const handled = new Set<string>();
const boundTo = new Map<string, string>();

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 120; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function standInKubelet(): Promise<void> {
  while (!stopKubelet) {
    const pods = await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: "app.kubernetes.io/managed-by=taskfit" });
    for (const pod of pods.items) {
      const name = pod.metadata?.name as string;
      if (pod.spec?.nodeName) boundTo.set(pod.metadata?.labels?.["job-name"] ?? name, pod.spec.nodeName);
      if (!pod.spec?.nodeName || handled.has(name) || kubelet === undefined) continue;
      const status = await kubelet(pod);
      if (status === undefined) continue;
      handled.add(name);
      const fresh = await core.readNamespacedPodStatus({ name, namespace: NAMESPACE });
      fresh.status = { ...fresh.status, ...status } as never;
      await core.replaceNamespacedPodStatus({ name, namespace: NAMESPACE, body: fresh });
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Runs the pod's container here: its command, its environment; returns a terminated status. */
async function runContainer(pod: V1Pod): Promise<Record<string, unknown>> {
  const container = pod.spec?.containers[0];
  const [node, ...args] = container?.command ?? [];
  const env = Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value ?? ""]));
  let stdout = "";
  let exitCode = 0;
  try {
    stdout = (await run(node === "node" ? process.execPath : (node as string), args, { env: { ...process.env, ...env } })).stdout;
  } catch (error) {
    stdout = String((error as { stdout?: string }).stdout ?? "");
    exitCode = Number((error as { code?: number }).code ?? 1);
  }
  const message = stdout.split("\n").filter((line) => line.startsWith("TASKFIT_OUTCOME ")).at(-1) ?? "";
  return {
    phase: exitCode === 0 ? "Succeeded" : "Failed",
    containerStatuses: [
      {
        name: "task",
        image: container?.image,
        imageID: "",
        ready: false,
        restartCount: 0,
        state: { terminated: { exitCode, reason: exitCode === 0 ? "Completed" : "Error", message } },
      },
    ],
  };
}

const oomKilled = {
  phase: "Failed",
  containerStatuses: [{ name: "task", image: "x", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 137, reason: "OOMKilled" } } }],
};

beforeAll(async () => {
  if (!existsSync(KUBECONFIG)) throw new Error(`no kubeconfig at ${KUBECONFIG}: run scripts/kubernetes/up.sh`);
  config.loadFromFile(KUBECONFIG);
  core = config.makeApiClient(CoreV1Api);
  batch = config.makeApiClient(BatchV1Api);
  // Jobs and pods left by an earlier run would hold the fake nodes' resources.
  await batch.deleteCollectionNamespacedJob({ namespace: NAMESPACE, propagationPolicy: "Background" });
  await core.deleteCollectionNamespacedPod({ namespace: NAMESPACE, gracePeriodSeconds: 0 });
  const cwd = process.cwd();
  k8s = new KubernetesScheduler({
    image: "taskfit-test:local",
    namespace: NAMESPACE,
    kubeconfig: KUBECONFIG,
    // The stand-in kubelet runs containers on this machine: the project is where it is here.
    modulePaths: { local: cwd, image: cwd },
    workerCommand: ["node", join(cwd, "src/schedulers/worker.ts")],
    pollIntervalMs: 250,
  });
  void standInKubelet();
});

afterAll(() => {
  stopKubelet = true;
});

describe("KubernetesScheduler on a real API server", () => {
  it("runs a task as a Job and brings the result back from the pod", async () => {
    kubelet = runContainer;
    const result = await echo.with({ scheduler: k8s })("hello from a pod", 7);
    expect(result).toEqual({ value: "hello from a pod", n: 7 });
  });

  it("binds a GPU task to the GPU node through its node selector, and CPU tasks to the node that fits them", async () => {
    kubelet = runContainer;
    const jobs: string[] = [];
    k8s.on("submitted", (event) => jobs.push(event.job));
    const gpu = await gpuInfo.with({ scheduler: k8s })();
    expect(gpu).toMatchObject({ attempt: 1 });
    expect(await needsBigNode.with({ scheduler: k8s })()).toBe("ran");
    expect(boundTo.get(jobs[0] as string)).toBe("gpu-node");
    expect(boundTo.get(jobs[1] as string)).toBe("gpu-node"); // 6 CPUs fit only the 8-CPU node
    // Hold 6 of the GPU node's 8 CPUs with a pod that is never run; a 3-CPU task then fits only
    // the CPU node.
    kubelet = async (pod) => (pod.metadata?.labels?.["taskfit.dev/task"] === "needsBigNode" ? undefined : runContainer(pod));
    const holder = new AbortController();
    const held = needsBigNode.with({ scheduler: k8s, signal: holder.signal })().catch((e: unknown) => e);
    await until(() => boundTo.get(jobs[2] as string) === "gpu-node", "the holder to be bound");
    expect(await echo.with({ scheduler: k8s, cpu: 3 })("three cpus", 3)).toEqual({ value: "three cpus", n: 3 });
    expect(boundTo.get(jobs[3] as string)).toBe("cpu-node");
    holder.abort();
    expect(await held).toBeInstanceOf(TaskCancelledError);
  });

  it("refuses a request too big for every node, naming what is short", async () => {
    const huge = customTask({ cpu: 64, memory: 4 })(async function tooBig() {});
    const error = await huge.with({ scheduler: k8s })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnschedulableError);
    expect((error as Error).message).toMatch(/cpu: requested 64, at most 8/);
  });

  it("reports a pod that cannot be placed yet as a pending event with the scheduler's message", async () => {
    kubelet = undefined; // nothing runs: the pods stay bound, holding their GPUs
    const controller = new AbortController();
    const both = customTask({ cpu: 1, memory: 1, gpu: 2, gpuType: "a10g" })(async function bothGpus() {});
    const holder = both.with({ scheduler: k8s, signal: controller.signal })().catch((e: unknown) => e);
    const pending = new Promise<string>((resolve) => k8s.once("pending", (event) => resolve(event.message)));
    const waiter = both.with({ scheduler: k8s, signal: controller.signal })().catch((e: unknown) => e);
    expect(await pending).toMatch(/Insufficient nvidia\.com\/gpu/);
    controller.abort();
    expect(await holder).toBeInstanceOf(TaskCancelledError);
    expect(await waiter).toBeInstanceOf(TaskCancelledError);
  });

  it("passes on the server's own rejection", async () => {
    const nowhere = new KubernetesScheduler({ image: "x", namespace: "no-such-namespace", kubeconfig: KUBECONFIG });
    const error = await echo.with({ scheduler: nowhere })("x", 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SubmissionError);
    expect((error as SubmissionError).detail).toMatch(/namespaces "no-such-namespace" not found/);
  });

  it("passes on the server's validation error (422) with its message", async () => {
    const badAccount = new KubernetesScheduler({ image: "x", namespace: NAMESPACE, kubeconfig: KUBECONFIG, serviceAccount: "Not_A_Valid_Name" });
    const error = await echo.with({ scheduler: badAccount })("x", 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SubmissionError);
    expect((error as SubmissionError).detail).toMatch(/422.*serviceAccountName/);
  });

  it("maps a Job past its activeDeadlineSeconds (DeadlineExceeded) to TaskTimeoutError", async () => {
    kubelet = undefined; // the pod never finishes; the Job controller enforces the deadline
    const error = await sleeps.with({ scheduler: k8s, timeout: 3 })(60).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskTimeoutError);
  });

  it("maps OOMKilled to OutOfMemoryError, and escalation resubmits with more memory", async () => {
    const memories: string[] = [];
    kubelet = async (pod) => {
      if (pod.metadata?.labels?.["taskfit.dev/task"] !== "echo") return undefined; // leftovers of earlier tests
      // The API server stores quantities in canonical form: 1024Mi comes back as 1Gi.
      const memory = pod.spec?.containers[0]?.resources?.limits?.memory as string;
      memories.push(memory);
      return memory === "512Mi" ? oomKilled : runContainer(pod);
    };
    const once = echo.with({ scheduler: k8s, memory: "512Mi", retries: 0 });
    await expect(once("no retry", 1)).rejects.toBeInstanceOf(OutOfMemoryError);
    const grows = echo.with({ scheduler: k8s, memory: "512Mi", retries: { count: 1, escalate: { memory: 2 } } });
    expect(await grows("after oom", 2)).toEqual({ value: "after oom", n: 2 });
    expect(memories).toEqual(["512Mi", "512Mi", "1Gi"]);
  });

  it("fails the call when its Job is deleted by someone else, instead of waiting forever", async () => {
    kubelet = undefined;
    const jobName = new Promise<string>((resolve) => k8s.once("submitted", (event) => resolve(event.job)));
    const call = sleeps.with({ scheduler: k8s })(60).catch((e: unknown) => e);
    await batch.deleteNamespacedJob({ name: await jobName, namespace: NAMESPACE, propagationPolicy: "Background" });
    const error = await call;
    expect(error).toBeInstanceOf(TaskExecutionError);
    expect((error as Error).message).toMatch(/the Job was deleted before it finished \(not by taskfit\)/);
  });

  it("deletes the Job when the call is aborted", async () => {
    kubelet = undefined;
    const controller = new AbortController();
    const jobName = new Promise<string>((resolve) => k8s.once("submitted", (event) => resolve(event.job)));
    const call = sleeps.with({ scheduler: k8s, signal: controller.signal })(60);
    const name = await jobName;
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(TaskCancelledError);
    for (let i = 0; i < 40; i++) {
      const jobs = await batch.listNamespacedJob({ namespace: NAMESPACE });
      if (!jobs.items.some((job) => job.metadata?.name === name && !job.metadata?.deletionTimestamp)) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`Job ${name} is still there after the abort`);
  });
});

describe("taskfit run --scheduler kubernetes (the built command, as a user runs it)", () => {
  beforeAll(() => {
    execFileSync("npx", ["tsup", "--silent"], { stdio: "ignore" });
  }, 120_000);

  it("runs a module's workflow as Jobs, follows each pod to its node and reports against the nodes' allocatable", async () => {
    kubelet = runContainer;
    const cwd = process.cwd();
    const report = join(await mkdtemp(join(tmpdir(), "taskfit-k8s-cli-")), "run.html");
    // Asynchronous: the stand-in kubelet runs in this process while the command waits for its pods.
    const { stdout } = await run(
      process.execPath,
      [
        "dist/cli.js", "run", "test/fixtures/cluster-workflow.ts", "--args", "[3]",
        "--scheduler", "kubernetes", "--image", "taskfit-test:local", "--namespace", NAMESPACE, "--kubeconfig", KUBECONFIG,
        "--image-dir", cwd, "--worker-command", JSON.stringify(["node", join(cwd, "dist/worker.js")]), "--poll-ms", "250",
        "--json", "--report", report,
      ],
      { timeout: 150_000 },
    );
    const json = JSON.parse(stdout);
    expect(json.result).toEqual(Array.from({ length: 3 }, (_, i) => ({ value: `sample ${i}`, n: i })));
    // cpu-node (4 CPU, 8Gi) + gpu-node (8 CPU, 32Gi, 2 GPUs)
    expect(json.capacity).toEqual({ cpu: 12, memoryGiB: 40, gpus: 2 });
    expect(json.attempts).toMatchObject({ ok: 3, error: 0, cancelled: 0 });
    expect(json.scheduler).toBe(`Kubernetes namespace ${NAMESPACE} (12 cores, 40 GiB, 2 GPUs)`);
    const html = await readFile(report, "utf8");
    expect(html.match(/<g class="attempt" data-task="echo" data-outcome="ok">/g)).toHaveLength(3);
    // Each bar's tooltip names the node its pod was bound to.
    expect(html.match(/ on (cpu|gpu)-node<\/title>/g)).toHaveLength(3);
  }, 200_000);

  it("on Ctrl-C deletes its Jobs before it exits (130)", async () => {
    kubelet = undefined; // the pod never finishes by itself
    const child = spawn(
      process.execPath,
      ["dist/cli.js", "run", "test/fixtures/slurm-tasks.ts", "sleeps", "--args", "[120]", "--scheduler", "kubernetes", "--image", "x", "--namespace", NAMESPACE, "--kubeconfig", KUBECONFIG, "--poll-ms", "250"],
      { stdio: "ignore" },
    );
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    const live = async () => (await batch.listNamespacedJob({ namespace: NAMESPACE })).items.filter((job) => job.metadata?.name?.startsWith("sleeps-") && !job.metadata.deletionTimestamp).map((job) => job.metadata?.name as string);
    const before = new Set(await live());
    let created: string | undefined;
    for (let i = 0; i < 120 && created === undefined; i++) {
      created = (await live()).find((name) => !before.has(name));
      if (created === undefined) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(created).toBeDefined();
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    // The delete was accepted before the command exited.
    expect(await live()).not.toContain(created);
  }, 120_000);

  it("exits 1 with UNSCHEDULABLE, before creating a Job, when no node could hold the task", async () => {
    const result = await run(
      process.execPath,
      ["dist/cli.js", "run", "test/fixtures/cli-workflow.ts", "huge", "--scheduler", "kubernetes", "--image", "x", "--namespace", NAMESPACE, "--kubeconfig", KUBECONFIG],
      { timeout: 60_000 },
    ).catch((error: { code: number; stderr: string }) => error);
    expect((result as { code: number }).code).toBe(1);
    expect((result as { stderr: string }).stderr).toMatch(/taskfit: UNSCHEDULABLE: Task `huge` .*cpu/);
    const jobs = await batch.listNamespacedJob({ namespace: NAMESPACE });
    expect(jobs.items.filter((job) => job.metadata?.name?.startsWith("huge-"))).toEqual([]);
  });
});

