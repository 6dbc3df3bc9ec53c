/**
 * The worker entry: what a process other than the caller runs to execute one task. It imports the
 * module that defines the task, finds the task by name, revives the arguments (TaskFile included),
 * runs the task's function under `currentTask()`, and hands back the result or the error.
 *
 * Used by LocalScheduler's process isolation (request and outcome over the IPC channel); the
 * cluster schedulers reuse `runWorkerRequest`.
 */
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
    const value = await runAsTask(running, () => definition.fn(...args));
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

if (process.send !== undefined && process.env.TASKFIT_WORKER === "ipc") serveIpc();
