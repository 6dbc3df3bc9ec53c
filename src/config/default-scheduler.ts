/**
 * Registers how the default scheduler is made when none was set: the profile `TASKFIT_PROFILE`
 * names in the nearest `taskfit.config.ts` / `.json`, else a LocalScheduler with the machine's
 * capacity. Imported for its effect by the package's entry.
 */
import { registerDefaultScheduler } from "../contract/default-scheduler.js";
import { LocalScheduler } from "../schedulers/local/local-scheduler.js";
import { schedulerFromEnvironment } from "./make-scheduler.js";

registerDefaultScheduler(() => schedulerFromEnvironment() ?? new LocalScheduler());

// Re-exported from here so the entry's export keeps this module, and its registration, in every bundle.
export { getDefaultScheduler, setDefaultScheduler } from "../contract/default-scheduler.js";
