/**
 * `currentTask()`: inside a running task, what it is and what it was given (AsyncLocalStorage, so
 * it follows the task through its awaits and into the tasks it calls).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { globalSlot } from "../global-slot.js";
import type { ResolvedResources } from "../resources/spec.js";

export interface RunningTask {
  readonly name: string;
  readonly resources: ResolvedResources;
  /** The GPU device indices assigned to this task (also in CUDA_VISIBLE_DEVICES for child processes). */
  readonly gpus: readonly number[];
  /** 1 for the first run, 2 for the first retry, ... */
  readonly attempt: number;
  /** Aborted when the call times out or is cancelled. */
  readonly signal: AbortSignal;
  /** The scheduler running it: a call from inside a task runs within this task's allocation. */
  readonly scheduler: object;
}

// Shared by every copy of taskfit in a process (ESM, CJS, the worker bundle).
const storage = globalSlot("currentTask", () => new AsyncLocalStorage<RunningTask>());

/** The task running at this point of the code, or undefined outside any task. */
export function currentTask(): RunningTask | undefined {
  return storage.getStore();
}

export function runAsTask<T, A>(task: RunningTask, fn: (arg: A) => T, arg: A): T {
  return storage.run(task, fn, arg);
}
