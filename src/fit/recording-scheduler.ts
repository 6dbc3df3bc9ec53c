/**
 * A scheduler that hands every attempt to another and reports each one once it ends, with what
 * the attempt events say of it (its id, times, outcome, measured usage) joined to what only the
 * call knows (its arguments, its task's definition). `taskfit run --record` runs through one.
 *
 * The events name an attempt by the adapter's own id, which the call never learns, so a `queued`
 * event is tied to its call by, in order: being emitted while that call is being handed over (an
 * adapter that queues synchronously), carrying that call's `resources` object (each call gets a
 * fresh one here), or being the only call in flight with that task, label and attempt number.
 */
import type { AttemptEnd, FinishedEvent, Invocation, PlannedCall, QueuedEvent, Scheduler, StartedEvent } from "../contract/scheduler.js";
import { ForwardingScheduler } from "../contract/forwarding-scheduler.js";
import { layered } from "../contract/scheduler.js";
import { TaskCancelledError } from "../errors.js";
import type { ResolvedResources } from "../resources/spec.js";
import type { TaskDefinition } from "../task/metadata.js";
import { findTask } from "../task/registry.js";
import { type ArgumentFeatures, argumentFeatures } from "./argument-features.js";
import type { AttemptFacts } from "./attempt-line.js";

export interface RecordingOptions {
  /** Names the run in every line. */
  readonly run: string;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** The scheduler runs tasks in this process (`isolation: "none"`), so no attempt is measured: said so in each line. @default false */
  readonly inProcess?: boolean;
}

interface Entry {
  readonly call: PlannedCall;
  readonly key: string;
  /** This call's own copy: the `queued` event that carries it is this call's. */
  readonly resources: ResolvedResources;
  readonly definition: TaskDefinition | undefined;
  readonly features: Promise<ArgumentFeatures>;
  queued: QueuedEvent | undefined;
  startedAt: number | undefined;
  finished: FinishedEvent | undefined;
  /** A `queued` event could have been this call's or another's. */
  ambiguous: boolean;
  written: boolean;
}

const keyOf = (task: string, label: string | undefined, attempt: number) => `${task}\0${label ?? ""}\0${attempt}`;

export const NOT_MEASURED = {
  inProcess: 'in-process attempt (isolation: "none"): not measured',
  noUsage: "the scheduler sent no measurement with the attempt's end",
  noEvents: "the scheduler sent no attempt events for this call",
  ambiguous: "its attempt events could not be told apart from another call's with the same task, label and attempt",
} as const;

export class RecordingScheduler extends ForwardingScheduler {
  /** Calls whose `queued` event has not come yet, by their own resources object and by task, label and attempt (a run may queue a million). */
  private readonly unboundByResources = new Map<ResolvedResources, Entry>();
  private readonly unboundByKey = new Map<string, Set<Entry>>();
  private readonly byId = new Map<string, Entry>();
  /** The call being handed to the inner scheduler right now (synchronously). */
  private handing: Entry | undefined;
  /** Lines on their way to the sink (their arguments' files being stat'ed), and calls settled before their `finished`. */
  private readonly pending = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;
  /** Attempts reach the sink in the order they ended, whichever's files are stat'ed first. */
  private order: Promise<unknown> = Promise.resolve();
  private readonly now: () => Date;

  constructor(
    inner: Scheduler,
    private readonly sink: (facts: AttemptFacts) => void,
    private readonly options: RecordingOptions,
  ) {
    super(inner);
    this.now = options.now ?? (() => new Date());
    inner.on("queued", (event) => this.queued(event));
    inner.on("started", (event) => this.started(event));
    inner.on("finished", (event) => this.finished(event));
  }

