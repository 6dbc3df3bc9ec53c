import { describe, expect, it } from "vitest";
import { customTask, planCall, PRESETS, type ResolvedResources, SlurmScheduler, smallGpuTask, v100x8Task } from "../../../src/index.js";
import { minutesUp } from "../../../src/resources/rounding.js";
import { ConfigurationError } from "../../../src/errors.js";
import { arrayJobFiles, elementFiles } from "../../../src/schedulers/slurm/job-files.js";
import { jobName, sbatchArgv, sbatchOptions } from "../../../src/schedulers/slurm/sbatch.js";
import { arrayJobOf, parseGres, parseJobLines, parseNodes, SQUEUE_FORMAT } from "../../../src/schedulers/slurm/slurm-state.js";
import { jobStates } from "../../../src/schedulers/slurm/squeue.js";

const files = { output: "/w/j.out", error: "/w/j.err", chdir: "/w", extraArgs: [] as string[] };
const options = { jobName: "t", timeoutSeconds: undefined, partition: undefined, account: undefined, ...files };
const source = { kind: "custom", dynamic: [], overridden: [] } as const;
const resources = (r: Partial<ResolvedResources>): ResolvedResources => ({ cpu: 1, memoryGiB: 1, gpu: 0, source, clamped: [], ...r });

