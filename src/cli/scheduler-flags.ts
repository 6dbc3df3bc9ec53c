/** The scheduler options of `taskfit run` and `plan`, as commander declares them (parsed in scheduler-options.ts). */
import { Option } from "commander";
import { PROFILE_ENV, SCHEDULERS, type SchedulerKind, SETTING_SCHEDULERS, type SettingKey } from "../config/scheduler-kinds.js";

/** The options as commander gives them: strings. */
export interface SchedulerFlags {
  readonly scheduler?: SchedulerKind;
  readonly profile?: string;
  readonly cpu?: string;
  readonly memory?: string;
  readonly gpus?: string;
  readonly gpuMatch?: string;
  readonly oversize?: string;
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
  readonly arrayMaxSize?: string;
}

const PROFILE_OPTION = () => new Option("--profile <name>", `the profile of scheduler options in taskfit.config.ts or .json (default: $${PROFILE_ENV})`);

/** The options of every scheduler, grouped by scheduler in --help. Defaults are applied after the profile. */
export function schedulerOptions(): Option[] {
  return [
    new Option("--scheduler <name>", "where the tasks run (default: local)").choices(SCHEDULERS),
    PROFILE_OPTION(),
    ...clusterAndLocalOptions(),
  ];
}

/** The options of `plan`: those of the cluster schedulers (its target is given by --target). */
export function planOptions(): Option[] {
  return [PROFILE_OPTION(), ...clusterAndLocalOptions().filter((option) => !(SETTING_SCHEDULERS[option.attributeName() as SettingKey] as readonly string[]).every((s) => s === "local"))];
}

function clusterAndLocalOptions(): Option[] {
  return [
    new Option("--cpu <cores>", "local: cores to use (default: all)"),
    new Option("--memory <quantity>", 'local: memory to use, with a unit: "16Gi" (default: all)'),
    new Option("--gpus <count>", "local: GPUs to use (default: those nvidia-smi lists)"),
    new Option("--oversize <policy>", "local: a task larger than the machine fails (error) or is shrunk to it (clamp) (default: error)").choices(["error", "clamp"]),
    new Option("--gpu-match <policy>", "local: a GPU type is served by that type only (type) or by any GPU with at least its VRAM (memory) (default: type)").choices(["type", "memory"]),
    new Option("--isolation <mode>", "local: run tasks in this process (none) or each in a child process (process) (default: none)").choices(["none", "process"]),
    new Option("--work-dir <dir>", "slurm: a directory shared with the compute nodes (default: ./taskfit-jobs)"),
    new Option("--partition <name>", "slurm: the partition"),
    new Option("--account <name>", "slurm: the account"),
    new Option("--image <image>", "kubernetes: the image with Node, taskfit and this project (required for run)"),
    new Option("--namespace <ns>", "kubernetes: the namespace (default: default)"),
    new Option("--kubeconfig <file>", "kubernetes: the kubeconfig (default: KUBECONFIG, ~/.kube/config)"),
    new Option("--image-dir <dir>", "kubernetes: where this directory is inside the image (default: /app)"),
    new Option("--worker-command <cmd>", "kubernetes: the worker in the image, as a JSON array (default: node /app/node_modules/taskfit/dist/worker.js)"),
    new Option("--poll-ms <ms>", "slurm, kubernetes: how often jobs are polled"),
    new Option("--array-max-size <calls>", "slurm: the most same-shape calls one job array holds; 1 submits each call as a job of its own (default: 1000)"),
  ];
}
