/**
 * A scheduler whose every call is also cancelled by one AbortSignal: what `taskfit run` does on
 * Ctrl-C. Each scheduler already cancels a call whose own signal aborts (the LocalScheduler drops
 * it from the queue or aborts the running attempt, Slurm runs scancel, Kubernetes deletes the Job),
 * so this only joins the run's signal to each call's.
 */
import { type Invocation, layered, type Scheduler } from "./scheduler.js";

export interface SignalledScheduler extends Scheduler {
  /** Resolves once every call made through it has settled (after an abort: once each is cancelled). */
  idle(): Promise<void>;
}

export function withAbortSignal(scheduler: Scheduler, signal: AbortSignal): SignalledScheduler {
  const inFlight = new Set<Promise<unknown>>();
  return {
    get name() {
      return scheduler.name;
    },
    get capacity() {
      return scheduler.capacity;
    },
    run<R>(invocation: Invocation<R>): Promise<R> {
      const joined = invocation.signal === undefined ? signal : AbortSignal.any([invocation.signal, signal]);
      const call = scheduler.run(layered(invocation, { signal: joined }));
      const settled: Promise<unknown> = call.then(
        () => inFlight.delete(settled),
        () => inFlight.delete(settled),
      );
      inFlight.add(settled);
      return call;
    },
    async idle() {
      while (inFlight.size > 0) await Promise.all(inFlight);
    },
  };
}
