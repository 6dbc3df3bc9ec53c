/**
 * `taskfit run <module> [<task>]`: runs one task, or the module's default export as a workflow,
 * on the chosen scheduler, with live progress on stderr, the result on stdout, a summary table at
 * the end and, with --report, a self-contained HTML timeline of the run against capacity.
 */
import { constants as fsConstants } from "node:fs";
import { constants } from "node:os";
import { access, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { inspect } from "node:util";
import { ConfigurationError, TaskfitError } from "../errors.js";
import { callName } from "../resources/label.js";
import { formatGiB } from "../resources/quantity.js";
import { describeFailure, failureLines } from "../reporting/failure.js";
import { renderReport } from "../reporting/html-report.js";
import { RunRecorder } from "../reporting/run-recorder.js";
import { formatDuration, formatNumber, formatRange } from "../reporting/svg.js";
import { measureRun, type ResourceTotals, type RunMeasure } from "../reporting/usage.js";
import { setDefaultScheduler } from "../contract/default-scheduler.js";
import { withAbortSignal } from "../contract/with-abort-signal.js";
import { HistoryWriter } from "../fit/history-writer.js";
import { taskGroup } from "../task/group.js";
import type { AnyFunction } from "../task/types.js";
import { taskArguments } from "./args.js";
import { importModule, loadTask, tasksIn } from "./load-task.js";
import { printClampings } from "./clamp-warnings.js";
import { showProgress } from "./progress.js";
import { table as makeTable } from "./table.js";
import { makeScheduler } from "./make-scheduler.js";
import { describePeak, NOT_MEASURED_NOTE } from "../reporting/used.js";
import type { SchedulerFlags } from "./scheduler-flags.js";
import { capacitySources, describeScheduler, type SchedulerSettings, targetCapacity, totals } from "./scheduler-options.js";

export interface RunFlags extends SchedulerFlags {
  readonly args?: string;
  readonly file: string[];
  readonly json?: boolean;
  readonly report?: string;
  /** Append one line per attempt to DIR/history.jsonl, for `taskfit fit`. */
  readonly record?: string;
  /** false with --no-progress */
  readonly progress: boolean;
  /** The scheduler options merged over the profile's. */
  readonly settings: SchedulerSettings;
}

/** The module's default export, called as a workflow: a plain async function that calls tasks. */
async function loadWorkflow(path: string): Promise<AnyFunction> {
  const { exports } = await importModule(path);
  const workflow = exports.default;
  if (typeof workflow === "function") return workflow as AnyFunction;
  const tasks = tasksIn(exports);
  throw new ConfigurationError({
    field: "default export",
    value: workflow,
    expected: `${path} to export a workflow function as default, or a task name after the module (tasks found: ${tasks.length > 0 ? tasks.join(", ") : "none"})`,
  });
}

/** The report's absolute path, once its directory is known to exist and be writable: checked before anything runs. */
async function writablePath(path: string): Promise<string> {
  const absolute = resolve(path);
  try {
    await access(dirname(absolute), fsConstants.W_OK);
  } catch {
    throw new ConfigurationError({ field: "--report", value: path, expected: `a file in an existing, writable directory (${dirname(absolute)} is not)` });
  }
  return absolute;
}

/** The result as JSON, or, when it is not JSON data (a BigInt, a cycle), as util.inspect shows it: never lost. */
function printable(result: unknown): { json: true; text: string } | { json: false; text: string } {
  try {
    const text = JSON.stringify(result, null, 2);
    if (text !== undefined) return { json: true, text };
  } catch {
    // fall through to inspect
  }
  return { json: false, text: inspect(result, { depth: null }) };
}

function errorLine(error: unknown): string {
  const code = error instanceof TaskfitError ? `${error.code}: ` : "";
  return `${code}${error instanceof Error ? (error.message.split("\n")[0] as string) : String(error)}`;
}

function summaryTable(recorder: RunRecorder): string {
  const summary = recorder.summary();
  const clamped = summary.some((t) => t.clamped > 0);
  const measured = summary.some((t) => t.used !== undefined);
  const usedHeads = measured ? ["peak memory (of request)", "cpu efficiency"] : [];
  const table = makeTable(["task", "attempts", "failed", "cancelled", ...(clamped ? ["clamped"] : []), "cpu", "memory", ...usedHeads, "gpu", "mean wait", "mean run"], process.stderr);
  for (const t of summary) {
    const used = !measured ? [] : t.used === undefined ? ["–", "–"] : [describePeak(t.used, formatGiB), `${Math.round(t.used.cpuEfficiency * 100)}%`];
    table.push([callName(t.task, t.label), t.attempts, t.failed, t.cancelled, ...(clamped ? [t.clamped] : []), formatRange(t.cpu, formatNumber), formatRange(t.memoryGiB, formatGiB), ...used, t.gpu, formatDuration(t.meanWait), formatDuration(t.meanRun)]);
  }
  const notes = summary.flatMap((t) => t.clampings.map((what) => `clamped: ${t.task}: ${what}`));
  if (!measured) notes.push(NOT_MEASURED_NOTE);
  return [table.toString(), ...notes].join("\n");
}

interface RunFigures {
  readonly wallMs: number;
  readonly peak: ResourceTotals;
  readonly busy: RunMeasure["busy"];
}

function figures(recorder: RunRecorder, capacity: ResourceTotals | undefined): RunFigures {
  const { from, to, peak, busy } = measureRun([...recorder.attempts.values()], capacity);
  return { wallMs: to - from, peak, busy };
}

function usageLine({ peak, busy, wallMs }: RunFigures, capacity: ResourceTotals | undefined): string {
  const pct = (share: number | undefined) => (share === undefined ? "" : `, busy ${Math.round(share * 100)}% of the time`);
  const of = (value: string, cap: string | undefined) => (cap === undefined ? value : `${value} of ${cap}`);
  const parts = [
    `cpu ${of(formatNumber(peak.cpu), capacity && `${formatNumber(capacity.cpu)} cores`)}${pct(busy?.cpu)}`,
    `memory ${of(formatGiB(peak.memoryGiB), capacity && formatGiB(capacity.memoryGiB))}${pct(busy?.memoryGiB)}`,
  ];
  if ((capacity?.gpus ?? 0) > 0 || peak.gpus > 0) parts.push(`gpu ${of(String(peak.gpus), capacity && String(capacity.gpus))}${pct(busy?.gpus)}`);
  return `tasks ran for ${formatDuration(wallMs)}; peak use: ${parts.join("; ")}`;
}

function exitCodeFor(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/** Runs it; returns the exit code: 0 when the task or workflow returned, 1 when it threw, 130 (SIGINT) or 143 (SIGTERM) when interrupted. */
export async function runCommand(module: string, name: string | undefined, flags: RunFlags): Promise<number> {
  const scheduler = makeScheduler(flags.settings);
  const target = name === undefined ? await loadWorkflow(module) : await loadTask(module, name);
  const args = await taskArguments(module, name, flags.args, flags.file);
  const reportPath = flags.report === undefined ? undefined : await writablePath(flags.report);
  const offered = await targetCapacity(scheduler);
  const capacity = totals(offered);
  const inProcess = flags.settings.scheduler === "local" && (flags.settings.isolation ?? "none") === "none";
  const history = flags.record === undefined ? undefined : await HistoryWriter.open(flags.record, { inProcess });
  // Ctrl-C, or SIGINT/SIGTERM sent to this process alone (kill, timeout, a batch system), cancels
  // what is queued or running: Slurm jobs are scancel'ed, Kubernetes Jobs deleted, local tasks
  // aborted and their process groups stopped. A second signal exits at once.
  const interrupt = new AbortController();
  let interruptedBy: NodeJS.Signals | undefined;
  const onSignal = (name: NodeJS.Signals) => {
    if (interruptedBy !== undefined) process.exit(exitCodeFor(name));
    interruptedBy = name;
    process.stderr.write(`\ntaskfit: ${name}: cancelling the tasks still queued or running (again to exit at once)\n`);
    interrupt.abort(new Error(`interrupted (${name})`));
  };
  process.on("SIGINT", onSignal).on("SIGTERM", onSignal);
  const cancellable = withAbortSignal(history?.record(scheduler) ?? scheduler, interrupt.signal);
  setDefaultScheduler(cancellable);
  const recorder = new RunRecorder(scheduler);
  const startedAt = new Date();
  const live = flags.progress && process.stderr.isTTY === true;
  // Clampings are printed from the recorded attempts (below), in place of the scheduler's process warning.
  scheduler.on("clamped", () => undefined);
  printClampings(recorder, process.stderr, live);
  const progress = flags.progress ? showProgress(recorder, { stream: process.stderr, capacity, live }) : undefined;
  let result: unknown;
  let failure: unknown;
  // Node exits when nothing is left to wait for, also under an unsettled promise: a workflow that
  // awaits something nothing will ever settle would otherwise end the command silently, exit 0.
  const stalled = () => {
    process.stderr.write("taskfit: the run never finished: it awaits a promise that nothing is left to settle (no task, timer or I/O is pending)\n");
    process.exit(1);
  };
  process.on("beforeExit", stalled);
  try {
    // A task group: when the workflow fails (or is interrupted), every call still queued or
    // running in it is cancelled, and waited for, before the command reports and exits.
    result = await taskGroup(() => target(...args), { signal: interrupt.signal });
  } catch (error) {
    failure = error;
  }
  process.off("beforeExit", stalled);
  // Calls made outside the group's reach (from a callback it does not follow) are cancelled too.
  if (failure !== undefined) {
    if (!interrupt.signal.aborted) interrupt.abort(failure);
    await cancellable.idle();
  }
  progress?.stop();
  recorder.close();
  let historyError: unknown;
  // Like the report: a history that cannot be written must not cost the run's result.
  await history?.close().catch((error: unknown) => {
    historyError = error;
  });

  const title = `taskfit run ${module}${name === undefined ? "" : ` ${name}`}`;
  const where = describeScheduler(flags.settings, capacity);
  let report: string | undefined;
  let reportError: unknown;
  if (reportPath !== undefined) {
    // A report that cannot be written must not cost the run's result: it is said after the result.
    try {
      await writeFile(reportPath, renderReport({ title, scheduler: where, capacity, capacitySources: capacitySources(offered), recorder, startedAt, ...(failure !== undefined && { error: describeFailure(failure) }) }));
      report = reportPath;
    } catch (error) {
      reportError = error;
    }
  }
  const run = figures(recorder, capacity);
  if (flags.json) {
    const error = failure === undefined ? undefined : { ...describeFailure(failure), message: failure instanceof Error ? failure.message : String(failure) };
    const shown = printable(result);
    const value = shown.json || result === undefined ? { result } : { resultText: shown.text };
    const out = { ok: failure === undefined, ...value, error, scheduler: where, capacity, capacitySources: capacitySources(offered), ...run, attempts: recorder.counts(), tasks: recorder.summary(), report, history: history?.file };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    if (failure === undefined && result !== undefined) process.stdout.write(`${printable(result).text}\n`);
    if (recorder.attempts.size > 0) process.stderr.write(`${summaryTable(recorder)}\n${usageLine(run, capacity)}\n`);
    // As the user named it (`--report run.html` prints `report: run.html`), not this machine's absolute path.
    if (report !== undefined) process.stderr.write(`report: ${flags.report ?? report}\n`);
  }
  if (reportError !== undefined) process.stderr.write(`taskfit: the report was not written to ${reportPath}: ${errorLine(reportError)}\n`);
  if (historyError !== undefined) process.stderr.write(`taskfit: the history was not fully written to ${history?.file}: ${errorLine(historyError)}\n`);
  // The code and first line, then what a person acts on: attempt, job, exit code, the log's path and stderr's last lines.
  if (failure !== undefined) process.stderr.write(`taskfit: ${failureLines(describeFailure(failure)).join("\n")}\n`);
  // 128 + the signal's number, as shells report a command stopped by it (130 for Ctrl-C).
  if (failure !== undefined) return interruptedBy === undefined ? 1 : exitCodeFor(interruptedBy);
  return reportError === undefined && historyError === undefined ? 0 : 1;
}
