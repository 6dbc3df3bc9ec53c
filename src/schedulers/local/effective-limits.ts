/**
 * The CPU and memory this process may really use, which can be less than the host has: a
 * container's or a systemd unit's cgroup (v1 or v2), Node's `process.constrainedMemory()`, a Slurm
 * allocation (`SLURM_CPUS_ON_NODE`, `SLURM_MEM_PER_NODE` / `SLURM_MEM_PER_CPU`). The smallest
 * figure applies, and each comes with where it was read, for `stats()` and the report.
 * Everything is read through a `LimitProbe` so tests can point it at a fake cgroup tree.
 */
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { formatGiB } from "../../resources/quantity.js";

export interface LimitProbe {
  /** Where the cgroup hierarchies are mounted. @default "/sys/fs/cgroup" */
  readonly cgroupRoot: string;
  /** The process's cgroup membership. @default "/proc/self/cgroup" */
  readonly procCgroupFile: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** unit: bytes; what `process.constrainedMemory()` says (0 or more than the host means no limit) */
  readonly constrainedMemory: number | undefined;
  /** unit: bytes */
  readonly hostMemory: number;
  /** unit: cores */
  readonly hostCpu: number;
}

export interface Limit {
  /** unit: cores for cpu, GiB for memory */
  readonly value: number;
  /** Where the figure came from, e.g. "cgroup v1 limit 2 GiB". */
  readonly source: string;
}

export function systemProbe(): LimitProbe {
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  return {
    cgroupRoot: "/sys/fs/cgroup",
    procCgroupFile: "/proc/self/cgroup",
    env: process.env,
    constrainedMemory: constrained,
    hostMemory: totalmem(),
    hostCpu: availableParallelism(),
  };
}

const GIB = 1024 ** 3;

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
}

interface Membership {
  /** The controllers of a v1 hierarchy ("memory", "cpu,cpuacct"), or "" for the v2 one. */
  readonly controllers: string;
  readonly path: string;
}

function memberships(probe: LimitProbe): Membership[] {
  return (read(probe.procCgroupFile) ?? "")
    .split("\n")
    .map((line) => /^\d+:([^:]*):(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ controllers: match[1] as string, path: match[2] as string }));
}

/**
 * The process's cgroup directory and its ancestors up to the mount: a parent's limit binds its
 * children too. Inside a container the listed path may not exist under the container's own
 * mount (it is the root there): then the mount's root is the process's cgroup.
 */
function cgroupDirs(mount: string, path: string): string[] {
  const own = join(mount, path).replace(/\/+$/, "");
  if (!existsSync(own)) return existsSync(mount) ? [mount] : [];
  const dirs = [own];
  for (let dir = own; dir.length > mount.length && dir.startsWith(`${mount}/`); ) {
    dir = dirname(dir);
    dirs.push(dir);
  }
  return dirs;
}

/** The smallest limit; `start` when none is smaller (or, without it, undefined when there is none). */
function smallest(limits: Array<Limit | undefined>): Limit | undefined;
function smallest(limits: Array<Limit | undefined>, start: Limit): Limit;
function smallest(limits: Array<Limit | undefined>, start?: Limit): Limit | undefined {
  let best = start;
  for (const limit of limits) if (limit !== undefined && (best === undefined || limit.value < best.value)) best = limit;
  return best;
}

const cores = (value: number) => `${Number(value.toFixed(3))} core${value === 1 ? "" : "s"}`;

function v1Mount(probe: LimitProbe, controllers: string, controller: string): string | undefined {
  for (const name of [controllers, controller]) {
    const mount = join(probe.cgroupRoot, name);
    if (existsSync(mount)) return mount;
  }
  return undefined;
}

/** The v2 hierarchy: the root itself on a unified system, `unified/` on a hybrid one. */
function v2Mount(probe: LimitProbe): string | undefined {
  for (const mount of [probe.cgroupRoot, join(probe.cgroupRoot, "unified")]) {
    if (existsSync(join(mount, "cgroup.controllers"))) return mount;
  }
  return undefined;
}

