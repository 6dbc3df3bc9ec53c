/**
 * Job arrays against a stand-in Slurm (the `runCommand` seam) on a ManualClock: calls of one shape
 * made within the window go as one `sbatch --array`; each element's end (result, exit, OOM,
 * cancel, the array gone) settles its own call; cancelling one call cancels its element only;
 * batches split by shape and cap; a retry is a submission of its own.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Invocation } from "../../../src/contract/scheduler.js";
import { OutOfMemoryError, SubmissionError, TaskCancelledError, TaskExecutionError } from "../../../src/errors.js";
import { customTask } from "../../../src/index.js";
import { GONE_AFTER_MS } from "../../../src/schedulers/cluster/poller.js";
import { SlurmScheduler, type SlurmSchedulerOptions } from "../../../src/schedulers/slurm/slurm-scheduler.js";
import { fromWire } from "../../../src/schedulers/wire.js";
import { clusterInvocation, inContractOrder, recordAttempts, until } from "../../helpers/attempt-events.js";
import { deferred, flush, ManualClock } from "../../helpers/manual-clock.js";
import { FakeSlurm, SQUEUE_FORMAT } from "./fake-slurm.js";

const INTERVAL = 500;
const WINDOW = 50;

let dir: string;
let slurm: FakeSlurm;
let clock: ManualClock;
let scheduler: SlurmScheduler;
let log: ReturnType<typeof recordAttempts>;

const make = (options: Partial<SlurmSchedulerOptions> = {}) => {
  scheduler = new SlurmScheduler({ workDir: join(dir, "jobs"), pollIntervalMs: INTERVAL, runCommand: slurm.run, entry: "/worker.js", clock, arrayWindowMs: WINDOW, ...options });
  log = recordAttempts(scheduler);
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "taskfit-array-"));
  slurm = new FakeSlurm();
  clock = new ManualClock();
  make();
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Started {
  readonly calls: Promise<unknown>[];
  settled: number;
}

/** Calls of task `t` with these arguments (and options), made together; each call's value or error. */
function start(args: readonly unknown[], options: { readonly signals?: readonly (AbortSignal | undefined)[]; readonly memoryGiB?: number; readonly label?: string } = {}): Started {
  const started: Started = { calls: [], settled: 0 };
  args.forEach((arg, i) => {
    const base = clusterInvocation("file:///project/tasks.js", { signal: options.signals?.[i], resources: { memoryGiB: options.memoryGiB ?? 1 } });
    const invocation: Invocation<unknown> = { ...base, args: [arg], label: options.label };
    started.calls.push(
      scheduler.run(invocation).then(
        (value) => (started.settled++, value),
        (error: unknown) => (started.settled++, error),
      ),
    );
  });
  return started;
}

/** Lets the calls reach their batch, then closes the window on the clock. */
async function closeWindow(): Promise<void> {
  await flush();
  clock.advanceTo(clock.now() + WINDOW);
  await flush();
}

/** Fires the next poll and lets it finish. */
async function poll(...running: Started[]): Promise<void> {
  if (!clock.runNext()) throw new Error("no poll is set");
  await until(() => clock.pending > 0 || running.every((r) => r.settled === r.calls.length), "the poll to finish");
}

const arrayFlag = (args: readonly string[]) => args.find((a) => a.startsWith("--array="));
const flag = (args: readonly string[], name: string) => args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);

