/**
 * A one-node Slurm in memory behind the `runCommand` seam: sbatch queues a job, or a job array's
 * elements (`--array=0-N`: ids `<id>_<i>`); `set` changes what squeue reports; scancel cancels.
 * squeue answers like Slurm 22.05: only for the ids asked (a job array by its own id, one line per
 * element with `--array`), and "Invalid job id" when it knows none of them.
 */
import { writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { CommandResult } from "../../../src/schedulers/slurm/commands.js";
import { toWire } from "../../../src/schedulers/wire.js";
import { WORKER_PROTOCOL } from "../../../src/schedulers/worker/protocol.js";

export const NODES = JSON.stringify({ nodes: [{ name: "n1", cpus: 4, real_memory: 8192, temporary_disk: 1000, gres: "", partitions: ["debug"], state: "idle" }] });
export const SQUEUE_FORMAT = "--Format=JobArrayID:|,State:|,Reason:|,exit_code:|,NodeList:";

interface Job {
  state: string;
  reason: string;
  node: string;
  /** The raw wait status squeue shows (768: exit 3). */
  exit: number;
}

/** One sbatch as the fake saw it. */
export interface Submission {
  readonly id: string;
  readonly args: readonly string[];
  /** The ids taskfit follows: the job's, or each element's. */
  readonly jobs: readonly string[];
}

const ok = (stdout: string): CommandResult => ({ code: 0, stdout, stderr: "" });

/** A file pattern with Slurm's `%A`/`%j` (the job) and `%a` (the element) filled in, in its name only. */
function fill(pattern: string, arrayId: string, index: string | undefined): string {
  const name = basename(pattern).replace("%j", arrayId).replace("%A", arrayId);
  return join(dirname(pattern), index === undefined ? name : name.replace("%a", index));
}

export class FakeSlurm {
  readonly squeueArgs: string[][] = [];
  /** The argv of each scancel, in order. */
  readonly scancels: string[][] = [];
  readonly submissions: Submission[] = [];
  /** Followed id -> what squeue reports; a job absent here is one Slurm no longer knows. */
  readonly jobs = new Map<string, Job>();
  /** Followed id -> its outcome and error log files. */
  readonly outcomes = new Map<string, string>();
  readonly errorLogs = new Map<string, string>();
  controllerDown = false;
  /** When set, sinfo answers only once it resolves. */
  sinfoGate: Promise<void> | undefined;
  /** When set, sbatch answers only once it resolves. */
  sbatchGate: Promise<void> | undefined;
  /** When set, scancel answers only once it resolves (the job is cancelled at once all the same). */
  scancelGate: Promise<void> | undefined;
  /** When set, sbatch fails with these words. */
  sbatchError: string | undefined;
  sbatchCalls = 0;
  sinfoCalls = 0;
  private nextId = 100;

  /** Every id scancel was given, in order. */
  get cancelled(): string[] {
    return this.scancels.flat();
  }

  readonly run = async (command: string, args: readonly string[]): Promise<CommandResult> => {
    if (command === "sinfo") {
      this.sinfoCalls++;
      await this.sinfoGate;
      return ok(NODES);
    }
    if (command === "sbatch") return this.sbatch(args);
    if (command === "scancel") {
      this.scancels.push([...args]);
      for (const id of args) if (this.jobs.has(id)) this.set(id, "CANCELLED");
      await this.scancelGate;
      return ok("");
    }
    if (command === "squeue") {
      this.squeueArgs.push([...args]);
      if (this.controllerDown) return { code: 1, stdout: "", stderr: "slurm_load_jobs error: Unable to contact slurm controller (connect failure)" };
      const asked = new Set((args.find((a) => a.startsWith("--jobs="))?.slice("--jobs=".length) ?? "").split(","));
      const listed = [...this.jobs.keys()].filter((id) => asked.has(id.split("_")[0] as string));
      if (listed.length === 0) return { code: 1, stdout: "", stderr: "slurm_load_jobs error: Invalid job id specified" };
      // Without --array, squeue folds an array's pending elements into one line: taskfit must ask with it.
      if (!args.includes("--array") && listed.some((id) => id.includes("_"))) throw new Error("squeue of a job array without --array");
      return ok(listed.map((id) => this.line(id)).join(""));
    }
    throw new Error(`unexpected command ${command}`);
  };

  private async sbatch(args: readonly string[]): Promise<CommandResult> {
    this.sbatchCalls++;
    await this.sbatchGate;
    if (this.sbatchError !== undefined) return { code: 1, stdout: "", stderr: `sbatch: error: ${this.sbatchError}\n` };
    const id = String(this.nextId++);
    const range = args.find((a) => a.startsWith("--array="))?.slice("--array=".length);
    const match = range === undefined ? undefined : /^0-(\d+)$/.exec(range);
    if (range !== undefined && match === null) throw new Error(`unexpected --array=${range}`);
    const indexes = match === undefined || match === null ? [undefined] : Array.from({ length: Number(match[1]) + 1 }, (_, i) => String(i));
    const outcome = args[args.indexOf("--outcome") + 1] as string;
    const error = args.find((a) => a.startsWith("--error="))?.slice("--error=".length) as string;
    const jobs = indexes.map((index) => {
      const job = index === undefined ? id : `${id}_${index}`;
      this.jobs.set(job, { state: "PENDING", reason: "None", node: "", exit: 0 });
      this.outcomes.set(job, fill(outcome, id, index));
      this.errorLogs.set(job, fill(error, id, index));
      return job;
    });
    this.submissions.push({ id, args: [...args], jobs });
    this.nextId += indexes.length - 1; // as Slurm: each element has a job id of its own
    return ok(`${id}\n`);
  }

  set(id: string, state: string, reason = "None", node = "", exit = 0): void {
    this.jobs.set(id, { state, reason, node, exit });
  }

  /** The job finishes: its worker wrote `value` as the outcome. */
  async complete(id: string, value: unknown): Promise<void> {
    await writeFile(this.outcomes.get(id) as string, JSON.stringify({ protocol: WORKER_PROTOCOL, kind: "result", value: toWire(value, "t", "result", "result") }));
    this.set(id, "COMPLETED", "None", "n1");
  }

  private line(id: string): string {
    const job = this.jobs.get(id) as Job;
    return `${id}|${job.state}|${job.reason}|${job.exit}|${job.node}\n`;
  }
}
