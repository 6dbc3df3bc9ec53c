import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveCapacity } from "../../../src/schedulers/local/capacity.js";
import { effectiveLimits, type LimitProbe } from "../../../src/schedulers/local/effective-limits.js";

const GIB = 1024 ** 3;
const HOST = { hostMemory: 64 * GIB, hostCpu: 16 };

/** A fake /sys/fs/cgroup and /proc/self/cgroup: `files` maps paths under the root to contents. */
async function fakeTree(procSelf: string, files: Record<string, string>): Promise<Pick<LimitProbe, "cgroupRoot" | "procCgroupFile">> {
  const base = await mkdtemp(join(tmpdir(), "taskfit-cgroup-"));
  const root = join(base, "cgroup");
  await mkdir(root);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), `${content}\n`);
  }
  await writeFile(join(base, "self-cgroup"), procSelf);
  return { cgroupRoot: root, procCgroupFile: join(base, "self-cgroup") };
}

const probe = (tree: Pick<LimitProbe, "cgroupRoot" | "procCgroupFile">, more: Partial<LimitProbe> = {}): LimitProbe => ({
  ...tree,
  env: {},
  constrainedMemory: undefined,
  ...HOST,
  ...more,
});

const V1_SELF = "12:memory:/docker/abc\n11:cpu,cpuacct:/docker/abc\n3:cpuset:/docker/abc\n0::/\n";

describe("effective limits: cgroup v1", () => {
  it("reads the memory limit and the CFS quota of the process's cgroup", async () => {
    const tree = await fakeTree(V1_SELF, {
      "memory/memory.limit_in_bytes": "9223372036854771712",
      "memory/docker/memory.limit_in_bytes": "9223372036854771712",
      "memory/docker/abc/memory.limit_in_bytes": String(2 * GIB),
      "cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "150000",
      "cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000",
    });
    expect(effectiveLimits(probe(tree))).toEqual({
      cpu: { value: 1.5, source: "cgroup v1 CPU quota 1.5 cores" },
      memoryGiB: { value: 2, source: "cgroup v1 limit 2 GiB" },
    });
  });

  it("takes a parent's limit when it is smaller: it binds the children", async () => {
    const tree = await fakeTree(V1_SELF, {
      "memory/docker/memory.limit_in_bytes": String(GIB),
      "memory/docker/abc/memory.limit_in_bytes": String(4 * GIB),
    });
    expect(effectiveLimits(probe(tree)).memoryGiB).toEqual({ value: 1, source: "cgroup v1 limit 1 GiB" });
  });

  it("uses the mount's root when the listed path is not there (inside a container's namespace)", async () => {
    const tree = await fakeTree(V1_SELF, {
      "memory/memory.limit_in_bytes": String(512 * 1024 ** 2),
      "cpu/cpu.cfs_quota_us": "200000",
      "cpu/cpu.cfs_period_us": "100000",
    });
    expect(effectiveLimits(probe(tree))).toEqual({
      cpu: { value: 2, source: "cgroup v1 CPU quota 2 cores" },
      memoryGiB: { value: 0.5, source: "cgroup v1 limit 512 MiB" },
    });
  });

  it("takes no limit from 'unlimited' values: the v1 huge number, quota -1", async () => {
    const tree = await fakeTree(V1_SELF, {
      "memory/docker/abc/memory.limit_in_bytes": "9223372036854771712",
      "cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "-1",
      "cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000",
    });
    expect(effectiveLimits(probe(tree))).toEqual({
      cpu: { value: 16, source: "host: 16 cores (os.availableParallelism)" },
      memoryGiB: { value: 64, source: "host: 64 GiB (os.totalmem)" },
    });
  });
});

