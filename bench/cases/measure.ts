/**
 * The CPU the worker's usage sampler costs: a process holding a small tree of tools (a shell
 * running two `sleep`s, an idle Node child) waits `seconds`, with the sampler running at its
 * default interval or without it. The sampler is internal to the worker (not exported by
 * "taskfit"), so it is imported from the source here.
 */
import { spawn } from "node:child_process";
import { ProcTree } from "../../src/schedulers/worker/usage/proc-tree.js";
import { UsageSampler } from "../../src/schedulers/worker/usage/sampler.js";

export interface MeasureParams {
  /** unit: seconds; how long the "task" runs */
  readonly seconds: number;
}

export interface MeasureResult {
  /** unit: ms of CPU time (user + system) this process used while the task ran */
  readonly cpuMs: number;
  readonly wallMs: number;
  /** Processes in the sampled tree, this one included. */
  readonly treeSize: number;
}

/** A tree like a task that shells out: bash running two sleeps, and an idle Node child. */
function startTree(seconds: number): () => void {
  const shell = spawn("bash", ["-c", `sleep ${seconds + 5} & sleep ${seconds + 5} & wait`], { stdio: "ignore" });
  const node = spawn(process.execPath, ["-e", `setTimeout(() => {}, ${(seconds + 5) * 1000})`], { stdio: "ignore" });
  return () => {
    shell.kill("SIGKILL");
    node.kill("SIGKILL");
  };
}

async function run(params: MeasureParams, sampled: boolean): Promise<MeasureResult> {
  const stop = startTree(params.seconds);
  await new Promise((resolve) => setTimeout(resolve, 500)); // the tree is up
  const treeSize = new ProcTree(process.pid).stats().length;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const sampler = sampled ? new UsageSampler().start() : undefined;
  // A ref'd timer of its own: the sampler's timer never keeps a process alive.
  await new Promise((resolve) => setTimeout(resolve, params.seconds * 1000));
  sampler?.finish();
  const used = process.cpuUsage(cpu);
  const wallMs = performance.now() - start;
  stop();
  return { cpuMs: (used.user + used.system) / 1000, wallMs, treeSize };
}

export const sampled = (params: MeasureParams) => run(params, true);
export const bare = (params: MeasureParams) => run(params, false);
