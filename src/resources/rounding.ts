/**
 * Rounding a request to what a target grants, and the unit steps that takes: whole cores (Slurm),
 * millicores (Kubernetes, and the finest CPU request taskfit takes), MiB of memory and storage,
 * whole minutes and seconds of time. Always up, never down, so a task gets at least what it asked
 * for; and floating-point noise (0.1 + 0.2) never pushes an exact value up a whole step.
 */

// Noise below a billionth of a step is no reason to take one more.
const NOISE = 1e-9;

export const MIB_PER_GIB = 1024;
export const BYTES_PER_MIB = 1024 ** 2;
export const BYTES_PER_GIB = 1024 ** 3;
/** unit: GiB; the step memory and storage are granted in (`--mem=…M`, `…Mi`) */
export const ONE_MIB_IN_GIB = 1 / MIB_PER_GIB;

/** How many steps of `1 / perUnit` hold `value`, rounded up: `countUp(1.5, MIB_PER_GIB)` is 1536 (MiB). */
export function countUp(value: number, perUnit: number): number {
  return Math.ceil(value * perUnit - NOISE);
}

/** Rounds up to a multiple of `step`, ignoring floating-point noise below 1e-9 of a step. */
export function roundUpTo(value: number, step: number): number {
  const steps = Math.ceil(value / step - NOISE);
  // A step of 1/n (a millicore is 1/1000): one correctly rounded division gives the double nearest
  // the decimal, as printing 12 places and parsing them back does, without making a string. Small,
  // so that V8 inlines it where a dynamic task's CPU is parsed at each call.
  const perUnit = 1 / step;
  return Number.isInteger(perUnit) ? steps / perUnit : multipleOf(steps, step);
}

/** `steps` steps of a step that is no 1/n (0.3), without the noise of the product (0.8999999999999999). */
function multipleOf(steps: number, step: number): number {
  return Number((steps * step).toFixed(12));
}

/** unit: whole cores, as Slurm's `--cpus-per-task` takes them */
export const wholeCoresUp = (cores: number): number => countUp(cores, 1);

/** unit: millicores, as Kubernetes' `"1500m"` */
export const millicoresUp = (cores: number): number => countUp(cores, 1000);

/** unit: MiB, as `--mem`, `--tmp` and Kubernetes' `"…Mi"` take memory and storage */
export const mebibytesUp = (gib: number): number => countUp(gib, MIB_PER_GIB);

/** unit: whole seconds, as Kubernetes' `activeDeadlineSeconds` */
export const secondsUp = (seconds: number): number => countUp(seconds, 1);

/** unit: whole minutes, as Slurm's `--time` (at least one) */
export const minutesUp = (seconds: number): number => Math.max(1, Math.ceil(seconds / 60 - NOISE));
