/**
 * A request no schedulable node's allocatable could ever hold is refused before a Job is made: the
 * shared fit check over the nodes, in the steps the Job asks in (millicores, Mi).
 */
import { UnschedulableError } from "../../errors.js";
import { MIN_CPU } from "../../resources/quantity.js";
import { BYTES_PER_GIB, ONE_MIB_IN_GIB } from "../../resources/rounding.js";
import type { ResolvedResources } from "../../resources/spec.js";
import { type NodeSize, shortfalls } from "../fit.js";
import { type GpuSelectorOptions, nodeHasGpuType } from "./gpu-selector.js";
import { GPU_RESOURCE } from "./manifest.js";
import { quantityValue } from "./validate.js";

/** A node as the fit check reads it. */
export interface NodeView {
  readonly labels: Readonly<Record<string, string>>;
  readonly allocatable: Readonly<Record<string, string>>;
}

/** What one node can give a task asking for GPUs of `gpuType`: a node not labelled with that type has none for it. */
export function nodeSize(node: NodeView, gpuType: string | undefined, selector: GpuSelectorOptions): NodeSize {
  const has = (resource: string) => quantityValue(node.allocatable[resource] ?? "0");
  const gpus = gpuType === undefined || nodeHasGpuType(node.labels, gpuType, selector) ? has(GPU_RESOURCE) : 0;
  return { cpu: has("cpu"), memoryGiB: has("memory") / BYTES_PER_GIB, storageGiB: has("ephemeral-storage") / BYTES_PER_GIB, gpus };
}

/** Throws an UnschedulableError naming what is short when no node can hold the request. */
export function checkFits(task: string, resources: ResolvedResources, nodes: readonly NodeView[], selector: GpuSelectorOptions): void {
  const gpuType = resources.gpu > 0 ? resources.gpuType : undefined;
  const short = shortfalls(resources, nodes.map((node) => nodeSize(node, gpuType, selector)), { cpu: MIN_CPU, gib: ONE_MIB_IN_GIB });
  if (short.length === 0) return;
  // No node has the GPU type at all: the node label (or its value) is what to look at.
  const labelled = gpuType === undefined || nodes.some((node) => nodeHasGpuType(node.labels, gpuType, selector));
  const value = gpuType === undefined ? undefined : selector.values[gpuType];
  const hint = labelled ? undefined : `No schedulable node is labelled ${selector.label}${value === undefined ? ` with a ${gpuType} GPU` : `=${value}`} (gpuNodeSelector)`;
  throw new UnschedulableError({ task, scheduler: "Kubernetes", shortfalls: short, hint });
}
