/** The attempt lifecycle both cluster adapters share, on a ManualClock and a stand-in status query. */
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import type { AttemptEvents } from "../../../src/contract/scheduler.js";
import { type AttemptProgress, followJob } from "../../../src/schedulers/cluster/followed-job.js";
import { JobPoller, type Sighting } from "../../../src/schedulers/cluster/poller.js";
import { clusterInvocation, recordAttempts } from "../../helpers/attempt-events.js";
import { flush, ManualClock } from "../../helpers/manual-clock.js";

function setup(watch: (sighting: Sighting<string>, progress: AttemptProgress) => Promise<void>, release?: (error: unknown) => Promise<void>) {
  const clock = new ManualClock();
  const events = new EventEmitter<AttemptEvents>();
  const log = recordAttempts(events);
  const poller = new JobPoller<string>({ query: async (ids) => new Map(ids.map((id) => [id, "news"])), intervalMs: 100, clock });
  const call = followJob({ id: "j1", invocation: clusterInvocation("file:///t.js"), events, clock, poller, cancel: async () => undefined, watch, ...(release && { release }) }).catch(
    (error: unknown) => ({ rejected: error }),
  );
  const tick = async () => {
    clock.runNext();
    await flush();
  };
  return { clock, log, tick, call };
}

describe("followJob", () => {
  it("tells waiting only before started, once per reason in a row, and nothing after the end", async () => {
    const script: Array<(progress: AttemptProgress) => void> = [
      (p) => (p.waiting("Priority"), p.waiting("Priority")),
      (p) => (p.waiting("Resources", "no node free"), p.started("n1")),
      (p) => (p.waiting("Resources"), p.started("n2")),
      (p) => {
        void p.settle(undefined, "done");
        p.waiting("late");
        p.started("after the end");
        void p.settle(new Error("a second end"));
      },
    ];
    const { tick, log, call, clock } = setup(async (_sighting, progress) => script.shift()?.(progress));
    for (let i = 0; i < 4; i++) await tick();
    expect(await call).toBe("done");
    expect(log.names("j1")).toEqual(["queued", "waiting", "waiting", "started", "finished"]);
    expect(log.waiting("j1").map((e) => [e.reason, e.message])).toEqual([
      ["Priority", undefined],
      ["Resources", "no node free"],
    ]);
    expect(log.started("j1")[0]?.where).toBe("n1");
    expect(clock.pending).toBe(0);
  });

  it("ends the call with the error its watch threw, and stops polling", async () => {
    const bug = new Error("cannot read the status");
    const { tick, log, call, clock } = setup(async () => {
      throw bug;
    });
    await tick();
    expect(await call).toEqual({ rejected: bug });
    expect(log.finished("j1")).toMatchObject([{ end: "error", error: bug }]);
    expect(clock.pending).toBe(0);
  });

  it("releases the job's things after finished and before the call settles", async () => {
    const order: string[] = [];
    const { tick, log, call } = setup(
      async (_sighting, progress) => progress.settle(new Error("failed")),
      async () => {
        order.push(`release after ${log.names("j1").join(",")}`);
      },
    );
    void call.then(() => order.push("settled"));
    await tick();
    await call;
    expect(order).toEqual(["release after queued,finished", "settled"]);
  });
});
