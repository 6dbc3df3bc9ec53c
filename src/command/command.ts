/**
 * `run` and `pipe`: start the tools a task wraps (bwa, samtools, ...) the way a task needs them.
 *
 * - argv arrays, no shell unless `shell: true` asks for one;
 * - `pipe` connects each stdout to the next stdin (`bwa mem | samtools sort`), fd to fd;
 * - each command leads its own process group: the task's signal (cancel, timeout) stops the whole
 *   tree, SIGTERM then SIGKILL after `graceMs`, and the call settles once it is gone;
 * - a failure is a TaskExecutionError with the command, its exit code or signal and the tail of
 *   its stderr; a kill by the OOM killer (see oom.ts) is an OutOfMemoryError, so that
 *   `retries.escalate` gives the next attempt more memory;
 * - OMP_NUM_THREADS and similar are set from the CPUs the task was granted.
 */
import { type ChildProcess, spawn, type StdioOptions } from "node:child_process";
import type { Readable } from "node:stream";
import { OutOfMemoryError, ConfigurationError, TaskCancelledError, TaskExecutionError, TaskfitError } from "../errors.js";
import { DEFAULT_GRACE_MS, terminateGroup, trackGroup } from "../process/group.js";
import { onAbort } from "../contract/abort.js";
import { currentTask, type RunningTask } from "../contract/running-task.js";
import { killedForMemory, oomKills } from "./oom.js";
import { commandLine } from "../process/quote.js";
import { closeFd, fileTail, type Input, openInput, type OpenedOutput, openOutput, type Output } from "./stdio.js";
import { threadEnv, threadsFor } from "./threads.js";

export type { Input, Output };

/** One command of a pipeline: the program and its arguments. */
export type CommandSpec = readonly [file: string, args?: readonly string[]];

export interface CommandOptions {
  /** @default the current directory */
  readonly cwd?: string;
  /** Added to (or, with `undefined`, removed from) this process's environment. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The first command's stdin: `"ignore"`, `"inherit"` or a file path. @default "ignore" */
  readonly stdin?: Input;
  /** Text written to the first command's stdin (instead of `stdin`). */
  readonly input?: string | Uint8Array;
  /** The last command's stdout: `"capture"` (into `result.stdout`), `"inherit"`, `"ignore"`, or a file. @default "capture" */
  readonly stdout?: Output;
  /** Every command's stderr. The last part is kept for the error in every case. @default "inherit" */
  readonly stderr?: Output;
  /** Run the command line through `/bin/sh -c` (no arguments then: the line is the whole command). @default false */
  readonly shell?: boolean;
  /** Stops the commands when it aborts, besides the task's own signal. */
  readonly signal?: AbortSignal;
  /** Thread variables (OMP_NUM_THREADS, ...): a number, or false to set none. @default the task's CPUs, whole; none outside a task */
  readonly threads?: number | false;
  /** unit: ms. Between SIGTERM and SIGKILL when the commands are stopped. @default 3000 */
  readonly graceMs?: number;
  /** Print the command line on stderr instead of running it. @default true when TASKFIT_DRY_RUN=1 */
  readonly dryRun?: boolean;
  /** unit: bytes. The most `stdout: "capture"` keeps; more is an error, never cut short. @default 100 MiB */
  readonly maxBuffer?: number;
}

export interface CommandResult {
  /** The command line as a shell would show it (`a | b`). */
  readonly command: string;
  /** What the last command printed, with `stdout: "capture"`; otherwise "". */
  readonly stdout: string;
  /** What the commands printed on stderr, with `stderr: "capture"`; otherwise "". */
  readonly stderr: string;
  /** True when nothing ran (dry run). */
  readonly dryRun: boolean;
}

const STDERR_TAIL_CHARS = 4000;
const DEFAULT_MAX_BUFFER = 100 * 1024 ** 2;

/** Runs one command; resolves when it exits 0. `await run("bwa", ["index", ref])` */
export function run(file: string, args: readonly string[] = [], options: CommandOptions = {}): Promise<CommandResult> {
  return pipe([[file, args]], options);
}

interface Member {
  readonly argv: readonly string[];
  readonly child: ChildProcess;
  readonly ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  startError: Error | undefined;
}

