import { describe, expect, it } from "vitest";
import { ConfigurationError, customTask, type JobManifest, KubernetesScheduler, planCall, PRESET_NAMES, PRESETS, SubmissionError, TaskFile } from "../../../src/index.js";
import { PRESET_DECORATORS } from "../../../src/task/preset-decorators.js";
import { gpuLabelValues, nodeHasGpuType } from "../../../src/schedulers/kubernetes/gpu-selector.js";
import { buildJob, jobNameFor, labelValueFor, type ManifestOptions } from "../../../src/schedulers/kubernetes/manifest.js";
import { quantityValue, taskfitRules, validateJob } from "../../../src/schedulers/kubernetes/validate.js";
import { schedulable } from "../../../src/schedulers/kubernetes/kubernetes-scheduler.js";

const k8s = new KubernetesScheduler({ image: "ghcr.io/lab/pipeline:1.0", namespace: "pipelines", labels: { team: "genomics" } });

describe("the Job for each preset", () => {
  it.each(PRESET_NAMES)("%s asks for its exact numbers, requests = limits", async (name) => {
    const task = PRESET_DECORATORS[name](async function presetTask(x: number) {
      return x;
    });
    const job = (await k8s.plan(await planCall(task, [1]))).data as JobManifest;
    const preset = PRESETS[name];
    const container = job.spec.template.spec.containers[0];
    const expected: Record<string, string> = { cpu: `${preset.cpu * 1000}m`, memory: `${preset.memoryGiB * 1024}Mi` };
    if (preset.gpu > 0) expected["nvidia.com/gpu"] = String(preset.gpu);
    expect(container.resources.requests).toEqual(expected);
    expect(container.resources.limits).toEqual(expected);
    expect(job.spec.template.spec.nodeSelector).toEqual(
      // Without a cluster to list, the seed's types select GPU feature discovery's product names.
      preset.gpuType === undefined ? undefined : { "nvidia.com/gpu.product": ({ a10g: "NVIDIA-A10G", v100: "Tesla-V100-SXM2-16GB", l40s: "NVIDIA-L40S" } as Record<string, string>)[preset.gpuType] },
    );
    expect(job.spec.backoffLimit).toBe(0);
    expect(job.metadata.namespace).toBe("pipelines");
    expect(job.metadata.labels).toMatchObject({ team: "genomics", "app.kubernetes.io/managed-by": "taskfit", "taskfit.dev/task": "presetTask" });
  });
});

describe("the Job for a dynamic custom task", () => {
  it("asks for what the call resolved to, rounded up to millicores and Mi", async () => {
    const task = customTask({
      cpu: (files: TaskFile[]) => files.length * 0.3333,
      memory: "1.5Gi",
      storage: (files: TaskFile[]) => files.length * 0.1,
      timeout: "90m",
    })(async function alignReads(files: TaskFile[], _count: number) {
      return files.length;
    });
    const files = [new TaskFile("/data/a.fq"), new TaskFile("/data/b.fq"), new TaskFile("/data/c.fq")];
    const job = (await k8s.plan(await planCall(task, [files, 3]))).data as JobManifest;
    const { resources, env, command } = job.spec.template.spec.containers[0];
    expect(resources.requests).toEqual({ cpu: "1000m", memory: "1536Mi", "ephemeral-storage": "308Mi" });
    expect(resources.limits).toEqual(resources.requests);
    expect(job.spec.activeDeadlineSeconds).toBe(5400);
    expect(job.metadata.name).toMatch(/^alignreads-[0-9a-f]{8}$/);
    // The arguments travel as JSON in an environment variable, not on the command line.
    expect(command.join(" ")).not.toContain("a.fq");
    const request = JSON.parse(env[0]?.value ?? "{}") as { args: string; ref: { name: string; module: string } };
    expect(request.ref.name).toBe("alignReads");
    // The module is imported from the project's place in the image (default /app), with tsx for TypeScript.
    expect(request.ref.module).toBe("file:///app/test/schedulers/kubernetes/manifest.test.ts");
    expect(command.slice(0, 3)).toEqual(["node", "--import", "tsx"]);
    expect(JSON.parse(request.args).value[0][0]).toEqual({ $taskfit: "TaskFile", path: "/data/a.fq" });
  });
});

