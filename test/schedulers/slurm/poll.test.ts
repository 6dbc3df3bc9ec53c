/**
 * The SlurmScheduler's poll state machine against a stand-in Slurm (the `runCommand` seam): each
 * way a call settles, and that the poll interval is gone once nothing is in flight (a process
 * with a live interval never exits).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TaskCancelledError, TaskExecutionError } from "../../../src/errors.js";
import type { ResolvedResources } from "../../../src/resources/spec.js";
import type { Invocation } from "../../../src/contract/scheduler.js";
import type { CommandResult } from "../../../src/schedulers/slurm/commands.js";
import { SlurmScheduler } from "../../../src/schedulers/slurm/slurm-scheduler.js";
import { toWire } from "../../../src/schedulers/wire.js";
import { WORKER_PROTOCOL } from "../../../src/schedulers/worker/protocol.js";

const NODES = JSON.stringify({ nodes: [{ name: "n1", cpus: 4, real_memory: 8192, temporary_disk: 1000, gres: "", partitions: ["debug"], state: "idle" }] });

/** A one-node Slurm in memory: sbatch queues, `state` sets what squeue reports, scancel cancels. */
class FakeSlurm {
  readonly squeueArgs: string[][] = [];
  readonly cancelled: string[] = [];
  /** Job id -> state squeue reports; a job absent here is one Slurm no longer knows. */
  readonly states = new Map<string, string>();
  readonly outcomes = new Map<string, string>();
  controllerDown = false;
  /** When set, sbatch answers only once it resolves. */
  sbatchGate: Promise<void> | undefined;
  sbatchCalls = 0;
  private nextId = 100;

  readonly run = async (command: string, args: readonly string[]): Promise<CommandResult> => {
    if (command === "sinfo") return ok(NODES);
    if (command === "sbatch") {
      this.sbatchCalls++;
      await this.sbatchGate;
      const id = String(this.nextId++);
      this.states.set(id, "PENDING");
      this.outcomes.set(id, args[args.indexOf("--outcome") + 1] as string);
      return ok(`${id}\n`);
    }
    if (command === "scancel") {
      this.cancelled.push(...args);
      for (const id of args) this.states.set(id, "CANCELLED");
      return ok("");
    }
    if (command === "squeue") {
      this.squeueArgs.push([...args]);
      if (this.controllerDown) return { code: 1, stdout: "", stderr: "slurm_load_jobs error: Unable to contact slurm controller (connect failure)" };
      const ids = (args.find((a) => a.startsWith("--jobs="))?.slice("--jobs=".length) ?? "").split(",");
      const known = ids.filter((id) => this.states.has(id));
      if (known.length === 0) return { code: 1, stdout: "", stderr: "slurm_load_jobs error: Invalid job id specified" };
      return ok(known.map((id) => `${id}|${this.states.get(id)}|None|0\n`).join(""));
    }
    throw new Error(`unexpected command ${command}`);
  };

  /** The job finishes: its worker wrote `value` as the outcome. */
  async complete(id: string, value: unknown): Promise<void> {
    await writeFile(this.outcomes.get(id) as string, JSON.stringify({ protocol: WORKER_PROTOCOL, kind: "result", value: toWire(value, "t", "result", "result") }));
    this.states.set(id, "COMPLETED");
  }
}

const ok = (stdout: string): CommandResult => ({ code: 0, stdout, stderr: "" });

const resources: ResolvedResources = { cpu: 1, memoryGiB: 1, gpu: 0, source: { kind: "custom", dynamic: [], overridden: [] }, clamped: [] };

function invocation(signal?: AbortSignal): Invocation<unknown> {
  return {
    taskName: "t",
    resources,
    args: [],
    attempt: 1,
    timeoutSeconds: undefined,
    signal,
    task: { module: "file:///project/tasks.js", name: "t", index: 0 },
    execute: () => Promise.reject(new Error("runs on the cluster")),
  };
}

let dir: string;
let slurm: FakeSlurm;
/** Intervals set and not yet cleared. */
let live: Set<unknown>;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "taskfit-poll-"));
  slurm = new FakeSlurm();
  live = new Set();
  const set = globalThis.setInterval;
  const clear = globalThis.clearInterval;
  vi.spyOn(globalThis, "setInterval").mockImplementation(((...args: Parameters<typeof setInterval>) => {
    const handle = set(...args);
    live.add(handle);
    return handle;
  }) as typeof setInterval);
  vi.spyOn(globalThis, "clearInterval").mockImplementation(((handle: Parameters<typeof clearInterval>[0]) => {
    live.delete(handle);
    clear(handle);
  }) as typeof clearInterval);
});

afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

const scheduler = (pollIntervalMs: number) => new SlurmScheduler({ workDir: join(dir, "jobs"), pollIntervalMs, runCommand: slurm.run, entry: "/worker.js" });

/** Resolves once the fake has seen `count` squeue calls in all. */
const polls = (count: number) => vi.waitFor(() => expect(slurm.squeueArgs.length).toBeGreaterThanOrEqual(count), { timeout: 5000, interval: 5 });

describe("SlurmScheduler polling", () => {
  it("settles a call from its final state, asks only about its own jobs, and stops polling", async () => {
    const scheduler1 = scheduler(10);
    const first = scheduler1.run(invocation());
    const second = scheduler1.run(invocation());
    await polls(1);
    expect(slurm.squeueArgs[0]).toEqual(["--noheader", "--states=all", "--jobs=100,101", "--Format=JobID:|,State:|,Reason:|,exit_code:"]);
    slurm.states.set("999", "RUNNING"); // somebody else's job: never asked about
    await slurm.complete("100", "one");
    await expect(first).resolves.toBe("one");
    const seen = slurm.squeueArgs.length;
    await polls(seen + 1);
    expect(slurm.squeueArgs.at(-1)).toContain("--jobs=101");
    expect(live.size).toBe(1);
    await slurm.complete("101", "two");
    await expect(second).resolves.toBe("two");
    await vi.waitFor(() => expect(live.size).toBe(0));
  });

  it("clears the poll interval when the last call settles by cancellation (no poll runs in between)", async () => {
    // An interval so long that no poll runs: only the cancellation can settle the call.
    const slow = scheduler(3_600_000);
    const controller = new AbortController();
    const call = slow.run(invocation(controller.signal));
    await vi.waitFor(() => expect(slurm.states.size).toBe(1));
    expect(live.size).toBe(1);
    controller.abort("stop");
    await expect(call).rejects.toBeInstanceOf(TaskCancelledError);
    expect(slurm.cancelled).toEqual(["100"]);
    expect(slurm.squeueArgs).toEqual([]);
    expect(live.size).toBe(0);
  });

  it("cancels a job whose call was aborted while sbatch was submitting it", async () => {
    const slow = scheduler(3_600_000);
    let submit: () => void = () => {};
    slurm.sbatchGate = new Promise((resolve) => (submit = resolve));
    const controller = new AbortController();
    const call = slow.run(invocation(controller.signal));
    await vi.waitFor(() => expect(slurm.sbatchCalls).toBe(1));
    controller.abort("stop");
    submit();
    await expect(call).rejects.toBeInstanceOf(TaskCancelledError);
    expect(slurm.cancelled).toEqual(["100"]);
    expect(live.size).toBe(0);
  });

  it("a job Slurm no longer knows, with no outcome, fails after 20 polls; with an outcome it settles from it", async () => {
    const fast = scheduler(10);
    // One after the other, so that job 100 is `lost` and 101 is `gone` however busy the machine is.
    const lost = fast.run(invocation());
    await vi.waitFor(() => expect(slurm.states.size).toBe(1));
    const gone = fast.run(invocation());
    await vi.waitFor(() => expect(slurm.states.size).toBe(2));
    await slurm.complete("101", "from the file");
    slurm.states.clear(); // purged: squeue fails with "Invalid job id"
    await expect(gone).resolves.toBe("from the file");
    const error = await lost.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskExecutionError);
    expect(String(error)).toMatch(/no longer knows the job/);
    expect(slurm.squeueArgs.length).toBeGreaterThanOrEqual(20);
    await vi.waitFor(() => expect(live.size).toBe(0));
  });

  it("keeps the jobs while slurmctld does not answer (restarting) and settles them once it does", async () => {
    const fast = scheduler(10);
    const call = fast.run(invocation());
    await vi.waitFor(() => expect(slurm.states.size).toBe(1));
    slurm.controllerDown = true;
    slurm.states.clear(); // while down, nothing is known; a lost answer must not count as a missing job
    await polls(30); // more than the 20 misses that fail a missing job
    await slurm.complete("100", 42);
    slurm.controllerDown = false;
    await expect(call).resolves.toBe(42);
    await vi.waitFor(() => expect(live.size).toBe(0));
  });
});
