/**
 * The worker entry: what a process other than the caller runs to execute one task. It imports the
 * module that defines the task, finds the task by name, revives the arguments (TaskFile included),
 * runs the task's function under `currentTask()`, and hands back the result or the error.
 *
 * Two ways in: LocalScheduler's process isolation sends the request over the IPC channel; a
 * cluster job runs `worker --request FILE --outcome FILE`, and the outcome file (mode 0600,
 * written whole, then renamed into place) is what the scheduler reads back. Exit code 0 means the
 * task returned, 1 that it threw (the error is in the outcome file).
 */
import { readFile, rename, writeFile } from "node:fs/promises";
import { TaskNotFoundError, TaskfitError } from "../errors.js";
import { getDefinition, type TaskDefinition, type TaskRef } from "../task/metadata.js";
import { findTask, taskNames, tasksNamed } from "../task/registry.js";
import { becomeWorker, callsAtImport, firstCallAtImport, isWorkerProcess } from "../task/worker-guard.js";
import { runAsTask } from "../contract/running-task.js";
import { fromWire, toWire } from "./wire.js";
import { OUTCOME_MARKER, type WorkerError, type WorkerOutcome, type WorkerRequest, type WorkerSelf } from "./worker-protocol.js";

export type { WorkerError, WorkerOutcome, WorkerRequest };

function describeError(error: unknown): WorkerError {
  if (error instanceof Error) {
    return {
      name: error.name,
      message: error.message,
      stack: error.stack,
      code: error instanceof TaskfitError ? error.code : (error as { code?: unknown }).code?.toString(),
      // e.g. the error a task's module threw when imported: its message and stack cross too.
      ...(error.cause !== undefined && { cause: describeError(error.cause) }),
    };
  }
  return { name: "Error", message: String(error), stack: undefined, code: undefined };
}

/**
 * Imports the task's module. In a worker, a task called at the module's top level is not run
 * (task/worker-guard.ts) and may hold the import open forever (a top-level `await`): the tasks
 * defined so far are registered by then, so the wait ends at the first such call.
 */
async function importTaskModule(ref: TaskRef): Promise<Record<string, unknown> | undefined> {
  const module = ref.module;
  if (module === undefined) throw new TaskNotFoundError({ task: ref.name, module: undefined, found: [] });
  const imported = import(module) as Promise<Record<string, unknown>>;
  const calledAtImport = isWorkerProcess() ? firstCallAtImport().then(() => undefined) : new Promise<never>(() => undefined);
  try {
    return await Promise.race([imported, calledAtImport]);
  } catch (cause) {
    throw new TaskNotFoundError({ task: ref.name, module, found: [], cause, importError: true });
  } finally {
    imported.catch(() => undefined);
  }
}

/** Why a task may be missing from its module when the module called tasks at import. */
function missingHint(): string | undefined {
  const calls = callsAtImport();
  if (calls.length === 0) return undefined;
  return (
    `The module called task \`${calls[0]}\` at import, which a worker does not run, and tasks defined after that call were never ` +
    "reached; call tasks only from a workflow function, or under `if (isMain(import.meta))`"
  );
}

/**
 * The `this` of a method task: a new object of the instance's class with the fields the caller
 * sent, or the class itself for a static method. The class is found among the module's exports.
 */
function selfFor(definition: TaskDefinition, self: WorkerSelf | undefined, exports: Record<string, unknown> | undefined): unknown {
  if (self === undefined || !definition.method) return undefined;
  const holds = (owner: object) => Object.getOwnPropertyNames(owner).some((key) => getDefinition(Object.getOwnPropertyDescriptor(owner, key)?.value) === definition);
  const inChain = (start: object | null) => {
    for (let at = start; at !== null && at !== Object.prototype && at !== Function.prototype; at = Object.getPrototypeOf(at) as object | null) {
      if (holds(at)) return true;
    }
    return false;
  };
  const classes = Object.values(exports ?? {}).filter((value): value is new () => object => typeof value === "function");
  const found = classes.find((c) => c.name === self.className && inChain(self.kind === "class" ? c : (c.prototype as object)));
  if (found === undefined) {
    throw new TaskNotFoundError({
      task: definition.name,
      module: definition.ref.module,
      found: [],
      hint:
        `Method task \`${definition.name}\` runs in another process on a copy of its ${self.kind === "class" ? "class" : "instance's fields"}, ` +
        `so its class \`${self.className}\` must be exported by that module${exports === undefined ? " (whose import was still waiting on a task called at top level)" : ""}`,
    });
  }
  if (self.kind === "class") return found;
  return Object.assign(Object.create(found.prototype as object) as object, fromWire(self.fields));
}

