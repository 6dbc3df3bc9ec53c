/**
 * Whether a request fits one node of a target, and if not, what is short: the one check behind
 * the LocalScheduler (its machine is one node), Slurm (the nodes `sinfo` lists) and Kubernetes
 * (the nodes' allocatable). Each adapter maps its view of a node into a NodeSize and says in which
 * steps it grants (Slurm: whole cores and MiB). Shortfalls name the request's own fields in its
 * own units (cores, GiB), so a request too big reads the same on every target.
 */
import type { Shortfall } from "../errors.js";
import { roundUpTo } from "../resources/rounding.js";
import type { ResolvedResources } from "../resources/spec.js";

/** What one node can give one task. */
export interface NodeSize {
  /** unit: cores */
  readonly cpu: number;
  /** unit: GiB */
  readonly memoryGiB: number;
  /** unit: GiB; undefined when the node does not say (storage is then not checked on it) */
  readonly storageGiB?: number | undefined;
  /** Its GPUs that can serve the request: of the requested type, or all of them for an untyped request. */
  readonly gpus: number;
}

/** The steps a target grants in: a request is rounded up to them before it is compared. */
export interface Granularity {
  /** unit: cores (Slurm: 1, Kubernetes: 0.001). @default none: compared as asked */
  readonly cpu?: number | undefined;
  /** unit: GiB, for memory and storage (ONE_MIB_IN_GIB on both clusters). @default none: compared as asked */
  readonly gib?: number | undefined;
}

export type FitRequest = Pick<ResolvedResources, "cpu" | "memoryGiB" | "storageGiB" | "gpu" | "gpuType">;

interface Amounts {
  readonly cpu: number;
  readonly memoryGiB: number;
  readonly storageGiB: number | undefined;
  readonly gpu: number;
}

/** No shortfall when some node holds the whole request; else what the nodes lack, by field. */
export function shortfalls(request: FitRequest, nodes: readonly NodeSize[], granularity: Granularity = {}): Shortfall[] {
  const step = (value: number, by: number | undefined) => (by === undefined ? value : roundUpTo(value, by));
  const granted: Amounts = {
    cpu: step(request.cpu, granularity.cpu),
    memoryGiB: step(request.memoryGiB, granularity.gib),
    storageGiB: request.storageGiB === undefined ? undefined : step(request.storageGiB, granularity.gib),
    gpu: request.gpu,
  };
  if (nodes.some((node) => holds(node, granted))) return [];
  const gpuField = request.gpuType === undefined ? "gpu" : `gpu (type ${request.gpuType})`;
  const alone = lacking(request, granted, nodes, gpuField, "");
  if (alone.length > 0) return alone;
  // Every figure is on some node, never all on one. With GPUs asked for, what the nodes that have
  // them lack is the useful part; else the whole request is what no node has.
  if (granted.gpu > 0) {
    const gpuNodes = nodes.filter((node) => node.gpus >= granted.gpu);
    const onGpuNodes = lacking(request, granted, gpuNodes, gpuField, ` on nodes with ${granted.gpu} ${gpuField}`);
    if (onGpuNodes.length > 0) return onGpuNodes;
  }
  return [{ field: "one node with all of it", requested: describe(granted, gpuField), available: "none" }];
}

function holds(node: NodeSize, granted: Amounts): boolean {
  const storage = granted.storageGiB === undefined || node.storageGiB === undefined || granted.storageGiB <= node.storageGiB;
  return granted.cpu <= node.cpu && granted.memoryGiB <= node.memoryGiB && storage && granted.gpu <= node.gpus;
}

/** The fields no one of `nodes` has enough of on its own. */
function lacking(request: FitRequest, granted: Amounts, nodes: readonly NodeSize[], gpuField: string, where: string): Shortfall[] {
  const short: Shortfall[] = [];
  const check = (field: string, asked: number | undefined, wanted: number | undefined, size: (node: NodeSize) => number | undefined) => {
    if (asked === undefined || wanted === undefined) return;
    // A node that does not say is not known to be short.
    if (nodes.some((node) => size(node) === undefined)) return;
    const most = Math.max(0, ...nodes.map((node) => size(node) ?? 0));
    if (wanted <= most) return;
    // The figure asked for, unless only the target's rounding up makes it too big.
    short.push({ field: `${field}${where}`, requested: asked > most ? asked : wanted, available: Number(most.toFixed(3)) });
  };
  check("cpu", request.cpu, granted.cpu, (node) => node.cpu);
  check("memoryGiB", request.memoryGiB, granted.memoryGiB, (node) => node.memoryGiB);
  check("storageGiB", request.storageGiB, granted.storageGiB, (node) => node.storageGiB);
  check(gpuField, request.gpu, granted.gpu, (node) => node.gpus);
  return short;
}

function describe(granted: Amounts, gpuField: string): string {
  const storage = granted.storageGiB === undefined ? "" : `, storageGiB ${granted.storageGiB}`;
  const gpu = granted.gpu === 0 ? "" : `, ${gpuField} ${granted.gpu}`;
  return `cpu ${granted.cpu}, memoryGiB ${granted.memoryGiB}${storage}${gpu}`;
}
