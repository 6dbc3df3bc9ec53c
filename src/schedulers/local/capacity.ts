/**
 * What this machine offers: given in the options, or detected (the cores and memory this process
 * may use, see effective-limits.ts; free disk of the work directory; GPUs from nvidia-smi when it
 * exists), each figure with where it came from.
 */
import { execFileSync } from "node:child_process";
import { statfsSync } from "node:fs";
import * as z from "zod";
import { ConfigurationError } from "../../errors.js";
import { GPU_TYPE_PATTERN, gpuTypeOfModel } from "../../resources/gpu-types.js";
import type { GpuType } from "../../resources/presets.js";
import { formatGiB } from "../../resources/quantity.js";
import { effectiveLimits, type LimitProbe, systemProbe } from "./effective-limits.js";

export interface GpuDevice {
  /** The device index, as CUDA_VISIBLE_DEVICES takes it. */
  readonly index: number;
  /** The type name ("a10g", "h100", "rtx-4090"): from the model name when detected (see gpuTypeOfModel). */
  readonly type?: GpuType | undefined;
  /** The model name as the driver reports it. */
  readonly model?: string | undefined;
  /** unit: GiB of VRAM */
  readonly memoryGiB?: number | undefined;
}

export interface MachineCapacity {
  /** unit: cores */
  readonly cpu: number;
  /** unit: GiB */
  readonly memoryGiB: number;
  /** unit: GiB; undefined means storage is not accounted */
  readonly storageGiB: number | undefined;
  readonly gpus: readonly GpuDevice[];
}

/** Where each figure of a detected capacity came from, e.g. `memoryGiB: "cgroup v1 limit 2 GiB"`. */
export type CapacitySources = {
  readonly cpu: string;
  readonly memoryGiB: string;
  readonly storageGiB: string;
  readonly gpus: string;
};

export interface DetectedCapacity extends MachineCapacity {
  readonly sources: CapacitySources;
}

const positive = (unit: string) =>
  z.number({ error: `a number of ${unit} greater than 0` }).positive({ error: `a number of ${unit} greater than 0` });

export const GpuDeviceSchema = z.strictObject({
  index: z.number().int().min(0),
  type: z.string().regex(GPU_TYPE_PATTERN, { error: 'a GPU type name: lower-case letters, digits and "-"' }).optional(),
  model: z.string().optional(),
  memoryGiB: positive("GiB").optional(),
});

export const CapacityOptionsSchema = z.strictObject({
  /** unit: cores. @default os.availableParallelism(), lowered by a cgroup CPU quota or a Slurm allocation */
  cpu: positive("cores").optional(),
  /** unit: GiB. @default os.totalmem(), lowered by a cgroup limit, process.constrainedMemory() or a Slurm allocation */
  memoryGiB: positive("GiB").optional(),
  /** unit: GiB. @default free space of the work directory (fs.statfs) */
  storageGiB: positive("GiB").optional(),
  /** A count, or the devices. @default the devices nvidia-smi lists, none without it */
  gpus: z.union([z.number().int().min(0), z.array(GpuDeviceSchema)]).optional(),
});
export type CapacityOptions = z.input<typeof CapacityOptionsSchema>;

const GIB = 1024 ** 3;

/** One `nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader,nounits` line per device. */
export function parseNvidiaSmi(out: string): GpuDevice[] {
  return out
    .split("\n")
    .map((line) => line.split(",").map((part) => part.trim()))
    .filter((parts) => parts.length >= 2 && /^\d+$/.test(parts[0] as string))
    .map(([index, model, mib]) => {
      const memory = Number(mib);
      return {
        index: Number(index),
        model,
        type: gpuTypeOfModel(model as string),
        ...(Number.isFinite(memory) && memory > 0 && { memoryGiB: memory / 1024 }),
      };
    });
}

/** GPUs from `nvidia-smi`; none (and no error) where it is missing or fails. */
export function detectGpus(): GpuDevice[] {
  try {
    const out = execFileSync("nvidia-smi", ["--query-gpu=index,name,memory.total", "--format=csv,noheader,nounits"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 10_000,
    });
    return parseNvidiaSmi(out);
  } catch {
    return [];
  }
}

function freeDiskGiB(dir: string): number | undefined {
  try {
    const stats = statfsSync(dir);
    return (stats.bavail * stats.bsize) / GIB;
  } catch {
    return undefined;
  }
}

/** The capacity from options, detecting what they leave out. Bad options are a ConfigurationError. */
export function resolveCapacity(options: unknown, workDir: string, probe: LimitProbe = systemProbe()): DetectedCapacity {
  const parsed = CapacityOptionsSchema.safeParse(options ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.map(String).join(".") ?? "";
    const key = issue?.path[0];
    const value = typeof key === "string" ? (options as Record<string, unknown>)[key] : options;
    throw new ConfigurationError({
      field: `capacity${path ? `.${path}` : ""}`,
      value: issue?.code === "unrecognized_keys" ? issue.keys[0] : value,
      expected:
        issue?.code === "unrecognized_keys"
          ? "a capacity key among `cpu`, `memoryGiB`, `storageGiB`, `gpus`"
          : (issue?.message ?? "a valid capacity"),
    });
  }
  const given = parsed.data;
  const gpus =
    typeof given.gpus === "number"
      ? Array.from({ length: given.gpus }, (_, index) => ({ index }))
      : (given.gpus ?? detectGpus());
  // Detected only when needed: reading cgroup files is cheap but not free.
  let detected: ReturnType<typeof effectiveLimits> | undefined;
  const detect = () => (detected ??= effectiveLimits(probe));
  const cpu = given.cpu !== undefined ? { value: given.cpu, source: "given (capacity.cpu)" } : detect().cpu;
  const memory = given.memoryGiB !== undefined ? { value: given.memoryGiB, source: "given (capacity.memoryGiB)" } : detect().memoryGiB;
  const storageGiB = given.storageGiB ?? freeDiskGiB(workDir);
  const seen = new Set<number>();
  for (const device of gpus) {
    if (seen.has(device.index)) {
      throw new ConfigurationError({
        field: "capacity.gpus",
        value: device.index,
        expected: "each GPU device index once",
      });
    }
    seen.add(device.index);
  }
  const gpuNote = (device: GpuDevice) => [device.model ?? device.type ?? "a GPU", device.memoryGiB && formatGiB(device.memoryGiB)].filter(Boolean).join(" ");
  return Object.freeze({
    cpu: cpu.value,
    memoryGiB: memory.value,
    storageGiB,
    gpus: Object.freeze(gpus.map((device) => Object.freeze({ ...device }))),
    sources: Object.freeze({
      cpu: cpu.source,
      memoryGiB: memory.source,
      storageGiB:
        given.storageGiB !== undefined ? "given (capacity.storageGiB)" : storageGiB === undefined ? "not accounted (free space unknown)" : `free space of ${workDir}`,
      gpus:
        given.gpus !== undefined
          ? "given (capacity.gpus)"
          : gpus.length === 0
            ? "none found by nvidia-smi"
            : `nvidia-smi: ${gpus.map((d) => `${d.index}: ${gpuNote(d)}`).join(", ")}`,
    }),
  });
}
