/**
 * A request no node of the partition can ever hold is refused before sbatch, not left pending
 * forever: the shared fit check over the nodes `sinfo` lists, in Slurm's steps (whole CPUs, MiB).
 */
import { UnschedulableError } from "../../errors.js";
import { MIB_PER_GIB, ONE_MIB_IN_GIB } from "../../resources/rounding.js";
import type { ResolvedResources } from "../../resources/spec.js";
import { type NodeSize, shortfalls } from "../fit.js";
import type { NodeInfo } from "./slurm-state.js";

/** What one node gives a task asking for GPUs of `gpuType` (any type: the untyped total). */
export function nodeSize(node: NodeInfo, gpuType: string | undefined): NodeSize {
  return { cpu: node.cpus, memoryGiB: node.memoryMiB / MIB_PER_GIB, storageGiB: node.tmpDiskMiB / MIB_PER_GIB, gpus: node.gpus.get(gpuType ?? "") ?? 0 };
}

/** Throws an UnschedulableError naming what is short when no node (of `partition`, when given) can hold the request. */
export function checkFits(task: string, resources: ResolvedResources, nodes: readonly NodeInfo[], partition: string | undefined): void {
  const candidates = partition === undefined ? nodes : nodes.filter((n) => n.partitions.includes(partition));
  const short = shortfalls(resources, candidates.map((n) => nodeSize(n, resources.gpuType)), { cpu: 1, gib: ONE_MIB_IN_GIB });
  if (short.length === 0) return;
  throw new UnschedulableError({ task, scheduler: partition === undefined ? "Slurm" : `Slurm partition ${partition}`, shortfalls: short });
}
