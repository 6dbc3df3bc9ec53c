/**
 * A minimal scheduler for tests that are not about scheduling: runs each attempt at once in this
 * process, with no capacity accounting (so a 128-CPU preset runs on a 2-core machine), and turns a
 * throw into TaskExecutionError with the thrown error as `cause`, as the adapter contract asks.
 * It records every invocation it receives; `behaviour`, when given, replaces how an attempt runs.
 */
import { EventEmitter } from "node:events";
import {
  type AttemptEvents,
  type Capacity,
  type Invocation,
  type Plan,
  type PlannedCall,
  type Scheduler,
  systemClock,
  TaskExecutionError,
} from "../../src/index.js";

export class InProcessScheduler extends EventEmitter<AttemptEvents> implements Scheduler {
  readonly clock = systemClock;
  readonly invocations: Invocation[] = [];

  constructor(
    private readonly behaviour?: (invocation: Invocation) => Promise<unknown>,
    readonly name = "in-process (test)",
  ) {
    super();
  }

  async run<R>(invocation: Invocation<R>): Promise<R> {
    this.invocations.push(invocation as Invocation);
    if (this.behaviour !== undefined) return (await this.behaviour(invocation as Invocation)) as R;
    try {
      return await invocation.execute();
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause);
      throw new TaskExecutionError({ task: invocation.taskName, attempt: invocation.attempt, message, cause });
    }
  }

  async plan(call: PlannedCall): Promise<Plan> {
    return { text: `${call.taskName} in this process`, data: call.resources, notes: [] };
  }

  async capacity(): Promise<Capacity> {
    return { cpu: Infinity, memoryGiB: Infinity, gpus: Infinity, nodes: 1, sources: {} };
  }
}
