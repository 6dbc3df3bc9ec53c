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
export const fail = (expected: string): ParseFailure => Object.freeze({ ok: false, expected });

// Each quantity has a reader and a parser. The reader gives the number, or NaN for a value it is
// not: no object made, and small enough for V8 to inline where a dynamic task's resolution calls it
// at each call (strings are read by a function of their own). The parser says what was expected.

/** The smallest CPU request, as Kubernetes allows: one millicore. */
export const MIN_CPU = 0.001;

const CPU_FAILURE = fail(`a CPU count in cores from ${MIN_CPU} up (a number, or a string such as "2", "0.5" or "500m")`);
const CPU_STRING = /^(\d+(?:\.\d+)?|\.\d+)(m?)$/;

/** Cores, as a positive number or a Kubernetes-style string ("2", "0.5", "500m"), rounded up to a millicore; NaN for anything else. */
export function readCpu(value: unknown): number {
  const cores = typeof value === "number" ? value : coresOfString(value);
  // false for NaN (what a value that is not a CPU quantity reads as) and for Infinity
  return cores >= MIN_CPU && cores <= Number.MAX_VALUE ? roundUpTo(cores, MIN_CPU) : Number.NaN;
}

/** Cores, as a positive number or a Kubernetes-style string ("2", "0.5", "500m"); rounded up to a millicore. */
export function parseCpu(value: unknown): Parsed {
  const cores = readCpu(value);
  return Number.isNaN(cores) ? CPU_FAILURE : ok(cores);
}

/** The cores a string such as "2", "0.5" or "500m" says; NaN for anything else. */
function coresOfString(value: unknown): number {
  const match = typeof value === "string" ? CPU_STRING.exec(value.trim()) : null;
  return match ? Number(match[1]) / (match[2] === "m" ? 1000 : 1) : Number.NaN;
}

const GIB = 1024 ** 3;
const BYTE_UNITS: Readonly<Record<string, number>> = {
  Ki: 1024, KiB: 1024, Mi: 1024 ** 2, MiB: 1024 ** 2, Gi: GIB, GiB: GIB, Ti: 1024 ** 4, TiB: 1024 ** 4,
  k: 1e3, K: 1e3, KB: 1e3, kB: 1e3, M: 1e6, MB: 1e6, G: 1e9, GB: 1e9, T: 1e12, TB: 1e12,
};
const BYTE_STRING = /^(\d+(?:\.\d+)?|\.\d+)\s*([A-Za-z]+)$/;
const BYTES_FAILURE = fail(
  'a positive number of GiB, or a quantity string with a unit ("512Mi", "8Gi", "16GB", "1.5TiB"; units Ki Mi Gi Ti, KiB MiB GiB TiB, k K M G T, KB MB GB TB)',
);

/** A byte quantity in GiB: a positive number of GiB, or a string with an explicit unit; NaN for anything else. */
export function readGiB(value: unknown): number {
  const gib = typeof value === "number" ? value : gibOfString(value);
  // false for NaN (what a value that is not a byte quantity reads as) and for Infinity
  return gib > 0 && gib <= Number.MAX_VALUE ? gib : Number.NaN;
}

/** A byte quantity in GiB: a positive number of GiB, or a string with an explicit unit. */
export function parseGiB(value: unknown): Parsed {
  const gib = readGiB(value);
  return Number.isNaN(gib) ? BYTES_FAILURE : ok(gib);
}

/** The GiB a string with a unit says ("512Mi", "16GB"); NaN for anything else. */
function gibOfString(value: unknown): number {
  const match = typeof value === "string" ? BYTE_STRING.exec(value.trim()) : null;
  const unit = match ? BYTE_UNITS[match[2] ?? ""] : undefined;
  return match && unit !== undefined ? (Number(match[1]) * unit) / GIB : Number.NaN;
}

const GPU_FAILURE = fail("a whole number of GPUs from 0 up");

/** A GPU count: a whole number from 0 up; NaN for anything else (fractions are refused, not rounded). */
export function readGpu(value: unknown): number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : Number.NaN;
}

/** A GPU count: a whole number from 0 up. Fractions are refused, not rounded. */
export function parseGpu(value: unknown): Parsed {
  const count = readGpu(value);
  return Number.isNaN(count) ? GPU_FAILURE : ok(count);
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
