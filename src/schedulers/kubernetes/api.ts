/**
 * The Kubernetes API calls a KubernetesScheduler makes, typed by the few fields it reads: the seam
 * where a unit test puts a stand-in API server, and where @kubernetes/client-node's clients plug
 * in (loaded only when a scheduler first needs the cluster: it is an optional peer dependency).
 */
import { SubmissionError } from "../../errors.js";
import type { JobStatusLike, PodLike } from "./outcome.js";

export interface ListedJob extends JobStatusLike {
  readonly metadata?: { readonly name?: string };
}

export interface ListedPod extends PodLike {
  readonly metadata?: { readonly name?: string; readonly labels?: Readonly<Record<string, string>> };
}

export interface ListedNode {
  readonly metadata?: { readonly name?: string; readonly labels?: Readonly<Record<string, string>> };
  readonly spec?: { readonly unschedulable?: boolean };
  readonly status?: { readonly allocatable?: Readonly<Record<string, string>> };
}

interface Listed<T> {
  readonly items: readonly T[];
}

export interface KubernetesApi {
  readonly batch: {
    createNamespacedJob(request: { namespace: string; body: object }): Promise<unknown>;
    listNamespacedJob(request: { namespace: string; labelSelector: string }): Promise<Listed<ListedJob>>;
    deleteNamespacedJob(request: { name: string; namespace: string; propagationPolicy: "Background" }): Promise<unknown>;
  };
  readonly core: {
    listNode(): Promise<Listed<ListedNode>>;
    listNamespacedPod(request: { namespace: string; labelSelector: string }): Promise<Listed<ListedPod>>;
    readNamespacedPodLog(request: { name: string; namespace: string; container: string }): Promise<string>;
  };
}

/** The API of the cluster a kubeconfig names (undefined: the usual lookup), through @kubernetes/client-node. */
export async function clientApi(kubeconfig: string | undefined, task: string): Promise<KubernetesApi> {
  let k8s: typeof import("@kubernetes/client-node");
  try {
    k8s = await import("@kubernetes/client-node");
  } catch (cause) {
    throw new SubmissionError({ task, scheduler: "Kubernetes", detail: "the optional peer dependency @kubernetes/client-node@1.4.0 is not installed", cause });
  }
  const config = new k8s.KubeConfig();
  if (kubeconfig !== undefined) config.loadFromFile(kubeconfig);
  else config.loadFromDefault();
  return { batch: config.makeApiClient(k8s.BatchV1Api), core: config.makeApiClient(k8s.CoreV1Api) };
}