  run<R>(invocation: Invocation<R>): Promise<R> {
    const resources: ResolvedResources = { ...invocation.resources };
    const passed = layered(invocation, { resources });
    const entry: Entry = {
      call: passed,
      key: keyOf(invocation.taskName, invocation.label, invocation.attempt),
      resources,
      definition: findTask(invocation.task),
      // Read now, before the task can change its inputs; a failure is kept in the features' errors.
      features: argumentFeatures(invocation.args),
      queued: undefined,
      startedAt: undefined,
      finished: undefined,
      ambiguous: false,
      written: false,
    };
    this.awaitQueued(entry);
    this.handing = entry;
    let running: Promise<R>;
    try {
      running = this.inner.run(passed);
    } catch (error) {
      this.unbind(entry);
      throw error;
    } finally {
      this.handing = undefined;
    }
    running.then(
      () => this.settled(entry, "ok", undefined),
      (error: unknown) => this.settled(entry, error instanceof TaskCancelledError ? "cancelled" : "error", error),
    );
    return running;
  }

  /** Resolves once every attempt that has ended is handed to the sink; rejects with the first error the sink threw. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
    if (this.failure !== undefined) throw this.failure.error;
  }

  private track(work: Promise<void>): void {
    const tracked: Promise<void> = work
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  /** Puts `entry` among the calls waiting for their `queued` event. */
  private awaitQueued(entry: Entry): void {
    this.unboundByResources.set(entry.resources, entry);
    const sameKey = this.unboundByKey.get(entry.key);
    if (sameKey === undefined) this.unboundByKey.set(entry.key, new Set([entry]));
    else sameKey.add(entry);
  }

  /** Takes `entry` out of the calls waiting for their `queued` event. */
  private unbind(entry: Entry): void {
    this.unboundByResources.delete(entry.resources);
    const sameKey = this.unboundByKey.get(entry.key);
    sameKey?.delete(entry);
    if (sameKey?.size === 0) this.unboundByKey.delete(entry.key);
  }

  private queued(event: QueuedEvent): void {
    const key = keyOf(event.task, event.label, event.attempt);
    let entry: Entry | undefined;
    if (this.handing !== undefined && this.handing.key === key && this.unboundByResources.has(this.handing.resources)) entry = this.handing;
    entry ??= this.unboundByResources.get(event.resources);
    if (entry === undefined) {
      const candidates = this.unboundByKey.get(key) ?? new Set<Entry>();
      if (candidates.size === 1) [entry] = candidates;
      else for (const candidate of candidates) candidate.ambiguous = true;
    }
    if (entry === undefined) return;
    this.unbind(entry);
    entry.queued = event;
    this.byId.set(event.id, entry);
  }

  private started(event: StartedEvent): void {
    const entry = this.byId.get(event.id);
    if (entry !== undefined) entry.startedAt = event.at;
  }

  private finished(event: FinishedEvent): void {
    const entry = this.byId.get(event.id);
    if (entry === undefined || entry.written) return;
    entry.finished = event;
    this.write(entry, event.end, event.error);
  }

  private settled(entry: Entry, end: AttemptEnd, error: unknown): void {
    if (entry.written) return;
    // The usual order is `finished`, then the call settles; wait a turn for an adapter that settles first.
    this.track(
      new Promise<void>((resolve) => {
        setImmediate(() => {
          if (!entry.written) this.write(entry, end, error);
          resolve();
        });
      }),
    );
  }

  private unmeasured(entry: Entry): string {
    if (this.options.inProcess === true) return NOT_MEASURED.inProcess;
    if (entry.queued !== undefined) return NOT_MEASURED.noUsage;
    return entry.ambiguous ? NOT_MEASURED.ambiguous : NOT_MEASURED.noEvents;
  }

  private write(entry: Entry, end: AttemptEnd, error: unknown): void {
    entry.written = true;
    this.unbind(entry);
    if (entry.queued !== undefined) this.byId.delete(entry.queued.id);
    const { queued, finished } = entry;
    const facts = {
      run: this.options.run,
      call: entry.call,
      definition: entry.definition,
      resources: queued?.resources ?? entry.resources,
      end,
      error,
      usage: finished?.usage,
      unmeasured: this.unmeasured(entry),
      queuedAt: queued?.at,
      startedAt: entry.startedAt,
      finishedAt: finished?.at,
    };
    const written = this.order.then(async () => {
      const features = await entry.features;
      this.sink({ ...facts, features, recordedAt: this.now() });
    });
    this.order = written.catch(() => undefined);
    this.track(written);
  }
}
