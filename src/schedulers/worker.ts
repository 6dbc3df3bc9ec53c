/**
 * The worker entry: what a process other than the caller runs to execute one task. It reads the
 * request (checked against the worker protocol: a request of another version gets a clear error
 * answer), imports the module that defines the task, finds the task by name, revives the
 * arguments (TaskFile included), runs the task's function under `currentTask()`, and answers with
 * the result or the error and what its process tree used (worker/usage/).
 *
 * Three ways in, each with its report channel (worker/channels.ts): LocalScheduler's process
 * isolation sends the request over the IPC channel; a Slurm job runs `worker --request FILE
 * --outcome FILE` (in a job array, `%a` in those names is the element's index); a pod runs
 * `worker --request-env NAME` and answers in its log. Exit code 0
 * means the task returned, 1 that it threw (the error is in the answer).
 */
import { readFile } from "node:fs/promises";
import { TaskNotFoundError } from "../errors.js";
import { getDefinition, type TaskDefinition, type TaskRef } from "../task/metadata.js";
import { findTask, taskNames, tasksNamed } from "../task/registry.js";
import { becomeWorker, callsAtImport, firstCallAtImport, isWorkerProcess } from "../task/worker-guard.js";
import { runAsTask } from "../contract/running-task.js";
import { fromWire, toWire } from "./wire.js";
import { elementPath } from "./worker/array-element.js";
import { fileChannel, ipcChannel, logChannel, type ReportChannel } from "./worker/channels.js";
import { errorOutcome } from "./worker/describe-error.js";
import { WORKER_PROTOCOL, type WorkerOutcome, type WorkerRequest, type WorkerSelf } from "./worker/protocol.js";
import { parseRequest, readRequest } from "./worker/read.js";
import { UsageSampler } from "./worker/usage/sampler.js";

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

/** Runs one request in this process and returns its answer (without usage); never throws. */
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
    return { protocol: WORKER_PROTOCOL, kind: "result", value: toWire(value, ref.name, "result", "result") };
  } catch (error) {
    return errorOutcome(error);
  }
}

/**
 * Reads the request, runs it while measuring the process tree (running reports go out as the
 * usage grows, for a worker killed before it answers), and sends the answer with the final usage.
 * A request that cannot be read or is of another protocol version is answered with that error.
 */
async function serve(read: () => Promise<WorkerRequest>, channel: ReportChannel, signal: AbortSignal): Promise<WorkerOutcome> {
  let request: WorkerRequest | undefined;
  let unreadable: unknown;
  try {
    request = await read();
  } catch (error) {
    unreadable = error;
  }
  const sampler = new UsageSampler({
    scratchDir: request?.scratchDir,
    onReport: (usage) => void channel.send({ protocol: WORKER_PROTOCOL, kind: "running", usage }),
  }).start();
  const answer = request === undefined ? errorOutcome(unreadable) : await runWorkerRequest(request, signal);
  const outcome: WorkerOutcome = { ...answer, usage: sampler.finish() };
  await channel.send(outcome);
  return outcome;
}

function tasksNamedIn(module: string | undefined): string[] {
  return taskNames().filter((name) => tasksNamed(name).some((d) => d.ref.module === module));
}

/** IPC mode: the parent sends one request, the worker answers once and exits. */
function serveIpc(): void {
  const controller = new AbortController();
  process.once("message", (message: unknown) => {
    const read = async () => readRequest(message, "the parent process (IPC)");
    // Exit at once: handles the task left open (timers, sockets) must not keep the worker alive.
    void serve(read, ipcChannel(), controller.signal).then(() => process.exit(0));
  });
  process.once("disconnect", () => controller.abort());
  // The parent stops a worker's whole group with SIGTERM (then SIGKILL): the task's signal aborts,
  // so that the tools it runs are stopped by the task itself, within the grace period.
  process.once("SIGTERM", () => controller.abort(new Error("SIGTERM")));
}

/** Cluster mode: run the request, answer on `channel`, exit 0 (returned) or 1 (threw). */
async function serveCluster(read: () => Promise<WorkerRequest>, channel: ReportChannel): Promise<void> {
  // A cluster scheduler, not taskfit, assigned the GPUs: they are the ones it made visible.
  const visible = process.env.CUDA_VISIBLE_DEVICES;
  const gpus = visible ? visible.split(",").filter((d) => /^\d+$/.test(d)).map(Number) : [];
  const controller = new AbortController();
  process.once("SIGTERM", () => controller.abort(new Error("SIGTERM")));
  const outcome = await serve(async () => ({ ...(await read()), gpus }), channel, controller.signal);
  if (outcome.kind === "error") console.error(`taskfit worker: ${outcome.error.name}: ${outcome.error.message}`);
  process.exit(outcome.kind === "result" ? 0 : 1);
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
  const requestFlag = argValue("--request");
  const outcomeFlag = argValue("--outcome");
  const requestEnv = argValue("--request-env");
  if (requestFlag !== undefined || requestEnv !== undefined) becomeWorker();
  if (requestFlag !== undefined && outcomeFlag !== undefined) {
    // An element of a job array: its own files, whose names hold its index for `%a`.
    const requestPath = elementPath(requestFlag);
    const outcomePath = elementPath(outcomeFlag);
    void serveCluster(async () => parseRequest(await readFile(requestPath, "utf8"), `request file ${requestPath}`), fileChannel(outcomePath));
  } else if (requestEnv !== undefined) {
    void serveCluster(async () => parseRequest(process.env[requestEnv] ?? "", `environment variable ${requestEnv}`), logChannel());
  }
}
