/**
 * The statistics a fit needs: a high quantile (simple-statistics, numpy's linear method), a
 * Theil–Sen line (the median of the slopes between every two points: robust against a few noisy
 * attempts, unlike least squares) and its R².
 */
import { median, quantile, rSquared } from "simple-statistics";

export { quantile };

export interface Line {
  readonly intercept: number;
  readonly slope: number;
}

/** Past this many pairs, a fixed, evenly spread sample of them is used (the median hardly moves). */
const MAX_PAIRS = 250_000;

/** The Theil–Sen line through the points; undefined when every x is the same. */
export function theilSen(xs: readonly number[], ys: readonly number[]): Line | undefined {
  const n = xs.length;
  const total = (n * (n - 1)) / 2;
  const stride = Math.max(1, Math.floor(total / MAX_PAIRS));
  const slopes: number[] = [];
  let pair = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++, pair++) {
      if (pair % stride !== 0) continue;
      const dx = (xs[j] as number) - (xs[i] as number);
      if (dx !== 0) slopes.push(((ys[j] as number) - (ys[i] as number)) / dx);
    }
  }
  if (slopes.length === 0) return undefined;
  const slope = median(slopes);
  const intercept = median(ys.map((y, i) => y - slope * (xs[i] as number)));
  return { intercept, slope };
}

/** How much of the spread of `ys` the line explains: 1 - residual / total sum of squares. */
export function lineR2(xs: readonly number[], ys: readonly number[], line: Line): number {
  return rSquared(
    xs.map((x, i) => [x, ys[i] as number]),
    (x) => line.intercept + line.slope * x,
  );
}
