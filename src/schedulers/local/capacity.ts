/**
 * What this machine offers: given in the options, or detected (cores, total memory, free disk of
 * the work directory, GPUs from nvidia-smi when it exists).
 */
import { execFileSync } from "node:child_process";
import { statfsSync } from "node:fs";
import { availableParallelism, totalmem } from "node:os";
import { z } from "zod";
import { ResourceSpecError } from "../../errors.js";
import { GPU_CATALOGUE, type GpuType } from "../../resources/presets.js";

export interface GpuDevice {
  /** The device index, as CUDA_VISIBLE_DEVICES takes it. */
  readonly index: number;
  /** The catalogue type ("a10g", "v100", "l40s") when known. */
  readonly type?: GpuType | undefined;
  /** The model name as the driver reports it. */
  readonly model?: string | undefined;
}

export interface Capacity {
  /** unit: cores */
  readonly cpu: number;
  /** unit: GiB */
  readonly memoryGiB: number;
  /** unit: GiB; undefined means storage is not accounted */
  readonly storageGiB: number | undefined;
  readonly gpus: readonly GpuDevice[];
}

const positive = (unit: string) =>
  z.number({ error: `a number of ${unit} greater than 0` }).positive({ error: `a number of ${unit} greater than 0` });

export const GpuDeviceSchema = z.strictObject({
  index: z.number().int().min(0),
  type: z.enum(Object.keys(GPU_CATALOGUE) as [GpuType, ...GpuType[]]).optional(),
  model: z.string().optional(),
});

export const CapacityOptionsSchema = z.strictObject({
  /** unit: cores. @default os.availableParallelism() */
  cpu: positive("cores").optional(),
  /** unit: GiB. @default os.totalmem() */
  memoryGiB: positive("GiB").optional(),
  /** unit: GiB. @default free space of the work directory (fs.statfs) */
  storageGiB: positive("GiB").optional(),
  /** A count, or the devices. @default the devices nvidia-smi lists, none without it */
  gpus: z.union([z.number().int().min(0), z.array(GpuDeviceSchema)]).optional(),
});
export type CapacityOptions = z.input<typeof CapacityOptionsSchema>;

const GIB = 1024 ** 3;

function typeOfModel(model: string): GpuType | undefined {
  const lower = model.toLowerCase();
  return (Object.keys(GPU_CATALOGUE) as GpuType[]).find((type) => lower.includes(type));
}

/** GPUs from `nvidia-smi`; none (and no error) where it is missing or fails. */
export function detectGpus(): GpuDevice[] {
  let out: string;
  try {
    out = execFileSync("nvidia-smi", ["--query-gpu=index,name,memory.total", "--format=csv,noheader"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 10_000,
    });
  } catch {
    return [];
  }
  return out
    .split("\n")
    .map((line) => line.split(",").map((part) => part.trim()))
    .filter((parts) => parts.length >= 2 && /^\d+$/.test(parts[0] as string))
    .map(([index, model]) => ({ index: Number(index), model, type: typeOfModel(model as string) }));
}

function freeDiskGiB(dir: string): number | undefined {
  try {
    const stats = statfsSync(dir);
    return (stats.bavail * stats.bsize) / GIB;
  } catch {
    return undefined;
  }
}

/** The capacity from options, detecting what they leave out. Bad options are a ResourceSpecError. */
export function resolveCapacity(options: unknown, workDir: string): Capacity {
  const parsed = CapacityOptionsSchema.safeParse(options ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.map(String).join(".") ?? "";
    const key = issue?.path[0];
    const value = typeof key === "string" ? (options as Record<string, unknown>)[key] : options;
    throw new ResourceSpecError({
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
  const seen = new Set<number>();
  for (const device of gpus) {
    if (seen.has(device.index)) {
      throw new ResourceSpecError({
        field: "capacity.gpus",
        value: device.index,
        expected: "each GPU device index once",
      });
    }
    seen.add(device.index);
  }
  return Object.freeze({
    cpu: given.cpu ?? availableParallelism(),
    memoryGiB: given.memoryGiB ?? totalmem() / GIB,
    storageGiB: given.storageGiB ?? freeDiskGiB(workDir),
    gpus: Object.freeze(gpus.map((device) => Object.freeze({ ...device }))),
  });
}
