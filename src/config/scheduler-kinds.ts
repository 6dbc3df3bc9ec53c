/** The schedulers a profile or `--scheduler` can name, and which settings belong to which: no zod, so `--help` loads fast. */

/** The environment variable that names the profile when `--profile` is not given. */
export const PROFILE_ENV = "TASKFIT_PROFILE";

export const SCHEDULERS = ["local", "slurm", "kubernetes"] as const;
export type SchedulerKind = (typeof SCHEDULERS)[number];

/** Which scheduler each setting belongs to. */
export const SETTING_SCHEDULERS = {
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
  arrayMaxSize: ["slurm"],
} as const satisfies Record<string, readonly SchedulerKind[]>;
export type SettingKey = keyof typeof SETTING_SCHEDULERS;