describe("sbatch options", () => {
  it("rounds CPUs up to whole cores and memory and storage up to MiB", () => {
    const args = sbatchOptions(resources({ cpu: 0.25, memoryGiB: 0.0001, storageGiB: 1.5 }), options);
    expect(args).toContain("--cpus-per-task=1");
    expect(args).toContain("--mem=1M");
    expect(args).toContain("--tmp=1536M");
    expect(sbatchOptions(resources({ cpu: 2.001, memoryGiB: 14.901161193847656 }), options)).toEqual(
      expect.arrayContaining(["--cpus-per-task=3", "--mem=15259M"]),
    );
  });

  it("does not round an exact value up a step because of float noise", () => {
    expect(sbatchOptions(resources({ cpu: 0.1 + 0.2 + 2.7, memoryGiB: 0.1 + 0.2 }), options)).toEqual(
      expect.arrayContaining(["--cpus-per-task=3", "--mem=308M"]),
    );
  });

  it("asks for typed or untyped GPUs as gres", () => {
    expect(sbatchOptions(resources({ gpu: 2, gpuType: "a10g" }), options)).toContain("--gres=gpu:a10g:2");
    expect(sbatchOptions(resources({ gpu: 1 }), options)).toContain("--gres=gpu:1");
    expect(sbatchOptions(resources({ gpu: 4, gpuType: "h100" }), options)).toContain("--gres=gpu:h100:4");
    expect(sbatchOptions(resources({}), options).some((a) => a.startsWith("--gres"))).toBe(false);
  });

  it("turns the timeout into whole minutes, rounded up", () => {
    expect(minutesUp(1)).toBe(1);
    expect(minutesUp(60)).toBe(1);
    expect(minutesUp(61)).toBe(2);
    expect(minutesUp(7200)).toBe(120);
    expect(sbatchOptions(resources({}), { ...options, timeoutSeconds: 90 })).toContain("--time=2");
  });

  it("sanitises job names to Slurm-safe characters", () => {
    expect(jobName("align reads; rm -rf /")).toBe("align_reads_rm_-rf_");
    expect(jobName("$(id)")).toBe("_id_");
    expect(jobName("")).toBe("taskfit");
    expect(jobName("x".repeat(100))).toHaveLength(64);
  });

  it("names a labelled call's job and log files after the task and its label, sanitised", async () => {
    expect(jobName("align", "s3")).toBe("align-s3");
    expect(jobName("align", "S 3/%j; rm")).toBe("align-S_3_j_rm");
    const slurm = new SlurmScheduler({ workDir: "/shared/jobs" });
    const align = customTask({ cpu: 1, memory: 1, label: (sample: { id: string }) => sample.id })(async function align(sample: { id: string }) {
      return sample.id;
    });
    const argv = (await slurm.plan(await planCall(align.with({ retries: 1 }), [{ id: "NA12878 lane/1" }]))).data as string[];
    expect(argv).toEqual(
      expect.arrayContaining([
        "--job-name=align-NA12878_lane_1",
        "--output=/shared/jobs/align-NA12878_lane_1-attempt1-%j.out",
        "--error=/shared/jobs/align-NA12878_lane_1-attempt1-%j.err",
      ]),
    );
    expect(((await slurm.plan(await planCall(align.with({ label: "s3" }), [{ id: "ignored" }]))).data as string[]).find((a) => a.startsWith("--job-name="))).toBe("--job-name=align-s3");
  });

  it("plans the whole argv for a preset without a cluster, the task's arguments never in it", async () => {
    const slurm = new SlurmScheduler({ workDir: "/shared/jobs", partition: "gpu", account: "lab" });
    const task = smallGpuTask(async function infer(prompt: string) {
      return prompt;
    });
    const argv = (await slurm.plan(await planCall(task.with({ timeout: "1h" }), ["$(rm -rf /) secret prompt"]))).data as string[];
    expect(argv[0]).toBe("sbatch");
    expect(argv.some((a) => a.includes("secret prompt"))).toBe(false);
    expect(argv).toEqual(
      expect.arrayContaining([
        "--job-name=infer",
        `--cpus-per-task=${PRESETS.small_gpu_task.cpu}`,
        "--mem=32768M",
        "--gres=gpu:a10g:1",
        "--time=60",
        "--partition=gpu",
        "--account=lab",
        "/shared/jobs/taskfit-job.sh",
        "--import",
        "tsx",
        "--max-old-space-size=32768",
      ]),
    );
    expect(argv.indexOf("/shared/jobs/taskfit-job.sh")).toBeGreaterThan(argv.indexOf("--account=lab"));
  });

  it("asks for the exact preset numbers of the largest machines", async () => {
    const task = v100x8Task(async () => 0);
    const args = sbatchOptions(await task.resolve(), options);
    expect(args).toEqual(expect.arrayContaining(["--cpus-per-task=128", "--mem=524288M", "--gres=gpu:v100:8"]));
  });

  it("refuses bad options at construction", () => {
    expect(() => new SlurmScheduler({ workDir: "" })).toThrow(/workDir/);
    expect(() => new SlurmScheduler({ workDir: "/w", extraArgs: "--qos=x" as never })).toThrow(/extraArgs/);
    expect(() => new SlurmScheduler({ workDir: "/w", pollIntervalMs: 0 })).toThrow(/pollIntervalMs/);
    expect(() => new SlurmScheduler({ workDir: "/w", arrayWindowMs: -1 })).toThrow(/milliseconds from 0 up, got `-1` .*arrayWindowMs/);
    expect(() => new SlurmScheduler({ workDir: "/w", arrayMaxSize: 0 })).toThrow(/calls from 1 up, got `0` .*arrayMaxSize/);
    expect(() => new SlurmScheduler({ workDir: "/w", arrayMaxSize: 2.5 })).toThrow(ConfigurationError);
  });

  it("gives a job array one command line for all its elements: their index is %a in the file names", async () => {
    const t = customTask({ cpu: 1, memory: 1, label: "s3" })(async function align() {
      return 0;
    });
    const call = await planCall(t, []);
    const patterns = arrayJobFiles("/shared/jobs", "b1", "align", 2);
    const argv = sbatchArgv(call, patterns, { workDir: "/shared/jobs", entry: "/w/worker.js", node: "/bin/node", partition: undefined, account: undefined, extraArgs: [] }, { jobName: "align", indexes: "0-9" });
    expect(argv).toEqual(
      expect.arrayContaining([
        "--job-name=align",
        "--array=0-9",
        "--output=/shared/jobs/align-attempt2-%A_%a.out",
        "--error=/shared/jobs/align-attempt2-%A_%a.err",
      ]),
    );
    expect(argv.slice(argv.indexOf("/w/worker.js"))).toEqual([
      "/w/worker.js",
      "--request",
      "/shared/jobs/taskfit-b1_%a.request.json",
      "--outcome",
      "/shared/jobs/taskfit-b1_%a.outcome.json",
    ]);
    expect(elementFiles(patterns, "77", 4)).toEqual({
      request: "/shared/jobs/taskfit-b1_4.request.json",
      outcome: "/shared/jobs/taskfit-b1_4.outcome.json",
      output: "/shared/jobs/align-attempt2-77_4.out",
      error: "/shared/jobs/align-attempt2-77_4.err",
    });
    // Only file names are filled in: a workDir of any name is taken as it is.
    expect(elementFiles(arrayJobFiles("/w/%a dir", "b1", "align", 1), "5", 0).request).toBe("/w/%a dir/taskfit-b1_0.request.json");
  });
});

