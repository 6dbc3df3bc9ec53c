import { schedulerFromEnvironment } from "../config/config-file.js";
import { ResourceSpecError } from "../errors.js";
import { LocalScheduler } from "./local/local-scheduler.js";
import type { Scheduler } from "./scheduler.js";

// On globalThis, like the registry: the `taskfit` command sets the default with its own copy of
// taskfit, and the user's module (its tasks) may have loaded another.
const SLOT = Symbol.for("taskfit.defaultScheduler");
const slot = ((globalThis as Record<symbol, unknown>)[SLOT] ??= { scheduler: undefined }) as { scheduler: Scheduler | undefined };

/**
 * The scheduler a task call uses when `.with({ scheduler })` names none: the one set, else the
 * profile `TASKFIT_PROFILE` names in the nearest `taskfit.config.ts` / `.json`, else a
 * LocalScheduler with the machine's capacity.
 */
export function getDefaultScheduler(): Scheduler {
  slot.scheduler ??= schedulerFromEnvironment() ?? new LocalScheduler();
  return slot.scheduler;
}

/** Replaces the default scheduler for every later call in this process. */
export function setDefaultScheduler(scheduler: Scheduler): void {
  if (typeof scheduler !== "object" || scheduler === null || typeof (scheduler as { run?: unknown }).run !== "function") {
    throw new ResourceSpecError({ field: "scheduler", value: scheduler, expected: "a Scheduler (an object with a run() method)" });
  }
  slot.scheduler = scheduler;
}
