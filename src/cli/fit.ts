/**
 * `taskfit fit DIR`: reads a history recorded by `taskfit run --record DIR` and prints, per task,
 * what it asked for against what it used, what to look at, and a better-fitting spec to paste.
 */
import { fitHistory } from "../fit/fit-history.js";
import { fitOptions } from "../fit/fit-options.js";
import type { TaskFit } from "../fit/fit-task.js";
import { readHistory } from "../fit/read-history.js";
import { formatGiB } from "../resources/quantity.js";
import { table as makeTable } from "./table.js";

export interface FitFlags {
  readonly task?: string;
  readonly headroom?: string;
  readonly quantile?: string;
  readonly minAttempts?: string;
  readonly minR2?: string;
  readonly json?: boolean;
}

const showRange = ([low, high]: readonly [number, number], show: (n: number) => string) => (low === high ? show(low) : `${show(low)} - ${show(high)}`);
const cores = (n: number) => String(Number(n.toFixed(2)));
const orDash = <T>(value: T | null, show: (v: T) => string) => (value === null ? "-" : show(value));

function suggestedMemory(fit: TaskFit): string {
  const { memory } = fit;
  if (memory.suggested === "function" && memory.function !== null) return `f(${memory.function.fit.feature}), R² ${memory.function.fit.r2.toFixed(2)}`;
  return orDash(memory.constantGiB, formatGiB);
}

function tableText(fits: readonly TaskFit[]): string {
  const table = makeTable(["task", "attempts", "measured", "OOM", "memory asked", "peak", "memory suggested", "cpu asked", "cores used", "cpu suggested"]);
  for (const fit of fits) {
    table.push([
      fit.task,
      fit.attempts,
      fit.measured,
      fit.outOfMemory,
      showRange(fit.memory.requestedGiB, formatGiB),
      orDash(fit.memory.peakGiB, formatGiB),
      suggestedMemory(fit),
      showRange(fit.cpu.requested, cores),
      orDash(fit.cpu.coresUsed, cores),
      orDash(fit.cpu.suggested, cores),
    ]);
  }
  return table.toString();
}

function details(fit: TaskFit): string[] {
  const out = [`${fit.task}:`];
  for (const flag of fit.flags) out.push(`  ! ${flag}`);
  if (fit.spec.length === 0) out.push("  no suggestion: no successful attempt was measured");
  else out.push("  suggested spec:", ...fit.spec.map((line) => `    ${line}`));
  for (const note of fit.notes) out.push(`  - ${note}`);
  return out;
}

/** The command's output: the table and each task's flags and suggested spec, or JSON. */
export async function fitCommand(dir: string, flags: FitFlags): Promise<string> {
  const options = fitOptions({ headroom: flags.headroom, quantile: flags.quantile, minAttempts: flags.minAttempts, minR2: flags.minR2 });
  const history = await readHistory(dir);
  const fits = fitHistory(history.lines, options, flags.task);
  if (flags.json) return JSON.stringify({ history: history.file, options, tasks: fits }, null, 2);
  const parts = [tableText(fits), ...fits.map((fit) => details(fit).join("\n"))];
  if (fits.some((fit) => fit.memory.suggested === "function")) parts.push('The functions use: import { totalGiB, type TaskFile } from "taskfit";');
  return parts.join("\n\n");
}
