/**
 * Every error taskfit throws is a `TaskfitError` with a stable `code`, so callers can branch on
 * `err.code` (or `instanceof`) without parsing messages. Messages say what was expected, what
 * arrived, and where (task, field).
 */
import { slotKey } from "./global-slot.js";

export const ErrorCode = {
  ResourceSpec: "RESOURCE_SPEC_INVALID",
  ResourceResolution: "RESOURCE_RESOLUTION_FAILED",
  ResourceLimit: "RESOURCE_LIMIT_EXCEEDED",
  Unschedulable: "UNSCHEDULABLE",
  TaskExecution: "TASK_EXECUTION_FAILED",
  TaskTimeout: "TASK_TIMEOUT",
  TaskCancelled: "TASK_CANCELLED",
  OutOfMemory: "OUT_OF_MEMORY",
  NotSerializable: "NOT_SERIALIZABLE",
  TaskNotFound: "TASK_NOT_FOUND",
  Submission: "SUBMISSION_FAILED",
  Configuration: "INVALID_CONFIGURATION",
  ModuleLoad: "MODULE_LOAD_FAILED",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Formats a value for an error message: `` `0` (number) ``, `` `"8G"` (string) ``. */
export function describeValue(value: unknown): string {
  let shown: string;
  if (typeof value === "string") shown = JSON.stringify(value);
  else if (typeof value === "bigint") shown = `${value}n`;
  else if (typeof value === "function") shown = `[function ${value.name || "anonymous"}]`;
  else if (typeof value === "symbol") shown = value.toString();
  else if (value === undefined || typeof value === "number" || typeof value === "boolean") {
    shown = String(value);
  } else {
    try {
      shown = JSON.stringify(value) ?? String(value);
    } catch {
      shown = Object.prototype.toString.call(value);
    }
  }
  if (shown.length > 80) shown = `${shown.slice(0, 77)}...`;
  const type = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
  return `\`${shown}\` (${type})`;
}

/** "Task `align`", or "Task `align` (s3)" for a labelled call. */
function taskCalled(task: string, label: string | undefined): string {
  return label === undefined ? `Task \`${task}\`` : `Task \`${task}\` (${label})`;
}

function where(task: string | undefined, field: string | undefined): string {
  const parts: string[] = [];
  if (task !== undefined) parts.push(`task \`${task}\``);
  if (field !== undefined) parts.push(`field \`${field}\``);
  return parts.length > 0 ? ` (${parts.join(", ")})` : "";
}

// The mark of a taskfit error, shared by every copy of taskfit of the same compatibility line: an
// error made by a copy of another line may carry other codes and fields, so it is not one of ours.
const BRAND = slotKey("error");

export class TaskfitError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  /**
   * `instanceof` also holds for an error made by another copy of taskfit in the same process (the
   * ESM and CJS builds, or the `taskfit` command's copy and the one a project's module imports):
   * retries, escalation and callers' checks must not depend on which copy threw.
   */
  static override [Symbol.hasInstance]<T>(this: abstract new (...args: never[]) => T, value: unknown): value is T {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (typeof value !== "object" || value === null || !(BRAND in value)) return false;
    for (let proto = Object.getPrototypeOf(value); proto !== null; proto = Object.getPrototypeOf(proto)) {
      if (Object.hasOwn(proto, "constructor") && (proto.constructor as { name?: unknown }).name === this.name) return true;
    }
    return false;
  }
}
Object.defineProperty(TaskfitError.prototype, BRAND, { value: true });

/**
 * A task's spec is malformed (a static resource value, a task option, a key, a `.with()` override,
 * a decorator applied to something that is not a method or function): thrown when the decorator,
 * wrapper or `.with()` is applied. Anything else taskfit is given wrong is a `ConfigurationError`.
 */
export class ResourceSpecError extends TaskfitError {
  readonly task: string | undefined;
  readonly field: string | undefined;
  readonly value: unknown;
  constructor(details: {
    readonly task?: string | undefined;
    readonly field?: string | undefined;
    readonly value?: unknown;
    readonly expected: string;
  }) {
    const got = "value" in details ? `, got ${describeValue(details.value)}` : "";
    super(
      ErrorCode.ResourceSpec,
      `Expected ${details.expected}${got}${where(details.task, details.field)}`,
    );
    this.task = details.task;
    this.field = details.field;
    this.value = details.value;
  }
}

