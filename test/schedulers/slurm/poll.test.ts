/**
 * The SlurmScheduler's state machine against a stand-in Slurm (the `runCommand` seam) on a
 * ManualClock: submitted -> waiting -> running -> finished, cancel, a job Slurm no longer knows, a
 * controller that does not answer for a while; the contract's event order in each; and that no
 * timer is left once nothing is in flight (a process with a live timer never exits).
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TaskCancelledError, TaskExecutionError } from "../../../src/errors.js";
import { GONE_AFTER_MS } from "../../../src/schedulers/cluster/poller.js";
import { SlurmScheduler } from "../../../src/schedulers/slurm/slurm-scheduler.js";
import { clusterInvocation, inContractOrder, PollDriver, recordAttempts, until } from "../../helpers/attempt-events.js";
import { deferred, flush, ManualClock } from "../../helpers/manual-clock.js";
import { FakeSlurm, SQUEUE_FORMAT } from "./fake-slurm.js";

const INTERVAL = 500;

const invocation = (signal?: AbortSignal) => clusterInvocation("file:///project/tasks.js", { signal });

let dir: string;
let slurm: FakeSlurm;
let clock: ManualClock;
let scheduler: SlurmScheduler;
let log: ReturnType<typeof recordAttempts>;
let driver: PollDriver;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "taskfit-poll-"));
  slurm = new FakeSlurm();
  clock = new ManualClock();
  // Each call submitted on its own (array.test.ts has the job arrays).
  scheduler = new SlurmScheduler({ workDir: join(dir, "jobs"), pollIntervalMs: INTERVAL, runCommand: slurm.run, entry: "/worker.js", clock, arrayWindowMs: 0 });
  log = recordAttempts(scheduler);
  driver = new PollDriver(clock, () => log);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs a call until its job is queued; its id and the call's value or error. */
const submit = (signal?: AbortSignal) => driver.submit(() => scheduler.run(invocation(signal)));