describe("effective limits: cgroup v2", () => {
  it("reads memory.max and cpu.max on a unified hierarchy", async () => {
    const tree = await fakeTree("0::/system.slice/job.service\n", {
      "cgroup.controllers": "cpu memory",
      "system.slice/memory.max": "max",
      "system.slice/job.service/memory.max": String(3 * GIB),
      "system.slice/job.service/cpu.max": "50000 100000",
    });
    expect(effectiveLimits(probe(tree))).toEqual({
      cpu: { value: 0.5, source: "cgroup v2 CPU quota 0.5 cores" },
      memoryGiB: { value: 3, source: "cgroup v2 limit 3 GiB" },
    });
  });

  it("reads the unified/ hierarchy of a hybrid system, and 'max' is no limit", async () => {
    const tree = await fakeTree("0::/user\n", {
      "unified/cgroup.controllers": "",
      "unified/user/memory.max": "max",
      "unified/user/cpu.max": "max 100000",
    });
    expect(effectiveLimits(probe(tree)).memoryGiB.source).toBe("host: 64 GiB (os.totalmem)");
    expect(effectiveLimits(probe(tree)).cpu.source).toBe("host: 16 cores (os.availableParallelism)");
  });
});

describe("effective limits: Node and Slurm", () => {
  it("takes process.constrainedMemory() when it is below the host, and ignores it when it is not", async () => {
    const tree = await fakeTree("", {});
    expect(effectiveLimits(probe(tree, { constrainedMemory: 6 * GIB })).memoryGiB).toEqual({ value: 6, source: "process.constrainedMemory() 6 GiB" });
    // Node 20 reports 2^64 when nothing constrains the process.
    expect(effectiveLimits(probe(tree, { constrainedMemory: 2 ** 64 })).memoryGiB.value).toBe(64);
    expect(effectiveLimits(probe(tree, { constrainedMemory: 0 })).memoryGiB.value).toBe(64);
  });

  it("takes a Slurm allocation's CPUs and memory", async () => {
    const tree = await fakeTree("", {});
    expect(effectiveLimits(probe(tree, { env: { SLURM_CPUS_ON_NODE: "4", SLURM_MEM_PER_NODE: "8192" } }))).toEqual({
      cpu: { value: 4, source: "Slurm allocation SLURM_CPUS_ON_NODE=4" },
      memoryGiB: { value: 8, source: "Slurm allocation SLURM_MEM_PER_NODE=8192 (MiB)" },
    });
    expect(effectiveLimits(probe(tree, { env: { SLURM_CPUS_ON_NODE: "4", SLURM_MEM_PER_CPU: "1024" } })).memoryGiB).toEqual({
      value: 4,
      source: "Slurm allocation SLURM_MEM_PER_CPU=1024 (MiB) x SLURM_CPUS_ON_NODE=4",
    });
  });

  it("applies the smallest of all", async () => {
    const tree = await fakeTree(V1_SELF, {
      "memory/docker/abc/memory.limit_in_bytes": String(8 * GIB),
      "cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "100000",
      "cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000",
    });
    const limits = effectiveLimits(probe(tree, { constrainedMemory: 8 * GIB, env: { SLURM_CPUS_ON_NODE: "2", SLURM_MEM_PER_NODE: "4096" } }));
    expect(limits).toEqual({
      cpu: { value: 1, source: "cgroup v1 CPU quota 1 core" },
      memoryGiB: { value: 4, source: "Slurm allocation SLURM_MEM_PER_NODE=4096 (MiB)" },
    });
  });
});

describe("the LocalScheduler's capacity", () => {
  it("plans against the effective limits and says where each figure came from; given figures win", async () => {
    const tree = await fakeTree(V1_SELF, { "memory/docker/abc/memory.limit_in_bytes": String(2 * GIB) });
    const capacity = resolveCapacity({ gpus: 0 }, process.cwd(), probe(tree));
    expect(capacity).toMatchObject({ cpu: 16, memoryGiB: 2, sources: { cpu: "host: 16 cores (os.availableParallelism)", memoryGiB: "cgroup v1 limit 2 GiB", gpus: "given (capacity.gpus)" } });
    expect(resolveCapacity({ memoryGiB: 32, gpus: 0 }, process.cwd(), probe(tree))).toMatchObject({ memoryGiB: 32, sources: { memoryGiB: "given (capacity.memoryGiB)" } });
  });
});
