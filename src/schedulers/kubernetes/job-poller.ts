/**
 * One poll for every Job a KubernetesScheduler follows: each interval lists this scheduler's Jobs
 * and their pods (two API calls, by label), whatever the number of Jobs in flight, and hands each
 * follower what it needs. A fan-out of 500 calls costs the API server what one call costs.
 */
import type { Clock } from "../../contract/clock.js";
import type { JobStatusLike, PodLike } from "./outcome.js";

export interface JobSnapshot {
  /** undefined: the Job was not in the list (deleted, or not visible yet). */
  readonly job: JobStatusLike | undefined;
  /** The Job's pods, as listed. */
  readonly pods: readonly PodLike[];
}

export interface ListedJobs {
  readonly jobs: ReadonlyArray<JobStatusLike & { readonly metadata?: { readonly name?: string } }>;
  readonly pods: ReadonlyArray<PodLike & { readonly metadata?: { readonly labels?: Readonly<Record<string, string>> } }>;
}

/** Handles one snapshot of its Job; resolves true once the Job needs no more polls. */
export type JobFollower = (snapshot: JobSnapshot) => Promise<boolean>;

/** Real timers that keep the process alive while Jobs are followed, as any pending call must. */
export const keepAliveClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class JobPoller {
  private readonly followers = new Map<string, JobFollower>();
  private timer: unknown;
  private polling = false;

  constructor(
    private readonly list: () => Promise<ListedJobs>,
    private readonly intervalMs: number,
    private readonly clock: Clock,
  ) {}

  /** Polls for `job` until its follower says it is done, or until the returned function is called. */
  follow(job: string, follower: JobFollower): () => void {
    this.followers.set(job, follower);
    if (this.timer === undefined && !this.polling) this.schedule(0);
    return () => this.followers.delete(job);
  }

  get following(): number {
    return this.followers.size;
  }

  private schedule(ms: number): void {
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, ms);
  }

  private async poll(): Promise<void> {
    if (this.followers.size === 0) return;
    this.polling = true;
    try {
      const listed = await this.list();
      const jobs = new Map(listed.jobs.map((job) => [job.metadata?.name, job]));
      const pods = new Map<string, PodLike[]>();
      for (const pod of listed.pods) {
        const name = pod.metadata?.labels?.["job-name"];
        if (name !== undefined) pods.set(name, [...(pods.get(name) ?? []), pod]);
      }
      await Promise.all(
        [...this.followers].map(async ([name, follower]) => {
          const done = await follower({ job: jobs.get(name), pods: pods.get(name) ?? [] }).catch(() => false);
          if (done && this.followers.get(name) === follower) this.followers.delete(name);
        }),
      );
    } catch {
      // The API may be briefly unavailable: every follower is asked again at the next poll.
    } finally {
      this.polling = false;
      if (this.followers.size > 0) this.schedule(this.intervalMs);
    }
  }
}
