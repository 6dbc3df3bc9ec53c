/**
 * A scheduler of the contract that runs nothing: each attempt waits until the test ends it, with
 * the events an adapter emits. How it emits `queued` is the point: synchronously inside `run`
 * (as the LocalScheduler does), after a turn with the call's own resources (as cluster adapters
 * do after submitting), or after a turn with a copy of them.
 */
import { EventEmitter } from "node:events";
import type { AttemptEventName, AttemptEvents, Capacity, Invocation, MeasuredUsage, Plan, PlannedCall, Scheduler } from "../../src/contract/scheduler.js";
import { TaskCancelledError } from "../../src/errors.js";
import type { ResolvedResources } from "../../src/resources/spec.js";
import { customTask } from "../../src/index.js";
import { ManualClock } from "../../src/testing.js";
import { getDefinition } from "../../src/task/metadata.js";
import type { TaskFile } from "../../src/task/file.js";

export type QueueMode = "sync" | "async-same" | "async-copy";

interface Running {
  readonly invocation: Invocation<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

export class FakeScheduler implements Scheduler {
  readonly name = "fake";
  readonly taskLimit = undefined;
  readonly clock = new ManualClock();
  readonly running = new Map<string, Running>();
  private readonly events = new EventEmitter();
  private next = 1;
  at = 0;

  constructor(private readonly mode: QueueMode = "sync") {}

  run<R>(invocation: Invocation<R>): Promise<R> {
    const id = `job-${this.next++}`;
    return new Promise<R>((resolve, reject) => {
      this.running.set(id, { invocation: invocation as Invocation<unknown>, resolve: resolve as (value: unknown) => void, reject });
      const resources: ResolvedResources = this.mode === "async-copy" ? { ...invocation.resources } : invocation.resources;
      const queue = () => this.events.emit("queued", { id, task: invocation.taskName, label: invocation.label, attempt: invocation.attempt, at: this.at, resources });
      if (this.mode === "sync") queue();
      else setImmediate(queue);
    });
  }

  /** Ends attempt `id`: started at `startedAt`, finished now (`this.at`), ok or with `error`. */
  end(id: string, outcome: { startedAt?: number; usage?: MeasuredUsage; error?: unknown; value?: unknown; settleFirst?: boolean } = {}): void {
    const run = this.running.get(id);
    if (run === undefined) throw new Error(`no attempt ${id}`);
    this.running.delete(id);
    const ref = { id, task: run.invocation.taskName, label: run.invocation.label, attempt: run.invocation.attempt };
    if (outcome.startedAt !== undefined) this.events.emit("started", { ...ref, at: outcome.startedAt });
    const end = outcome.error === undefined ? "ok" : outcome.error instanceof TaskCancelledError ? "cancelled" : "error";
    const finish = () => this.events.emit("finished", { ...ref, at: this.at, end, error: outcome.error, usage: outcome.usage });
    const settle = () => (outcome.error === undefined ? run.resolve(outcome.value) : run.reject(outcome.error));
    if (outcome.settleFirst) {
      settle();
      queueMicrotask(finish);
    } else {
      finish();
      settle();
    }
  }

  /** The id of the attempt running this invocation's arguments (the first argument compared by identity). */
  idOf(first: unknown): string {
    for (const [id, run] of this.running) if (run.invocation.args[0] === first) return id;
    throw new Error("no such attempt");
  }

  plan(call: PlannedCall): Promise<Plan> {
    return Promise.resolve({ text: call.taskName, data: null, notes: [] });
  }

  capacity(): Promise<Capacity> {
    return Promise.resolve({ cpu: 1, memoryGiB: 1, gpus: 0, nodes: 1, sources: {} });
  }

  on<E extends AttemptEventName>(event: E, listener: (...event: AttemptEvents[E]) => void): this {
    this.events.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<E extends AttemptEventName>(event: E, listener: (...event: AttemptEvents[E]) => void): this {
    this.events.off(event, listener as (...args: unknown[]) => void);
    return this;
  }
}

/** A task to make invocations of: memory a function of its files. */
export const align = customTask({ cpu: 2, memory: (files: TaskFile[]) => 1 + files.length, retries: 1 })(async function align(files: TaskFile[], threads: number) {
  return files.length * threads;
});

const definition = getDefinition(align);
if (definition === undefined) throw new Error("align has no definition");

/** An invocation of `align`, as the task layer would hand it over. */
export function invocationOf(args: [TaskFile[], number], options: { attempt?: number; label?: string; memoryGiB?: number } = {}): Invocation<unknown> {
  return {
    taskName: "align",
    label: options.label,
    resources: Object.freeze<ResolvedResources>({ cpu: 2, memoryGiB: options.memoryGiB ?? 1 + args[0].length, gpu: 0, source: { kind: "custom", dynamic: ["memoryGiB"], overridden: [] }, clamped: [] }),
    args,
    attempt: options.attempt ?? 1,
    timeoutSeconds: undefined,
    task: (definition as NonNullable<typeof definition>).ref,
    signal: undefined,
    execute: () => Promise.resolve(undefined),
  };
}
