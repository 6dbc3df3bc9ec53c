/**
 * Reading Slurm's output (`squeue --Format` lines; `sinfo --json`, openapi v0.0.38 in Slurm 22.05)
 * into the few facts the adapter needs. Field names differ between Slurm versions; each reader accepts the
 * known spellings and says plainly when it finds none.
 */

export interface JobState {
  readonly jobId: string;
  /** COMPLETED, FAILED, OUT_OF_MEMORY, TIMEOUT, CANCELLED, PENDING, RUNNING, ... */
  readonly state: string;
  /** The process exit code when it exited, or undefined. */
  readonly exitCode: number | undefined;
  /** The signal that ended it, when one did. */
  readonly signal: number | undefined;
  readonly reason: string | undefined;
  /** The node it runs or ran on, once it has one. */
  readonly where?: string | undefined;
}

export interface NodeInfo {
  readonly name: string;
  readonly cpus: number;
  /** unit: MiB */
  readonly memoryMiB: number;
  /** unit: MiB */
  readonly tmpDiskMiB: number;
  /** GPU counts by type ("" for untyped). */
  readonly gpus: ReadonlyMap<string, number>;
  readonly partitions: readonly string[];
  readonly state: string;
}

export const TERMINAL_STATES: ReadonlySet<string> = new Set([
  "COMPLETED",
  "FAILED",
  "OUT_OF_MEMORY",
  "TIMEOUT",
  "CANCELLED",
  "NODE_FAIL",
  "PREEMPTED",
  "BOOT_FAIL",
  "DEADLINE",
]);

type Json = Record<string, unknown>;

function numberOf(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  // Newer Slurm wraps numbers: { set: true, infinite: false, number: 3 }.
  if (typeof value === "object" && value !== null && "number" in value) return numberOf((value as Json).number);
  if (typeof value === "string" && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

function stateOf(value: unknown): string {
  if (Array.isArray(value)) return String(value[0] ?? "UNKNOWN");
  return typeof value === "string" ? value : "UNKNOWN";
}

/** Splits a raw wait status (22.05 reports `exit_code` as one: 768 is exit 3) into code and signal. */
function decodeExit(raw: unknown): { exitCode: number | undefined; signal: number | undefined } {
  if (typeof raw === "object" && raw !== null && ("return_code" in raw || "signal" in raw)) {
    const record = raw as Json;
    const signal = numberOf((record.signal as Json | undefined)?.id ?? record.signal);
    return { exitCode: numberOf(record.return_code), signal: signal || undefined };
  }
  const status = numberOf(raw);
  if (status === undefined) return { exitCode: undefined, signal: undefined };
  const signal = status & 0x7f;
  return signal === 0 ? { exitCode: (status >> 8) & 0xff, signal: undefined } : { exitCode: undefined, signal };
}

/**
 * The `squeue --Format` fields `parseJobLines` reads, `|`-separated. In 22.05 `squeue --json`
 * ignores `--jobs` and lists every job the controller remembers; the text output honours it.
 * JobArrayID is a single job's id, and `123_4` for element 4 of job array 123 (whose own JobID
 * is another number, or 123 for one of them): the id taskfit follows either way.
 */
export const SQUEUE_FORMAT = "JobArrayID:|,State:|,Reason:|,exit_code:|,NodeList:";

/** The id to ask squeue about for a followed id: a job array's own id for any of its elements (`123_4` -> `123`). */
export function arrayJobOf(id: string): string {
  const cut = id.indexOf("_");
  return cut < 0 ? id : id.slice(0, cut);
}

/** Lines of `squeue --noheader --array --Format=SQUEUE_FORMAT`: "2|FAILED|NonZeroExitCode|768|node1", "7_3|RUNNING|None|0|node1". */
export function parseJobLines(text: string): JobState[] {
  const jobs: JobState[] = [];
  for (const line of text.split("\n")) {
    const [jobId, state, reason, exit, nodes] = line.trim().split("|");
    if (jobId === undefined || jobId === "" || state === undefined) continue;
    jobs.push({ jobId, state: state.trim(), ...decodeExit(exit?.trim()), reason: reason?.trim() || undefined, where: nodes?.trim() || undefined });
  }
  return jobs;
}

/** "gpu:a10g:2,gpu:v100:1(S:0)" → { a10g: 2, v100: 1, "": 3 } (the untyped total under ""). */
export function parseGres(gres: string): Map<string, number> {
  const counts = new Map<string, number>();
  let total = 0;
  for (const part of gres.split(",")) {
    const fields = part.replace(/\(.*\)$/, "").split(":");
    if (fields[0] !== "gpu") continue;
    const count = Number(fields[fields.length - 1]);
    if (!Number.isFinite(count)) continue;
    const type = fields.length === 3 ? (fields[1] as string) : "";
    total += count;
    if (type !== "") counts.set(type, (counts.get(type) ?? 0) + count);
  }
  counts.set("", total);
  return counts;
}

export function parseNodes(text: string): NodeInfo[] {
  const parsed = JSON.parse(text) as { nodes?: Json[] };
  return (parsed.nodes ?? []).map((node) => ({
    name: String(node.name ?? node.hostname ?? "?"),
    cpus: numberOf(node.cpus) ?? 0,
    memoryMiB: numberOf(node.real_memory) ?? 0,
    tmpDiskMiB: numberOf(node.temporary_disk ?? node.tmp_disk) ?? 0,
    gpus: parseGres(typeof node.gres === "string" ? node.gres : ""),
    partitions: Array.isArray(node.partitions) ? node.partitions.map(String) : [],
    state: stateOf(node.state),
  }));
}
