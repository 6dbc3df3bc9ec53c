/** Rounding a suggestion up to values a person would write, never down. */

/** Float noise in `x / step` (0.1 + 0.2) must not push an exact value to the next step. */
const EPSILON = 1e-9;

const clean = (x: number) => Number(x.toPrecision(12));

/** `value` up to a multiple of `step`, written cleanly, and never below `value` (the tolerance and the cleaning can round down: one step more then). */
function upTo(value: number, step: number): number {
  const rounded = clean(Math.ceil(value / step - EPSILON) * step);
  return rounded >= value ? rounded : clean(rounded + step);
}

/** unit: GiB. Up to an eighth of the power of two below it (2.25, 5.5, 12, 13), at least 1/32 GiB (32 MiB). */
export function roundUpGiB(gib: number): number {
  if (gib <= 0) return 1 / 32;
  return upTo(gib, Math.max(1 / 32, 2 ** Math.floor(Math.log2(gib)) / 8));
}

/** Up to three significant digits: 1.8312 -> 1.84, 0.04211 -> 0.0422, -0.1234 -> -0.123. */
export function roundUpCoefficient(value: number): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  return upTo(value, 10 ** (Math.floor(Math.log10(Math.abs(value))) - 2));
}

/**
 * unit: cores. Whole cores from one core up, quarters below it. CPU time is shared, not a limit
 * that kills, and the worker's own threads (GC, I/O) add a little to any task: within a tenth of
 * a core above a whole number rounds down to it (1.04 cores -> 1).
 */
export function roundCores(cores: number): number {
  if (cores < 0.9) return Math.max(0.25, Math.ceil(cores * 4 - EPSILON) / 4);
  return Math.max(1, Math.ceil(cores - 0.1 - EPSILON));
}
