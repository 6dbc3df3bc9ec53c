/** A fake /proc (and cgroup mounts) under a temporary root, for the usage sampler's unit tests. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface FakeProcess {
  readonly pid: number;
  readonly ppid: number;
  readonly comm?: string;
  /** unit: clock ticks (1/100 s) */
  readonly utime?: number;
  readonly stime?: number;
  readonly cutime?: number;
  readonly cstime?: number;
  /** unit: pages */
  readonly rss?: number;
}

/** A /proc/PID/stat line as the kernel writes it (fields 3 to 24 and a few after). */
export function statLine(p: FakeProcess): string {
  const fields = ["S", p.ppid, p.pid, p.pid, 0, -1, 4194304, 0, 0, 0, 0, p.utime ?? 0, p.stime ?? 0, p.cutime ?? 0, p.cstime ?? 0, 20, 0, 1, 0, 1000, 10_000_000, p.rss ?? 0, "18446744073709551615"];
  return `${p.pid} (${p.comm ?? "proc"}) ${fields.join(" ")}\n`;
}

export class FakeProc {
  readonly root = mkdtempSync(join(tmpdir(), "taskfit-fake-proc-"));
  private readonly processes = new Map<number, FakeProcess>();

  /** `childrenFiles`: whether the kernel has /proc/PID/task/TID/children (CONFIG_PROC_CHILDREN). */
  constructor(private readonly childrenFiles = true) {
    mkdirSync(join(this.root, "proc"));
  }

  set(...processes: FakeProcess[]): this {
    for (const p of processes) this.processes.set(p.pid, p);
    return this.write();
  }

  remove(pid: number): this {
    this.processes.delete(pid);
    rmSync(join(this.root, "proc", String(pid)), { recursive: true, force: true });
    return this.write();
  }

  /** A file under the fake root, e.g. "/proc/100/cgroup" or "/sys/fs/cgroup/t1/memory.peak". */
  file(path: string, text: string): this {
    const full = join(this.root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
    return this;
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }

  private write(): this {
    for (const p of this.processes.values()) {
      this.file(`/proc/${p.pid}/stat`, statLine(p));
      if (this.childrenFiles) {
        const children = [...this.processes.values()].filter((c) => c.ppid === p.pid).map((c) => c.pid);
        // Two threads, the children split between them: each thread lists its own.
        this.file(`/proc/${p.pid}/task/${p.pid}/children`, children.filter((_, i) => i % 2 === 0).map((c) => `${c} `).join(""));
        this.file(`/proc/${p.pid}/task/${p.pid + 1}/children`, children.filter((_, i) => i % 2 === 1).map((c) => `${c} `).join(""));
      }
    }
    return this;
  }
}
