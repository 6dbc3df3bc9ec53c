import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/testing.js";
import { JobPoller, type JobSnapshot, type ListedJobs } from "../../../src/schedulers/kubernetes/job-poller.js";
import { flush } from "../../helpers/manual-clock.js";

const job = (name: string, active = 1) => ({ metadata: { name }, status: { active } });
const pod = (jobName: string, name: string) => ({ metadata: { name, labels: { "job-name": jobName } } });

function setup(listed: () => ListedJobs | Promise<ListedJobs>) {
  const clock = new ManualClock();
  let lists = 0;
  const poller = new JobPoller(
    async () => {
      lists++;
      return listed();
    },
    1000,
    clock,
  );
  const tick = async () => {
    clock.runNext();
    await flush();
  };
  return { clock, poller, tick, lists: () => lists };
}

describe("JobPoller", () => {
  it("lists once per interval for every Job it follows and gives each its own Job and pods", async () => {
    const { poller, tick, lists } = setup(() => ({ jobs: [job("a"), job("b")], pods: [pod("a", "a-1"), pod("b", "b-1"), pod("other", "x")] }));
    const seen: Record<string, JobSnapshot[]> = { a: [], b: [] };
    poller.follow("a", async (s) => (seen.a?.push(s), false));
    poller.follow("b", async (s) => (seen.b?.push(s), false));
    await tick();
    await tick();
    expect(lists()).toBe(2);
    expect(seen.a?.map((s) => s.pods.map((p) => p.metadata?.name))).toEqual([["a-1"], ["a-1"]]);
    expect(seen.b?.[0]).toEqual({ job: job("b"), pods: [pod("b", "b-1")] });
  });

  it("stops following a Job once its follower is done, and stops polling when none is left", async () => {
    const { clock, poller, tick, lists } = setup(() => ({ jobs: [job("a")], pods: [] }));
    let calls = 0;
    poller.follow("a", async () => ++calls === 2);
    await tick();
    await tick();
    expect(calls).toBe(2);
    expect(poller.following).toBe(0);
    expect(clock.pending).toBe(0);
    expect(lists()).toBe(2);
  });

  it("says a Job is missing when the list lacks it, and asks again after a failed list", async () => {
    let fail = true;
    const { poller, tick } = setup(() => {
      if (fail) throw new Error("apiserver restarting");
      return { jobs: [], pods: [] };
    });
    const seen: JobSnapshot[] = [];
    const unfollow = poller.follow("gone", async (s) => (seen.push(s), false));
    await tick();
    expect(seen).toEqual([]);
    fail = false;
    await tick();
    expect(seen).toEqual([{ job: undefined, pods: [] }]);
    unfollow();
    await tick();
    expect(seen).toHaveLength(1);
  });

  it("includes a Job followed while a list is in flight, once that list returns", async () => {
    let release: (() => void) | undefined;
    const { poller, tick, lists } = setup(() => new Promise<ListedJobs>((resolve) => (release = () => resolve({ jobs: [job("a"), job("late")], pods: [] }))));
    const late: JobSnapshot[] = [];
    poller.follow("a", async () => false);
    await tick(); // the first list is now in flight
    poller.follow("late", async (s) => (late.push(s), true));
    release?.();
    await flush();
    await tick();
    release?.();
    await flush();
    expect(lists()).toBe(2);
    expect(late).toEqual([{ job: job("late"), pods: [] }]);
    expect(poller.following).toBe(1);
  });
});
