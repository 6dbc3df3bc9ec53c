/**
 * `taskfit/testing`: aids for testing code that uses taskfit, without waiting on real time or a
 * real cluster.
 */
export { ManualClock } from "./schedulers/manual-clock.js";
export type { CommandResult as SlurmCommandResult, RunCommand as SlurmRunCommand } from "./schedulers/slurm/commands.js";
export type { KubernetesApi, ListedJob as KubernetesListedJob, ListedNode as KubernetesListedNode, ListedPod as KubernetesListedPod } from "./schedulers/kubernetes/api.js";
