/**
 * What passes between a scheduler and the worker entry. Kept apart from worker.ts, whose import
 * starts serving: schedulers import only this.
 */
import type { ResolvedResources } from "../resources/spec.js";
import type { TaskRef } from "../task/metadata.js";

/** The prefix of the last line a pod's worker prints: the outcome, for the scheduler to read back. */
export const OUTCOME_MARKER = "TASKFIT_OUTCOME ";

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
  /** The error's cause, when it has one (the import error behind a module that would not load). */
  readonly cause?: WorkerError;
}

export type WorkerOutcome =
  | { readonly kind: "result"; readonly value: string }
  | { readonly kind: "error"; readonly error: WorkerError };

