/**
 * One task's history, judged: what it asked for against what it used, which attempts ran out of
 * memory, and a better-fitting spec — constants, and memory as a function of an argument where
 * one explains it. Only successful, measured attempts are fitted; a memory suggestion is never
 * below an observed peak of one, and always above what an out-of-memory attempt had.
 */
import { formatGiB } from "../resources/quantity.js";
import type { FitOptions } from "./fit-options.js";
import type { ArgumentKind, HistoryLine } from "./history-line.js";
import { fitMemoryFunction, type LinearFit, type MemoryFunction } from "./memory-function.js";
import { roundCores, roundUpGiB } from "./round.js";
import { quantile } from "./statistics.js";

/** Used at most this share of the request in every attempt: flagged as an over-request. */
const OVER_REQUEST_SHARE = 0.5;
/** Used at least this share of the request in an attempt: flagged as close to being killed. */
const NEAR_LIMIT_SHARE = 0.9;

export interface MemoryFit {
  /** unit: GiB; the least and most any attempt asked for */
  readonly requestedGiB: readonly [number, number];
  /** unit: GiB; the highest peak of a successful attempt; null when none was measured */
  readonly peakGiB: number | null;
  /** unit: GiB; the `quantile` of those peaks */
  readonly quantileGiB: number | null;
  /** unit: GiB; the suggested constant */
  readonly constantGiB: number | null;
  /** The suggested function of an argument, when one explains the peaks. */
  readonly function: MemoryFunction | null;
  /** Every argument feature tried, best fit first. */
  readonly candidates: readonly LinearFit[];
  /** Why no function is suggested, when none is. */
  readonly noFunction: string | null;
  /** Which of the two the spec below uses: the function when there is one that reserves less on average. */
  readonly suggested: "function" | "constant" | null;
}

export interface CpuFit {
  /** unit: cores */
  readonly requested: readonly [number, number];
  /** unit: cores; the most any successful attempt used on average over its run (CPU time / wall time) */
  readonly coresUsed: number | null;
  readonly quantileCores: number | null;
  /** unit: cores */
  readonly suggested: number | null;
}

export interface TaskFit {
  readonly task: string;
  /** The module's file URL; null when the task had none. */
  readonly module: string | null;
  readonly attempts: number;
  /** Attempts with a measurement. */
  readonly measured: number;
  /** Measured attempts that ended ok: the ones fitted. */
  readonly succeeded: number;
  readonly outOfMemory: number;
  readonly memory: MemoryFit;
  readonly cpu: CpuFit;
  /** What to look at: over-requests, out-of-memory attempts, attempts close to their limit, unmeasured attempts. */
  readonly flags: readonly string[];
  /** How the suggestions were made, and what raised them. */
  readonly notes: readonly string[];
  /** The suggested spec, as TypeScript lines to paste: `memory: ...,`, `cpu: ...,`. */
  readonly spec: readonly string[];
}

const range = (values: readonly number[]): readonly [number, number] => [Math.min(...values), Math.max(...values)];
const showRange = ([low, high]: readonly [number, number], show: (n: number) => string) => (low === high ? show(low) : `${show(low)} - ${show(high)}`);
const cores = (n: number) => String(Number(n.toFixed(2)));
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

