import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { killedForMemory } from "../../src/command/oom.js";

const ending = { exitCode: null, signal: "SIGKILL" as const, stoppedByUs: false, shell: false, oomKillsBefore: 0, oomKillsAfter: 1 };

describe("the OOM-kill rule", () => {
  it("is a SIGKILL taskfit did not send, with the cgroup's oom_kill counter risen", () => {
    expect(killedForMemory(ending)).toBe(true);
    expect(killedForMemory({ ...ending, oomKillsAfter: 0 })).toBe(false);
    expect(killedForMemory({ ...ending, stoppedByUs: true })).toBe(false);
    expect(killedForMemory({ ...ending, signal: "SIGTERM" })).toBe(false);
  });

  it("takes any SIGKILL nobody here sent where no counter can be read", () => {
    expect(killedForMemory({ ...ending, oomKillsBefore: undefined, oomKillsAfter: undefined })).toBe(true);
  });

  it("reads exit code 137 as SIGKILL only through a shell", () => {
    expect(killedForMemory({ ...ending, signal: null, exitCode: 137, shell: true })).toBe(true);
    expect(killedForMemory({ ...ending, signal: null, exitCode: 137, shell: false })).toBe(false);
  });
});

/** A fresh memory cgroup (v1) under this process's own, with `limit`, or undefined where none can be made. */
function memoryCgroup(limit: string): string | undefined {
  const line = readFileSync("/proc/self/cgroup", "utf8").split("\n").find((l) => /^\d+:([^:]*,)?memory(,[^:]*)?:/.test(l));
  if (line === undefined) return undefined;
  const dir = `/sys/fs/cgroup/memory${line.slice(line.lastIndexOf(":") + 1)}/taskfit-oom-${process.pid}`;
  try {
    mkdirSync(dir);
    writeFileSync(`${dir}/memory.limit_in_bytes`, limit);
    return dir;
  } catch {
    return undefined;
  }
}

describe("a tool killed by the kernel's OOM killer", () => {
  const cgroup = memoryCgroup(String(400 * 1024 ** 2));
  it.skipIf(cgroup === undefined)("is an OutOfMemoryError of the task (a real memory cgroup with a 400 MiB limit)", () => {
    try {
      const out = execFileSync("sh", ["-c", `echo $$ > ${cgroup}/cgroup.procs && exec "$0" --import tsx test/fixtures/oom-hog.ts`, process.execPath], { encoding: "utf8", timeout: 60_000 });
      const ended = JSON.parse(out.trim().split("\n").at(-1) as string);
      expect(ended).toMatchObject({ name: "OutOfMemoryError", code: "OUT_OF_MEMORY" });
      expect(ended.message).toMatch(/Task `hog` ran out of memory with 0.25 GiB requested: command `.*node -e .*` was killed by SIGKILL \(the OOM killer\)/);
    } finally {
      if (cgroup !== undefined && existsSync(cgroup)) rmdirSync(cgroup);
    }
  }, 60_000);
});
