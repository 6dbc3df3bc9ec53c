/**
 * KubernetesScheduler against a real cluster (scripts/kubernetes/up.sh): kube-apiserver,
 * kube-scheduler and Job controller, and one real node — a kubelet with containerd and runc —
 * labelled taskfit.dev/real-node=true. Tasks run there in real containers of a task image made
 * from this checkout (scripts/kubernetes/task-image.sh: Node, dist/, src/, the fixtures and
 * node_modules under /app), so results, logs, OOM kills and deadlines come from a kubelet and the
 * kernel.
 *
 * Where a kubelet cannot be used, the test stands in for one: GPU placement and "a node big
 * enough" need nodes this machine does not have. Two fake Node objects (cpu-node: 4 CPU, 8Gi;
 * gpu-node: 8 CPU, 32Gi, 2 nvidia.com/gpu A10G) carry the taint taskfit.dev/fake-node:NoSchedule,
 * so only the `placement` scheduler's pods (which tolerate it) land there; for those pods the test
 * runs the worker on this machine with the pod's command and environment and writes the outcome
 * into the pod's status, as a kubelet would. Those tests are in the "placement on fake nodes" block.
 */
import { execFile, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { BatchV1Api, CoreV1Api, KubeConfig, type V1Pod } from "@kubernetes/client-node";
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
  type FinishedEvent,
} from "../../src/index.js";
import { fragile } from "../fixtures/fragile-tasks.js";
import { echo, fails, gpuInfo, holdsMemory, needsBigNode, sleeps } from "../fixtures/slurm-tasks.js";

const run = promisify(execFile);
const DIR = process.env.TASKFIT_K8S_DIR ?? "/tmp/taskfit-kubernetes";
const KUBECONFIG = join(DIR, "kubeconfig");
const SOCKET = join(DIR, "node/containerd/containerd.sock");
const NAMESPACE = "taskfit-test";
const IMAGE = "taskfit.local/task:integration";
const FAKE_NODE_TAINT = "taskfit.dev/fake-node";
const cwd = process.cwd();

const config = new KubeConfig();
let core: CoreV1Api;
let batch: BatchV1Api;
/** Runs on the real node, from the task image. */
let k8s: KubernetesScheduler;
/** Tolerates the fake nodes; its pods there are run by the stand-in kubelet below. */
let placement: KubernetesScheduler;
let realNode: string;
/** What the stand-in kubelet does with each pod bound to a fake node; `undefined` leaves it alone. */
let standIn: ((pod: V1Pod) => Promise<Record<string, unknown> | undefined>) | undefined;
let stopStandIn = false;
const handled = new Set<string>();
const boundTo = new Map<string, string>();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean | Promise<boolean>, what: string, tries = 240): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await condition()) return;
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The containers containerd runs for a pod (the real node's runtime, asked directly). */
function containersOf(pod: string): string[] {
  const out = execFileSync("ctr", ["-a", SOCKET, "-n", "k8s.io", "containers", "ls", "-q", `labels."io.kubernetes.pod.name"==${pod}`], { encoding: "utf8" });
  return out.split("\n").filter(Boolean);
}

async function podsLabelled(selector: string): Promise<V1Pod[]> {
  return (await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: selector })).items;
}

async function jobsLabelled(selector: string): Promise<string[]> {
  return (await batch.listNamespacedJob({ namespace: NAMESPACE, labelSelector: selector })).items.map((job) => job.metadata?.name as string);
}

async function standInKubelet(): Promise<void> {
  while (!stopStandIn) {
    const pods = await podsLabelled("app.kubernetes.io/managed-by=taskfit").catch(() => [] as V1Pod[]);
    for (const pod of pods) {
      const name = pod.metadata?.name as string;
      const node = pod.spec?.nodeName;
      if (node) boundTo.set(pod.metadata?.labels?.["job-name"] ?? name, node);
      if (!node || node === realNode || handled.has(name) || standIn === undefined) continue;
      const status = await standIn(pod);
      if (status === undefined) continue;
      handled.add(name);
      const fresh = await core.readNamespacedPodStatus({ name, namespace: NAMESPACE });
      fresh.status = { ...fresh.status, ...status } as never;
      await core.replaceNamespacedPodStatus({ name, namespace: NAMESPACE, body: fresh }).catch(() => undefined);
    }
    await sleep(200);
  }
}

