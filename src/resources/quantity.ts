/**
 * CPU, byte and duration quantities: the zod schemas of what a user may write (a number or a
 * string), and their parsing. The parsers are pure functions: each returns the parsed number or a
 * short description of what was expected, which the caller turns into the right error class (a
 * spec error for static values, a resolution error for function results).
 */
import * as z from "zod";

import { roundUpTo } from "./rounding.js";

/** unit: cores. A number (fractions down to 0.001) or a string: "2", "0.5", "500m". */
export const CpuQuantitySchema = z.union([z.number(), z.string()]);
/** unit: cores. A number (fractions down to 0.001) or a string: "2", "0.5", "500m". */
export type CpuQuantity = z.infer<typeof CpuQuantitySchema>;
/** unit: GiB when a number; a string needs a unit: "512Mi", "8Gi", "16GB", "1.5TiB". */
export const ByteQuantitySchema = z.union([z.number(), z.string()]);
/** unit: GiB when a number; a string needs a unit: "512Mi", "8Gi", "16GB", "1.5TiB". */
export type ByteQuantity = z.infer<typeof ByteQuantitySchema>;
/** unit: seconds when a number; or a string such as "90s", "30m", "2h", "1h30m". */
export const DurationSchema = z.union([z.number(), z.string()]);
/** unit: seconds when a number; or a string such as "90s", "30m", "2h", "1h30m". */
export type Duration = z.infer<typeof DurationSchema>;

/** A parsed value (a number unless said otherwise), or what was expected instead. */
export type Parsed<T = number> = { readonly ok: true; readonly value: T } | ParseFailure;
export interface ParseFailure {
  readonly ok: false;
  readonly expected: string;
}

const ok = (value: number): Parsed => ({ ok: true, value });
export const fail = (expected: string): ParseFailure => ({ ok: false, expected });

/** The smallest CPU request, as Kubernetes allows: one millicore. */
export const MIN_CPU = 0.001;

const CPU_EXPECTED = `a CPU count in cores from ${MIN_CPU} up (a number, or a string such as "2", "0.5" or "500m")`;
const CPU_STRING = /^(\d+(?:\.\d+)?|\.\d+)(m?)$/;

/** Cores, as a positive number or a Kubernetes-style string ("2", "0.5", "500m"); rounded up to a millicore. */
export function parseCpu(value: unknown): Parsed {
  let cores: number;
  if (typeof value === "number") {
    cores = value;
  } else if (typeof value === "string") {
    const match = CPU_STRING.exec(value.trim());
    if (!match) return fail(CPU_EXPECTED);
    cores = Number(match[1]) / (match[2] === "m" ? 1000 : 1);
  } else {
    return fail(CPU_EXPECTED);
  }
  if (!Number.isFinite(cores) || cores < MIN_CPU) return fail(CPU_EXPECTED);
  return ok(roundUpTo(cores, MIN_CPU));
}

const GIB = 1024 ** 3;
const BYTE_UNITS: Readonly<Record<string, number>> = {
  Ki: 1024, KiB: 1024, Mi: 1024 ** 2, MiB: 1024 ** 2, Gi: GIB, GiB: GIB, Ti: 1024 ** 4, TiB: 1024 ** 4,
  k: 1e3, K: 1e3, KB: 1e3, kB: 1e3, M: 1e6, MB: 1e6, G: 1e9, GB: 1e9, T: 1e12, TB: 1e12,
};
const BYTE_STRING = /^(\d+(?:\.\d+)?|\.\d+)\s*([A-Za-z]+)$/;
const BYTES_EXPECTED =
  'a positive number of GiB, or a quantity string with a unit ("512Mi", "8Gi", "16GB", "1.5TiB"; units Ki Mi Gi Ti, KiB MiB GiB TiB, k K M G T, KB MB GB TB)';

/** A byte quantity in GiB: a positive number of GiB, or a string with an explicit unit. */
export function parseGiB(value: unknown): Parsed {
  let gib: number;
  if (typeof value === "number") {
    gib = value;
  } else if (typeof value === "string") {
    const match = BYTE_STRING.exec(value.trim());
    const unit = match ? BYTE_UNITS[match[2] ?? ""] : undefined;
    if (!match || unit === undefined) return fail(BYTES_EXPECTED);
    gib = (Number(match[1]) * unit) / GIB;
  } else {
    return fail(BYTES_EXPECTED);
  }
  if (!Number.isFinite(gib) || gib <= 0) return fail(BYTES_EXPECTED);
  return ok(gib);
}

const GPU_EXPECTED = "a whole number of GPUs from 0 up";

/** A GPU count: a whole number from 0 up. Fractions are refused, not rounded. */
export function parseGpu(value: unknown): Parsed {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) return fail(GPU_EXPECTED);
  return ok(value);
}

/** Seconds per day, hour, minute and second: the order of DURATION_STRING's groups. */
const DURATION_UNITS: readonly number[] = [86400, 3600, 60, 1];
const DURATION_STRING = /^(?:(\d+(?:\.\d+)?)d)?\s*(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m)?\s*(?:(\d+(?:\.\d+)?)s)?$/;
const DURATION_EXPECTED = 'a positive number of seconds, or a duration string such as "90s", "30m", "2h" or "1h30m"';

/** A duration in seconds: a positive number of seconds, or a string of d/h/m/s parts ("1h30m"). */
export function parseDurationSeconds(value: unknown): Parsed {
  let seconds: number;
  if (typeof value === "number") {
    seconds = value;
  } else if (typeof value === "string") {
    const match = DURATION_STRING.exec(value.trim());
    if (!match || value.trim() === "") return fail(DURATION_EXPECTED);
    seconds = DURATION_UNITS.reduce((sum, unitSeconds, i) => sum + Number(match[i + 1] ?? 0) * unitSeconds, 0);
  } else {
    return fail(DURATION_EXPECTED);
  }
  if (!Number.isFinite(seconds) || seconds <= 0) return fail(DURATION_EXPECTED);
  return ok(seconds);
}

/** Formats GiB for people: "4 GiB", "512 MiB". */
export function formatGiB(gib: number): string {
  if (gib >= 1) return `${Number(gib.toFixed(3))} GiB`;
  return `${Number((gib * 1024).toFixed(3))} MiB`;
}
