/**
 * The Latch presets (seed 000), as data. Presets are fixed machines: their numbers are exact and the
 * custom-task limits do not apply to them. The seed gives no storage for presets, so none is set:
 * the scheduler's default applies.
 */

/**
 * The seed's GPU models, keyed by the lower-case name used in specs and PRESETS. Other types are
 * open (any lower-case name); `registerGpuType` adds their figures (see gpu-types.ts).
 */
export const GPU_CATALOGUE = {
  a10g: { model: "NVIDIA A10G", /** unit: GiB, per GPU */ memoryGiB: 24, cudaCores: 9216 },
  v100: { model: "NVIDIA V100", memoryGiB: 16, cudaCores: 5120 },
  l40s: { model: "NVIDIA L40S", memoryGiB: 48, cudaCores: 18176 },
} as const;
/** The seed's GPU types. */
export type KnownGpuType = keyof typeof GPU_CATALOGUE;
/** Any GPU type name (lower-case letters, digits, `-`); the seed's names are suggested by editors. */
// `string & {}` keeps the known names as completions instead of widening the union to `string`.
export type GpuType = KnownGpuType | (string & {});
export const GPU_TYPES = Object.keys(GPU_CATALOGUE) as readonly KnownGpuType[];

export interface Preset {
  /** unit: cores */
  readonly cpu: number;
  /** unit: GiB */
  readonly memoryGiB: number;
  /** unit: GPUs (whole) */
  readonly gpu: number;
  readonly gpuType: GpuType | undefined;
  /** unit: GiB of VRAM per GPU */
  readonly gpuMemoryGiB: number | undefined;
}

function cpuOnly(cpu: number, memoryGiB: number): Preset {
  return Object.freeze({ cpu, memoryGiB, gpu: 0, gpuType: undefined, gpuMemoryGiB: undefined });
}

function withGpu(cpu: number, memoryGiB: number, gpu: number, gpuType: KnownGpuType): Preset {
  const gpuMemoryGiB = GPU_CATALOGUE[gpuType].memoryGiB;
  return Object.freeze({ cpu, memoryGiB, gpu, gpuType, gpuMemoryGiB });
}

export const PRESETS = Object.freeze({
  small_task: cpuOnly(2, 4),
  medium_task: cpuOnly(32, 128),
  large_task: cpuOnly(96, 192),
  small_gpu_task: withGpu(8, 32, 1, "a10g"),
  large_gpu_task: withGpu(31, 120, 1, "a10g"),
  v100_x1_task: withGpu(16, 64, 1, "v100"),
  v100_x4_task: withGpu(64, 256, 4, "v100"),
  v100_x8_task: withGpu(128, 512, 8, "v100"),
  g6e_xlarge_task: withGpu(4, 32, 1, "l40s"),
  g6e_2xlarge_task: withGpu(8, 64, 1, "l40s"),
  g6e_4xlarge_task: withGpu(16, 128, 1, "l40s"),
  g6e_8xlarge_task: withGpu(32, 256, 1, "l40s"),
  g6e_12xlarge_task: withGpu(48, 384, 1, "l40s"),
  g6e_16xlarge_task: withGpu(64, 512, 1, "l40s"),
  g6e_24xlarge_task: withGpu(96, 768, 4, "l40s"),
});
export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as readonly PresetName[];