/** The stand-in: runs the pod's container here (its command, its environment); returns a terminated status. */
async function runHere(pod: V1Pod): Promise<Record<string, unknown>> {
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
      { name: "task", image: container?.image, imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode, reason: exitCode === 0 ? "Completed" : "Error", message } } },
    ],
  };
}

beforeAll(async () => {
  if (!existsSync(KUBECONFIG)) throw new Error(`no kubeconfig at ${KUBECONFIG}: run scripts/kubernetes/up.sh`);
  config.loadFromFile(KUBECONFIG);
  core = config.makeApiClient(CoreV1Api);
  batch = config.makeApiClient(BatchV1Api);
  const real = (await core.listNode({ labelSelector: "taskfit.dev/real-node=true" })).items;
  if (real.length !== 1) throw new Error("no real node (label taskfit.dev/real-node=true): run scripts/kubernetes/up.sh");
  realNode = real[0]?.metadata?.name as string;
  // Jobs and pods left by an earlier run would hold the nodes' resources.
  await batch.deleteCollectionNamespacedJob({ namespace: NAMESPACE, propagationPolicy: "Background" });
  await core.deleteCollectionNamespacedPod({ namespace: NAMESPACE, gracePeriodSeconds: 0 });
  // The task image: this checkout's built worker and the test's task modules under /app.
  execFileSync("npx", ["tsup", "--silent"], { stdio: "ignore" });
  execFileSync(
    "bash",
    [
      "scripts/kubernetes/task-image.sh", IMAGE, cwd, "package.json", "dist", "src", "test/fixtures", "node_modules",
      // Build and test tools the worker never loads.
      ...["typescript", "@rolldown", "rolldown", "playwright-core", "@arethetypeswrong", "tsup", "vite", "vitest", "@vitest", "lightningcss*", "@kubernetes", "kubernetes-models", "fast-check", ".cache"].map((p) => `--exclude=node_modules/${p}`),
    ],
    { stdio: "inherit" },
  );
  k8s = new KubernetesScheduler({
    image: IMAGE,
    namespace: NAMESPACE,
    kubeconfig: KUBECONFIG,
    modulePaths: { local: cwd, image: "/app" },
    workerCommand: ["node", "/app/dist/worker.js"],
    pollIntervalMs: 250,
  });
  placement = new KubernetesScheduler({
    image: "taskfit-test:stand-in",
    namespace: NAMESPACE,
    kubeconfig: KUBECONFIG,
    tolerations: [{ key: FAKE_NODE_TAINT, operator: "Exists", effect: "NoSchedule" }],
    // The stand-in kubelet runs containers on this machine: the project is where it is here.
    modulePaths: { local: cwd, image: cwd },
    workerCommand: ["node", join(cwd, "src/schedulers/worker.ts")],
    pollIntervalMs: 250,
  });
  void standInKubelet();
}, 600_000);

afterAll(() => {
  stopStandIn = true;
});