/** A resource function threw, or returned a value that is not a valid resource. */
export class ResourceResolutionError extends TaskfitError {
  readonly task: string;
  /** The key the user wrote (`memory`, `storage_gib`, ...). */
  readonly field: string;
  readonly value: unknown;
  /** The arguments the resource function was called with, when known. */
  readonly args: readonly unknown[] | undefined;
  constructor(details: {
    readonly task: string;
    readonly field: string;
    readonly value?: unknown;
    readonly expected?: string;
    readonly cause?: unknown;
    /** The resource function and the arguments it was called with, named in the message. */
    readonly fn?: { readonly name: string };
    readonly args?: readonly unknown[];
  }) {
    // An arrow function written in the spec is named after its key: naming it again says nothing.
    const fn = details.fn?.name && details.fn.name !== details.field ? ` \`${details.fn.name}\`` : "";
    const call = details.args === undefined ? "" : ` called with ${describeArgs(details.args)}`;
    const message =
      details.expected !== undefined
        ? `Expected the resource function${fn} for \`${details.field}\`${call} to return ${details.expected}, got ${describeValue(details.value)}${where(details.task, undefined)}`
        : `The resource function${fn} for \`${details.field}\` threw${call}${where(details.task, undefined)}: ${errorMessage(details.cause)}`;
    super(ErrorCode.ResourceResolution, message, { cause: details.cause });
    this.task = details.task;
    this.field = details.field;
    this.value = details.value;
    this.args = details.args;
  }
}

/** `(["a.fq"], 3)`: a call's arguments, each shortened as `describeValue` does. */
function describeArgs(args: readonly unknown[]): string {
  return `(${args.map((arg) => describeValue(arg).replace(/ \([a-z]+\)$/, "").replace(/^`|`$/g, "")).join(", ")})`;
}

/** A custom value is over a platform limit (see `LIMITS`) and the policy is `"error"`. */
export class ResourceLimitError extends TaskfitError {
  readonly task: string | undefined;
  /** The key the user wrote (`memory`, `storage_gib`, ...). */
  readonly field: string;
  /** The resolved field it sets (`memoryGiB`, `storageGiB`, ...), as `LIMITS` names it. */
  readonly resource: string;
  readonly value: number;
  readonly limit: number;
  constructor(details: {
    readonly task?: string | undefined;
    readonly field: string;
    readonly resource?: string;
    readonly value: number;
    readonly limit: number;
    readonly unit: string;
  }) {
    super(
      ErrorCode.ResourceLimit,
      `Expected \`${details.field}\` to be at most ${details.limit} ${details.unit}, got ${details.value} ${details.unit}${where(details.task, details.field)}. Lower it, or opt in to \`overLimit: "clamp"\``,
    );
    this.task = details.task;
    this.field = details.field;
    this.resource = details.resource ?? details.field;
    this.value = details.value;
    this.limit = details.limit;
  }
}

export interface Shortfall {
  readonly field: string;
  readonly requested: number | string;
  readonly available: number | string;
}

/** The request can never fit the scheduler's capacity, however long it waits. */
export class UnschedulableError extends TaskfitError {
  readonly task: string;
  readonly shortfalls: readonly Shortfall[];
  readonly scheduler: string;
  constructor(details: {
    readonly task: string;
    readonly scheduler: string;
    readonly shortfalls: readonly Shortfall[];
    /** The way out, when the scheduler has one (e.g. its option to clamp). */
    readonly hint?: string | undefined;
  }) {
    const short = details.shortfalls
      .map((s) => `${s.field}: requested ${s.requested}, at most ${s.available} available`)
      .join("; ");
    super(
      ErrorCode.Unschedulable,
      `Task \`${details.task}\` can never run on ${details.scheduler}: ${short}${details.hint === undefined ? "" : `. ${details.hint}`}`,
    );
    this.task = details.task;
    this.shortfalls = details.shortfalls;
    this.scheduler = details.scheduler;
  }
}

/**
 * Where an attempt that failed ran and what it left: set by the scheduler that knows (a Slurm job
 * id and log file, a Kubernetes Job and pod, a worker's exit code and stderr), undefined otherwise.
 */
export interface FailureDetails {
  /** The call's label (`.with({ label })`), when it has one. */
  readonly label?: string | undefined;
  readonly attempt?: number | undefined;
  readonly exitCode?: number | undefined;
  /** The last part of the task's stderr, at most `STDERR_TAIL_CHARS` characters. */
  readonly stderrTail?: string | undefined;
  /** The scheduler's id for the attempt: a Slurm job id, a Kubernetes Job name. */
  readonly jobId?: string | undefined;
  /** Where the full log is: a file path, or the command that shows it (`kubectl logs ...`). */
  readonly log?: string | undefined;
}

