/**
 * Every message that crosses, checked against the protocol where it arrives: the version first
 * (so a worker or scheduler of another taskfit is named as such, not as a malformed message),
 * then the shape. What does not fit is a WorkerProtocolError saying what and from where.
 */
import * as z from "zod/mini";
import { describeValue, WorkerProtocolError } from "../../errors.js";
import { OUTCOME_MARKER, WORKER_PROTOCOL, WorkerReport, WorkerRequest } from "./protocol.js";

/** Any version's message, read only as far as every version agrees: its version ... */
const AnyVersion = z.looseObject({ protocol: z.optional(z.unknown()) });
/** ... and, in an error answer, the error's name and message. */
const AnyVersionError = z.looseObject({ error: z.looseObject({ name: z.string(), message: z.string() }) });

/** The value at `path` in a message, for saying what arrived. */
function valueAt(message: unknown, path: readonly PropertyKey[]): unknown {
  let value = message;
  for (const key of path) value = typeof value === "object" && value !== null ? Reflect.get(value, key) : undefined;
  return value;
}

/** One thing that does not fit, in the project's form: what was expected, where, what arrived. */
function describeIssue(issue: z.core.$ZodIssue, message: unknown): string {
  const at = issue.path.length === 0 ? "the top level" : `\`${issue.path.map(String).join(".")}\``;
  const got = describeValue(valueAt(message, issue.path));
  const one = (values: readonly unknown[]) => values.map((v) => JSON.stringify(v)).join(" or ");
  switch (issue.code) {
    case "invalid_type":
      return `expected ${issue.expected} at ${at}, got ${got}`;
    case "invalid_value":
      return `expected ${one(issue.values)} at ${at}, got ${got}`;
    case "invalid_union":
      return `expected ${"options" in issue && issue.options !== undefined ? one(issue.options) : "one of the protocol's forms"} at ${at}, got ${got}`;
    case "too_small":
      return `expected ${issue.inclusive ? "at least" : "more than"} ${issue.minimum} at ${at}, got ${got}`;
    default:
      return `expected a valid value at ${at} (${issue.code}), got ${got}`;
  }
}

function check<T>(schema: z.ZodMiniType<T>, what: "request" | "report", message: unknown, from: string): T {
  const seen = AnyVersion.safeParse(message);
  const received = seen.success ? seen.data.protocol : undefined;
  if (received !== WORKER_PROTOCOL) {
    // A worker of another version explains itself in an error answer: its words become the cause.
    const theirs = AnyVersionError.safeParse(message);
    const cause = theirs.success ? Object.assign(new Error(theirs.data.error.message), { name: theirs.data.error.name }) : undefined;
    throw new WorkerProtocolError({ what, expected: WORKER_PROTOCOL, received, from, cause });
  }
  const parsed = schema.safeParse(message);
  if (!parsed.success) {
    const problem = parsed.error.issues.map((issue) => describeIssue(issue, message)).join("; ");
    throw new WorkerProtocolError({ what, expected: WORKER_PROTOCOL, received, from, problem });
  }
  return parsed.data;
}

function json(text: string, what: "request" | "report", from: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    const shown = text.length > 120 ? `${text.slice(0, 117)}...` : text;
    throw new WorkerProtocolError({ what, expected: WORKER_PROTOCOL, received: undefined, from, problem: `text that is not JSON: ${JSON.stringify(shown)}`, cause });
  }
}

/** A worker's request as it arrived (parsed JSON, e.g. over IPC), checked. */
export function readRequest(message: unknown, from: string): WorkerRequest {
  return check(WorkerRequest, "request", message, from);
}

/** A worker's request as JSON text (a file, an environment variable), checked. */
export function parseRequest(text: string, from: string): WorkerRequest {
  return readRequest(json(text, "request", from), from);
}

/** A worker's report as it arrived (parsed JSON, e.g. over IPC), checked. */
export function readReport(message: unknown, from: string): WorkerReport {
  return check(WorkerReport, "report", message, from);
}

/** A worker's report as JSON text (an outcome file), checked. */
export function parseReport(text: string, from: string): WorkerReport {
  return readReport(json(text, "report", from), from);
}

/** One report as a line of a log (the Kubernetes channel). */
export function reportLine(report: WorkerReport): string {
  return `${OUTCOME_MARKER}${JSON.stringify(report)}`;
}

/** The last report in a log or termination message (its last marked line), checked; undefined when there is none. */
export function lastReportIn(text: string | undefined, from: string): WorkerReport | undefined {
  if (!text) return undefined;
  const line = text.split("\n").findLast((l) => l.startsWith(OUTCOME_MARKER));
  return line === undefined ? undefined : parseReport(line.slice(OUTCOME_MARKER.length), from);
}

/** A log as the task wrote it: without the worker's report lines (taskfit's protocol, not the task's output). */
export function withoutReports(text: string): string {
  return text
    .split("\n")
    .filter((line) => !line.startsWith(OUTCOME_MARKER))
    .join("\n");
}
