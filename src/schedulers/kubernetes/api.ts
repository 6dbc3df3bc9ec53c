/**
 * The Kubernetes API calls a KubernetesScheduler makes, typed by the few fields it reads: the seam
 * where a unit test puts a stand-in API server, and where @kubernetes/client-node's clients plug
 * in (loaded only when a scheduler first needs the cluster: it is an optional peer dependency).
 */
import { SubmissionError } from "../../errors.js";

// The shapes are written out whole (no named parts) so that a test's stand-in needs no other type.

/** A Job as listed: its name and status. */
export interface ListedJob {
  readonly metadata?: { readonly name?: string };
  readonly status?: {
    readonly conditions?: ReadonlyArray<{ readonly type?: string; readonly status?: string; readonly reason?: string; readonly message?: string }>;
    readonly active?: number;
    readonly failed?: number;
    readonly succeeded?: number;
  };
}

/** A pod as listed: its Job (label `job-name`), its node, its phase and its container's state. */
export interface ListedPod {
  readonly metadata?: { readonly name?: string; readonly labels?: Readonly<Record<string, string>> };
  readonly spec?: { readonly nodeName?: string };
  readonly status?: {
    readonly phase?: string;
    readonly conditions?: ReadonlyArray<{ readonly type?: string; readonly status?: string; readonly reason?: string; readonly message?: string }>;
    readonly containerStatuses?: ReadonlyArray<{
      readonly state?: {
        readonly terminated?: { readonly exitCode?: number; readonly reason?: string; readonly message?: string };
        readonly waiting?: { readonly reason?: string; readonly message?: string };
      };
    }>;
  };
}

/** A node as listed: its labels, whether it is cordoned, what it can allocate. */
export interface ListedNode {
  readonly metadata?: { readonly name?: string; readonly labels?: Readonly<Record<string, string>> };
  readonly spec?: { readonly unschedulable?: boolean };
  readonly status?: { readonly allocatable?: Readonly<Record<string, string>> };
}

/** The calls a KubernetesScheduler makes, as @kubernetes/client-node's BatchV1Api and CoreV1Api take them. */
export interface KubernetesApi {
  readonly batch: {
    createNamespacedJob(request: { namespace: string; body: object }): Promise<unknown>;
    listNamespacedJob(request: { namespace: string; labelSelector: string }): Promise<{ readonly items: readonly ListedJob[] }>;
    deleteNamespacedJob(request: { name: string; namespace: string; propagationPolicy: "Background" }): Promise<unknown>;
  };
  readonly core: {
    listNode(): Promise<{ readonly items: readonly ListedNode[] }>;
    listNamespacedPod(request: { namespace: string; labelSelector: string }): Promise<{ readonly items: readonly ListedPod[] }>;
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