/** Runs one request in this process and returns its outcome; never throws. */
export async function runWorkerRequest(request: WorkerRequest, signal: AbortSignal): Promise<WorkerOutcome> {
  const { ref } = request;
  try {
    const exports = await importTaskModule(ref);
    const definition = findTask(ref);
    if (definition === undefined) {
      throw new TaskNotFoundError({ task: ref.name, module: ref.module, found: tasksNamedIn(ref.module), hint: missingHint() });
    }
    const self = selfFor(definition, request.self, exports);
    const args = fromWire(request.args) as unknown[];
    const running = {
      name: ref.name,
      resources: request.resources,
      gpus: request.gpus,
      attempt: request.attempt,
      signal,
      scheduler: process,
    };
    const value = await runAsTask(running, (fnArgs) => definition.fn.apply(self, fnArgs), args);
    return { kind: "result", value: toWire(value, ref.name, "result", "result") };
  } catch (error) {
    return { kind: "error", error: describeError(error) };
  }
}

function tasksNamedIn(module: string | undefined): string[] {
  return taskNames().filter((name) => tasksNamed(name).some((d) => d.ref.module === module));
}

/** IPC mode: the parent sends one request, the worker answers once and exits. */
function serveIpc(): void {
  const controller = new AbortController();
  process.once("message", (message: WorkerRequest) => {
    void runWorkerRequest(message, controller.signal).then((outcome) => {
      // Exit at once: handles the task left open (timers, sockets) must not keep the worker alive.
      process.send?.(outcome, () => process.exit(0));
    });
  });
  process.once("disconnect", () => controller.abort());
  // The parent stops a worker's whole group with SIGTERM (then SIGKILL): the task's signal aborts,
  // so that the tools it runs are stopped by the task itself, within the grace period.
  process.once("SIGTERM", () => controller.abort(new Error("SIGTERM")));
}

/** Kubernetes keeps at most 4096 bytes of a container's termination message. */
const TERMINATION_MESSAGE_LIMIT = 4096;

/** Cluster mode: run the request, hand the outcome over with `deliver`, exit 0 (returned) or 1 (threw). */
async function serveCluster(request: WorkerRequest, deliver: (outcome: string) => Promise<void>): Promise<void> {
  // A cluster scheduler, not taskfit, assigned the GPUs: they are the ones it made visible.
  const visible = process.env.CUDA_VISIBLE_DEVICES;
  const gpus = visible ? visible.split(",").filter((d) => /^\d+$/.test(d)).map(Number) : [];
  const controller = new AbortController();
  process.once("SIGTERM", () => controller.abort(new Error("SIGTERM")));
  const outcome = await runWorkerRequest({ ...request, gpus }, controller.signal);
  await deliver(JSON.stringify(outcome));
  if (outcome.kind === "error") console.error(`taskfit worker: ${outcome.error.name}: ${outcome.error.message}`);
  process.exit(outcome.kind === "result" ? 0 : 1);
}

/** Slurm: the outcome file, written whole (mode 0600) and then renamed into place. */
async function deliverToFile(outcomePath: string, outcome: string): Promise<void> {
  const partial = `${outcomePath}.partial`;
  await writeFile(partial, outcome, { mode: 0o600 });
  await rename(partial, outcomePath);
}

/** Kubernetes: a marked last line in the log, and the termination message when it fits. */
async function deliverToLog(outcome: string): Promise<void> {
  const line = `${OUTCOME_MARKER}${outcome}`;
  await new Promise<void>((resolve) => process.stdout.write(`\n${line}\n`, () => resolve()));
  if (Buffer.byteLength(line) <= TERMINATION_MESSAGE_LIMIT) {
    // Only where Kubernetes mounted it ("r+" never creates the file elsewhere).
    await writeFile("/dev/termination-log", line, { flag: "r+" }).catch(() => undefined);
  }
}

function argValue(flag: string): string | undefined {
  const at = process.argv.indexOf(flag);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

// A worker runs one task where it was sent. A profile inherited from the submitting shell (Slurm
// jobs get its environment) must not send calls made in here to a cluster again.
delete process.env.TASKFIT_PROFILE;

if (process.send !== undefined && process.env.TASKFIT_WORKER === "ipc") {
  becomeWorker();
  serveIpc();
} else {
  const requestPath = argValue("--request");
  const outcomePath = argValue("--outcome");
  const requestEnv = argValue("--request-env");
  if (requestPath !== undefined || requestEnv !== undefined) becomeWorker();
  if (requestPath !== undefined && outcomePath !== undefined) {
    void readFile(requestPath, "utf8").then((text) =>
      serveCluster(JSON.parse(text) as WorkerRequest, (outcome) => deliverToFile(outcomePath, outcome)),
    );
  } else if (requestEnv !== undefined) {
    void serveCluster(JSON.parse(process.env[requestEnv] ?? "null") as WorkerRequest, deliverToLog);
  }
}