describe("names and labels", () => {
  it("makes DNS-1123 Job names and valid label values from any task name", () => {
    expect(jobNameFor("Align Reads!", "0123abcd")).toBe("align-reads-0123abcd");
    expect(jobNameFor("$(id)", "0123abcd")).toBe("id-0123abcd");
    expect(jobNameFor("---", "0123abcd")).toBe("task-0123abcd");
    expect(jobNameFor("x".repeat(100), "0123abcd")).toHaveLength(63);
    expect(labelValueFor("odd $(name) `x`")).toBe("odd-name-x");
  });

  it("names a labelled call's Job after the task and its label (DNS-1123), with the label whole in an annotation", async () => {
    expect(jobNameFor("align", "0123abcd", "NA12878 Lane_1")).toBe("align-na12878-lane-1-0123abcd");
    const align = customTask({ cpu: 1, memory: 1 })(async function align(sample: string) {
      return sample;
    });
    const job = (await k8s.plan(await planCall(align.with({ label: (sample) => `Sample ${sample}` }), ["S3"]))).data as JobManifest;
    expect(job.metadata.name).toMatch(/^align-sample-s3-[0-9a-f]{8}$/);
    expect(job.metadata.annotations).toMatchObject({ "taskfit.dev/label": "Sample S3" });
    await expect(validateJob(job, "align")).resolves.toBeUndefined();
  });
});

describe("GPU types on Kubernetes", () => {
  const h100 = customTask({ cpu: 4, memory: 32, gpu: 1, gpuType: "h100" })(async function onH100() {});
  const gfd = (product: string) => ({ "nvidia.com/gpu.product": product });

  it("selects nodes by the label values found on the cluster: one value as a nodeSelector, several as node affinity", () => {
    const options = { label: "nvidia.com/gpu.product", values: {} };
    const nodes = [gfd("NVIDIA-H100-80GB-HBM3"), gfd("NVIDIA-A10G"), gfd("NVIDIA-H100-PCIe"), {}];
    expect(gpuLabelValues("h100", options, nodes, "t")).toEqual(["NVIDIA-H100-80GB-HBM3", "NVIDIA-H100-PCIe"]);
    expect(gpuLabelValues("a10g", options, nodes, "t")).toEqual(["NVIDIA-A10G"]);
    // An older cluster labelled by hand with the short name still matches.
    expect(gpuLabelValues("a10g", options, [gfd("A10G")], "t")).toEqual(["A10G"]);
    expect(nodeHasGpuType(gfd("NVIDIA-H100-80GB-HBM3"), "h100", options)).toBe(true);
    expect(nodeHasGpuType(gfd("NVIDIA-H100-80GB-HBM3"), "a10g", options)).toBe(false);
  });

  it("uses a configured label value as given, and a configured label key", () => {
    const options = { label: "example.com/gpu", values: { h100: "hopper" } };
    expect(gpuLabelValues("h100", options, [{ "example.com/gpu": "NVIDIA-H100-80GB-HBM3" }], "t")).toEqual(["hopper"]);
    expect(nodeHasGpuType({ "example.com/gpu": "hopper" }, "h100", options)).toBe(true);
    expect(nodeHasGpuType({ "example.com/gpu": "NVIDIA-H100-80GB-HBM3" }, "h100", options)).toBe(false);
  });

  it("is a ConfigurationError naming the option when no value can be found for a new type", () => {
    expect(() => gpuLabelValues("h100", { label: "nvidia.com/gpu.product", values: {} }, undefined, "onH100")).toThrow(
      /gpuNodeSelector\.values\.h100|node label nvidia\.com\/gpu\.product for GPU type "h100"/,
    );
  });

  it("plans a Job for any GPU type with a configured label value", async () => {
    const k = new KubernetesScheduler({ image: "img", gpuNodeSelector: { values: { h100: "NVIDIA-H100-80GB-HBM3" } } });
    const job = (await k.plan(await planCall(h100, []))).data as JobManifest;
    expect(job.spec.template.spec.nodeSelector).toEqual({ "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3" });
    await expect(k8s.plan(await planCall(h100, []))).rejects.toBeInstanceOf(ConfigurationError);
  });

  it("writes several values as required node affinity", () => {
    const job = buildJob(
      {
        taskName: "t",
        task: { module: undefined, name: "t", index: 0 },
        attempt: 1,
        request: "{}",
        timeoutSeconds: undefined,
        resources: { cpu: 1, memoryGiB: 1, gpu: 1, gpuType: "h100", source: { kind: "custom", dynamic: [], overridden: [] }, clamped: [] },
        gpuLabelValues: ["NVIDIA-H100-80GB-HBM3", "NVIDIA-H100-PCIe"],
      },
      { image: "img", namespace: "default", workerCommand: ["node", "/w.js"], gpuLabel: "nvidia.com/gpu.product", tolerations: [], serviceAccount: undefined, labels: {} },
    );
    expect(job.spec.template.spec.nodeSelector).toBeUndefined();
    expect(job.spec.template.spec.affinity?.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: "nvidia.com/gpu.product", operator: "In", values: ["NVIDIA-H100-80GB-HBM3", "NVIDIA-H100-PCIe"] }] },
    ]);
  });
});

