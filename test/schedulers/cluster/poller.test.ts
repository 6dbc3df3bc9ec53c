/**
 * The shared job poller on a ManualClock: one batched query per interval for every job followed,
 * each follower told only about its own job, no timer once nothing is followed, a failed query
 * that counts for nothing, and one tolerance before a missing job is gone.
 */
import { describe, expect, it } from "vitest";
import { GONE_AFTER_MS, JobPoller, type Sighting, type StatusQuery } from "../../../src/schedulers/cluster/poller.js";
import { deferred, flush, ManualClock } from "../../helpers/manual-clock.js";

const INTERVAL = 1000;

function setup(answer: (ids: readonly string[]) => ReadonlyMap<string, string> | Promise<ReadonlyMap<string, string>>) {
  const clock = new ManualClock();
  const asked: string[][] = [];
  const query: StatusQuery<string> = async (ids) => {
    asked.push([...ids]);
    return answer(ids);
  };
  const poller = new JobPoller({ query, intervalMs: INTERVAL, clock });
  const tick = async () => {
    expect(clock.runNext()).toBe(true);
    await flush();
  };
  return { clock, poller, tick, asked };
}

/** A follower that records what it is told and is done when `doneWhen` says so. */
function recorder(doneWhen: (sighting: Sighting<string>) => boolean = () => false) {
  const seen: Sighting<string>[] = [];
  const follower = async (sighting: Sighting<string>) => {
    seen.push(sighting);
    return doneWhen(sighting);
  };
  return { seen, follower };
}

const listed = (status: string): Sighting<string> => ({ kind: "listed", status });

describe("JobPoller", () => {
  it("asks one query per interval about every job followed, and gives each follower its own job's status", async () => {
    const { poller, tick, asked, clock } = setup((ids) => new Map(ids.map((id) => [id, `state of ${id}`])));
    const a = recorder();
    const b = recorder();
    poller.follow("a", a.follower);
    poller.follow("b", b.follower);
    expect(clock.pending).toBe(1);
    await tick();
    expect(clock.now()).toBe(INTERVAL);
    await tick();
    expect(clock.now()).toBe(2 * INTERVAL);
    expect(asked).toEqual([
      ["a", "b"],
      ["a", "b"],
    ]);
    expect(a.seen).toEqual([listed("state of a"), listed("state of a")]);
    expect(b.seen).toEqual([listed("state of b"), listed("state of b")]);
  });

  it("stops polling once every follower is done: no timer is left", async () => {
    const { poller, tick, clock, asked } = setup((ids) => new Map(ids.map((id) => [id, "done"])));
    let calls = 0;
    poller.follow("a", async () => ++calls === 2);
    await tick();
    await tick();
    expect(calls).toBe(2);
    expect(poller.following).toBe(0);
    expect(clock.pending).toBe(0);
    expect(asked).toHaveLength(2);
  });

  it("clears its timer at once when the last job is unfollowed between polls (a cancelled call)", async () => {
    const { poller, clock, asked } = setup(() => new Map());
    const unfollow = poller.follow("a", async () => false);
    expect(clock.pending).toBe(1);
    unfollow();
    expect(clock.pending).toBe(0);
    expect(asked).toEqual([]);
    // Following again starts again.
    poller.follow("b", async () => false);
    expect(clock.pending).toBe(1);
  });

  it("survives a failed query: nobody is told anything, and the next interval asks again", async () => {
    let failing = true;
    const { poller, tick, asked } = setup((ids) => {
      if (failing) throw new Error("slurmctld restarting");
      return new Map(ids.map((id) => [id, "RUNNING"]));
    });
    const a = recorder();
    poller.follow("a", a.follower);
    await tick();
    await tick();
    expect(asked).toHaveLength(2);
    expect(a.seen).toEqual([]);
    failing = false;
    await tick();
    expect(a.seen).toEqual([listed("RUNNING")]);
  });

  it(`tells a missing job is gone only once it has been missing for ${GONE_AFTER_MS} ms of answers`, async () => {
    const present = new Set(["a"]);
    let failing = false;
    const { poller, tick, clock } = setup((ids) => {
      if (failing) throw new Error("API server unavailable");
      return new Map(ids.filter((id) => present.has(id)).map((id) => [id, "active"]));
    });
    const a = recorder((s) => s.kind === "missing" && s.gone);
    poller.follow("a", a.follower);
    await tick(); // listed
    present.clear();
    await tick(); // the first answer without it: missing since now
    const since = clock.now();
    while (clock.now() - since < GONE_AFTER_MS - INTERVAL) await tick();
    expect(a.seen.at(-1)).toEqual({ kind: "missing", gone: false });
    // Back in an answer: the count starts over.
    present.add("a");
    await tick();
    expect(a.seen.at(-1)).toEqual(listed("active"));
    present.clear();
    await tick();
    const again = clock.now();
    // Failed queries in between tell nothing, but the time passes all the same.
    failing = true;
    while (clock.now() - again < GONE_AFTER_MS) await tick();
    expect(a.seen.at(-1)).toEqual({ kind: "missing", gone: false });
    failing = false;
    await tick();
    expect(a.seen.at(-1)).toEqual({ kind: "missing", gone: true });
    expect(a.seen.filter((s) => s.kind === "missing" && s.gone)).toHaveLength(1);
    expect(poller.following).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it("asks about a job followed while a query runs in the next query, and never calls it missing from one that did not ask", async () => {
    const answers = [deferred<ReadonlyMap<string, string>>(), deferred<ReadonlyMap<string, string>>()];
    let round = 0;
    const { poller, tick, asked } = setup(() => (answers[round++] as ReturnType<typeof deferred<ReadonlyMap<string, string>>>).promise);
    const a = recorder();
    const late = recorder(() => true);
    poller.follow("a", a.follower);
    await tick(); // the first query is now in flight
    poller.follow("late", late.follower);
    answers[0]?.resolve(new Map([["a", "active"]]));
    await flush();
    expect(late.seen).toEqual([]);
    await tick();
    answers[1]?.resolve(new Map([["a", "active"], ["late", "active"]]));
    await flush();
    expect(asked).toEqual([["a"], ["a", "late"]]);
    expect(late.seen).toEqual([listed("active")]);
    expect(poller.following).toBe(1);
  });

  it("does not tell a follower unfollowed while its query ran", async () => {
    const answer = deferred<ReadonlyMap<string, string>>();
    const { poller, tick, clock } = setup(() => answer.promise);
    const a = recorder();
    const unfollow = poller.follow("a", a.follower);
    await tick();
    unfollow();
    answer.resolve(new Map([["a", "COMPLETED"]]));
    await flush();
    expect(a.seen).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it("asks a follower that threw again at the next poll", async () => {
    const { poller, tick } = setup((ids) => new Map(ids.map((id) => [id, "x"])));
    let calls = 0;
    poller.follow("a", async () => {
      calls++;
      if (calls === 1) throw new Error("a bug in one follower");
      return true;
    });
    await tick();
    await tick();
    expect(calls).toBe(2);
    expect(poller.following).toBe(0);
  });
});