describe("Slurm output", () => {
  it("reads job states from squeue lines and decodes raw wait statuses", () => {
    const jobs = parseJobLines("7|COMPLETED|None|0\n8|FAILED|NonZeroExitCode|768\n9|CANCELLED|None|15\n\n");
    expect(jobs).toEqual([
      { jobId: "7", state: "COMPLETED", exitCode: 0, signal: undefined, reason: "None" },
      { jobId: "8", state: "FAILED", exitCode: 3, signal: undefined, reason: "NonZeroExitCode" },
      { jobId: "9", state: "CANCELLED", exitCode: undefined, signal: 15, reason: "None" },
    ]);
  });

  it("reads the elements of a job array by their own ids, and asks about an array once by its own id", async () => {
    expect(parseJobLines("12_0|COMPLETED|None|0|n1\n12_1|OUT_OF_MEMORY|OutOfMemory|9|n1\n12_2|PENDING|Resources|0|\n").map((j) => [j.jobId, j.state, j.where])).toEqual([
      ["12_0", "COMPLETED", "n1"],
      ["12_1", "OUT_OF_MEMORY", "n1"],
      ["12_2", "PENDING", undefined],
    ]);
    expect([arrayJobOf("12_3"), arrayJobOf("12")]).toEqual(["12", "12"]);
    const asked: string[][] = [];
    const exec = async (_command: string, args: readonly string[]) => (asked.push([...args]), { code: 0, stdout: "12_0|RUNNING|None|0|n1\n13|PENDING|None|0|\n", stderr: "" });
    const states = await jobStates(exec, ["12_0", "12_1", "13"]);
    expect(asked).toEqual([["--noheader", "--array", "--states=all", "--jobs=12,13", `--Format=${SQUEUE_FORMAT}`]]);
    expect([...states.keys()]).toEqual(["12_0", "13"]);
  });

  it("reads node sizes and GPU counts by type", () => {
    expect([...parseGres("gpu:a10g:2,gpu:v100:1(S:0)")]).toEqual([
      ["a10g", 2],
      ["v100", 1],
      ["", 3],
    ]);
    const [node] = parseNodes(
      JSON.stringify({ nodes: [{ name: "n1", cpus: 4, real_memory: 8192, temporary_disk: 20000, gres: "gpu:a10g:2", partitions: ["debug"], state: "idle" }] }),
    );
    expect(node).toMatchObject({ name: "n1", cpus: 4, memoryMiB: 8192, tmpDiskMiB: 20000, partitions: ["debug"] });
    expect(node?.gpus.get("a10g")).toBe(2);
  });

  it("reads any typed GRES name, with socket or index suffixes, and counts only GPUs", () => {
    expect([...parseGres("gpu:h100:8(S:0-1),gpu:rtx-4090:2(IDX:0-1),shard:h100:16,gpu:l4:1")]).toEqual([
      ["h100", 8],
      ["rtx-4090", 2],
      ["l4", 1],
      ["", 11],
    ]);
  });
});
