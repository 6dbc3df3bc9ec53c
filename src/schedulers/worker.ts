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
import type { ResolvedResources } from "../resources/spec.js";
import type { TaskRef } from "../task/metadata.js";
import { findTask, taskNames, tasksNamed } from "../task/registry.js";
import { runAsTask } from "./context.js";
import { fromWire, toWire } from "./wire.js";

export interface WorkerRequest {
  readonly kind: "run";
  readonly ref: TaskRef;
  /** The arguments as wire JSON (see wire.ts). */
  readonly args: string;
  readonly resources: ResolvedResources;
  readonly gpus: readonly number[];
  readonly attempt: number;
}

export interface WorkerError {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  readonly code: string | undefined;
}

export type WorkerOutcome =
  | { readonly kind: "result"; readonly value: string }
  | { readonly kind: "error"; readonly error: WorkerError };

function describeError(error: unknown): WorkerError {
  if (error instanceof Error) {
    return {
      name: error.name,
      message: error.message,
      stack: error.stack,
      code: error instanceof TaskfitError ? error.code : (error as { code?: unknown }).code?.toString(),
    };
  }
  return { name: "Error", message: String(error), stack: undefined, code: undefined };
}

/** Runs one request in this process and returns its outcome; never throws. */
export async function runWorkerRequest(request: WorkerRequest, signal: AbortSignal): Promise<WorkerOutcome> {
  const { ref } = request;
  try {
    if (ref.module === undefined) throw new TaskNotFoundError({ task: ref.name, module: undefined, found: [] });
    try {
      await import(ref.module);
    } catch (cause) {
      throw new TaskNotFoundError({ task: ref.name, module: ref.module, found: [], cause });
    }
    const definition = findTask(ref);
    if (definition === undefined) {
      throw new TaskNotFoundError({ task: ref.name, module: ref.module, found: tasksNamedIn(ref.module) });
    }
    const args = fromWire(request.args) as unknown[];
    const running = {
      name: ref.name,
      resources: request.resources,
      gpus: request.gpus,
      attempt: request.attempt,
      signal,
      scheduler: process,
    };
    const value = await runAsTask(running, (fnArgs) => definition.fn(...fnArgs), args);
    return { kind: "result", value: toWire(value, ref.name, "result", "result") };
  } catch (error) {
    return { kind: "error", error: describeError(error) };
  }
}

function tasksNamedIn(module: string): string[] {
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
}

/** File mode: read the request, run it, write the outcome next to where it is expected, exit. */
async function serveFiles(requestPath: string, outcomePath: string): Promise<void> {
  const request = JSON.parse(await readFile(requestPath, "utf8")) as WorkerRequest;
  // A cluster scheduler, not taskfit, assigned the GPUs: they are the ones it made visible.
  const visible = process.env.CUDA_VISIBLE_DEVICES;
  const gpus = visible ? visible.split(",").filter((d) => /^\d+$/.test(d)).map(Number) : [];
  const controller = new AbortController();
  process.once("SIGTERM", () => controller.abort(new Error("SIGTERM")));
  const outcome = await runWorkerRequest({ ...request, gpus }, controller.signal);
  const partial = `${outcomePath}.partial`;
  await writeFile(partial, JSON.stringify(outcome), { mode: 0o600 });
  await rename(partial, outcomePath);
  if (outcome.kind === "error") console.error(`taskfit worker: ${outcome.error.name}: ${outcome.error.message}`);
  process.exit(outcome.kind === "result" ? 0 : 1);
}

function argValue(flag: string): string | undefined {
  const at = process.argv.indexOf(flag);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

if (process.send !== undefined && process.env.TASKFIT_WORKER === "ipc") {
  serveIpc();
} else {
  const requestPath = argValue("--request");
  const outcomePath = argValue("--outcome");
  if (requestPath !== undefined && outcomePath !== undefined) void serveFiles(requestPath, outcomePath);
}
