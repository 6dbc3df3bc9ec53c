import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { directoryBytes } from "../../../../src/schedulers/worker/usage/scratch.js";
import { shouldReport, UsageSampler } from "../../../../src/schedulers/worker/usage/sampler.js";
import { FakeProc } from "../../../helpers/fake-proc.js";

const GIB = 1024 ** 3;
const PAGE = 4096;
const pages = (gib: number) => Math.round((gib * GIB) / PAGE);

let fake: FakeProc | undefined;
afterEach(() => fake?.cleanup());

/** A sampler over the fake tree rooted at pid 100, on a clock the test moves. */
function sampler(own = { cpuSeconds: 0, maxRssBytes: 0 }, extra: { onReport?: (usage: unknown) => void; scratchDir?: string } = {}) {
  const clock = { now: 0 };
  const made = new UsageSampler({ pid: 100, root: fake?.root, pageSize: PAGE, now: () => clock.now, own: () => own, ...extra });
  return { sampler: made, clock };
}

describe("the usage sampler over a fake /proc", () => {
  it("keeps the peak of the tree's summed resident memory, also after the big process ended", () => {
    fake = new FakeProc().set({ pid: 100, ppid: 1, rss: pages(0.25) }, { pid: 200, ppid: 100, rss: pages(0.25) }, { pid: 300, ppid: 200, rss: pages(1) });
    const { sampler: s } = sampler();
    s.sample();
    fake.remove(300).set({ pid: 200, ppid: 100, rss: pages(0.5) });
    s.sample();
    expect(s.usage().peakMemoryGiB).toBeCloseTo(1.5, 3);
    expect(s.usage().method).toBe("resident memory of the process tree summed from /proc every 200 ms");
  });

  it("counts no process outside the tree", () => {
    fake = new FakeProc().set({ pid: 100, ppid: 1, rss: pages(0.25) }, { pid: 400, ppid: 1, rss: pages(8) });
    const { sampler: s } = sampler();
    s.sample();
    expect(s.usage().peakMemoryGiB).toBeCloseTo(0.25, 3);
  });

  it("ends with CPU time of the worker (exact), its waited-for children and the processes still running", () => {
    // The worker: 2 s of its own in ticks, 3 s of a tool it waited for; a shell (1 s) and a busy tool (4 s) still run.
    fake = new FakeProc().set(
      { pid: 100, ppid: 1, utime: 150, stime: 50, cutime: 250, cstime: 50 },
      { pid: 200, ppid: 100, utime: 100 },
      { pid: 300, ppid: 200, utime: 300, stime: 100 },
    );
    const { sampler: s } = sampler({ cpuSeconds: 2.25, maxRssBytes: 0 });
    s.sample();
    expect(s.usage().cpuSeconds).toBeCloseTo(10, 6);
    expect(s.finish().cpuSeconds).toBeCloseTo(2.25 + 3 + 1 + 4, 6);
  });

  it("never reports less CPU than a sample saw: a tool that was orphaned and reaped elsewhere still counts", () => {
    fake = new FakeProc().set({ pid: 100, ppid: 1, utime: 100 }, { pid: 300, ppid: 100, utime: 500 });
    const { sampler: s } = sampler({ cpuSeconds: 1, maxRssBytes: 0 });
    s.sample();
    fake.remove(300);
    expect(s.finish().cpuSeconds).toBeCloseTo(6, 6);
  });

  it("takes the worker's own peak (getrusage) when it is above every sample", () => {
    fake = new FakeProc().set({ pid: 100, ppid: 1, rss: pages(0.1) });
    const { sampler: s } = sampler({ cpuSeconds: 0, maxRssBytes: 0.75 * GIB });
    expect(s.finish().peakMemoryGiB).toBeCloseTo(0.75, 6);
  });

  it("says where there is no /proc that only the worker itself was measured", () => {
    fake = new FakeProc();
    const { sampler: s, clock } = sampler({ cpuSeconds: 1.5, maxRssBytes: 0.125 * GIB });
    clock.now = 4500;
    expect(s.finish()).toEqual({
      peakMemoryGiB: 0.125,
      cpuSeconds: 1.5,
      wallSeconds: 4.5,
      method: "the worker's own peak resident memory (getrusage; no /proc here to see the processes it started)",
    });
  });
});