describe("SlurmScheduler polling", () => {
  it("follows jobs from submitted through waiting and running to finished, one squeue per interval for all of them", async () => {
    const first = await submit();
    const second = await submit();
    expect([first.id, second.id]).toEqual(["100", "101"]);
    expect(clock.pending).toBe(1);
    slurm.set("100", "PENDING", "Priority");
    await driver.poll();
    expect(slurm.squeueArgs).toEqual([["--noheader", "--array", "--states=all", "--jobs=100,101", SQUEUE_FORMAT]]);
    slurm.set("999", "RUNNING"); // somebody else's job: never asked about
    await driver.poll(); // still Priority: not told again
    slurm.set("100", "PENDING", "Resources");
    await driver.poll();
    expect(log.waiting("100").map((event) => event.reason)).toEqual(["Priority", "Resources"]);
    slurm.set("100", "RUNNING", "None", "n1");
    await driver.poll();
    expect(log.started("100")).toEqual([{ id: "100", task: "t", label: undefined, attempt: 1, at: 4 * INTERVAL, where: "n1" }]);
    await slurm.complete("100", "one");
    await driver.poll();
    expect(await first.call).toBe("one");
    await driver.poll();
    expect(slurm.squeueArgs.at(-1)).toContain("--jobs=101");
    expect(slurm.squeueArgs).toHaveLength(6);
    await slurm.complete("101", "two");
    await driver.poll();
    expect(await second.call).toBe("two");
    expect(clock.pending).toBe(0);
    expect(log.names("100")).toEqual(["queued", "waiting", "waiting", "started", "finished"]);
    // Ended between two polls: it started all the same, on the node it ran on.
    expect(log.names("101")).toEqual(["queued", "started", "finished"]);
    expect(log.started("101")[0]?.where).toBe("n1");
    expect(log.finished("100")).toEqual([{ id: "100", task: "t", label: undefined, attempt: 1, at: 5 * INTERVAL, end: "ok", error: undefined }]);
    expect(await readdir(join(dir, "jobs"))).toEqual(["taskfit-job.sh"]);
  });

  it("cancels with scancel, then settles: finished with end cancelled, no started, no poll, no timer left", async () => {
    const controller = new AbortController();
    const { id, call } = await submit(controller.signal);
    expect(clock.pending).toBe(1);
    controller.abort("stop");
    const error = await call;
    expect(error).toBeInstanceOf(TaskCancelledError);
    expect(String(error)).toMatch(/cancelled: stop/);
    expect(slurm.cancelled).toEqual([id]);
    expect(slurm.squeueArgs).toEqual([]);
    expect(clock.pending).toBe(0);
    expect(log.names(id)).toEqual(["queued", "finished"]);
    expect(log.finished(id)[0]).toMatchObject({ end: "cancelled", error });
  });

  it("finishes a running job once when the cancel and a poll both see it end", async () => {
    const controller = new AbortController();
    const { id, call } = await submit(controller.signal);
    slurm.set(id, "RUNNING", "None", "n1");
    await driver.poll();
    const scancel = deferred();
    slurm.scancelGate = scancel.promise;
    controller.abort("stop");
    await until(() => slurm.cancelled.length === 1, "scancel to run");
    await driver.poll(); // squeue already says CANCELLED, while scancel has not returned
    scancel.resolve();
    expect(await call).toBeInstanceOf(TaskCancelledError);
    await flush(); // scancel's return comes after the poll settled the call: it must not end it again
    expect(log.names(id)).toEqual(["queued", "started", "finished"]);
    expect(log.finished(id)[0]?.end).toBe("cancelled");
    expect(clock.pending).toBe(0);
  });

  it("cancels a job whose call was aborted while sbatch was submitting it", async () => {
    const submitting = deferred();
    slurm.sbatchGate = submitting.promise;
    const controller = new AbortController();
    const call = scheduler.run(invocation(controller.signal)).catch((e: unknown) => e);
    await until(() => slurm.sbatchCalls === 1, "sbatch to run");
    controller.abort("stop");
    submitting.resolve();
    expect(await call).toBeInstanceOf(TaskCancelledError);
    expect(slurm.cancelled).toEqual(["100"]);
    expect(log.names("100")).toEqual(["queued", "finished"]);
    expect(clock.pending).toBe(0);
  });

  it(`settles a job Slurm no longer knows from its outcome file; without one, fails it once it has been gone ${GONE_AFTER_MS} ms`, async () => {
    const lost = await submit();
    const purged = await submit();
    await slurm.complete(purged.id, "from the file");
    slurm.jobs.clear(); // purged: squeue fails with "Invalid job id"
    await driver.poll();
    expect(await purged.call).toBe("from the file");
    const missingSince = clock.now();
    while (clock.now() - missingSince < GONE_AFTER_MS - INTERVAL) await driver.poll();
    expect(driver.unsettled).toBe(1);
    expect(log.names(lost.id)).toEqual(["queued"]);
    await driver.poll();
    const error = await lost.call;
    expect(error).toBeInstanceOf(TaskExecutionError);
    expect(String(error)).toMatch(/Slurm no longer knows the job and it left no outcome/);
    expect(log.names(lost.id)).toEqual(["queued", "finished"]);
    expect(log.finished(lost.id)[0]).toMatchObject({ end: "error", at: missingSince + GONE_AFTER_MS });
    expect(clock.pending).toBe(0);
  });

  it("keeps the jobs while slurmctld does not answer (restarting), however long, and settles them once it does", async () => {
    const { id, call } = await submit();
    slurm.set(id, "RUNNING", "None", "n1");
    await driver.poll();
    slurm.controllerDown = true;
    slurm.jobs.clear(); // while down nothing is known; an unanswered poll must not count as a missing job
    const downSince = clock.now();
    while (clock.now() - downSince < 6 * GONE_AFTER_MS) await driver.poll();
    expect(driver.unsettled).toBe(1);
    expect(clock.pending).toBe(1);
    await slurm.complete(id, 42);
    slurm.controllerDown = false;
    await driver.poll();
    expect(await call).toBe(42);
    expect(log.names(id)).toEqual(["queued", "started", "finished"]);
    expect(clock.pending).toBe(0);
  });

  it("reports a job Slurm ended CANCELLED (scancel by someone else) as cancelled, never started", async () => {
    const { id, call } = await submit();
    slurm.set(id, "CANCELLED");
    await driver.poll();
    const error = await call;
    expect(error).toBeInstanceOf(TaskCancelledError);
    expect(String(error)).toMatch(/Slurm job 100 was cancelled/);
    expect(log.names(id)).toEqual(["queued", "finished"]);
    expect(log.finished(id)[0]?.end).toBe("cancelled");
  });

  it("keeps the contract's event order across a fan-out", async () => {
    const controller = new AbortController();
    const jobs = [await submit(), await submit(controller.signal), await submit(), await submit()];
    const [a, b, c, d] = jobs.map((job) => job.id) as [string, string, string, string];
    slurm.set(a, "PENDING", "Priority");
    slurm.set(c, "RUNNING", "None", "n1");
    await driver.poll();
    controller.abort("enough");
    await until(() => slurm.cancelled.length === 1, "scancel to run");
    slurm.set(a, "RUNNING", "None", "n1");
    slurm.set(d, "FAILED");
    await driver.poll();
    await slurm.complete(a, 1);
    await slurm.complete(c, 3);
    await driver.poll();
    await Promise.all(jobs.map((job) => job.call));
    expect(log.ids()).toEqual([a, b, c, d]);
    for (const id of log.ids()) expect({ id, order: inContractOrder(log.names(id)) }).toEqual({ id, order: true });
    expect(log.finished(b)[0]?.end).toBe("cancelled");
    expect(log.finished(d)[0]?.error).toBeInstanceOf(TaskExecutionError);
    expect(clock.pending).toBe(0);
  });
});
