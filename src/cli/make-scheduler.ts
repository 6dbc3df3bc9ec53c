import type { Scheduler } from "../contract/scheduler.js";
import { makeScheduler as schedulerOf } from "../config/make-scheduler.js";
import type { SchedulerSettings } from "../config/settings.js";
import { ConfigurationError } from "../errors.js";

/** The scheduler the settings describe; `--image` named as the command line has it. Loads the adapters: import it lazily. */
export function makeScheduler(settings: SchedulerSettings): Scheduler {
  if (settings.scheduler === "kubernetes" && settings.image === undefined) {
    throw new ConfigurationError({ field: "--image", expected: "the container image to run tasks in (--image, or image in the profile) with --scheduler kubernetes" });
  }
  return schedulerOf(settings);
}