/** The task ran and failed. `cause` is the error it threw (revived from the worker when it ran elsewhere). */
export class TaskExecutionError extends TaskfitError implements FailureDetails {
  readonly task: string;
  readonly label: string | undefined;
  readonly attempt: number;
  readonly exitCode: number | undefined;
  readonly stderrTail: string | undefined;
  readonly jobId: string | undefined;
  readonly log: string | undefined;
  constructor(details: FailureDetails & {
    readonly task: string;
    readonly attempt: number;
    readonly message: string;
    readonly cause?: unknown;
  }) {
    const job = details.jobId !== undefined ? `, job ${details.jobId}` : "";
    const exit = details.exitCode !== undefined ? `, exit code ${details.exitCode}` : "";
    const tail = details.stderrTail ? `\n--- stderr (tail) ---\n${details.stderrTail}` : "";
    super(
      ErrorCode.TaskExecution,
      `${taskCalled(details.task, details.label)} failed on attempt ${details.attempt}${exit}${job}: ${details.message}${tail}`,
      { cause: details.cause },
    );
    this.task = details.task;
    this.label = details.label;
    this.attempt = details.attempt;
    this.exitCode = details.exitCode;
    this.stderrTail = details.stderrTail;
    this.jobId = details.jobId;
    this.log = details.log;
  }
}

export class TaskTimeoutError extends TaskfitError implements FailureDetails {
  readonly task: string;
  readonly label: string | undefined;
  readonly timeoutSeconds: number;
  readonly attempt: number | undefined;
  readonly exitCode: number | undefined;
  readonly stderrTail: string | undefined;
  readonly jobId: string | undefined;
  readonly log: string | undefined;
  constructor(details: FailureDetails & { readonly task: string; readonly timeoutSeconds: number; readonly cause?: unknown }) {
    super(
      ErrorCode.TaskTimeout,
      `${taskCalled(details.task, details.label)} did not finish within its timeout of ${details.timeoutSeconds} s`,
      { cause: details.cause },
    );
    this.task = details.task;
    this.label = details.label;
    this.timeoutSeconds = details.timeoutSeconds;
    this.attempt = details.attempt;
    this.exitCode = details.exitCode;
    this.stderrTail = details.stderrTail;
    this.jobId = details.jobId;
    this.log = details.log;
  }
}

export class TaskCancelledError extends TaskfitError {
  readonly task: string;
  constructor(details: { readonly task: string; readonly reason?: unknown }) {
    const why =
      details.reason === undefined ? "" : `: ${errorMessage(details.reason)}`;
    super(ErrorCode.TaskCancelled, `Task \`${details.task}\` was cancelled${why}`, {
      cause: details.reason,
    });
    this.task = details.task;
  }
}

/** The task was killed for using more memory than it requested; `retries.escalate` acts on this. */
export class OutOfMemoryError extends TaskfitError implements FailureDetails {
  readonly task: string;
  readonly label: string | undefined;
  readonly memoryGiB: number;
  readonly attempt: number | undefined;
  readonly exitCode: number | undefined;
  readonly stderrTail: string | undefined;
  readonly jobId: string | undefined;
  readonly log: string | undefined;
  constructor(details: FailureDetails & {
    readonly task: string;
    readonly memoryGiB: number;
    readonly detail?: string;
    readonly cause?: unknown;
  }) {
    const detail = details.detail ? `: ${details.detail}` : "";
    super(
      ErrorCode.OutOfMemory,
      `${taskCalled(details.task, details.label)} ran out of memory with ${details.memoryGiB} GiB requested${detail}`,
      { cause: details.cause },
    );
    this.task = details.task;
    this.label = details.label;
    this.memoryGiB = details.memoryGiB;
    this.attempt = details.attempt;
    this.exitCode = details.exitCode;
    this.stderrTail = details.stderrTail;
    this.jobId = details.jobId;
    this.log = details.log;
  }
}

