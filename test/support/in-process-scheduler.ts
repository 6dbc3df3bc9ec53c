/**
 * A minimal scheduler for tests that are not about scheduling: runs each attempt at once in this
 * process, with no capacity accounting (so a 128-CPU preset runs on a 2-core machine), and turns a
 * throw into TaskExecutionError with the thrown error as `cause`, as the adapter contract asks.
 * It records every invocation it receives.
 */
import { type Invocation, type Scheduler, TaskExecutionError } from "../../src/index.js";

export class InProcessScheduler implements Scheduler {
  readonly name = "in-process (test)";
  readonly invocations: Invocation[] = [];

  async run<R>(invocation: Invocation<R>): Promise<R> {
    this.invocations.push(invocation as Invocation);
    try {
      return await invocation.execute();
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause);
      throw new TaskExecutionError({ task: invocation.taskName, attempt: invocation.attempt, message, cause });
    }
  }
}
