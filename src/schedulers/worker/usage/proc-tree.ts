/**
 * One process tree read from /proc: the worker and everything it started (the tools a task shells
 * out to), as Nextflow's trace wrapper reads it. `root` is prepended to every path, so tests hand
 * in a fake /proc.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";

/** USER_HZ: /proc gives CPU times in ticks of 1/100 s on every Linux ABI. */
export const CLOCK_TICKS_PER_SECOND = 100;

/** What one /proc/PID/stat line says that measurement needs. */
export interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  /** unit: clock ticks; the process's own user + system time (utime + stime) */
  readonly cpuTicks: number;
  /** unit: clock ticks; of its children it has waited for, theirs and their waited-for children's (cutime + cstime) */
  readonly childTicks: number;
  /** unit: pages; resident set size */
  readonly rssPages: number;
}

/**
 * A /proc/PID/stat line; undefined when it is not one. The command name (field 2) is in
 * parentheses and may hold spaces and parentheses, so fields are counted from the last `)`.
 */
export function parseStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(")");
  if (close < 0) return undefined;
  const fields = text.slice(close + 2).split(" ");
  // fields[0] is field 3 (state) of proc(5): field n is fields[n - 3].
  const field = (n: number) => Number(fields[n - 3]);
  const stat = {
    pid: Number.parseInt(text, 10),
    ppid: field(4),
    cpuTicks: field(14) + field(15),
    childTicks: field(16) + field(17),
    rssPages: field(24),
  };
  return Object.values(stat).every(Number.isFinite) ? stat : undefined;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "latin1");
  } catch {
    // The process ended between listing and reading: it is no longer part of the tree.
    return undefined;
  }
}

function list(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/** The bytes of a page, from the kernel's auxiliary vector (AT_PAGESZ); 4096 when it cannot be read. */
export function pageSize(root = ""): number {
  const AT_PAGESZ = 6n;
  try {
    const auxv = readFileSync(`${root}/proc/self/auxv`);
    // Pairs of native words: 8 bytes little-endian on the 64-bit platforms Node runs on.
    if (!["x64", "arm64", "ppc64", "riscv64", "loong64"].includes(process.arch)) return 4096;
    for (let at = 0; at + 16 <= auxv.length; at += 16) {
      if (auxv.readBigUInt64LE(at) === AT_PAGESZ) return Number(auxv.readBigUInt64LE(at + 8));
    }
  } catch {
    // no auxv (not Linux): the usual size
  }
  return 4096;
}

export class ProcTree {
  /** Whether /proc/PID/task/TID/children exists (CONFIG_PROC_CHILDREN): decided on the first read. */
  private childrenFiles: boolean | undefined;

  constructor(
    private readonly pid: number,
    private readonly root = "",
  ) {}

  /** Whether there is a /proc to read at all (not on macOS or Windows). */
  available(): boolean {
    return existsSync(`${this.root}/proc/${this.pid}/stat`);
  }

  /**
   * The stat of every process in the tree now: the root process and its descendants. The
   * children files cost a few reads per process in the tree; without them every process on the
   * machine is read to find the tree by parent pid.
   */
  stats(): ProcStat[] {
    this.childrenFiles ??= existsSync(`${this.root}/proc/${this.pid}/task/${this.pid}/children`);
    return this.childrenFiles ? this.byChildrenFiles() : this.byScan();
  }

  private byChildrenFiles(): ProcStat[] {
    const found: ProcStat[] = [];
    const seen = new Set<number>();
    const queue = [this.pid];
    for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
      if (seen.has(pid)) continue;
      seen.add(pid);
      const text = readText(`${this.root}/proc/${pid}/stat`);
      const stat = text === undefined ? undefined : parseStat(text);
      if (stat === undefined) continue;
      found.push(stat);
      // Any thread may have started a child: each thread has its own list.
      for (const tid of list(`${this.root}/proc/${pid}/task`)) {
        const children = readText(`${this.root}/proc/${pid}/task/${tid}/children`) ?? "";
        for (const child of children.split(" ")) if (child.trim() !== "") queue.push(Number(child));
      }
    }
    return found;
  }

  private byScan(): ProcStat[] {
    const byParent = new Map<number, ProcStat[]>();
    let self: ProcStat | undefined;
    for (const entry of list(`${this.root}/proc`)) {
      if (!/^\d+$/.test(entry)) continue;
      const text = readText(`${this.root}/proc/${entry}/stat`);
      const stat = text === undefined ? undefined : parseStat(text);
      if (stat === undefined) continue;
      if (stat.pid === this.pid) self = stat;
      const siblings = byParent.get(stat.ppid);
      if (siblings === undefined) byParent.set(stat.ppid, [stat]);
      else siblings.push(stat);
    }
    if (self === undefined) return [];
    const found = [self];
    const seen = new Set([self.pid]);
    // The array iterator sees what is appended while it runs: a breadth-first walk.
    for (const parent of found) {
      for (const child of byParent.get(parent.pid) ?? []) {
        if (seen.has(child.pid)) continue;
        seen.add(child.pid);
        found.push(child);
      }
    }
    return found;
  }
}
