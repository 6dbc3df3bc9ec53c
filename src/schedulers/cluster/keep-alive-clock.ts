/**
 * The default clock of the cluster adapters: real timers that keep the process alive, as a pending
 * call must. A program whose last line awaits a Slurm job or a Kubernetes Job would otherwise exit
 * while it runs, since the poll timer is all the event loop has. The poller sets no timer once no
 * job is in flight, so nothing is kept alive after the last one (the system clock's timers are
 * unref'd for the LocalScheduler, whose running tasks hold the process themselves).
 */
import type { Clock } from "../../contract/clock.js";

export const keepAliveClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
