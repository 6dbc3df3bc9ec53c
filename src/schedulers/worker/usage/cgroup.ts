/**
 * The kernel's own peak for the worker's memory cgroup (v2 `memory.peak`, v1
 * `memory.max_usage_in_bytes`): it sees every allocation, also between two samples. It is the
 * task's figure only when the cgroup is the task's own (a Kubernetes container, a Slurm job step
 * with its own cgroup): a cgroup that holds any process outside the worker's tree is not used.
 * Both counters include page cache, as the memory limit does.
 */
import { readFileSync } from "node:fs";

export interface MemoryCgroup {
  /** The cgroup's directory (with the fake root prepended in tests). */
  readonly dir: string;
  readonly version: 1 | 2;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** mountinfo escapes space, tab, newline and backslash as octal (`\040`). */
function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

interface CgroupMount {
  /** The cgroup path mounted there (not `/` inside a container that sees only its own cgroup). */
  readonly root: string;
  readonly mountPoint: string;
}

/** The memory controller's mount: cgroup v1 with `memory` in its options, or the v2 unified hierarchy. */
function memoryMount(mountinfo: string, version: 1 | 2): CgroupMount | undefined {
  for (const line of mountinfo.split("\n")) {
    const [before, after] = line.split(" - ");
    if (before === undefined || after === undefined) continue;
    const fields = before.split(" ");
    const [fstype, , superOptions = ""] = after.split(" ");
    const matches = version === 2 ? fstype === "cgroup2" : fstype === "cgroup" && superOptions.split(",").includes("memory");
    const root = fields[3];
    const mountPoint = fields[4];
    if (matches && root !== undefined && mountPoint !== undefined) return { root: unescapeMountPath(root), mountPoint: unescapeMountPath(mountPoint) };
  }
  return undefined;
}

/** The memory cgroup process `pid` is in, as a directory under its mount; undefined when there is none to read. */
export function memoryCgroupOf(pid: number, root = ""): MemoryCgroup | undefined {
  const membership = read(`${root}/proc/${pid}/cgroup`);
  const mountinfo = read(`${root}/proc/${pid}/mountinfo`);
  if (membership === undefined || mountinfo === undefined) return undefined;
  for (const version of [1, 2] as const) {
    // v1: "4:memory:/kubepods/pod1/c1"; v2: "0::/system.slice/job.scope". A v1 memory hierarchy wins: the controller is bound there.
    const entry = membership
      .split("\n")
      .map((line) => line.split(":"))
      .find(([id, controllers]) => (version === 2 ? id === "0" && controllers === "" : controllers?.split(",").includes("memory")));
    const path = entry?.slice(2).join(":");
    const mount = memoryMount(mountinfo, version);
    if (path === undefined || mount === undefined) continue;
    // Inside a container the mount's root is the container's own cgroup: the path is relative to it.
    const relative = mount.root === "/" ? path : path === mount.root || path.startsWith(`${mount.root}/`) ? path.slice(mount.root.length) : undefined;
    if (relative === undefined) continue;
    return { dir: `${root}${mount.mountPoint}${relative === "/" ? "" : relative}`, version };
  }
  return undefined;
}

/** The peak of a cgroup that holds nothing but `tree`'s processes; undefined when it holds others or has no peak file. */
export function ownCgroupPeak(cgroup: MemoryCgroup, tree: ReadonlySet<number>): { readonly bytes: number; readonly method: string } | undefined {
  const procs = read(`${cgroup.dir}/cgroup.procs`);
  if (procs === undefined) return undefined;
  const members = procs.split("\n").filter((line) => line.trim() !== "").map(Number);
  if (members.length === 0 || members.some((pid) => !tree.has(pid))) return undefined;
  const file = cgroup.version === 2 ? "memory.peak" : "memory.max_usage_in_bytes";
  const bytes = Number(read(`${cgroup.dir}/${file}`)?.trim());
  if (!Number.isFinite(bytes) || bytes <= 0) return undefined;
  return { bytes, method: `cgroup v${cgroup.version} ${file} of the task's own cgroup (includes page cache)` };
}
