/**
 * What a failed attempt left for a person to act on, taken from its error once: the code, the
 * message's first line, where it ran (attempt, job or pod), how it ended (exit code), the tail of
 * its stderr and where the full log is. The command's output, its --json and the HTML report all
 * show this one description.
 */
import { TaskfitError } from "../errors.js";

export interface FailureSummary {
  readonly name: string;
  readonly code: string | undefined;
  /** The first line of the error's message. */
  readonly message: string;
  readonly task?: string | undefined;
  readonly label?: string | undefined;
  readonly attempt?: number | undefined;
  readonly exitCode?: number | undefined;
  /** A Slurm job id, a Kubernetes Job name. */
  readonly jobId?: string | undefined;
  /** A log file's path, or the command that shows the log. */
  readonly log?: string | undefined;
  /** At most `STDERR_TAIL_CHARS` (see worker/failure.ts), as the error carries it. */
  readonly stderrTail?: string | undefined;
}

/** Lines of stderr a person is shown under an error; the rest is in the log. */
export const SHOWN_STDERR_LINES = 20;

const text = (value: unknown) => (typeof value === "string" && value.length > 0 ? value : undefined);
const number = (value: unknown) => (typeof value === "number" ? value : undefined);

export function describeFailure(error: unknown): FailureSummary {
  if (!(error instanceof Error)) return { name: "Error", code: undefined, message: String(error).split("\n")[0] as string };
  // Read by name: a taskfit error made by another copy of the package has the same fields.
  const fields = error as Error & Record<string, unknown>;
  return {
    name: error.name,
    code: error instanceof TaskfitError ? error.code : text(fields.code),
    message: error.message.split("\n")[0] as string,
    task: text(fields.task),
    label: text(fields.label),
    attempt: number(fields.attempt),
    exitCode: number(fields.exitCode),
    jobId: text(fields.jobId),
    log: text(fields.log),
    stderrTail: text(fields.stderrTail),
  };
}

/** The last `lines` lines of the stderr tail, and how many there were. */
export function stderrLines(failure: FailureSummary, lines = SHOWN_STDERR_LINES): { readonly shown: readonly string[]; readonly total: number } {
  const all = failure.stderrTail === undefined ? [] : failure.stderrTail.split("\n");
  return { shown: all.slice(-lines), total: all.length };
}

/** The failure as lines for a terminal or a tooltip: the code and message, then where, the log and the stderr tail. */
export function failureLines(failure: FailureSummary, lines = SHOWN_STDERR_LINES): string[] {
  const out = [`${failure.code === undefined ? "" : `${failure.code}: `}${failure.message}`];
  const where = [
    failure.attempt === undefined ? undefined : `attempt ${failure.attempt}`,
    failure.exitCode === undefined ? undefined : `exit code ${failure.exitCode}`,
    failure.jobId === undefined ? undefined : `job ${failure.jobId}`,
  ].filter((part) => part !== undefined);
  if (where.length > 0) out.push(`  ${where.join(" · ")}`);
  if (failure.log !== undefined) out.push(`  full log: ${failure.log}`);
  const { shown, total } = stderrLines(failure, lines);
  if (shown.length > 0) {
    out.push(`  stderr (${shown.length < total ? `last ${shown.length} of ${total} lines` : "tail"}):`);
    for (const line of shown) out.push(`    ${line}`);
  }
  return out;
}
