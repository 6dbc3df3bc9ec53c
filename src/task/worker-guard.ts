/**
 * What a task call does inside a taskfit worker process (process isolation, a Slurm job, a
 * Kubernetes pod). A worker imports the task's module to find the task, and that import runs the
 * module's top-level code again: a one-file workflow that calls its own task at top level would
 * submit it again from every worker, each of which would import the module again, without bound.
 *
 * So inside a worker there is never a second level of workers:
 * - a call made outside the running task (module top level, a timer) is not run: it never
 *   settles, and the worker is told, so it stops waiting for the import and runs its request;
 * - a call made from inside the running task runs inline, within that task's allocation.
 */
import { globalSlot } from "../global-slot.js";

interface WorkerState {
  active: boolean;
  /** Tasks called outside the running task, in order: the worker names them if its task is missing. */
  readonly calledAtImport: string[];
  readonly listeners: Array<() => void>;
}

// One per process: the worker entry and the copy of taskfit the user's module loaded must agree.
const state = globalSlot<WorkerState>("worker", () => ({ active: false, calledAtImport: [], listeners: [] }));

/** Marks this process as a taskfit worker, before it imports any task module. */
export function becomeWorker(): void {
  state.active = true;
}

export function isWorkerProcess(): boolean {
  return state.active;
}

/** The tasks called outside the running task so far in this worker. */
export function callsAtImport(): readonly string[] {
  return state.calledAtImport;
}

/** Settles at the first task call outside the running task (at once if there was one). */
export function firstCallAtImport(): Promise<void> {
  if (state.calledAtImport.length > 0) return Promise.resolve();
  return new Promise((resolve) => state.listeners.push(resolve));
}

const NEVER = new Promise<never>(() => undefined);

/** A task call made in a worker outside the running task: recorded, reported, never run. */
export function callOutsideTask(task: string): Promise<never> {
  state.calledAtImport.push(task);
  for (const listener of state.listeners.splice(0)) listener();
  return NEVER;
}
