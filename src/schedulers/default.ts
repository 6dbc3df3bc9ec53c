import { ResourceSpecError } from "../errors.js";
import { LocalScheduler } from "./local/local-scheduler.js";
import type { Scheduler } from "./scheduler.js";

let defaultScheduler: Scheduler | undefined;

/** The scheduler a task call uses when `.with({ scheduler })` names none: a LocalScheduler with the machine's capacity, unless set. */
export function getDefaultScheduler(): Scheduler {
  defaultScheduler ??= new LocalScheduler();
  return defaultScheduler;
}

/** Replaces the default scheduler for every later call in this process. */
export function setDefaultScheduler(scheduler: Scheduler): void {
  if (typeof scheduler !== "object" || scheduler === null || typeof (scheduler as { run?: unknown }).run !== "function") {
    throw new ResourceSpecError({ field: "scheduler", value: scheduler, expected: "a Scheduler (an object with a run() method)" });
  }
  defaultScheduler = scheduler;
}