export function fitTask(task: string, lines: readonly HistoryLine[], options: FitOptions): TaskFit {
  const latest = lines.at(-1) as HistoryLine;
  const measured = lines.filter((l) => l.usage !== null);
  const ok = measured.filter((l) => l.outcome.end === "ok");
  const oom = lines.filter((l) => l.outcome.code === "OUT_OF_MEMORY");
  const flags: string[] = [];
  const notes: string[] = [];

  // Memory: a constant from a high quantile of the peaks.
  const peaks = ok.map((l) => l.usage?.peakMemoryGiB as number);
  const requestedGiB = range(lines.map((l) => l.request.memoryGiB));
  let peakGiB: number | null = null;
  let quantileGiB: number | null = null;
  let constantGiB: number | null = null;
  if (peaks.length > 0) {
    peakGiB = Math.max(...peaks);
    quantileGiB = quantile(peaks, options.quantile);
    constantGiB = roundUpGiB(Math.max(quantileGiB * options.headroom, peakGiB));
    notes.push(`memory constant: the ${options.quantile} quantile of ${plural(peaks.length, "peak")} (${formatGiB(quantileGiB)}) x ${options.headroom} headroom, rounded up, never below the highest peak (${formatGiB(peakGiB)})`);
    const killedAt = oom.length === 0 ? 0 : Math.max(...oom.map((l) => l.request.memoryGiB));
    if (oom.length > 0 && constantGiB <= killedAt) {
      constantGiB = roundUpGiB(killedAt + 1 / 32);
      notes.push(`memory constant raised above ${formatGiB(killedAt)}, what an attempt ran out of memory with`);
    }
  }

  // Memory: a function of the argument feature that explains the peaks best.
  const kinds: Record<string, ArgumentKind> = {};
  for (const line of lines) Object.assign(kinds, line.kinds);
  const fitted = fitMemoryFunction(
    ok.map((l) => ({ features: l.features, peakGiB: l.usage?.peakMemoryGiB as number })),
    oom.map((l) => ({ features: l.features, requestGiB: l.request.memoryGiB })),
    options,
    { parameters: latest.parameters, kinds },
  );
  const fn = fitted.suggestion;
  let suggested: MemoryFit["suggested"] = constantGiB === null ? null : "constant";
  if (fn !== undefined) {
    notes.push(`memory function: Theil–Sen line of the peaks on ${fn.fit.feature} (R² ${fn.fit.r2.toFixed(2)} over ${plural(fn.fit.attempts, "attempt")}) x ${options.headroom} headroom, covering every peak`, ...fn.notes);
    if (constantGiB === null || fn.meanGiB < constantGiB) suggested = "function";
    else notes.push(`the function would reserve ${formatGiB(fn.meanGiB)} on average, no less than the constant: the constant is suggested`);
  } else if (fitted.why !== undefined && peaks.length > 0) {
    notes.push(`no memory function: ${fitted.why}`);
  }

  // CPU: average cores over each successful run.
  const used = ok.filter((l) => (l.usage?.wallSeconds ?? 0) > 0).map((l) => ({ line: l, cores: (l.usage?.cpuSeconds as number) / (l.usage?.wallSeconds as number) }));
  const requestedCpu = range(lines.map((l) => l.request.cpu));
  const coresUsed = used.length === 0 ? null : Math.max(...used.map((u) => u.cores));
  const quantileCores = used.length === 0 ? null : quantile(used.map((u) => u.cores), options.quantile);
  const suggestedCpu = quantileCores === null ? null : roundCores(quantileCores);
  if (quantileCores !== null) notes.push(`cpu: the ${options.quantile} quantile of the cores used (CPU time / wall time), ${cores(quantileCores)}, rounded to whole cores (quarters below one); no headroom: CPU is shared, not a limit that kills`);

  // Flags.
  if (oom.length > 0) flags.push(`${plural(oom.length, "attempt")} ran out of memory (OUT_OF_MEMORY), with ${[...new Set(oom.map((l) => formatGiB(l.request.memoryGiB)))].join(", ")}`);
  if (ok.length > 0 && peakGiB !== null) {
    const shares = ok.map((l) => (l.usage?.peakMemoryGiB as number) / l.request.memoryGiB);
    const near = shares.filter((s) => s >= NEAR_LIMIT_SHARE).length;
    if (Math.max(...shares) <= OVER_REQUEST_SHARE) flags.push(`requests ${showRange(range(ok.map((l) => l.request.memoryGiB)), formatGiB)}, peak <= ${formatGiB(peakGiB)} in ${plural(ok.length, "attempt")}`);
    if (near > 0) flags.push(`${plural(near, "attempt")} reached ${NEAR_LIMIT_SHARE * 100}% or more of the memory requested: close to being killed`);
  }
  if (used.length > 0 && coresUsed !== null && Math.max(...used.map((u) => u.cores / u.line.request.cpu)) <= OVER_REQUEST_SHARE) {
    flags.push(`requests ${showRange(range(used.map((u) => u.line.request.cpu)), cores)} cores, uses <= ${cores(coresUsed)} in ${plural(used.length, "attempt")}`);
  }
  for (const [reason, count] of countBy(lines.filter((l) => l.usage === null), (l) => l.unmeasured ?? "not measured")) {
    flags.push(`${plural(count, "attempt")} not measured: ${reason}`);
  }
  const failed = lines.filter((l) => l.outcome.end === "error" && l.outcome.code !== "OUT_OF_MEMORY");
  for (const [code, count] of countBy(failed, (l) => l.outcome.code ?? "an error without a code")) notes.push(`${plural(count, "attempt")} failed with ${code}: not fitted`);

  const spec: string[] = [];
  if (suggested === "function" && fn !== undefined) spec.push(`memory: ${fn.typescript},`);
  else if (constantGiB !== null) spec.push(`memory: ${constantGiB},`);
  if (suggestedCpu !== null) spec.push(`cpu: ${suggestedCpu},`);

  return {
    task,
    module: latest.task.module,
    attempts: lines.length,
    measured: measured.length,
    succeeded: ok.length,
    outOfMemory: oom.length,
    memory: { requestedGiB, peakGiB, quantileGiB, constantGiB, function: fn ?? null, candidates: fitted.candidates, noFunction: fitted.why ?? null, suggested },
    cpu: { requested: requestedCpu, coresUsed, quantileCores, suggested: suggestedCpu },
    flags,
    notes,
    spec,
  };
}
