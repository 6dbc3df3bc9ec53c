/**
 * What a real worker measures: its whole process tree, with the tools its task starts, reported
 * back with the answer; and, when the worker is killed before answering, what it had reached.
 */
import { describe, expect, it } from "vitest";
import { OutOfMemoryError, type ResolvedResources } from "../../../src/index.js";
import { AttemptControl } from "../../../src/schedulers/local/attempt.js";
import { ProcessRunner } from "../../../src/schedulers/local/process-runner.js";
import type { Invocation } from "../../../src/contract/scheduler.js";
import { getDefinition } from "../../../src/task/metadata.js";
import { allocatesInChild, busyChild, killedAfterAllocating } from "../../fixtures/measured-tasks.js";

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

function invocationOf(task: unknown, args: unknown[], memoryGiB = 1): Invocation<unknown> {
  const definition = getDefinition(task);
  if (definition === undefined) throw new Error("not a task");
  const resources: ResolvedResources = { cpu: 1, memoryGiB, gpu: 0, source: { kind: "custom", dynamic: [], overridden: [] }, clamped: [] };
  return { taskName: definition.name, task: definition.ref, resources, args, attempt: 1, timeoutSeconds: undefined, signal: undefined, execute: () => Promise.reject(new Error("runs in a worker")) };
}

async function attempt(task: unknown, args: unknown[], memoryGiB?: number) {
  const invocation = invocationOf(task, args, memoryGiB);
  return new ProcessRunner(process.cwd()).attempt(invocation, [], new AttemptControl(invocation, [], {}));
}

describe("a worker's measured usage (process isolation, Linux /proc)", () => {
  it("counts the memory of a tool the task started: a 200 MiB `node -e` child", async () => {
    const outcome = await attempt(allocatesInChild, [200, 3000]);
    expect(outcome).toMatchObject({ ok: true, value: "done" });
    // The worker alone holds about 100 MiB: only the child's 200 MiB takes the tree past 200 MiB.
    expect((outcome.usage?.peakMemoryGiB ?? 0) * GIB).toBeGreaterThanOrEqual(200 * MIB);
    expect(outcome.usage?.method).toMatch(/process tree summed from \/proc/);
    expect(outcome.usage?.wallSeconds).toBeGreaterThan(0);
  }, 60_000);

  it("counts the CPU time of a busy tool the task started and waited for", async () => {
    const outcome = await attempt(busyChild, [2.5]);
    expect(outcome.ok).toBe(true);
    expect(outcome.usage?.cpuSeconds).toBeGreaterThanOrEqual(2.5);
  }, 60_000);

  it("keeps what a worker killed by SIGKILL had reached: out of memory, with its last running report", async () => {
    const outcome = await attempt(killedAfterAllocating, [150, 3000], 0.25);
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error).toBeInstanceOf(OutOfMemoryError);
    expect((outcome.usage?.peakMemoryGiB ?? 0) * GIB).toBeGreaterThanOrEqual(150 * MIB);
    expect(outcome.usage?.method).toMatch(/as last reported before the worker ended without answering$/);
  }, 60_000);
});
