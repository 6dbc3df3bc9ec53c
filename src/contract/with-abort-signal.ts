/**
 * A scheduler whose every call is also cancelled by one AbortSignal: what `taskfit run` does on
 * Ctrl-C. Each scheduler already cancels a call whose own signal aborts (the LocalScheduler drops
 * it from the queue or aborts the running attempt, Slurm runs scancel, Kubernetes deletes the Job),
 * so this only joins the run's signal to each call's; everything else is the wrapped scheduler's.
 */
import { ForwardingScheduler } from "./forwarding-scheduler.js";
import { type Invocation, layered, type Scheduler } from "./scheduler.js";

export interface SignalledScheduler extends Scheduler {
  /** Resolves once every call made through it has settled (after an abort: once each is cancelled). */
  idle(): Promise<void>;
}

class Signalled extends ForwardingScheduler implements SignalledScheduler {
  /** Calls made through it not settled yet; `idle()` waits for the count to reach 0. */
  private inFlight = 0;
  private wakeIdle: (() => void) | undefined;
  private idleNow: Promise<void> | undefined;
  // One pair of callbacks for every call: no closures per call on the dispatch path of `taskfit run`.
  private readonly settled = () => {
    if (--this.inFlight > 0 || this.wakeIdle === undefined) return;
    const wake = this.wakeIdle;
    this.wakeIdle = undefined;
    this.idleNow = undefined;
    wake();
  };

  constructor(
    scheduler: Scheduler,
    private readonly signal: AbortSignal,
  ) {
    super(scheduler);
  }

  run<R>(invocation: Invocation<R>): Promise<R> {
    const joined = invocation.signal === undefined ? this.signal : AbortSignal.any([invocation.signal, this.signal]);
    const call = this.inner.run(layered(invocation, { signal: joined }));
    this.inFlight++;
    call.then(this.settled, this.settled);
    return call;
  }

  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    this.idleNow ??= new Promise<void>((resolve) => (this.wakeIdle = resolve));
    return this.idleNow;
  }
}

export function withAbortSignal(scheduler: Scheduler, signal: AbortSignal): SignalledScheduler {
  return new Signalled(scheduler, signal);
}
