/**
 * `taskfit run --scheduler local|slurm|kubernetes` and each one's options, checked before anything
 * runs: a bad value is one clear error naming the option, never a default silently used instead.
 */
import { Option } from "commander";
import { ResourceSpecError } from "../errors.js";
import { parseCpu, parseGiB, parseGpu } from "../resources/quantity.js";
import type { KubernetesScheduler } from "../schedulers/kubernetes/kubernetes-scheduler.js";
import type { LocalScheduler } from "../schedulers/local/local-scheduler.js";
import type { SlurmScheduler } from "../schedulers/slurm/slurm-scheduler.js";
import type { ResourceTotals } from "../reporting/usage.js";

export const SCHEDULERS = ["local", "slurm", "kubernetes"] as const;
export type SchedulerKind = (typeof SCHEDULERS)[number];

export interface SchedulerFlags {
  readonly scheduler: SchedulerKind;
  readonly cpu?: string;
  readonly memory?: string;
  readonly gpus?: string;
  readonly oversize?: string;
  readonly gpuMatch?: string;
  readonly isolation?: string;
  readonly workDir?: string;
  readonly partition?: string;
  readonly account?: string;
  readonly image?: string;
  readonly namespace?: string;
  readonly kubeconfig?: string;
  readonly imageDir?: string;
  readonly workerCommand?: string;
  readonly pollMs?: string;
}

/** The options, grouped by scheduler in --help. */
export function schedulerOptions(): Option[] {
  return [
    new Option("--scheduler <name>", "where the tasks run").choices(SCHEDULERS).default("local"),
    new Option("--cpu <cores>", "local: cores to use (default: all)"),
    new Option("--memory <quantity>", 'local: memory to use, e.g. "16Gi" (default: all)'),
    new Option("--gpus <count>", "local: GPUs to use (default: those nvidia-smi lists)"),
    new Option("--oversize <policy>", "local: a task larger than the machine fails (error) or is shrunk to it (clamp)").choices(["error", "clamp"]).default("error"),
    new Option("--gpu-match <policy>", "local: a GPU type is served by that type only (type) or by any GPU with at least its VRAM (memory)").choices(["type", "memory"]).default("type"),
    new Option("--isolation <mode>", "local: run tasks in this process (none) or each in a child process (process)").choices(["none", "process"]).default("none"),
    new Option("--work-dir <dir>", "slurm: a directory shared with the compute nodes").default("./taskfit-jobs"),
    new Option("--partition <name>", "slurm: the partition"),
    new Option("--account <name>", "slurm: the account"),
    new Option("--image <image>", "kubernetes: the image with Node, taskfit and this project (required)"),
    new Option("--namespace <ns>", "kubernetes: the namespace").default("default"),
    new Option("--kubeconfig <file>", "kubernetes: the kubeconfig (default: KUBECONFIG, ~/.kube/config)"),
    new Option("--image-dir <dir>", "kubernetes: where this directory is inside the image").default("/app"),
    new Option("--worker-command <cmd>", "kubernetes: the worker in the image, as a JSON array (default: node /app/node_modules/taskfit/dist/worker.js)"),
    new Option("--poll-ms <ms>", "slurm, kubernetes: how often jobs are polled"),
  ];
}

/** Which scheduler each option belongs to (the camelCase key commander gives it). */
const OPTION_SCHEDULERS: Readonly<Record<string, readonly SchedulerKind[]>> = {
  cpu: ["local"],
  memory: ["local"],
  gpus: ["local"],
  oversize: ["local"],
  gpuMatch: ["local"],
  isolation: ["local"],
  workDir: ["slurm"],
  partition: ["slurm"],
  account: ["slurm"],
  image: ["kubernetes"],
  namespace: ["kubernetes"],
  kubeconfig: ["kubernetes"],
  imageDir: ["kubernetes"],
  workerCommand: ["kubernetes"],
  pollMs: ["slurm", "kubernetes"],
};

const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** An option given for another scheduler is an error, not silently ignored: `--cpu 4 --scheduler slurm`. */
export function checkOptionsApply(flags: SchedulerFlags, givenOnCommandLine: (key: string) => boolean): void {
  for (const [key, schedulers] of Object.entries(OPTION_SCHEDULERS)) {
    if (!givenOnCommandLine(key) || schedulers.includes(flags.scheduler)) continue;
    throw new ResourceSpecError({
      field: flagName(key),
      value: (flags as unknown as Record<string, unknown>)[key],
      expected: `${flagName(key)} only for ${schedulers.join(" or ")} (it has no effect on ${flags.scheduler})`,
    });
  }
}