/** Runs commands connected stdout to stdin; resolves when every one exits 0, else fails as bash's `pipefail` (the last that failed). */
export async function pipe(commands: readonly CommandSpec[], options: CommandOptions = {}): Promise<CommandResult> {
  const argvs = checkCommands(commands, options.shell === true);
  const task = currentTask();
  const shown = options.shell === true ? (argvs[0]?.[0] as string) : argvs.map(commandLine).join(" | ");
  if (options.dryRun ?? process.env.TASKFIT_DRY_RUN === "1") {
    process.stderr.write(`[dry-run] ${shown}\n`);
    return { command: shown, stdout: "", stderr: "", dryRun: true };
  }
  const signal = joinSignals(task?.signal, options.signal);
  if (signal?.aborted) throw stopped(signal.reason, task, shown);
  const env = environment(options, task);
  const stdout = openOutput(options.stdout ?? "capture", "stdout");
  const stderr = openOutput(options.stderr ?? "inherit", "stderr");
  const stdin = options.input !== undefined ? "pipe" : openInput(options.stdin ?? "ignore", "stdin");
  const maxBuffer = options.maxBuffer ?? DEFAULT_MAX_BUFFER;
  const oomBefore = oomKills();
  const members: Member[] = [];
  let stderrTail = "";
  let stderrAll = "";
  const stdoutChunks: Buffer[] = [];
  let stdoutBytes = 0;
  let overflow = false;
  let stopping = false;
  const stopAll = () => {
    if (stopping) return;
    stopping = true;
    for (const member of members) void terminateGroup(member.child, options.graceMs ?? DEFAULT_GRACE_MS);
  };
  try {
    argvs.forEach((argv, index) => {
      const last = index === argvs.length - 1;
      const previous = members[index - 1]?.child.stdout ?? undefined;
      const stdio: StdioOptions = [
        index === 0 ? stdin : (previous as Readable),
        last ? stdioOf(stdout) : "pipe",
        stderr.kind === "file" ? stderr.fd : "pipe",
      ];
      const [file, ...args] = options.shell === true ? ["/bin/sh", "-c", argv[0] as string] : argv;
      // Its own process group: stopping it stops what it started too.
      const child = spawn(file as string, args, { cwd: options.cwd, env, stdio, detached: true });
      trackGroup(child);
      // The next command holds its own copy of the pipe: this process must not keep (or read) it.
      previous?.destroy();
      const member: Member = {
        argv,
        child,
        startError: undefined,
        ended: new Promise((resolve) => {
          child.once("error", (error) => {
            member.startError = error;
            resolve({ code: null, signal: null });
          });
          child.once("close", (code, exitSignal) => resolve({ code, signal: exitSignal }));
        }),
      };
      members.push(member);
      child.stderr?.on("data", (chunk: Buffer) => {
        const text = chunk.toString("utf8");
        if (stderr.kind === "inherit") process.stderr.write(chunk);
        if (stderr.kind === "capture") stderrAll += text;
        stderrTail = (stderrTail + text).slice(-STDERR_TAIL_CHARS);
      });
      if (last && stdout.kind === "capture") {
        child.stdout?.on("data", (chunk: Buffer) => {
          stdoutBytes += chunk.length;
          if (stdoutBytes > maxBuffer) {
            overflow = true;
            return stopAll();
          }
          stdoutChunks.push(chunk);
        });
      }
    });
    if (options.input !== undefined) {
      const first = members[0]?.child.stdin;
      // A command that exits without reading all of its input is not an error of the input.
      first?.on("error", () => undefined);
      first?.end(options.input);
    }
  } finally {
    for (const opened of [stdout, stderr]) if (opened.kind === "file") closeFd(opened.fd);
    closeFd(stdin);
  }
  const unsubscribe = signal === undefined ? undefined : onAbort(signal, stopAll);
  if (signal?.aborted) stopAll();
  const endings = await Promise.all(members.map((member) => member.ended));
  unsubscribe?.();
  if (signal?.aborted) throw stopped(signal.reason, task, shown);
  const failure = (message: string, exitCode?: number) =>
    new TaskExecutionError({
      task: task?.name ?? (argvs[0]?.[0] as string),
      attempt: task?.attempt ?? 1,
      message,
      exitCode,
      stderrTail: (stderr.kind === "file" ? fileTail(stderr.path, STDERR_TAIL_CHARS) : stderrTail).trim() || undefined,
    });
  const where = (index: number) => `command \`${argvs.length === 1 ? shown : commandLine(argvs[index] as string[])}\`${argvs.length === 1 ? "" : ` (${ordinal(index + 1)} of \`${shown}\`)`}`;
  const notStarted = members.findIndex((member) => member.startError !== undefined);
  if (notStarted >= 0) throw failure(`${where(notStarted)} could not start: ${members[notStarted]?.startError?.message}`);
  if (overflow) throw failure(`${where(argvs.length - 1)} printed more than maxBuffer (${maxBuffer} bytes) to a captured stdout; send it to a file with { stdout: path }`);
  const failed = endings.map((ending, index) => ({ ...ending, index })).filter((e) => e.code !== 0 || e.signal !== null);
  // As bash's pipefail: the last command that failed. (An earlier one that failed only because
  // a later one stopped reading is not blamed; the stderr tail holds every command's messages.)
  const cause = failed.at(-1);
  if (cause !== undefined) {
    const how = cause.signal !== null ? `was killed by ${cause.signal}` : `ended with exit code ${cause.code}`;
    const oom = killedForMemory({ exitCode: cause.code, signal: cause.signal, stoppedByUs: stopping, shell: options.shell === true, oomKillsBefore: oomBefore, oomKillsAfter: oomKills() });
    if (oom && task !== undefined) {
      const tail = stderrTail.trim();
      throw new OutOfMemoryError({ task: task.name, memoryGiB: task.resources.memoryGiB, detail: `${where(cause.index)} ${how} (the OOM killer)${tail ? `; stderr: ${tail.slice(-500)}` : ""}` });
    }
    throw failure(`${where(cause.index)} ${how}${oom ? " (by the OOM killer)" : ""}`, cause.code ?? undefined);
  }
  return { command: shown, stdout: Buffer.concat(stdoutChunks).toString("utf8"), stderr: stderrAll, dryRun: false };
}

function stdioOf(output: OpenedOutput): "pipe" | "inherit" | "ignore" | number {
  if (output.kind === "file") return output.fd;
  return output.kind === "capture" ? "pipe" : output.kind;
}

function checkCommands(commands: readonly CommandSpec[], shell: boolean): string[][] {
  if (!Array.isArray(commands) || commands.length === 0) {
    throw new ConfigurationError({ field: "commands", value: commands, expected: "at least one command, as [file, args]" });
  }
  if (shell && commands.length > 1) {
    throw new ConfigurationError({ field: "shell", value: commands.length, expected: "one command line with shell: true (write the pipe in it)" });
  }
  return commands.map((command, index) => {
    const [file, args = []] = Array.isArray(command) ? command : [];
    if (typeof file !== "string" || file.length === 0) {
      throw new ConfigurationError({ field: `commands[${index}][0]`, value: file, expected: "the program to run, a non-empty string" });
    }
    if (!Array.isArray(args) || args.some((arg) => typeof arg !== "string")) {
      throw new ConfigurationError({ field: `commands[${index}][1]`, value: args, expected: "the arguments as an array of strings (String(n) for a number)" });
    }
    if (shell && args.length > 0) {
      throw new ConfigurationError({ field: "args", value: args, expected: "no arguments with shell: true (the command line is the whole command)" });
    }
    return [file, ...args];
  });
}

function environment(options: CommandOptions, task: RunningTask | undefined): NodeJS.ProcessEnv {
  const caller = options.env ?? {};
  const { threads } = options;
  if (threads !== undefined && threads !== false && (!Number.isInteger(threads) || threads < 1)) {
    throw new ConfigurationError({ task: task?.name, field: "threads", value: threads, expected: "a whole number from 1 up, or false" });
  }
  const count = threads === false ? undefined : (threads ?? (task === undefined ? undefined : threadsFor(task.resources.cpu)));
  const env: NodeJS.ProcessEnv = { ...process.env, ...(count === undefined ? {} : threadEnv(count, caller)) };
  for (const [name, value] of Object.entries(caller)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

function joinSignals(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return AbortSignal.any([a, b]);
}

/** The error a stopped command throws: the task's own (timeout, cancel) when it is a taskfit one. */
function stopped(reason: unknown, task: RunningTask | undefined, shown: string): TaskfitError {
  if (reason instanceof TaskfitError) return reason;
  return new TaskCancelledError({ task: task?.name ?? shown, reason });
}

function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${suffix}`;
}
