/**
 * Which nodes have a GPU type, by a node label (default GPU feature discovery's
 * `nvidia.com/gpu.product`, whose values are the driver's model names with "-" for spaces:
 * "NVIDIA-H100-80GB-HBM3"). A label value is of type `t` when it is the value configured for `t`,
 * or, with none configured, when its model name normalises to `t` (gpuTypeOfModel). The Job then
 * asks for exactly the label values found on the cluster's nodes, so any GPU type works without
 * configuration where nodes may be listed.
 */
import { ConfigurationError } from "../../errors.js";
import { gpuTypeOfModel } from "../../resources/gpu-types.js";

export const DEFAULT_GPU_LABEL = "nvidia.com/gpu.product";

/**
 * The label values for the seed's GPU types when nodes cannot be listed (`plan` without a
 * cluster): GPU feature discovery's names for the cards AWS puts behind those presets.
 */
export const DEFAULT_GPU_VALUES: Readonly<Record<string, string>> = {
  a10g: "NVIDIA-A10G",
  v100: "Tesla-V100-SXM2-16GB",
  l40s: "NVIDIA-L40S",
};

export interface GpuSelectorOptions {
  readonly label: string;
  /** Label values given by the user, per type: these win over discovery. */
  readonly values: Readonly<Record<string, string>>;
}

/** Whether a node's labels say it has GPUs of `type`. */
export function nodeHasGpuType(labels: Readonly<Record<string, string>>, type: string, options: GpuSelectorOptions): boolean {
  const value = labels[options.label];
  if (value === undefined) return false;
  const given = options.values[type];
  return given !== undefined ? value === given : gpuTypeOfModel(value) === type;
}

/**
 * The label values a Job for `type` selects: the configured one; else those found on `nodes`
 * (when they could be listed); else the default for a seed type. A type with none of these is a
 * ConfigurationError naming the option that fixes it.
 */
export function gpuLabelValues(
  type: string,
  options: GpuSelectorOptions,
  nodes: ReadonlyArray<Readonly<Record<string, string>>> | undefined,
  task: string,
): readonly string[] {
  const given = options.values[type];
  if (given !== undefined) return [given];
  const found = new Set<string>();
  for (const labels of nodes ?? []) {
    const value = labels[options.label];
    if (value !== undefined && nodeHasGpuType(labels, type, options)) found.add(value);
  }
  if (found.size > 0) return [...found].sort();
  const fallback = DEFAULT_GPU_VALUES[type];
  if (fallback !== undefined && options.label === DEFAULT_GPU_LABEL) return [fallback];
  throw new ConfigurationError({
    task,
    field: `gpuNodeSelector.values.${type}`,
    expected: `the value of the node label ${options.label} for GPU type "${type}" (no node${nodes === undefined ? "s could be listed to find it" : " has it"})`,
  });
}