describe("KubernetesScheduler on a real node (kubelet, containerd, runc)", () => {
  it("brings a task's result back from a real container on the real node", async () => {
    const nodes: string[] = [];
    k8s.on("started", (event) => nodes.push(event.where ?? ""));
    expect(await echo.with({ scheduler: k8s })("hello from a pod", 7)).toEqual({ value: "hello from a pod", n: 7 });
    expect(nodes).toEqual([realNode]);
  });

  it("a task over its memory limit is OOM-killed by the kernel (OutOfMemoryError); escalation then succeeds", async () => {
    const memories: string[] = [];
    const onSubmitted = (event: { resources: { memoryGiB: number } }) => memories.push(`${event.resources.memoryGiB * 1024}Mi`);
    k8s.on("queued", onSubmitted);
    // 600 MiB outside the V8 heap in a 256Mi container: the kernel's OOM killer, not V8, stops it.
    const once = holdsMemory.with({ scheduler: k8s, retries: 0 });
    const error = await once(600).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutOfMemoryError);
    expect((error as Error).message).toMatch(/was OOMKilled \(exit code 137\)/);
    const grows = holdsMemory.with({ scheduler: k8s, retries: { count: 1, escalate: { memory: 4 } } });
    const peaks: Array<number | undefined> = [];
    const onFinished = (event: FinishedEvent) => peaks.push(event.usage && event.usage.peakMemoryGiB * 1024);
    k8s.on("finished", onFinished);
    expect(await grows(600)).toMatchObject({ held: 600, attempt: 2, memoryGiB: 1 });
    k8s.off("finished", onFinished);
    // The pod's worker measured its process tree and sent it back with the outcome: the 600 MiB it held.
    expect(peaks.at(-1)).toBeGreaterThanOrEqual(600);
    k8s.off("queued", onSubmitted);
    expect(memories).toEqual(["256Mi", "256Mi", "1024Mi"]);
  }, 240_000);

  it("a failing task gives TaskExecutionError with the container's log tail, without taskfit's protocol line", async () => {
    const error = await fails.with({ scheduler: k8s })("no reference genome").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskExecutionError);
    const failure = error as TaskExecutionError;
    expect(failure.message).toMatch(/Task `fails` failed on attempt 1, exit code 1, job fails-[0-9a-f]{8}: TypeError: no reference genome/);
    expect(failure.stderrTail).toMatch(/fails: about to throw no reference genome/);
    expect(failure.stderrTail).not.toMatch(/TASKFIT_OUTCOME/);
  });

  it("carries the import error of a task module the node cannot import", async () => {
    const error = await fragile.with({ scheduler: k8s })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskExecutionError);
    expect((error as Error).message).toMatch(/Module file:\/\/\/app\/test\/fixtures\/fragile-tasks\.ts \(task `fragile`\) could not be imported: fragile-tasks: the reference index is not installed on this node/);
    expect(((error as Error).cause as { cause?: { stack?: string } }).cause?.stack).toMatch(/\/app\/test\/fixtures\/fragile-tasks\.ts/);
  });

  it("a Job past its activeDeadlineSeconds is a TaskTimeoutError", async () => {
    const error = await sleeps.with({ scheduler: k8s, timeout: 3 })(60).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskTimeoutError);
  }, 120_000);

  it("cancelling deletes the Job, and the container is gone from the node", async () => {
    const controller = new AbortController();
    const jobName = new Promise<string>((resolve) => k8s.once("queued", (event) => resolve(event.id)));
    const call = sleeps.with({ scheduler: k8s, signal: controller.signal })(120);
    const name = await jobName;
    let pod = "";
    await until(async () => {
      const [p] = await podsLabelled(`job-name=${name}`);
      pod = p?.metadata?.name ?? "";
      return p?.status?.containerStatuses?.[0]?.state?.running !== undefined;
    }, "the container to run");
    expect(containersOf(pod).length).toBeGreaterThan(0);
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(TaskCancelledError);
    expect(await jobsLabelled(`taskfit.dev/task=sleeps`)).not.toContain(name);
    // The kubelet stops the container (after the pod's grace period) and removes its sandbox.
    await until(async () => (await podsLabelled(`job-name=${name}`)).length === 0 && containersOf(pod).length === 0, "the pod and its containers to go", 480);
  }, 180_000);

  it("fails the call when its Job is deleted by someone else, instead of waiting forever", async () => {
    const jobName = new Promise<string>((resolve) => k8s.once("queued", (event) => resolve(event.id)));
    const call = sleeps.with({ scheduler: k8s })(60).catch((e: unknown) => e);
    await batch.deleteNamespacedJob({ name: await jobName, namespace: NAMESPACE, propagationPolicy: "Background" });
    const error = await call;
    expect(error).toBeInstanceOf(TaskExecutionError);
    expect((error as Error).message).toMatch(/the Job was deleted before it finished \(not by taskfit\)/);
  });

  it("deletes each finished Job and its pod once the outcome is read; keepJobs keeps them", async () => {
    const run = `r${Date.now().toString(36)}`;
    const cleaning = new KubernetesScheduler({ image: IMAGE, namespace: NAMESPACE, kubeconfig: KUBECONFIG, modulePaths: { local: cwd, image: "/app" }, workerCommand: ["node", "/app/dist/worker.js"], pollIntervalMs: 250, labels: { "taskfit.test/run": run } });
    const results = await Promise.all([1, 2, 3].map((n) => echo.with({ scheduler: cleaning })(`clean ${n}`, n)));
    expect(results.map((r) => r.n)).toEqual([1, 2, 3]);
    expect(await jobsLabelled(`taskfit.test/run=${run}`)).toEqual([]);
    await until(async () => (await podsLabelled(`taskfit.test/run=${run}`)).length === 0, "the pods to be deleted with their Jobs");

    const kept = `k${Date.now().toString(36)}`;
    const keeping = new KubernetesScheduler({ image: IMAGE, namespace: NAMESPACE, kubeconfig: KUBECONFIG, modulePaths: { local: cwd, image: "/app" }, workerCommand: ["node", "/app/dist/worker.js"], pollIntervalMs: 250, labels: { "taskfit.test/run": kept }, keepJobs: true });
    await echo.with({ scheduler: keeping })("kept", 4);
    expect(await jobsLabelled(`taskfit.test/run=${kept}`)).toHaveLength(1);
    expect(await podsLabelled(`taskfit.test/run=${kept}`)).toHaveLength(1);
    await batch.deleteCollectionNamespacedJob({ namespace: NAMESPACE, labelSelector: `taskfit.test/run=${kept}`, propagationPolicy: "Background" });
  }, 180_000);

  it("reports a container that cannot start as a waiting event, then fails with SubmissionError after startTimeoutSeconds", async () => {
    const broken = new KubernetesScheduler({ image: "taskfit.local/no-such-image:1", namespace: NAMESPACE, kubeconfig: KUBECONFIG, pollIntervalMs: 250, startTimeoutSeconds: 5 });
    const reasons: string[] = [];
    broken.on("waiting", (event) => reasons.push(event.reason));
    const jobName = new Promise<string>((resolve) => broken.once("queued", (event) => resolve(event.id)));
    const error = await echo.with({ scheduler: broken })("never", 0).catch((e: unknown) => e);
    expect(reasons.some((reason) => reason === "ErrImagePull" || reason === "ImagePullBackOff")).toBe(true);
    expect(error).toBeInstanceOf(SubmissionError);
    expect((error as Error).message).toMatch(/its container could not start within 5 s \(startTimeoutSeconds\), pod echo-[0-9a-f]{8}-\w+ waiting in (ErrImagePull|ImagePullBackOff)/);
    expect(await jobsLabelled("taskfit.dev/task=echo")).not.toContain(await jobName);
  }, 120_000);

  it("refuses arguments over 1 MiB with the limit named, before creating a Job", async () => {
    const before = await jobsLabelled("taskfit.dev/task=echo");
    const error = await echo.with({ scheduler: k8s })("x".repeat(2 * 1024 * 1024), 0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SubmissionError);
    expect((error as Error).message).toMatch(/more than the 1048576 bytes \(1 MiB\) a Kubernetes Job may carry/);
    expect(await jobsLabelled("taskfit.dev/task=echo")).toEqual(before);
  });

  it("leaves a cordoned node out of the capacity and the fit check", async () => {
    const before = await k8s.capacity();
    await core.patchNode({ name: "gpu-node", body: [{ op: "add", path: "/spec/unschedulable", value: true }] });
    try {
      const after = await k8s.capacity();
      expect(after).toEqual({ ...before, cpu: before.cpu - 8, memoryGiB: before.memoryGiB - 32, gpus: before.gpus - 2, nodes: before.nodes - 1 });
      // 6 CPUs fit only gpu-node, which takes no new pods now.
      const error = await needsBigNode.with({ scheduler: placement })().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnschedulableError);
      expect((error as Error).message).toMatch(/cpu: requested 6, at most 4/);
    } finally {
      await core.patchNode({ name: "gpu-node", body: [{ op: "remove", path: "/spec/unschedulable" }] });
    }
  });
});

