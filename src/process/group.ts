/**
 * Process groups: a child started `detached` leads its own group, so every process it starts (a
 * shell pipeline, a tool's helpers) can be stopped with one signal to the group. Stopping is
 * SIGTERM to the whole group, then SIGKILL after a grace period for whatever is still there.
 *
 * A detached group no longer gets the terminal's Ctrl-C, and outlives this process: so every live
 * group is also killed when this process exits, and once more when it is stopped by SIGINT or
 * SIGTERM while nothing else handles them.
 */
import type { ChildProcess } from "node:child_process";

/** unit: ms. How long a group has after SIGTERM before it is killed. */
export const DEFAULT_GRACE_MS = 3000;

const live = new Set<number>();
let hooked = false;

function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    // ESRCH: the group is gone.
    return false;
  }
}

function killAllNow(): void {
  for (const pgid of live) signalGroup(pgid, "SIGKILL");
  live.clear();
}

/** A signal nothing else handles would end this process: kill the groups first, then end as that signal would. */
function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  killAllNow();
  process.off(signal, onSignal);
  process.kill(process.pid, signal);
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  // 'exit' handlers run synchronously: process.kill is synchronous, so this still works there.
  process.on("exit", killAllNow);
  process.on("SIGINT", onSignal).on("SIGTERM", onSignal).on("SIGHUP", onSignal);
}

/** Records a detached child's group as live until it exits; returns its group id (the child's pid). */
export function trackGroup(child: ChildProcess): number | undefined {
  const pgid = child.pid;
  if (pgid === undefined) return undefined;
  hookExit();
  live.add(pgid);
  child.once("exit", () => {
    // The leader is gone; the group may live on (a backgrounded grandchild): reap it too.
    signalGroup(pgid, "SIGKILL");
    live.delete(pgid);
  });
  return pgid;
}

/** Whether any process of the group is still alive. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * SIGTERM to the whole group, SIGKILL after `graceMs` if its leader has not exited by then.
 * Resolves once the leader has exited (at once when it already had).
 */
export function terminateGroup(child: ChildProcess, graceMs = DEFAULT_GRACE_MS): Promise<void> {
  const pgid = child.pid;
  if (pgid === undefined || child.exitCode !== null || child.signalCode !== null) {
    if (pgid !== undefined) signalGroup(pgid, "SIGKILL");
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => signalGroup(pgid, "SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    if (!signalGroup(pgid, "SIGTERM")) {
      clearTimeout(timer);
      resolve();
    }
  });
}
