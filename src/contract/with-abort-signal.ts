/**
 * A scheduler whose every call is also cancelled by one AbortSignal: what `taskfit run` does on
 * Ctrl-C. Each scheduler already cancels a call whose own signal aborts (the LocalScheduler drops
 * it from the queue or aborts the running attempt, Slurm runs scancel, Kubernetes deletes the Job),
 * so this only joins the run's signal to each call's; everything else is the wrapped scheduler's.
 */
import type { Clock } from "./clock.js";
import {
  type AttemptEventName,
  type AttemptEvents,
  type Capacity,
  type Invocation,
  layered,
  type Plan,
  type PlannedCall,
  type Scheduler,
  type TaskLimit,
} from "./scheduler.js";

export interface SignalledScheduler extends Scheduler {
  /** Resolves once every call made through it has settled (after an abort: once each is cancelled). */
  idle(): Promise<void>;
}

class Signalled implements SignalledScheduler {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly scheduler: Scheduler,
    private readonly signal: AbortSignal,
  ) {}

  get name(): string {
    return this.scheduler.name;
  }

  get clock(): Clock {
    return this.scheduler.clock;
  }

  get taskLimit(): TaskLimit | undefined {
    return this.scheduler.taskLimit;
  }

  run<R>(invocation: Invocation<R>): Promise<R> {
    const joined = invocation.signal === undefined ? this.signal : AbortSignal.any([invocation.signal, this.signal]);
    const call = this.scheduler.run(layered(invocation, { signal: joined }));
    const settled: Promise<unknown> = call.then(
      () => this.inFlight.delete(settled),
      () => this.inFlight.delete(settled),
    );
    this.inFlight.add(settled);
    return call;
  }

  plan(call: PlannedCall): Promise<Plan> {
    return this.scheduler.plan(call);
  }

  capacity(): Promise<Capacity> {
    return this.scheduler.capacity();
  }

  on<E extends AttemptEventName>(event: E, listener: (...event: AttemptEvents[E]) => void): this {
    this.scheduler.on(event, listener);
    return this;
  }

  off<E extends AttemptEventName>(event: E, listener: (...event: AttemptEvents[E]) => void): this {
    this.scheduler.off(event, listener);
    return this;
  }

  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }
}

export function withAbortSignal(scheduler: Scheduler, signal: AbortSignal): SignalledScheduler {
  return new Signalled(scheduler, signal);
}
