/**
 * What the worker's process tree uses while its task runs: the worker and every tool the task
 * started, sampled from /proc on an unref'd timer (it never keeps the worker alive), then
 * completed at the end by the kernel's own counters: the worker's getrusage, the CPU time of the
 * children it waited for, and a cgroup peak when the cgroup is the task's own. Memory is the
 * peak of the tree's summed resident memory over samples (shared pages counted in each process,
 * as `ps` does): a spike shorter than an interval is missed unless a kernel counter saw it.
 */
import type { MeasuredUsage } from "../../../contract/scheduler.js";
import { memoryCgroupOf, ownCgroupPeak } from "./cgroup.js";
import { CLOCK_TICKS_PER_SECOND, pageSize, type ProcStat, ProcTree } from "./proc-tree.js";
import { directoryBytes } from "./scratch.js";

/** unit: ms; how often the tree is sampled. */
export const DEFAULT_SAMPLE_MS = 200;

/** The kernel's figures for the worker process itself (getrusage of RUSAGE_SELF). */
export interface OwnCounters {
  /** unit: seconds; user + system */
  readonly cpuSeconds: number;
  /** unit: bytes */
  readonly maxRssBytes: number;
}

export interface UsageSamplerOptions {
  /** The root of the tree. @default process.pid */
  readonly pid?: number;
  /** Prepended to /proc and cgroup paths: a fake tree in tests. @default "" */
  readonly root?: string;
  /** unit: ms @default DEFAULT_SAMPLE_MS */
  readonly intervalMs?: number;
  /** The task's own scratch directory, when it has one: its size is sampled too (at most once a second). */
  readonly scratchDir?: string | undefined;
  /** unit: ms; the clock. @default performance.now (ms since this process started) */
  readonly now?: () => number;
  /** unit: ms on `now`; when the measured run began. @default 0 (the start of this process) */
  readonly startedAt?: number;
  /** unit: bytes @default the kernel's (AT_PAGESZ), 4096 when unknown */
  readonly pageSize?: number;
  /** The worker's own counters. @default process.resourceUsage() */
  readonly own?: () => OwnCounters;
  /** Called with the usage so far when it is worth telling (see `shouldReport`): a killed worker leaves that behind. */
  readonly onReport?: (usage: MeasuredUsage) => void;
}

const GIB = 1024 ** 3;
/** A sample may cost at most this share of the time to the next one: a slow /proc (every process read) stretches the interval. */
const MAX_COST_SHARE = 0.01;
/** ... but to no more than this many times the interval: a peak is still seen within a few seconds. */
const MAX_STRETCH = 10;
/** unit: ms; the scratch directory is walked at most this often (a walk costs per file). */
const SCRATCH_MIN_GAP_MS = 1000;
/** A running report goes out when the peak memory grew by this factor since the last one ... */
const REPORT_GROWTH = 1.1;
/** unit: ms; ... or this long after the last one. */
const REPORT_EVERY_MS = 30_000;

function processCounters(): OwnCounters {
  const usage = process.resourceUsage();
  return { cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6, maxRssBytes: usage.maxRSS * 1024 };
}

/** Whether a running report is worth sending: the first one, a peak grown by REPORT_GROWTH, or REPORT_EVERY_MS since the last. */
export function shouldReport(last: { readonly peakBytes: number; readonly at: number } | undefined, peakBytes: number, at: number): boolean {
  return last === undefined || peakBytes >= last.peakBytes * REPORT_GROWTH || at - last.at >= REPORT_EVERY_MS;
}

