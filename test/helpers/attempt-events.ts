/** Driving a cluster adapter in tests: the attempt events it emits, the contract's order for them, polls on a ManualClock. */
import type { AttemptEvents, FinishedEvent, Invocation, StartedEvent, WaitingEvent } from "../../src/contract/scheduler.js";
import type { ResolvedResources } from "../../src/resources/spec.js";

type Recorded =
  | { readonly name: "queued"; readonly id: string; readonly at: number }
  | { readonly name: "waiting"; readonly id: string; readonly at: number; readonly event: WaitingEvent }
  | { readonly name: "started"; readonly id: string; readonly at: number; readonly event: StartedEvent }
  | { readonly name: "finished"; readonly id: string; readonly at: number; readonly event: FinishedEvent };

interface Emitting {
  on<E extends keyof AttemptEvents>(event: E, listener: (...event: AttemptEvents[E]) => void): unknown;
}

export interface AttemptLog {
  readonly all: Recorded[];
  /** The event names of one attempt, in order. */
  names(id: string): string[];
  finished(id: string): FinishedEvent[];
  started(id: string): StartedEvent[];
  waiting(id: string): WaitingEvent[];
  /** The ids of the attempts seen. */
  ids(): string[];
}

export function recordAttempts(scheduler: Emitting): AttemptLog {
  const all: Recorded[] = [];
  scheduler.on("queued", (event) => all.push({ name: "queued", id: event.id, at: event.at }));
  scheduler.on("waiting", (event) => all.push({ name: "waiting", id: event.id, at: event.at, event }));
  scheduler.on("started", (event) => all.push({ name: "started", id: event.id, at: event.at, event }));
  scheduler.on("finished", (event) => all.push({ name: "finished", id: event.id, at: event.at, event }));
  const of = (id: string) => all.filter((r) => r.id === id);
  return {
    all,
    names: (id) => of(id).map((r) => r.name),
    finished: (id) => of(id).flatMap((r) => (r.name === "finished" ? [r.event] : [])),
    started: (id) => of(id).flatMap((r) => (r.name === "started" ? [r.event] : [])),
    waiting: (id) => of(id).flatMap((r) => (r.name === "waiting" ? [r.event] : [])),
    ids: () => [...new Set(all.map((r) => r.id))],
  };
}

/** The contract's order for one attempt: queued, waiting any number of times, started at most once, finished exactly once. */
export function inContractOrder(names: readonly string[]): boolean {
  return /^queued( waiting)*( started)? finished$/.test(names.join(" "));
}

/**
 * Lets the event loop turn (promise reactions, file reads) until `condition` holds; fails after
 * `turns` turns. For work that settles by itself once started, never for the passing of time.
 */
export async function until(condition: () => boolean, what: string, turns = 10_000): Promise<void> {
  for (let turn = 0; turn < turns; turn++) {
    if (condition()) return;
    // Immediate turns first; then a millisecond between looks, so that file reads in the thread
    // pool (an outcome file) finish on a loaded machine before this gives up (about 10 s).
    await new Promise((resolve) => (turn < 100 ? setImmediate(resolve) : setTimeout(resolve, 1)));
  }
  throw new Error(`never came: ${what}`);
}

interface Ticking {
  readonly pending: number;
  runNext(): boolean;
}

/**
 * Drives a cluster adapter on a ManualClock: starts calls and waits until their job is queued,
 * fires polls and lets each one finish (the next is set, or nothing is left in flight).
 */
export class PollDriver {
  /** Calls started and not settled yet. */
  unsettled = 0;

  constructor(
    private readonly clock: Ticking,
    private readonly log: () => AttemptLog,
  ) {}

  /** Starts a call; once its job is queued, its id and the call's value or error. */
  async submit(run: () => Promise<unknown>): Promise<{ id: string; call: Promise<unknown> }> {
    const before = this.log().ids().length;
    this.unsettled++;
    const call = run().then(
      (value) => (this.unsettled--, value),
      (error: unknown) => (this.unsettled--, error),
    );
    await until(() => this.log().ids().length > before, "the job to be queued");
    return { id: this.log().ids().at(-1) as string, call };
  }

  /** Fires the next poll and lets it finish. */
  async poll(): Promise<void> {
    if (!this.clock.runNext()) throw new Error("no poll is set");
    await until(() => this.clock.pending > 0 || this.unsettled === 0, "the poll to finish");
  }
}

/** One attempt of a task `t` defined in `module`, as a cluster adapter is handed it. */
export function clusterInvocation(module: string, options: { readonly signal?: AbortSignal; readonly resources?: Partial<ResolvedResources> } = {}): Invocation<unknown> {
  return {
    taskName: "t",
    resources: { cpu: 1, memoryGiB: 1, gpu: 0, source: { kind: "custom", dynamic: [], overridden: [] }, clamped: [], ...options.resources },
    args: [],
    attempt: 1,
    timeoutSeconds: undefined,
    signal: options.signal,
    task: { module, name: "t", index: 0 },
    execute: () => Promise.reject(new Error("runs on the cluster")),
  };
}
