/**
 * The poll's one question to the API server: one list of this scheduler's Jobs and one of their
 * pods (two calls, by label), whatever the number of Jobs in flight.
 */
import type { StatusQuery } from "../cluster/poller.js";
import type { KubernetesApi, ListedJob, ListedPod } from "./api.js";

/** A Job as one poll saw it. */
export interface JobSnapshot {
  readonly job: ListedJob;
  /** The Job's pods, as listed. */
  readonly pods: readonly ListedPod[];
}

/** Each listed Job by name, with its pods (the Job controller labels them `job-name`). */
export function listJobs(api: KubernetesApi, namespace: string, labelSelector: string): StatusQuery<JobSnapshot> {
  return async () => {
    const [jobs, pods] = await Promise.all([api.batch.listNamespacedJob({ namespace, labelSelector }), api.core.listNamespacedPod({ namespace, labelSelector })]);
    const podsOf = new Map<string, ListedPod[]>();
    for (const pod of pods.items) {
      const name = pod.metadata?.labels?.["job-name"];
      if (name === undefined) continue;
      const list = podsOf.get(name) ?? [];
      list.push(pod);
      podsOf.set(name, list);
    }
    const snapshots = new Map<string, JobSnapshot>();
    for (const job of jobs.items) {
      const name = job.metadata?.name;
      if (name !== undefined) snapshots.set(name, { job, pods: podsOf.get(name) ?? [] });
    }
    return snapshots;
  };
}