/** An argument or result cannot cross to another process as JSON without losing something. */
export class SerializationError extends TaskfitError {
  readonly task: string;
  readonly path: string;
  constructor(details: { readonly task: string; readonly what: "argument" | "result" | "field of `this`"; readonly path: string; readonly value: unknown }) {
    super(
      ErrorCode.NotSerializable,
      `Expected every ${details.what} of a task run in another process to be JSON data (TaskFile included), got ${describeValue(details.value)} at \`${details.path}\`${where(details.task, undefined)}`,
    );
    this.task = details.task;
    this.path = details.path;
  }
}

/** A worker process imported the task's module but found no task of that name in it. */
export class TaskNotFoundError extends TaskfitError {
  readonly task: string;
  readonly module: string | undefined;
  /** `importError`: the module threw when imported (its error is the `cause`). */
  constructor(details: {
    readonly task: string;
    readonly module: string | undefined;
    readonly found: readonly string[];
    /** What to do about it, when the cause is known. */
    readonly hint?: string;
    readonly cause?: unknown;
    readonly importError?: boolean;
  }) {
    const found = details.found.length > 0 ? details.found.map((n) => `\`${n}\``).join(", ") : "none";
    const message =
      details.module === undefined
        ? `Expected task \`${details.task}\` to be defined in a module file another process can import, got a task defined ` +
          "outside any file (a REPL, eval or `node -e`); define it in a .js or .ts module and import that, or run it in this process (isolation: \"none\")"
        : details.importError === true
          ? `Module ${details.module} (task \`${details.task}\`) could not be imported: ${errorMessage(details.cause)}`
          : `Expected module ${details.module} to define task \`${details.task}\`; tasks found there: ${found}`;
    super(ErrorCode.TaskNotFound, details.hint === undefined ? message : `${message} (\`${details.task}\`: ${details.hint})`, { cause: details.cause });
    this.task = details.task;
    this.module = details.module;
  }
}

/** A scheduler could not hand the task over: its submit command or API refused, or a part is missing. */
export class SubmissionError extends TaskfitError {
  readonly task: string;
  readonly scheduler: string;
  /** What the scheduler said (a command's stderr, an API reply body). */
  readonly detail: string;
  constructor(details: { readonly task: string; readonly scheduler: string; readonly detail: string; readonly cause?: unknown }) {
    super(ErrorCode.Submission, `Task \`${details.task}\` could not be submitted to ${details.scheduler}: ${details.detail}`, {
      cause: details.cause,
    });
    this.task = details.task;
    this.scheduler = details.scheduler;
    this.detail = details.detail;
  }
}

/**
 * Something taskfit was given that is not a task's spec is wrong: a scheduler's options, a call's
 * `scheduler` or `signal`, an argument of `isMain`, `resolveResources` or `run`, a command-line
 * option or a configuration file (`taskfit.config.ts` / `.json`). Says which option or file and
 * key, what was expected and what arrived. (A wrong spec is a `ResourceSpecError`.)
 */
export class ConfigurationError extends TaskfitError {
  /** The task the option was given for, when it was given for one (`task.with({ scheduler })`). */
  readonly task: string | undefined;
  /** The option (`--memory`, `pollIntervalMs`) or the key in the file (`profiles.cluster.partition`). */
  readonly field: string | undefined;
  /** The configuration file, when the error is in one. */
  readonly file: string | undefined;
  readonly value: unknown;
  constructor(details: {
    readonly task?: string | undefined;
    readonly field?: string | undefined;
    readonly file?: string | undefined;
    readonly value?: unknown;
    readonly expected: string;
    readonly cause?: unknown;
  }) {
    const got = "value" in details ? `, got ${describeValue(details.value)}` : "";
    const at = [
      details.task === undefined ? undefined : `task \`${details.task}\``,
      details.file === undefined ? undefined : `in ${details.file}`,
      details.field === undefined ? undefined : `${details.file === undefined ? "field" : "key"} \`${details.field}\``,
    ]
      .filter((part) => part !== undefined)
      .join(", ");
    super(ErrorCode.Configuration, `Expected ${details.expected}${got}${at === "" ? "" : ` (${at})`}`, { cause: details.cause });
    this.task = details.task;
    this.field = details.field;
    this.file = details.file;
    this.value = details.value;
  }
}

/** The module named on the command line (or a configuration file) could not be found or imported. */
export class ModuleLoadError extends TaskfitError {
  readonly module: string;
  constructor(details: { readonly module: string; readonly problem: string; readonly cause?: unknown }) {
    super(ErrorCode.ModuleLoad, `Could not load ${details.module}: ${details.problem}`, { cause: details.cause });
    this.module = details.module;
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
