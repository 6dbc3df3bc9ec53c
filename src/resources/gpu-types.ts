/**
 * GPU types are open: any lower-case name (`h100`, `rtx-4090`) is a type. The catalogue of known
 * GPUs (VRAM, cores) starts as the seed's table (GPU_CATALOGUE) and users add to it with
 * `registerGpuType`. The registry is a process-wide slot (global-slot.ts), so that every copy of
 * taskfit in a process (the command line's and the user's module's) sees one catalogue.
 */
import * as z from "zod";
import { ResourceSpecError } from "../errors.js";
import { globalSlot } from "../global-slot.js";
import { GPU_CATALOGUE, type GpuType } from "./presets.js";
import { fail, type Parsed } from "./quantity.js";

/** What a GPU type name looks like: lower-case letters, digits and `-`, starting with a letter or digit. */
export const GPU_TYPE_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

export interface GpuTypeInfo {
  /** unit: GiB of VRAM per GPU */
  readonly memoryGiB: number;
  readonly cudaCores?: number | undefined;
  /** The model name as the driver reports it, e.g. "NVIDIA H100 80GB HBM3". */
  readonly model?: string | undefined;
}

const GpuTypeInfoSchema = z.strictObject({
  memoryGiB: z.number().positive().finite(),
  cudaCores: z.number().int().positive().optional(),
  model: z.string().min(1).optional(),
});

const catalogue = globalSlot("gpuTypes", () => new Map<string, GpuTypeInfo>(Object.entries(GPU_CATALOGUE)));

export function isGpuTypeName(value: unknown): value is GpuType {
  return typeof value === "string" && GPU_TYPE_PATTERN.test(value);
}

export function expectedGpuType(): string {
  return 'a GPU type name: lower-case letters, digits and "-" (e.g. "a10g", "h100", "rtx-4090")';
}

/** A GPU type name as written, checked and kept as it is (never lower-cased). */
export function parseGpuType(value: unknown): Parsed<GpuType> {
  return isGpuTypeName(value) ? { ok: true, value } : fail(expectedGpuType());
}

/**
 * Adds a GPU type to the catalogue, e.g. `registerGpuType("h100", { memoryGiB: 80 })`, so that
 * schedulers know its VRAM. Registering the same type again with the same figures is harmless (a
 * module imported again in a worker does it); other figures for a known type are an error.
 */
export function registerGpuType(name: string, info: GpuTypeInfo): void {
  if (!isGpuTypeName(name)) throw new ResourceSpecError({ field: "registerGpuType(name)", value: name, expected: expectedGpuType() });
  const parsed = GpuTypeInfoSchema.safeParse(info);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.code === "unrecognized_keys" ? issue.keys[0] : issue?.path.map(String).join(".");
    throw new ResourceSpecError({
      field: `registerGpuType("${name}").${key ?? ""}`,
      value: typeof key === "string" && info !== null && typeof info === "object" ? Reflect.get(info, key) : info,
      expected: "{ memoryGiB: VRAM per GPU in GiB (> 0), cudaCores?: a whole number, model?: the driver's model name }",
    });
  }
  const known = catalogue.get(name);
  const entry = Object.freeze({ ...parsed.data });
  if (known !== undefined && JSON.stringify(known) !== JSON.stringify({ ...known, ...entry })) {
    throw new ResourceSpecError({
      field: `registerGpuType("${name}")`,
      value: info,
      expected: `the figures already in the catalogue for "${name}" (${JSON.stringify(known)}), or a new type name`,
    });
  }
  if (known === undefined) catalogue.set(name, entry);
}

/** The catalogue's figures for a type; undefined for a type nobody registered. */
export function gpuTypeInfo(name: string): GpuTypeInfo | undefined {
  return catalogue.get(name);
}

// Words in a driver's model name that say nothing about which GPU it is: vendor, product line,
// memory size, form factor, memory kind.
const NOISE = /^(nvidia|tesla|geforce|quadro|generation|\d+gb|sxm\d*|pcie|hbm\d*e?|nvl|nvlink)$/;

/**
 * The type name for a driver's model name, as `nvidia-smi` or GPU feature discovery's
 * `nvidia.com/gpu.product` label gives it: vendor and product-line words, memory size and form
 * factor are dropped, the rest joined with "-". "NVIDIA H100 80GB HBM3" -> "h100",
 * "Tesla-V100-SXM2-16GB" -> "v100", "NVIDIA GeForce RTX 4090" -> "rtx-4090",
 * "NVIDIA RTX 6000 Ada Generation" -> "rtx-6000-ada". Undefined when nothing is left.
 */
export function gpuTypeOfModel(model: string): GpuType | undefined {
  const words = model
    .toLowerCase()
    // A MIG slice ("...-MIG-1g.5gb") is named after its parent GPU.
    .replace(/[-_\s]mig[-_\s].*$/, "")
    .split(/[\s_-]+/)
    .map((word) => word.replace(/[^a-z0-9]/g, ""))
    .filter((word) => word !== "" && !NOISE.test(word));
  const name = words.join("-");
  return isGpuTypeName(name) ? name : undefined;
}
