/**
 * The sbatch request for one attempt: resources rounded UP to Slurm's granularity (whole CPUs, MiB,
 * minutes), as an argv array. No shell string is ever built: the job script is a fixed two-line
 * file that execs its own arguments, and the task's name only reaches Slurm sanitised.
 */
import type { ResolvedResources } from "../../resources/spec.js";

export interface SbatchOptions {
  readonly jobName: string;
  /** unit: seconds */
  readonly timeoutSeconds: number | undefined;
  readonly partition: string | undefined;
  readonly account: string | undefined;
  readonly output: string;
  readonly error: string;
  readonly chdir: string;
  readonly extraArgs: readonly string[];
}

/** The job script: runs its arguments as they are, with no shell parsing of anything taskfit passes. */
export const JOB_SCRIPT = '#!/bin/sh\n# taskfit job: run the worker command given as arguments, unchanged.\nexec "$@"\n';

/**
 * A Slurm job name from a task name and the call's label (`align-s3`): letters, digits, `_ . -`
 * only, at most 64 characters. Also the start of the job's log file names, so no `%` (Slurm's
 * filename patterns) and no `/` can reach them.
 */
export function jobName(taskName: string, label?: string): string {
  const clean = (text: string) => text.replace(/[^A-Za-z0-9_.-]+/g, "_");
  const full = label === undefined ? clean(taskName) : `${clean(taskName)}-${clean(label)}`;
  const cleaned = full.replace(/^[-.]+/, "").slice(0, 64);
  return cleaned.length > 0 ? cleaned : "taskfit";
}

/** `--time` in whole minutes, rounded up (Slurm's granularity). */
export function timeLimitMinutes(seconds: number): number {
  return Math.max(1, Math.ceil(seconds / 60 - 1e-9));
}

const mib = (gib: number) => Math.ceil(gib * 1024 - 1e-9);

/** The sbatch options (before the job script) for these resources. */
export function sbatchOptions(resources: ResolvedResources, options: SbatchOptions): string[] {
  const args = [
    "--parsable",
    `--job-name=${options.jobName}`,
    "--nodes=1",
    "--ntasks=1",
    `--cpus-per-task=${Math.ceil(resources.cpu - 1e-9)}`,
    `--mem=${mib(resources.memoryGiB)}M`,
  ];
  if (resources.storageGiB !== undefined) args.push(`--tmp=${mib(resources.storageGiB)}M`);
  if (resources.gpu > 0) {
    args.push(resources.gpuType === undefined ? `--gres=gpu:${resources.gpu}` : `--gres=gpu:${resources.gpuType}:${resources.gpu}`);
  }
  if (options.timeoutSeconds !== undefined) args.push(`--time=${timeLimitMinutes(options.timeoutSeconds)}`);
  if (options.partition !== undefined) args.push(`--partition=${options.partition}`);
  if (options.account !== undefined) args.push(`--account=${options.account}`);
  args.push(`--output=${options.output}`, `--error=${options.error}`, `--chdir=${options.chdir}`, ...options.extraArgs);
  return args;
}
