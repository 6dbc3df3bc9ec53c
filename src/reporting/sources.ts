/**
 * Feeds a RunRecorder from the events a scheduler emits. Each scheduler names its attempts its own
 * way (a sequence number, a Slurm job id, a Kubernetes Job name); the recorder keys them by it.
 * Told apart by shape rather than `instanceof`, so a scheduler made by another copy of taskfit
 * (the command line's and the user's module's) is recognised too.
 */
import { TaskCancelledError } from "../errors.js";
import type { KubernetesScheduler } from "../schedulers/kubernetes/kubernetes-scheduler.js";
import type { LocalScheduler, TaskEvent } from "../schedulers/local/local-scheduler.js";
import type { SlurmScheduler } from "../schedulers/slurm/slurm-scheduler.js";
import type { RecordableScheduler, RunRecorder } from "./run-recorder.js";

export function listen(scheduler: RecordableScheduler, recorder: RunRecorder): void {
  if ("stats" in scheduler) return listenLocal(scheduler, recorder);
  if (scheduler.name === "Slurm") return listenSlurm(scheduler as SlurmScheduler, recorder);
  return listenKubernetes(scheduler as KubernetesScheduler, recorder);
}

function listenLocal(scheduler: LocalScheduler, recorder: RunRecorder): void {
  const id = (event: TaskEvent) => String(event.id);
  scheduler.on("queued", (e) => recorder.queued({ id: id(e), task: e.task, label: e.label, attempt: e.attempt, resources: e.resources }, e.queuedAt));
  scheduler.on("start", (e) => recorder.started(id(e), { gpus: e.gpus ?? [] }, e.startedAt));
  scheduler.on("finish", (e) => recorder.finished(id(e), true, e.finishedAt));
  scheduler.on("error", (e) => {
    // A call that failed before it started (cancelled while queued) still gets an end.
    if (e.startedAt !== undefined) recorder.started(id(e), { gpus: e.gpus ?? [] }, e.startedAt);
    if (e.error instanceof TaskCancelledError) recorder.cancelled(id(e), e.finishedAt);
    else recorder.finished(id(e), false, e.finishedAt, e.error);
  });
}

function listenSlurm(scheduler: SlurmScheduler, recorder: RunRecorder): void {
  scheduler.on("submitted", (e) => recorder.queued({ id: e.jobId, task: e.task, label: e.label, attempt: e.attempt, resources: e.resources }));
  scheduler.on("started", (e) => recorder.started(e.jobId));
  scheduler.on("finished", (e) => {
    // A job that ran and ended between two polls: its start is not known, and is drawn as its end.
    recorder.started(e.jobId);
    if (e.state === "CANCELLED") recorder.cancelled(e.jobId);
    else recorder.finished(e.jobId, e.ok, undefined, e.error);
  });
}

function listenKubernetes(scheduler: KubernetesScheduler, recorder: RunRecorder): void {
  scheduler.on("submitted", (e) => recorder.queued({ id: e.job, task: e.task, label: e.label, attempt: e.attempt, resources: e.resources }));
  scheduler.on("started", (e) => recorder.started(e.job, { where: e.node }));
  scheduler.on("finished", (e) => {
    recorder.started(e.job);
    if (e.error instanceof TaskCancelledError) recorder.cancelled(e.job);
    else recorder.finished(e.job, e.ok, undefined, e.error);
  });
}