function number(flag: string, text: string | undefined, parse: (value: unknown) => { ok: true; value: number } | { ok: false; expected: string }): number | undefined {
  if (text === undefined) return undefined;
  // A bare number is a count of the option's unit; "16Gi" etc. go to the parser as they are.
  const value = /^\s*-?\d+(\.\d+)?\s*$/.test(text) ? Number(text) : text;
  const parsed = parse(value);
  if (!parsed.ok) throw new ResourceSpecError({ field: flag, value: text, expected: parsed.expected });
  return parsed.value;
}

function pollMs(flags: SchedulerFlags): number | undefined {
  if (flags.pollMs === undefined) return undefined;
  const ms = Number(flags.pollMs);
  if (!Number.isFinite(ms) || ms < 10) throw new ResourceSpecError({ field: "--poll-ms", value: flags.pollMs, expected: "a number of milliseconds from 10 up" });
  return ms;
}

function workerCommand(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || parsed.some((part) => typeof part !== "string")) {
    throw new ResourceSpecError({ field: "--worker-command", value: text, expected: 'a JSON array of strings, e.g. ["node","/app/dist/worker.js"]' });
  }
  return parsed as string[];
}

export type CliScheduler = LocalScheduler | SlurmScheduler | KubernetesScheduler;

/** The scheduler the flags describe, each imported only when asked for (the command starts fast). */
export async function makeScheduler(flags: SchedulerFlags): Promise<CliScheduler> {
  if (flags.scheduler === "local") {
    const gpus = number("--gpus", flags.gpus, parseGpu);
    const { LocalScheduler } = await import("../schedulers/local/local-scheduler.js");
    return new LocalScheduler({
      capacity: {
        ...(flags.cpu !== undefined && { cpu: number("--cpu", flags.cpu, parseCpu) }),
        ...(flags.memory !== undefined && { memoryGiB: number("--memory", flags.memory, parseGiB) }),
        ...(gpus !== undefined && { gpus }),
      },
      oversize: flags.oversize as "error" | "clamp",
      gpuMatch: flags.gpuMatch as "type" | "memory",
      isolation: flags.isolation as "none" | "process",
    });
  }
  const poll = pollMs(flags);
  if (flags.scheduler === "slurm") {
    const { SlurmScheduler } = await import("../schedulers/slurm/slurm-scheduler.js");
    return new SlurmScheduler({
      workDir: flags.workDir ?? "./taskfit-jobs",
      ...(flags.partition !== undefined && { partition: flags.partition }),
      ...(flags.account !== undefined && { account: flags.account }),
      ...(poll !== undefined && { pollIntervalMs: poll }),
    });
  }
  if (flags.image === undefined) throw new ResourceSpecError({ field: "--image", expected: "the container image to run tasks in (--image) with --scheduler kubernetes" });
  const { KubernetesScheduler } = await import("../schedulers/kubernetes/kubernetes-scheduler.js");
  const worker = workerCommand(flags.workerCommand);
  return new KubernetesScheduler({
    image: flags.image,
    namespace: flags.namespace ?? "default",
    ...(flags.kubeconfig !== undefined && { kubeconfig: flags.kubeconfig }),
    modulePaths: { local: process.cwd(), image: flags.imageDir ?? "/app" },
    ...(worker !== undefined && { workerCommand: worker }),
    ...(poll !== undefined && { pollIntervalMs: poll }),
  });
}

/** What the machine or cluster offers in all, for progress and the report; undefined when it will not say. */
export async function totalCapacity(scheduler: CliScheduler): Promise<ResourceTotals | undefined> {
  if ("stats" in scheduler) return { cpu: scheduler.capacity.cpu, memoryGiB: scheduler.capacity.memoryGiB, gpus: scheduler.capacity.gpus.length };
  try {
    const { cpu, memoryGiB, gpus } = await scheduler.clusterCapacity();
    return { cpu, memoryGiB, gpus };
  } catch {
    return undefined;
  }
}

/** Where each capacity figure came from, for a LocalScheduler; undefined for a cluster. */
export function capacitySources(scheduler: CliScheduler): Readonly<Record<string, string>> | undefined {
  return "stats" in scheduler ? scheduler.capacity.sources : undefined;
}

/** "the local machine (2 cores, 23.5 GiB)", "Slurm (partition debug)", "Kubernetes (namespace ml)". */
export function describeScheduler(flags: SchedulerFlags, capacity: ResourceTotals | undefined): string {
  const size = capacity === undefined ? "" : ` (${Number(capacity.cpu.toFixed(3))} cores, ${Number(capacity.memoryGiB.toFixed(1))} GiB${capacity.gpus > 0 ? `, ${capacity.gpus} GPUs` : ""})`;
  if (flags.scheduler === "local") return `the local machine${size}`;
  if (flags.scheduler === "slurm") return `Slurm${flags.partition === undefined ? "" : ` partition ${flags.partition}`}${size}`;
  return `Kubernetes namespace ${flags.namespace ?? "default"}${size}`;
}