function cgroupMemory(probe: LimitProbe): Limit | undefined {
  const found: Array<Limit | undefined> = [];
  for (const { controllers, path } of memberships(probe)) {
    const v1 = controllers.split(",").includes("memory");
    const mount = v1 ? v1Mount(probe, controllers, "memory") : controllers === "" ? v2Mount(probe) : undefined;
    if (mount === undefined) continue;
    for (const dir of cgroupDirs(mount, path)) {
      const text = read(join(dir, v1 ? "memory.limit_in_bytes" : "memory.max"));
      if (text === undefined || !/^\d+$/.test(text)) continue; // absent, or "max"
      const bytes = Number(text);
      // v1 writes "no limit" as a huge page-rounded number: anything not below the host is none.
      if (bytes >= probe.hostMemory) continue;
      found.push({ value: bytes / GIB, source: `cgroup ${v1 ? "v1" : "v2"} limit ${formatGiB(bytes / GIB)}` });
    }
  }
  return smallest(found);
}

function cgroupCpu(probe: LimitProbe): Limit | undefined {
  const found: Array<Limit | undefined> = [];
  for (const { controllers, path } of memberships(probe)) {
    const v1 = controllers.split(",").includes("cpu");
    const mount = v1 ? v1Mount(probe, controllers, "cpu") : controllers === "" ? v2Mount(probe) : undefined;
    if (mount === undefined) continue;
    for (const dir of cgroupDirs(mount, path)) {
      let quota: number;
      let period: number;
      if (v1) {
        quota = Number(read(join(dir, "cpu.cfs_quota_us")));
        period = Number(read(join(dir, "cpu.cfs_period_us")));
      } else {
        const [max, per] = (read(join(dir, "cpu.max")) ?? "max").split(/\s+/);
        quota = Number(max);
        period = Number(per);
      }
      // -1 (v1) or "max" (v2): no quota.
      if (!(quota > 0 && period > 0)) continue;
      const value = quota / period;
      found.push({ value, source: `cgroup ${v1 ? "v1" : "v2"} CPU quota ${cores(value)}` });
    }
  }
  return smallest(found);
}

function slurmCpu(env: LimitProbe["env"]): Limit | undefined {
  const text = env.SLURM_CPUS_ON_NODE;
  if (text === undefined || !/^\d+$/.test(text) || Number(text) === 0) return undefined;
  return { value: Number(text), source: `Slurm allocation SLURM_CPUS_ON_NODE=${text}` };
}

function slurmMemory(env: LimitProbe["env"]): Limit | undefined {
  const perNode = env.SLURM_MEM_PER_NODE;
  // unit: MiB, as sbatch --mem gives it
  if (perNode !== undefined && /^\d+$/.test(perNode) && Number(perNode) > 0) {
    return { value: Number(perNode) / 1024, source: `Slurm allocation SLURM_MEM_PER_NODE=${perNode} (MiB)` };
  }
  const perCpu = env.SLURM_MEM_PER_CPU;
  const cpus = env.SLURM_CPUS_ON_NODE;
  if (perCpu !== undefined && cpus !== undefined && /^\d+$/.test(perCpu) && /^\d+$/.test(cpus) && Number(perCpu) * Number(cpus) > 0) {
    return { value: (Number(perCpu) * Number(cpus)) / 1024, source: `Slurm allocation SLURM_MEM_PER_CPU=${perCpu} (MiB) x SLURM_CPUS_ON_NODE=${cpus}` };
  }
  return undefined;
}

function nodeConstrained(probe: LimitProbe): Limit | undefined {
  const bytes = probe.constrainedMemory;
  if (bytes === undefined || !(bytes > 0) || bytes >= probe.hostMemory) return undefined;
  return { value: bytes / GIB, source: `process.constrainedMemory() ${formatGiB(bytes / GIB)}` };
}

/** The effective CPU and memory: the smallest of the host and every limit found. */
export function effectiveLimits(probe: LimitProbe = systemProbe()): { readonly cpu: Limit; readonly memoryGiB: Limit } {
  const hostCpu: Limit = { value: probe.hostCpu, source: `host: ${cores(probe.hostCpu)} (os.availableParallelism)` };
  const hostMemory: Limit = { value: probe.hostMemory / GIB, source: `host: ${formatGiB(probe.hostMemory / GIB)} (os.totalmem)` };
  return {
    cpu: smallest([cgroupCpu(probe), slurmCpu(probe.env)], hostCpu),
    memoryGiB: smallest([cgroupMemory(probe), nodeConstrained(probe), slurmMemory(probe.env)], hostMemory),
  };
}
