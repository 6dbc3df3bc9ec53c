/**
 * The scheduler a task call uses when `.with({ scheduler })` names none. The task layer asks for
 * it here; which scheduler is made when none was set is registered from above (config/), so the
 * task layer never imports an adapter.
 */
import { ConfigurationError } from "../errors.js";
import { globalSlot } from "../global-slot.js";
import type { Scheduler } from "./scheduler.js";

interface DefaultSlot {
  scheduler: Scheduler | undefined;
  make: (() => Scheduler) | undefined;
}

// Shared: the `taskfit` command sets the default with its own copy of taskfit, and the user's
// module (its tasks) may have loaded another.
const slot = globalSlot<DefaultSlot>("defaultScheduler", () => ({ scheduler: undefined, make: undefined }));

/**
 * The scheduler set by `setDefaultScheduler`, else the one the registered maker gives (the
 * package's entry registers: the profile `TASKFIT_PROFILE` names, else a LocalScheduler).
 */
export function getDefaultScheduler(): Scheduler {
  if (slot.scheduler !== undefined) return slot.scheduler;
  if (slot.make === undefined) {
    throw new ConfigurationError({ field: "scheduler", expected: "a default scheduler: import taskfit's entry, or call setDefaultScheduler() first" });
  }
  slot.scheduler = slot.make();
  return slot.scheduler;
}

/** Replaces the default scheduler for every later call in this process. */
export function setDefaultScheduler(scheduler: Scheduler): void {
  if (typeof scheduler !== "object" || scheduler === null || typeof (scheduler as { run?: unknown }).run !== "function") {
    throw new ConfigurationError({ field: "scheduler", value: scheduler, expected: "a Scheduler (an object with a run() method)" });
  }
  slot.scheduler = scheduler;
}

/** How the default is made when none was set; the first registration wins (one per process). */
export function registerDefaultScheduler(make: () => Scheduler): void {
  slot.make ??= make;
}
