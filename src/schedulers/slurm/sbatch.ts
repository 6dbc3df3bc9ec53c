/**
 * The sbatch request for one attempt: resources rounded UP to Slurm's granularity (whole CPUs, MiB,
 * minutes), as an argv array. No shell string is ever built: the job script is a fixed two-line
 * file that execs its own arguments, and the task's name only reaches Slurm sanitised.
 */
import type { PlannedCall } from "../../contract/scheduler.js";
import { mebibytesUp, minutesUp, wholeCoresUp } from "../../resources/rounding.js";
import type { ResolvedResources } from "../../resources/spec.js";
import { workerEntry, workerNodeArgs } from "../worker-command.js";
import { importableModule } from "../worker/request.js";
import { type JobFiles, jobScriptPath } from "./job-files.js";

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
  /** A job array's indexes (`0-99`); undefined for a single job. */
  readonly array?: string | undefined;
}

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

/** The sbatch options (before the job script) for these resources. */
export function sbatchOptions(resources: ResolvedResources, options: SbatchOptions): string[] {
  const args = [
    "--parsable",
    `--job-name=${options.jobName}`,
    "--nodes=1",
    "--ntasks=1",
    `--cpus-per-task=${wholeCoresUp(resources.cpu)}`,
    `--mem=${mebibytesUp(resources.memoryGiB)}M`,
  ];
  if (resources.storageGiB !== undefined) args.push(`--tmp=${mebibytesUp(resources.storageGiB)}M`);
  if (resources.gpu > 0) {
    args.push(resources.gpuType === undefined ? `--gres=gpu:${resources.gpu}` : `--gres=gpu:${resources.gpuType}:${resources.gpu}`);
  }
  if (options.timeoutSeconds !== undefined) args.push(`--time=${minutesUp(options.timeoutSeconds)}`);
  if (options.partition !== undefined) args.push(`--partition=${options.partition}`);
  if (options.account !== undefined) args.push(`--account=${options.account}`);
  if (options.array !== undefined) args.push(`--array=${options.array}`);
  args.push(`--output=${options.output}`, `--error=${options.error}`, `--chdir=${options.chdir}`, ...options.extraArgs);
  return args;
}

/** What a SlurmScheduler submits with, from its options. */
export interface SubmitSettings {
  readonly workDir: string;
  /** The worker entry; undefined: taskfit's own. */
  readonly entry: string | undefined;
  /** The Node binary on the compute nodes; undefined: this one's. */
  readonly node: string | undefined;
  readonly partition: string | undefined;
  readonly account: string | undefined;
  readonly extraArgs: readonly string[];
}

/** How a job array's submission differs from a single job's: one name for every element, and its indexes. */
export interface ArrayShape {
  readonly jobName: string;
  /** `0-99`; undefined while the array's size is not known yet (its shape is the same whatever the size). */
  readonly indexes?: string | undefined;
}

/** A job array's name: the task's alone, since the calls it holds may have labels of their own. */
export function arrayJobName(call: PlannedCall): string {
  return jobName(call.taskName);
}

/**
 * sbatch's whole argv for one attempt (after `sbatch`): the options, the job script, and the worker
 * command it runs; with `array`, for a job array whose elements run that command each.
 */
export function sbatchArgv(call: PlannedCall, files: JobFiles, settings: SubmitSettings, array?: ArrayShape): string[] {
  const entry = settings.entry ?? workerEntry();
  const options = sbatchOptions(call.resources, {
    jobName: array?.jobName ?? jobName(call.taskName, call.label),
    array: array?.indexes,
    timeoutSeconds: call.timeoutSeconds,
    partition: settings.partition,
    account: settings.account,
    output: files.output,
    error: files.error,
    chdir: process.cwd(),
    extraArgs: settings.extraArgs,
  });
  return [
    ...options,
    jobScriptPath(settings.workDir),
    settings.node ?? process.execPath,
    ...workerNodeArgs(entry, importableModule(call.taskName, call.task), call.resources.memoryGiB),
    entry,
    "--request",
    files.request,
    "--outcome",
    files.outcome,
  ];
}
