/**
 * A scheduler over another one: everything but `run` is the wrapped scheduler's. Wrappers
 * (`withAbortSignal`, the `--record` history) extend it and override `run`, so a member added to
 * the contract is forwarded in one place.
 */
import type { Clock } from "./clock.js";
import type { AttemptEventName, AttemptEvents, Capacity, Invocation, Plan, PlannedCall, Scheduler, TaskLimit } from "./scheduler.js";

export abstract class ForwardingScheduler implements Scheduler {
  constructor(protected readonly inner: Scheduler) {}

  get name(): string {
    return this.inner.name;
  }

  get clock(): Clock {
    return this.inner.clock;
  }

  get taskLimit(): TaskLimit | undefined {
    return this.inner.taskLimit;
  }

  abstract run<R>(invocation: Invocation<R>): Promise<R>;

  plan(call: PlannedCall): Promise<Plan> {
    return this.inner.plan(call);
  }

  capacity(): Promise<Capacity> {
    return this.inner.capacity();
  }

  on<E extends AttemptEventName>(event: E, listener: (...event: AttemptEvents[E]) => void): this {
    this.inner.on(event, listener);
    return this;
  }

  off<E extends AttemptEventName>(event: E, listener: (...event: AttemptEvents[E]) => void): this {
    this.inner.off(event, listener);
    return this;
  }
}
