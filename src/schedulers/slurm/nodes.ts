/**
 * The cluster's nodes as `sinfo --json` lists them, read at most once per `maxAgeMs` however many
 * calls ask at once: what one task can get (the largest node) and what the cluster holds in all.
 */
import type { Clock } from "../../contract/clock.js";
import type { Capacity, TaskLimit } from "../../contract/scheduler.js";
import { SubmissionError } from "../../errors.js";
import { MIB_PER_GIB } from "../../resources/rounding.js";
import type { RunCommand } from "./commands.js";
import { type NodeInfo, parseNodes } from "./slurm-state.js";

export class SlurmNodes {
  private cached: { readonly at: number; readonly list: Promise<readonly NodeInfo[]> } | undefined;
  private known: readonly NodeInfo[] = [];

  constructor(
    private readonly exec: RunCommand,
    private readonly clock: Clock,
    private readonly maxAgeMs: number,
  ) {}

  /** The nodes; a failed `sinfo` is a SubmissionError for `task` (and is asked again next time). */
  list(task: string): Promise<readonly NodeInfo[]> {
    if (this.cached !== undefined && this.clock.now() - this.cached.at < this.maxAgeMs) return this.cached.list;
    const list = this.exec("sinfo", ["--json"]).then((result) => {
      if (result.code !== 0) {
        this.cached = undefined;
        throw new SubmissionError({ task, scheduler: "Slurm", detail: `sinfo --json failed: ${result.stderr.trim()}` });
      }
      this.known = parseNodes(result.stdout);
      return this.known;
    });
    this.cached = { at: this.clock.now(), list };
    return list;
  }

  /** The largest node seen, once `sinfo` has been read: escalation stops at it. */
  get taskLimit(): TaskLimit | undefined {
    const largest = this.known.reduce<NodeInfo | undefined>((a, b) => (a === undefined || b.memoryMiB > a.memoryMiB ? b : a), undefined);
    return largest && { cpu: largest.cpus, memoryGiB: largest.memoryMiB / MIB_PER_GIB, storageGiB: largest.tmpDiskMiB / MIB_PER_GIB };
  }

  /** What the cluster holds in all. */
  async capacity(): Promise<Capacity> {
    const nodes = await this.list("(cluster capacity)");
    const sum = (of: (n: NodeInfo) => number) => nodes.reduce((total, n) => total + of(n), 0);
    return { cpu: sum((n) => n.cpus), memoryGiB: sum((n) => n.memoryMiB) / MIB_PER_GIB, gpus: sum((n) => n.gpus.get("") ?? 0), nodes: nodes.length, sources: {} };
  }
}