export class UsageSampler {
  private readonly pid: number;
  private readonly root: string;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly startedAt: number;
  private readonly own: () => OwnCounters;
  private readonly tree: ProcTree;
  private readonly hasProc: boolean;
  private readonly pageBytes: number;
  private peakTreeBytes = 0;
  private peakTreeCpuSeconds = 0;
  private peakScratchBytes: number | undefined;
  private nextScratchAt = -Infinity;
  private lastStats: readonly ProcStat[] = [];
  private lastReport: { readonly peakBytes: number; readonly at: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private finished = false;

  constructor(private readonly options: UsageSamplerOptions = {}) {
    this.pid = options.pid ?? process.pid;
    this.root = options.root ?? "";
    this.intervalMs = options.intervalMs ?? DEFAULT_SAMPLE_MS;
    this.now = options.now ?? (() => performance.now());
    this.startedAt = options.startedAt ?? 0;
    this.own = options.own ?? processCounters;
    this.tree = new ProcTree(this.pid, this.root);
    this.hasProc = this.tree.available();
    this.pageBytes = options.pageSize ?? pageSize(this.root);
  }

  /** Samples now and then every interval until `finish()`. */
  start(): this {
    this.tick();
    return this;
  }

  private tick(): void {
    if (this.finished) return;
    const began = performance.now();
    const cpu = process.cpuUsage();
    this.sample();
    // The sample's cost: wall time overstates it on a loaded machine, the process's CPU time when
    // other threads run; the lesser of the two is closer to it.
    const used = process.cpuUsage(cpu);
    const cost = Math.min(performance.now() - began, (used.user + used.system) / 1000);
    const interval = Math.min(this.intervalMs * MAX_STRETCH, Math.max(this.intervalMs, cost / MAX_COST_SHARE));
    this.timer = setTimeout(() => this.tick(), interval);
    this.timer.unref();
  }

  /** One sample of the tree (and of the scratch directory when its turn has come). */
  sample(): void {
    const at = this.now();
    if (this.hasProc) {
      this.lastStats = this.tree.stats();
      let pages = 0;
      let ticks = 0;
      for (const stat of this.lastStats) {
        pages += stat.rssPages;
        ticks += stat.cpuTicks + stat.childTicks;
      }
      this.peakTreeBytes = Math.max(this.peakTreeBytes, pages * this.pageBytes);
      this.peakTreeCpuSeconds = Math.max(this.peakTreeCpuSeconds, ticks / CLOCK_TICKS_PER_SECOND);
    }
    const { scratchDir } = this.options;
    if (scratchDir !== undefined && at >= this.nextScratchAt) {
      const began = performance.now();
      const bytes = directoryBytes(scratchDir);
      this.peakScratchBytes = Math.max(this.peakScratchBytes ?? 0, bytes);
      this.nextScratchAt = at + Math.max(SCRATCH_MIN_GAP_MS, (performance.now() - began) / MAX_COST_SHARE);
    }
    const { onReport } = this.options;
    if (onReport !== undefined && !this.finished) {
      const usage = this.usage();
      const peakBytes = usage.peakMemoryGiB * GIB;
      if (shouldReport(this.lastReport, peakBytes, at)) {
        this.lastReport = { peakBytes, at };
        onReport(usage);
      }
    }
  }

  private method(): string {
    return this.hasProc
      ? `resident memory of the process tree summed from /proc every ${this.intervalMs} ms`
      : "the worker's own peak resident memory (getrusage; no /proc here to see the processes it started)";
  }

  /** The usage so far, from the samples and the worker's own counters. */
  usage(): MeasuredUsage {
    const own = this.own();
    return {
      peakMemoryGiB: Math.max(this.peakTreeBytes, own.maxRssBytes) / GIB,
      cpuSeconds: Math.max(this.peakTreeCpuSeconds, own.cpuSeconds),
      wallSeconds: Math.max(0, this.now() - this.startedAt) / 1000,
      ...(this.peakScratchBytes !== undefined && { peakScratchGiB: this.peakScratchBytes / GIB }),
      method: this.method(),
    };
  }

  /**
   * Stops sampling and gives the final figures: a last sample, then the kernel's counters. CPU
   * time is the worker's own (exact), plus what its waited-for children used (cutime + cstime),
   * plus what the processes still running in its tree used; never less than a sample saw.
   */
  finish(): MeasuredUsage {
    clearTimeout(this.timer);
    // Finished first: the last sample sends no running report (the answer follows at once).
    this.finished = true;
    this.sample();
    const sampled = this.usage();
    if (!this.hasProc) return sampled;
    const own = this.own();
    let ticks = 0;
    for (const stat of this.lastStats) ticks += stat.pid === this.pid ? stat.childTicks : stat.cpuTicks + stat.childTicks;
    const cpuSeconds = Math.max(sampled.cpuSeconds, own.cpuSeconds + ticks / CLOCK_TICKS_PER_SECOND);
    const cgroup = memoryCgroupOf(this.pid, this.root);
    const kernel = cgroup === undefined ? undefined : ownCgroupPeak(cgroup, new Set(this.lastStats.map((stat) => stat.pid)));
    const kernelWins = kernel !== undefined && kernel.bytes > sampled.peakMemoryGiB * GIB;
    return {
      ...sampled,
      cpuSeconds,
      ...(kernelWins && { peakMemoryGiB: kernel.bytes / GIB, method: kernel.method }),
    };
  }
}
