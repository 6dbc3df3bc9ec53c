/**
 * The LocalScheduler under a real cgroup limit: the test makes a memory cgroup (and a CPU one) with
 * a limit, below its own, runs Node inside it and reads what the scheduler detects. It needs
 * permission to write cgroups (root, as on the CI machine) and is skipped only where that is
 * missing. The cgroups it made are removed afterwards.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = "/sys/fs/cgroup";
const GIB = 1024 ** 3;

interface Made {
  readonly version: 1 | 2;
  /** The cgroup directories made, children last. */
  readonly dirs: string[];
}

function ownPath(controller: string): string | undefined {
  const lines = readFileSync("/proc/self/cgroup", "utf8").split("\n");
  for (const line of lines) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (controllers === undefined || path === undefined) continue;
    if (controller === "" ? controllers === "" : controllers.split(",").includes(controller)) return path;
  }
  return undefined;
}

/** Makes a cgroup under the process's own one in a v1 hierarchy; undefined when it may not. */
function makeV1(controller: string, name: string): string | undefined {
  const own = ownPath(controller);
  const mount = [join(ROOT, controller), join(ROOT, "cpu,cpuacct")].find((m) => existsSync(join(m, "cgroup.procs")) && (controller !== "cpu" || existsSync(join(m, "cpu.cfs_quota_us"))));
  if (own === undefined || mount === undefined) return undefined;
  const dir = join(mount, own, name);
  try {
    mkdirSync(dir);
    return dir;
  } catch {
    return undefined;
  }
}

const name = `taskfit-test-${process.pid}`;
const made: Made | undefined = (() => {
  const memory = makeV1("memory", name);
  if (memory !== undefined) {
    const cpu = makeV1("cpu", name);
    return { version: 1, dirs: cpu === undefined ? [memory] : [memory, cpu] };
  }
  // A unified (v2) system: a leaf under the process's own cgroup, with memory and cpu enabled.
  const own = ownPath("");
  if (own === undefined || !existsSync(join(ROOT, "cgroup.controllers"))) return undefined;
  const dir = join(ROOT, own, name);
  try {
    mkdirSync(dir);
  } catch {
    return undefined;
  }
  if (!existsSync(join(dir, "memory.max"))) {
    rmdirSync(dir);
    return undefined;
  }
  return { version: 2, dirs: [dir] };
})();

afterAll(() => {
  // Empty once the child exited: rmdir removes a cgroup (its files go with it).
  for (const dir of made?.dirs ?? []) rmdirSync(dir);
});

describe("capacity under a real cgroup limit", () => {
  it.skipIf(made === undefined)("plans against the cgroup's memory limit (and CPU quota), and says so", () => {
    const { version, dirs } = made as Made;
    const [memoryDir, cpuDir] = dirs as [string, string | undefined];
    if (version === 1) {
      writeFileSync(join(memoryDir, "memory.limit_in_bytes"), String(2 * GIB));
      if (cpuDir !== undefined) {
        writeFileSync(join(cpuDir, "cpu.cfs_period_us"), "100000");
        writeFileSync(join(cpuDir, "cpu.cfs_quota_us"), "150000");
      }
    } else {
      writeFileSync(join(memoryDir, "memory.max"), String(2 * GIB));
      if (existsSync(join(memoryDir, "cpu.max"))) writeFileSync(join(memoryDir, "cpu.max"), "150000 100000");
    }
    const enter = dirs.map((dir) => `echo $$ > '${dir}/cgroup.procs'`).join(" && ");
    const child = spawnSync("sh", ["-c", `${enter} && exec "$0" --import tsx test/fixtures/print-capacity.ts`, process.execPath], { encoding: "utf8" });
    expect(child.stderr).toBe("");
    expect(child.status).toBe(0);
    const capacity = JSON.parse(child.stdout);
    expect(capacity.memoryGiB).toBe(2);
    expect(capacity.sources.memoryGiB).toBe(`cgroup v${version} limit 2 GiB`);
    const quota = version === 1 ? cpuDir !== undefined : existsSync(join(memoryDir, "cpu.max"));
    if (quota) {
      expect(capacity.cpu).toBe(1.5);
      expect(capacity.sources.cpu).toBe(`cgroup v${version} CPU quota 1.5 cores`);
    }
    // Node's start (with tsx) under a CPU quota on a busy machine takes seconds.
  }, 120_000);
});
