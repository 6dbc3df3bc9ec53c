/**
 * Whether a command was killed by the OOM killer. A process the kernel kills for memory gets
 * SIGKILL, which it cannot catch, so the rule is:
 *
 * - it ended by SIGKILL (or, run through a shell, with exit code 137 = 128 + SIGKILL),
 * - taskfit did not send that SIGKILL itself (cancellation, timeout), and
 * - the memory cgroup's `oom_kill` counter rose while it ran, when the cgroup has one to read
 *   (cgroup v2 `memory.events`, v1 `memory.oom_control`); where none can be read, a SIGKILL
 *   nobody here sent is taken for the OOM killer.
 */
import { readFileSync } from "node:fs";

const CGROUP_ROOT = "/sys/fs/cgroup";

/** The path of this process's memory cgroup counter file, or undefined where there is none. */
function counterFile(): string | undefined {
  let lines: string[];
  try {
    lines = readFileSync("/proc/self/cgroup", "utf8").split("\n");
  } catch {
    return undefined;
  }
  for (const line of lines) {
    const [, controllers, path] = line.match(/^\d+:([^:]*):(.*)$/) ?? [];
    if (controllers === undefined || path === undefined) continue;
    // cgroup v1: the memory controller's own hierarchy.
    if (controllers.split(",").includes("memory")) return `${CGROUP_ROOT}/memory${path}/memory.oom_control`;
  }
  const unified = lines.find((line) => line.startsWith("0::"));
  return unified === undefined ? undefined : `${CGROUP_ROOT}${unified.slice(3)}/memory.events`;
}

/** The OOM kills counted so far in this process's memory cgroup, or undefined when unreadable. */
export function oomKills(): number | undefined {
  const file = counterFile();
  if (file === undefined) return undefined;
  try {
    const match = readFileSync(file, "utf8").match(/^oom_kill (\d+)$/m);
    return match === null ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

export interface Ending {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Whether taskfit itself signalled the process (cancelled, timed out, its pipeline failed). */
  readonly stoppedByUs: boolean;
  /** Whether it ran through a shell, which reports a killed child as exit code 128 + signal. */
  readonly shell: boolean;
  readonly oomKillsBefore: number | undefined;
  readonly oomKillsAfter: number | undefined;
}

/** The rule above. */
export function killedForMemory(ending: Ending): boolean {
  const sigkill = ending.signal === "SIGKILL" || (ending.shell && ending.exitCode === 137);
  if (!sigkill || ending.stoppedByUs) return false;
  if (ending.oomKillsBefore === undefined || ending.oomKillsAfter === undefined) return true;
  return ending.oomKillsAfter > ending.oomKillsBefore;
}