describe("the kernel's peak of the task's own cgroup", () => {
  const tree = () =>
    new FakeProc().set({ pid: 100, ppid: 1, rss: pages(0.5) }, { pid: 200, ppid: 100, rss: pages(0.5) }).file("/proc/100/cgroup", "0::/jobs/t1\n");
  const v2Mount = "30 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n";

  it("wins over the samples (cgroup v2 memory.peak) when the cgroup holds only the tree", () => {
    fake = tree().file("/proc/100/mountinfo", v2Mount).file("/sys/fs/cgroup/jobs/t1/cgroup.procs", "100\n200\n").file("/sys/fs/cgroup/jobs/t1/memory.peak", `${2 * GIB}\n`);
    const usage = sampler().sampler.finish();
    expect(usage.peakMemoryGiB).toBe(2);
    expect(usage.method).toBe("cgroup v2 memory.peak of the task's own cgroup (includes page cache)");
  });

  it("is not used when the cgroup also holds a process outside the tree", () => {
    fake = tree().file("/proc/100/mountinfo", v2Mount).file("/sys/fs/cgroup/jobs/t1/cgroup.procs", "100\n200\n999\n").file("/sys/fs/cgroup/jobs/t1/memory.peak", `${2 * GIB}\n`);
    const usage = sampler().sampler.finish();
    expect(usage.peakMemoryGiB).toBeCloseTo(1, 3);
    expect(usage.method).toMatch(/^resident memory of the process tree/);
  });

  it("is read from a container's own v1 memory mount (its root is the container's cgroup)", () => {
    fake = tree()
      .file("/proc/100/cgroup", "11:pids:/kubepods/pod1/c1\n5:memory:/kubepods/pod1/c1\n0::/\n")
      .file("/proc/100/mountinfo", `${v2Mount}40 30 0:40 /kubepods/pod1/c1 /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory\n`)
      .file("/sys/fs/cgroup/memory/cgroup.procs", "100\n200\n")
      .file("/sys/fs/cgroup/memory/memory.max_usage_in_bytes", `${3 * GIB}\n`);
    const usage = sampler().sampler.finish();
    expect(usage.peakMemoryGiB).toBe(3);
    expect(usage.method).toBe("cgroup v1 memory.max_usage_in_bytes of the task's own cgroup (includes page cache)");
  });

  it("leaves the samples' figure when the kernel's is lower", () => {
    fake = tree().file("/proc/100/mountinfo", v2Mount).file("/sys/fs/cgroup/jobs/t1/cgroup.procs", "100\n200\n").file("/sys/fs/cgroup/jobs/t1/memory.peak", `${0.5 * GIB}\n`);
    expect(sampler().sampler.finish().peakMemoryGiB).toBeCloseTo(1, 3);
  });
});

describe("running reports", () => {
  it("go out first, then when the peak grew by 10%, or 30 s after the last", () => {
    expect(shouldReport(undefined, 100, 0)).toBe(true);
    expect(shouldReport({ peakBytes: 100, at: 0 }, 109, 1000)).toBe(false);
    expect(shouldReport({ peakBytes: 100, at: 0 }, 111, 1000)).toBe(true);
    expect(shouldReport({ peakBytes: 100, at: 0 }, 100, 30_000)).toBe(true);
  });

  it("carry the usage so far, and none is sent by the final measurement", () => {
    fake = new FakeProc().set({ pid: 100, ppid: 1, rss: pages(1) });
    const reports: Array<{ peakMemoryGiB: number }> = [];
    const { sampler: s, clock } = sampler(undefined, { onReport: (usage) => reports.push(usage as { peakMemoryGiB: number }) });
    s.sample();
    fake.set({ pid: 100, ppid: 1, rss: pages(1.05) });
    clock.now = 200;
    s.sample();
    fake.set({ pid: 100, ppid: 1, rss: pages(2) });
    clock.now = 400;
    s.sample();
    fake.set({ pid: 100, ppid: 1, rss: pages(4) });
    s.finish();
    expect(reports.map((r) => Math.round(r.peakMemoryGiB * 100) / 100)).toEqual([1, 2]);
  });
});

describe("the scratch directory", () => {
  let dir: string | undefined;
  afterEach(() => dir !== undefined && rmSync(dir, { recursive: true, force: true }));

  it("is measured as the disk its files take, links not followed", () => {
    dir = mkdtempSync(join(tmpdir(), "taskfit-scratch-"));
    mkdirSync(join(dir, "a", "b"), { recursive: true });
    writeFileSync(join(dir, "a", "b", "reads.bam"), Buffer.alloc(3 * 1024 * 1024, 1));
    writeFileSync(join(dir, "index"), Buffer.alloc(1024 * 1024, 1));
    symlinkSync("/usr", join(dir, "usr"));
    const bytes = directoryBytes(dir);
    expect(bytes).toBeGreaterThanOrEqual(4 * 1024 * 1024);
    expect(bytes).toBeLessThan(4.1 * 1024 * 1024);
    expect(directoryBytes(join(dir, "missing"))).toBe(0);
  });

  it("keeps its peak after the task deleted its files", () => {
    dir = mkdtempSync(join(tmpdir(), "taskfit-scratch-"));
    fake = new FakeProc().set({ pid: 100, ppid: 1 });
    const { sampler: s, clock } = sampler(undefined, { scratchDir: dir });
    writeFileSync(join(dir, "sorted.tmp"), Buffer.alloc(2 * 1024 * 1024, 1));
    s.sample();
    rmSync(join(dir, "sorted.tmp"));
    clock.now = 5000;
    const usage = s.finish();
    expect(usage.peakScratchGiB).toBeGreaterThanOrEqual((2 * 1024 * 1024) / GIB);
  });
});
