/**
 * The scheduler a profile or `taskfit run`'s options describe: the one place above the adapters
 * that names them (kept apart from settings.ts so that reading settings loads no adapter).
 */
import type { Scheduler } from "../contract/scheduler.js";
import { ConfigurationError } from "../errors.js";
import { KubernetesScheduler } from "../schedulers/kubernetes/kubernetes-scheduler.js";
import { LocalScheduler } from "../schedulers/local/local-scheduler.js";
import { SlurmScheduler } from "../schedulers/slurm/slurm-scheduler.js";
import { findConfigFile, loadProfile, PROFILE_ENV, CONFIG_FILES } from "./config-file.js";
import type { SchedulerSettings } from "./settings.js";

/** The scheduler the settings describe. */
export function makeScheduler(settings: SchedulerSettings): Scheduler {
  const poll = settings.pollMs === undefined ? {} : { pollIntervalMs: settings.pollMs };
  if (settings.scheduler === "slurm") {
    return new SlurmScheduler({
      workDir: settings.workDir ?? "./taskfit-jobs",
      ...(settings.partition !== undefined && { partition: settings.partition }),
      ...(settings.account !== undefined && { account: settings.account }),
      ...(settings.arrayMaxSize !== undefined && { arrayMaxSize: settings.arrayMaxSize }),
      ...poll,
    });
  }
  if (settings.scheduler === "kubernetes") {
    if (settings.image === undefined) throw new ConfigurationError({ field: "image", expected: "the container image to run tasks in, for the kubernetes scheduler" });
    return new KubernetesScheduler({
      image: settings.image,
      namespace: settings.namespace ?? "default",
      ...(settings.kubeconfig !== undefined && { kubeconfig: settings.kubeconfig }),
      modulePaths: { local: process.cwd(), image: settings.imageDir ?? "/app" },
      ...(settings.workerCommand !== undefined && { workerCommand: settings.workerCommand }),
      ...poll,
    });
  }
  return new LocalScheduler({
    capacity: {
      ...(settings.cpu !== undefined && { cpu: settings.cpu }),
      ...(settings.memory !== undefined && { memoryGiB: settings.memory }),
      ...(settings.gpus !== undefined && { gpus: settings.gpus }),
    },
    oversize: settings.oversize ?? "error",
    gpuMatch: settings.gpuMatch ?? "type",
    isolation: settings.isolation ?? "none",
  });
}

/** The scheduler of the profile `TASKFIT_PROFILE` names, or undefined when it names none. */
export function schedulerFromEnvironment(): Scheduler | undefined {
  const name = process.env[PROFILE_ENV];
  if (name === undefined || name === "") return undefined;
  const file = findConfigFile();
  if (file === undefined) {
    throw new ConfigurationError({
      field: PROFILE_ENV,
      value: name,
      expected: `a ${CONFIG_FILES.join(" or ")} in ${process.cwd()} or a directory above it, for the profile ${PROFILE_ENV} names`,
    });
  }
  return makeScheduler({ scheduler: "local", ...loadProfile(file, name) });
}