describe("KubernetesScheduler placement on fake nodes (the test stands in for their kubelet)", () => {
  it("binds a GPU task to the GPU node through its node selector, and CPU tasks to the node that fits them", async () => {
    standIn = runHere;
    const jobs: string[] = [];
    placement.on("queued", (event) => jobs.push(event.id));
    expect(await gpuInfo.with({ scheduler: placement })()).toMatchObject({ attempt: 1 });
    expect(await needsBigNode.with({ scheduler: placement })()).toBe("ran");
    expect(boundTo.get(jobs[0] as string)).toBe("gpu-node");
    expect(boundTo.get(jobs[1] as string)).toBe("gpu-node"); // 6 CPUs fit only the 8-CPU node
    // Hold 6 of the GPU node's 8 CPUs with a pod that is never run; a 3-CPU task then fits only
    // the CPU node.
    standIn = async (pod) => (pod.metadata?.labels?.["taskfit.dev/task"] === "needsBigNode" ? undefined : runHere(pod));
    const holder = new AbortController();
    const held = needsBigNode.with({ scheduler: placement, signal: holder.signal })().catch((e: unknown) => e);
    await until(() => boundTo.get(jobs[2] as string) === "gpu-node", "the holder to be bound");
    expect(await echo.with({ scheduler: placement, cpu: 3 })("three cpus", 3)).toEqual({ value: "three cpus", n: 3 });
    expect(boundTo.get(jobs[3] as string)).toBe("cpu-node");
    holder.abort();
    expect(await held).toBeInstanceOf(TaskCancelledError);
  });

  it("refuses a request too big for every node, naming what is short", async () => {
    const huge = customTask({ cpu: 64, memory: 4 })(async function tooBig() {});
    const error = await huge.with({ scheduler: placement })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnschedulableError);
    expect((error as Error).message).toMatch(/cpu: requested 64, at most 8/);
  });

  it("reports a pod that cannot be placed yet as a pending event with the scheduler's message", async () => {
    standIn = undefined; // nothing runs: the pods stay bound, holding their GPUs
    const controller = new AbortController();
    const both = customTask({ cpu: 1, memory: 1, gpu: 2, gpuType: "a10g" })(async function bothGpus() {});
    const holder = both.with({ scheduler: placement, signal: controller.signal })().catch((e: unknown) => e);
    const pending = new Promise<string>((resolve) => placement.on("waiting", (event) => event.reason === "Unschedulable" && resolve(event.message ?? "")));
    const waiter = both.with({ scheduler: placement, signal: controller.signal })().catch((e: unknown) => e);
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
});

describe("taskfit run --scheduler kubernetes (the built command, as a user runs it)", () => {
  it("runs a workflow's fan-out as Jobs on the real node, and the report shows that node", async () => {
    const report = join(await mkdtemp(join(tmpdir(), "taskfit-k8s-cli-")), "run.html");
    const { stdout } = await run(
      process.execPath,
      [
        "dist/cli.js", "run", "test/fixtures/cluster-workflow.ts", "--args", "[3]",
        "--scheduler", "kubernetes", "--image", IMAGE, "--namespace", NAMESPACE, "--kubeconfig", KUBECONFIG,
        "--image-dir", "/app", "--worker-command", JSON.stringify(["node", "/app/dist/worker.js"]), "--poll-ms", "250",
        "--json", "--report", report,
      ],
      { timeout: 240_000 },
    );
    const json = JSON.parse(stdout);
    expect(json.result).toEqual(Array.from({ length: 3 }, (_, i) => ({ value: `sample ${i}`, n: i })));
    const capacity = await k8s.capacity();
    expect(json.capacity).toEqual({ cpu: capacity.cpu, memoryGiB: capacity.memoryGiB, gpus: capacity.gpus });
    expect(json.attempts).toMatchObject({ ok: 3, error: 0, cancelled: 0 });
    const html = await readFile(report, "utf8");
    expect(html.match(/<g class="attempt" data-task="echo" data-outcome="ok">/g)).toHaveLength(3);
    // Each bar's tooltip names the node its pod ran on: the real one.
    expect(html.match(new RegExp(` on ${realNode}(</title>|\n)`, "g"))).toHaveLength(3);
  }, 300_000);

  it("on Ctrl-C deletes its Jobs before it exits (130)", async () => {
    const child = spawn(
      process.execPath,
      ["dist/cli.js", "run", "test/fixtures/slurm-tasks.ts", "sleeps", "--args", "[120]", "--scheduler", "kubernetes", "--image", IMAGE, "--namespace", NAMESPACE, "--kubeconfig", KUBECONFIG, "--image-dir", "/app", "--worker-command", JSON.stringify(["node", "/app/dist/worker.js"]), "--poll-ms", "250"],
      { stdio: "ignore" },
    );
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    const live = async () => (await batch.listNamespacedJob({ namespace: NAMESPACE })).items.filter((job) => job.metadata?.name?.startsWith("sleeps-") && !job.metadata.deletionTimestamp).map((job) => job.metadata?.name as string);
    const before = new Set(await live());
    let created: string | undefined;
    for (let i = 0; i < 240 && created === undefined; i++) {
      created = (await live()).find((name) => !before.has(name));
      if (created === undefined) await sleep(250);
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
