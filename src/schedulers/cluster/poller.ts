/**
 * One poll for every job a cluster adapter follows: each interval, one batched status query for
 * all the jobs in flight (Slurm: `squeue --jobs=<ids>`; Kubernetes: one list of the scheduler's
 * Jobs and one of their pods), and each job's follower gets its own job's status. A fan-out of 500
 * calls costs the controller what one call costs.
 *
 * - Timers come from the injected Clock, so tests drive polls by hand.
 * - Polling stops when the last job is done or unfollowed: no timer outlives the work.
 * - A failed query (slurmctld restarting, an API server blip) is asked again next interval; it
 *   tells nothing about any job, so it counts for nothing.
 * - A job missing from answers is gone only after GONE_AFTER_MS (below).
 */
import type { Clock } from "../../contract/clock.js";

/**
 * unit: ms on the clock; how long a job may be missing from every answer before it counts as
 * gone, measured from the first answer that lacked it (so it takes at least two answers). A
 * controller can briefly not list a live job: a Slurm controller taking over or restarting from
 * its state file, an API server's list served from a cache behind the write that created a Job.
 * 10 s outlasts those blips by far and is still short beside any real job's run; it is the
 * former Slurm figure (20 polls of 500 ms), now kept in time so it no longer depends on the
 * interval (Kubernetes had 5 polls of 1 s).
 */
export const GONE_AFTER_MS = 10_000;

/** What one answer said about a job. */
export type Sighting<S> =
  | { readonly kind: "listed"; readonly status: S }
  /** Not in the answer; `gone` once it has been missing for the whole tolerance. */
  | { readonly kind: "missing"; readonly gone: boolean };

/** Handles one sighting of its job; resolves true once the job needs no more polls. */
export type Follower<S> = (sighting: Sighting<S>) => Promise<boolean>;

/**
 * One batched question for these job ids: the status of each one the target lists (ids it does
 * not list are missing). Rejects when the target did not answer.
 */
export type StatusQuery<S> = (ids: readonly string[]) => Promise<ReadonlyMap<string, S>>;

export interface PollerOptions<S> {
  readonly query: StatusQuery<S>;
  /** unit: ms; the pause between the end of one query and the start of the next */
  readonly intervalMs: number;
  readonly clock: Clock;
  /** unit: ms. @default GONE_AFTER_MS */
  readonly goneAfterMs?: number;
}

interface Followed<S> {
  readonly follower: Follower<S>;
  /** When the first answer that lacked the job came, while it stays missing. */
  missingSince: number | undefined;
}

export class JobPoller<S> {
  private readonly followed = new Map<string, Followed<S>>();
  private timer: unknown;
  private polling = false;

  constructor(private readonly options: PollerOptions<S>) {}

  /** Polls for `id` until its follower says it is done, or until the returned function is called. */
  follow(id: string, follower: Follower<S>): () => void {
    const entry: Followed<S> = { follower, missingSince: undefined };
    this.followed.set(id, entry);
    if (this.timer === undefined && !this.polling) this.schedule();
    return () => {
      if (this.followed.get(id) === entry) this.followed.delete(id);
      this.stopWhenIdle();
    };
  }

  /** The jobs followed now. */
  get following(): number {
    return this.followed.size;
  }

  private schedule(): void {
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, this.options.intervalMs);
  }

  /** Nothing left to follow: the pending timer goes, so nothing keeps the process alive. */
  private stopWhenIdle(): void {
    if (this.followed.size > 0 || this.timer === undefined) return;
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async poll(): Promise<void> {
    const asked = [...this.followed];
    if (asked.length === 0) return;
    this.polling = true;
    try {
      let answer: ReadonlyMap<string, S>;
      try {
        answer = await this.options.query(asked.map(([id]) => id));
      } catch {
        return; // no answer: every job is asked about again next time
      }
      const now = this.options.clock.now();
      const goneAfter = this.options.goneAfterMs ?? GONE_AFTER_MS;
      await Promise.all(
        asked.map(async ([id, entry]) => {
          // Unfollowed (settled by a cancellation) while the query ran: nothing to tell it.
          if (this.followed.get(id) !== entry) return;
          const status = answer.get(id);
          let sighting: Sighting<S>;
          if (status !== undefined) {
            entry.missingSince = undefined;
            sighting = { kind: "listed", status };
          } else {
            entry.missingSince ??= now;
            sighting = { kind: "missing", gone: now - entry.missingSince >= goneAfter };
          }
          // A follower that throws is asked again next time, like one whose job had no news.
          const done = await entry.follower(sighting).catch(() => false);
          if (done && this.followed.get(id) === entry) this.followed.delete(id);
        }),
      );
    } finally {
      this.polling = false;
      if (this.followed.size > 0) this.schedule();
    }
  }
}