describe("SlurmScheduler job arrays", () => {
  it("submits calls of one shape made within the window as one job array; each element runs its own call and settles it", async () => {
    const run = start(["a", "b", "c"]);
    await closeWindow();
    await until(() => log.ids().length === 3, "the elements to be queued");
    expect(slurm.submissions).toHaveLength(1);
    const [array] = slurm.submissions;
    expect(arrayFlag(array?.args ?? [])).toBe("--array=0-2");
    expect(flag(array?.args ?? [], "--job-name")).toBe("t");
    expect(log.ids()).toEqual(["100_0", "100_1", "100_2"]);
    // One command line for all: the worker fills in its own index for %a.
    const request = array?.args[(array?.args.indexOf("--request") ?? 0) + 1] as string;
    expect(request).toMatch(/taskfit-[^/]+_%a\.request\.json$/);
    const argsOf = async (index: number) => fromWire(JSON.parse(await readFile(request.replace("%a", String(index)), "utf8")).args);
    expect([await argsOf(0), await argsOf(1), await argsOf(2)]).toEqual([["a"], ["b"], ["c"]]);
    expect(flag(array?.args ?? [], "--error")).toMatch(/\/t-attempt1-%A_%a\.err$/);

    slurm.set("100_0", "RUNNING", "None", "n1");
    slurm.set("100_1", "PENDING", "Resources");
    await poll(run);
    expect(slurm.squeueArgs).toEqual([["--noheader", "--array", "--states=all", "--jobs=100", SQUEUE_FORMAT]]);
    expect(log.started("100_0")[0]?.where).toBe("n1");
    expect(log.waiting("100_1").map((e) => e.reason)).toEqual(["Resources"]);
    await slurm.complete("100_2", "third");
    await slurm.complete("100_0", "first");
    await poll(run);
    await slurm.complete("100_1", "second");
    await poll(run);
    expect(await Promise.all(run.calls)).toEqual(["first", "second", "third"]);
    for (const id of log.ids()) expect({ id, order: inContractOrder(log.names(id)) }).toEqual({ id, order: true });
    expect(clock.pending).toBe(0);
    expect(await readdir(join(dir, "jobs"))).toEqual(["taskfit-job.sh"]);
  });

  it("with a window of 0, gathers the calls made in the same turn without the clock moving", async () => {
    make({ arrayWindowMs: 0 });
    start(["a", "b"]);
    await until(() => log.ids().length === 2, "the elements to be queued");
    expect(slurm.submissions.map((s) => arrayFlag(s.args))).toEqual(["--array=0-1"]);
    expect(clock.now()).toBe(0);
  });

  it("settles each element from its own end: a result, an exit code, an out-of-memory kill, a cancel by someone else", async () => {
    const run = start([0, 1, 2, 3]);
    await closeWindow();
    await until(() => log.ids().length === 4, "the elements to be queued");
    await slurm.complete("100_0", "done");
    slurm.set("100_1", "FAILED", "NonZeroExitCode", "n1", 768);
    await writeFile(slurm.errorLogs.get("100_1") as string, "it broke\n");
    slurm.set("100_2", "OUT_OF_MEMORY", "OutOfMemory", "n1", 9);
    await writeFile(slurm.errorLogs.get("100_2") as string, "slurmstepd: error: Detected 1 oom-kill event(s)\n");
    slurm.set("100_3", "CANCELLED");
    await poll(run);
    const [done, failed, oom, cancelled] = await Promise.all(run.calls);
    expect(done).toBe("done");
    expect(failed).toBeInstanceOf(TaskExecutionError);
    expect(failed).toMatchObject({ jobId: "100_1", exitCode: 3, log: slurm.errorLogs.get("100_1") });
    expect(String((failed as TaskExecutionError).stderrTail)).toMatch(/it broke/);
    expect(oom).toBeInstanceOf(OutOfMemoryError);
    expect(oom).toMatchObject({ jobId: "100_2" });
    expect(cancelled).toBeInstanceOf(TaskCancelledError);
    expect(String(cancelled)).toMatch(/Slurm job 100_3 was cancelled/);
    expect(log.finished("100_3")[0]?.end).toBe("cancelled");
    expect(clock.pending).toBe(0);
  });

  it("cancels one call's element by its own id; the other elements go on", async () => {
    const controller = new AbortController();
    const run = start(["a", "b", "c"], { signals: [undefined, controller.signal, undefined] });
    await closeWindow();
    await until(() => log.ids().length === 3, "the elements to be queued");
    controller.abort("not this one");
    expect(await run.calls[1]).toBeInstanceOf(TaskCancelledError);
    expect(slurm.scancels).toEqual([["100_1"]]);
    await slurm.complete("100_0", "a");
    await slurm.complete("100_2", "c");
    await poll(run);
    expect([await run.calls[0], await run.calls[2]]).toEqual(["a", "c"]);
    expect(log.names("100_1")).toEqual(["queued", "finished"]);
    expect(clock.pending).toBe(0);
  });

  it("cancels a fan-out aborted at once with one scancel naming every element", async () => {
    const controller = new AbortController();
    const run = start(["a", "b", "c"], { signals: [controller.signal, controller.signal, controller.signal] });
    await closeWindow();
    await until(() => log.ids().length === 3, "the elements to be queued");
    controller.abort("stop");
    for (const call of run.calls) expect(await call).toBeInstanceOf(TaskCancelledError);
    expect(slurm.scancels).toEqual([["100_0", "100_1", "100_2"]]);
    expect(clock.pending).toBe(0);
  });

  it("never submits a call aborted while its batch is open; the others go without it", async () => {
    const controller = new AbortController();
    const run = start(["a", "b", "c"], { signals: [undefined, controller.signal, undefined] });
    await flush();
    controller.abort("changed my mind");
    const withdrawn = await run.calls[1];
    expect(withdrawn).toBeInstanceOf(TaskCancelledError);
    expect(String(withdrawn)).toMatch(/changed my mind/);
    await closeWindow();
    await until(() => log.ids().length === 2, "the elements to be queued");
    expect(slurm.submissions.map((s) => arrayFlag(s.args))).toEqual(["--array=0-1"]);
    const request = slurm.submissions[0]?.args[(slurm.submissions[0]?.args.indexOf("--request") ?? 0) + 1] as string;
    expect(fromWire(JSON.parse(await readFile(request.replace("%a", "1"), "utf8")).args)).toEqual(["c"]);
    expect(slurm.scancels).toEqual([]);
  });

  it("never submits a call aborted before it reached its batch (while the nodes were read)", async () => {
    const sinfo = deferred();
    slurm.sinfoGate = sinfo.promise;
    const controller = new AbortController();
    const run = start(["a", "b"], { signals: [controller.signal, undefined] });
    await until(() => slurm.sinfoCalls === 1, "sinfo to run");
    controller.abort("too late");
    sinfo.resolve();
    expect(await run.calls[0]).toBeInstanceOf(TaskCancelledError);
    await closeWindow();
    await until(() => log.ids().length === 1, "the other call to be queued");
    expect(slurm.submissions.map((s) => arrayFlag(s.args))).toEqual([undefined]);
    expect(slurm.scancels).toEqual([]);
  });

  it("closes a batch at its cap, keeps shapes apart, and submits a lone call as a job of its own named after its label", async () => {
    make({ arrayMaxSize: 2 });
    start(["a", "b", "c"], { label: "x" });
    // The cap closed the first batch without waiting for the window.
    await until(() => slurm.submissions.length === 1, "the first batch to be submitted");
    expect(slurm.submissions.map((s) => arrayFlag(s.args))).toEqual(["--array=0-1"]);
    expect(clock.now()).toBe(0);
    start(["d"], { memoryGiB: 2, label: "x" });
    await closeWindow();
    await until(() => log.ids().length === 4, "every call to be queued");
    // The two lone calls' files are written at once: either may reach sbatch first.
    const submitted = slurm.submissions.map((s) => [arrayFlag(s.args) ?? "single", flag(s.args, "--job-name"), flag(s.args, "--mem")].join(" "));
    expect(submitted.sort()).toEqual(["--array=0-1 t 1024M", "single t-x 1024M", "single t-x 2048M"]);
    expect(log.ids().sort()).toEqual(["100_0", "100_1", "102", "103"]);
  });

  it("settles the elements of an array Slurm no longer knows from their outcome files; one without fails once gone for good", async () => {
    const run = start(["a", "b"]);
    await closeWindow();
    await until(() => log.ids().length === 2, "the elements to be queued");
    await slurm.complete("100_0", "from the file");
    slurm.jobs.clear(); // purged: squeue fails with "Invalid job id"
    await poll(run);
    expect(await run.calls[0]).toBe("from the file");
    const missingSince = clock.now();
    while (clock.now() - missingSince < GONE_AFTER_MS) await poll(run);
    const lost = await run.calls[1];
    expect(lost).toBeInstanceOf(TaskExecutionError);
    expect(String(lost)).toMatch(/Slurm no longer knows the job and it left no outcome \(an element of a job array scancel'ed while pending leaves no record\)/);
    expect(log.finished("100_1")[0]).toMatchObject({ end: "error" });
    expect(clock.pending).toBe(0);
  });

  it("rejects every call of an array sbatch refused, with sbatch's words, and leaves no request file", async () => {
    slurm.sbatchError = "Batch job submission failed: Invalid job array specification";
    const run = start(["a", "b", "c"]);
    await closeWindow();
    const errors = await Promise.all(run.calls);
    for (const error of errors) {
      expect(error).toBeInstanceOf(SubmissionError);
      expect(String(error)).toMatch(/Invalid job array specification/);
    }
    expect(log.ids()).toEqual([]);
    expect(await readdir(join(dir, "jobs"))).toEqual(["taskfit-job.sh"]);
  });

  it("retries a failed element as a submission of its own, with the escalated memory", async () => {
    const t = customTask({ cpu: 1, memory: 1, retries: { count: 1, escalate: { memory: 2 } } })(async function t(x: string) {
      return x;
    });
    const calls = ["a", "b"].map((x) => t.with({ scheduler })(x).catch((error: unknown) => error));
    await closeWindow();
    await until(() => log.ids().length === 2, "the elements to be queued");
    await slurm.complete("100_0", "a");
    slurm.set("100_1", "OUT_OF_MEMORY", "OutOfMemory", "n1", 9);
    if (!clock.runNext()) throw new Error("no poll is set");
    await until(() => clock.pending > 0, "the retry's batch to open");
    await closeWindow();
    await until(() => log.ids().length === 3, "the retry to be queued");
    expect(slurm.submissions.map((s) => [arrayFlag(s.args), flag(s.args, "--mem"), flag(s.args, "--error")?.match(/attempt\d/)?.[0]])).toEqual([
      ["--array=0-1", "1024M", "attempt1"],
      [undefined, "2048M", "attempt2"],
    ]);
    await slurm.complete("102", "b");
    if (!clock.runNext()) throw new Error("no poll is set");
    expect(await Promise.all(calls)).toEqual(["a", "b"]);
  });
});
