import { InlineScheduler } from "./inline.js";
import type { Scheduler } from "./scheduler.js";

let defaultScheduler: Scheduler | undefined;

/** The scheduler a task call uses when `.with({ scheduler })` names none. */
export function getDefaultScheduler(): Scheduler {
  defaultScheduler ??= new InlineScheduler();
  return defaultScheduler;
}

/** Replaces the default scheduler for every later call in this process. */
export function setDefaultScheduler(scheduler: Scheduler): void {
  defaultScheduler = scheduler;
}