describe("validation before submit", () => {
  const options: ManifestOptions = {
    image: "img",
    namespace: "default",
    workerCommand: ["node", "/w.js"],
    gpuLabel: "nvidia.com/gpu.product",
    tolerations: [],
    serviceAccount: undefined,
    labels: {},
  };
  const source = { kind: "custom", dynamic: [], overridden: [] } as const;
  const good = buildJob(
    { taskName: "t", task: { module: undefined, name: "t", index: 0 }, attempt: 1, request: "{}", timeoutSeconds: undefined, resources: { cpu: 1, memoryGiB: 1, gpu: 1, source, clamped: [] }, gpuLabelValues: [] },
    options,
    "t-00000000",
  );
  const withResources = (requests: Record<string, string>, limits: Record<string, string>) => {
    const job = structuredClone(good) as unknown as { spec: { template: { spec: { containers: Array<{ resources: unknown }> } } } };
    job.spec.template.spec.containers[0]!.resources = { requests, limits };
    return job as unknown as typeof good;
  };

  it("passes a Job taskfit built", async () => {
    expect(taskfitRules(good)).toEqual([]);
    await expect(validateJob(good, "t")).resolves.toBeUndefined();
  });

  it("catches what the schema misses: negatives, fractional GPUs, GPU request != limit, requests > limits, bad names", () => {
    expect(taskfitRules(withResources({ cpu: "-1" }, { cpu: "-1" })).join()).toMatch(/cpu "-1" is not a non-negative/);
    expect(taskfitRules(withResources({ "nvidia.com/gpu": "0.5" }, { "nvidia.com/gpu": "0.5" })).join()).toMatch(/must be a whole number/);
    expect(taskfitRules(withResources({ "nvidia.com/gpu": "1" }, { "nvidia.com/gpu": "2" })).join()).toMatch(/request 1 must equal its limit 2/);
    expect(taskfitRules(withResources({ memory: "2Gi" }, { memory: "1Gi" })).join()).toMatch(/memory request 2Gi is more than its limit 1Gi/);
    expect(taskfitRules({ ...good, metadata: { ...good.metadata, name: "Bad_Name" } }).join()).toMatch(/not a DNS-1123 label/);
  });

  it("rejects a malformed quantity through kubernetes-models' schema, as a SubmissionError", async () => {
    const error = await validateJob(withResources({ memory: "1.5.5Gi" }, { memory: "1.5.5Gi" }), "t").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SubmissionError);
    expect((error as Error).message).toMatch(/memory/);
  });

  it("reads Kubernetes quantities", () => {
    expect(quantityValue("500m")).toBe(0.5);
    expect(quantityValue("1536Mi")).toBe(1536 * 1024 ** 2);
    expect(quantityValue("2")).toBe(2);
    expect(quantityValue("1.5.5Gi")).toBeNaN();
  });

  it("refuses bad options at construction", () => {
    expect(() => new KubernetesScheduler({ image: "" })).toThrow(/image/);
  });
});

describe("argument size", () => {
  const k8s = new KubernetesScheduler({ image: "ghcr.io/acme/pipeline:1.0" });
  const takes = customTask({ cpu: 1, memory: 1 })(async function takesText(text: string) {
    return text.length;
  });

  it("refuses a request over 1 MiB before anything is submitted, naming the limit", async () => {
    const error = await k8s.plan(await planCall(takes, ["x".repeat(2 * 1024 * 1024)])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SubmissionError);
    expect((error as SubmissionError).code).toBe("SUBMISSION_FAILED");
    expect((error as Error).message).toMatch(/Task `takesText` could not be submitted to Kubernetes: its request \(the arguments as JSON\) takes \d+ bytes, more than the 1048576 bytes \(1 MiB\) a Kubernetes Job may carry/);
  });

  it("takes a request just under the limit", async () => {
    const job = (await k8s.plan(await planCall(takes, ["x".repeat(1024 * 1024 - 2048)]))).data as JobManifest;
    expect(job.spec.template.spec.containers[0].env[0]?.value.length).toBeLessThanOrEqual(1024 * 1024);
  });
});

describe("options", () => {
  it("refuses a start timeout that is not a positive number of seconds", () => {
    expect(() => new KubernetesScheduler({ image: "x", startTimeoutSeconds: 0 })).toThrow(/Expected a positive number of seconds, got `0` \(number\) \(field `startTimeoutSeconds`\)/);
    expect(() => new KubernetesScheduler({ image: "x", startTimeoutSeconds: Number.NaN })).toThrow(/startTimeoutSeconds/);
  });
});

describe("nodes that count", () => {
  it("leaves cordoned nodes (spec.unschedulable) out", () => {
    const nodes = [{ metadata: { name: "a" }, spec: {} }, { metadata: { name: "b" }, spec: { unschedulable: true } }, { metadata: { name: "c" } }];
    expect(schedulable(nodes).map((n) => n.metadata.name)).toEqual(["a", "c"]);
  });
});
