/**
 * Memory as a function of one argument feature: each feature that varies across the successful
 * attempts gets a Theil–Sen line through (feature, peak); the one that explains the peaks best
 * (R²) is suggested when there are enough attempts and it explains enough. The suggestion is the
 * line times the headroom, its intercept raised until it covers every observed peak (and exceeds
 * what each out-of-memory attempt had), coefficients rounded up.
 */
import type { FitOptions } from "./fit-options.js";
import type { ArgumentKind } from "./history-line.js";
import { roundUpCoefficient, roundUpGiB } from "./round.js";
import { type Line, lineR2, theilSen } from "./statistics.js";
import { featureTerm, linearFunction } from "./typescript.js";

const GIB = 1024 ** 3;

export interface Observation {
  readonly features: Readonly<Record<string, number>>;
  /** unit: GiB */
  readonly peakGiB: number;
}

/** An attempt that ran out of memory with this much: the task needed more for these arguments. */
export interface OutOfMemoryBound {
  readonly features: Readonly<Record<string, number>>;
  /** unit: GiB */
  readonly requestGiB: number;
}

export interface LinearFit {
  /** The argument feature, e.g. `args[0].totalBytes`. */
  readonly feature: string;
  /** unit: GiB */
  readonly intercept: number;
  /** unit: GiB per GiB of the feature for bytes, else GiB per unit of the feature */
  readonly slope: number;
  readonly r2: number;
  readonly attempts: number;
}

export interface MemoryFunction {
  readonly fit: LinearFit;
  /** The suggestion: GiB = intercept + slope * feature (in GiB for bytes), at least `floorGiB` when given. */
  readonly intercept: number;
  readonly slope: number;
  readonly floorGiB: number | undefined;
  /** To paste into the spec as `memory:`. */
  readonly typescript: string;
  /** unit: GiB; what it would have reserved on average over the successful attempts */
  readonly meanGiB: number;
  /** What raised it beyond the line times the headroom. */
  readonly notes: readonly string[];
}

export interface MemoryFunctionResult {
  /** Every feature tried, best first. */
  readonly candidates: readonly LinearFit[];
  readonly suggestion: MemoryFunction | undefined;
  /** Why there is no suggestion, when there is none. */
  readonly why: string | undefined;
}

/** The feature's value in the unit it is fitted in: GiB for bytes. */
const scaled = (feature: string, value: number) => (feature.endsWith(".totalBytes") ? value / GIB : value);

function candidateFeatures(observations: readonly Observation[]): string[] {
  const first = observations[0];
  if (first === undefined) return [];
  return Object.keys(first.features).filter((feature) => {
    const values = observations.map((o) => o.features[feature]);
    if (values.some((v) => v === undefined || v < 0)) return false;
    return new Set(values).size >= 3;
  });
}

export function fitMemoryFunction(
  observations: readonly Observation[],
  outOfMemory: readonly OutOfMemoryBound[],
  options: FitOptions,
  print: { readonly parameters: readonly (string | null)[] | null; readonly kinds: Readonly<Record<string, ArgumentKind>> },
): MemoryFunctionResult {
  const ys = observations.map((o) => o.peakGiB);
  const candidates: LinearFit[] = [];
  for (const feature of candidateFeatures(observations)) {
    const xs = observations.map((o) => scaled(feature, o.features[feature] as number));
    const line = theilSen(xs, ys);
    if (line === undefined) continue;
    candidates.push({ feature, intercept: line.intercept, slope: line.slope, r2: lineR2(xs, ys, line), attempts: observations.length });
  }
  candidates.sort((a, b) => b.r2 - a.r2);
  const best = candidates.find((c) => c.slope > 0);
  const none = (why: string): MemoryFunctionResult => ({ candidates, suggestion: undefined, why });
  if (observations.length < options.minAttempts) {
    return none(`${observations.length} successful measured attempts; a function of an argument needs ${options.minAttempts} (--min-attempts)`);
  }
  if (best === undefined) {
    return none(candidates.length === 0 ? "no argument feature takes 3 or more values across the attempts" : "the peaks do not grow with any argument feature");
  }
  if (!(best.r2 >= options.minR2)) {
    return none(`${best.feature} explains the peaks with R² ${best.r2.toFixed(2)}, below ${options.minR2} (--min-r2)`);
  }
  return { candidates, suggestion: suggestFunction(best, observations, outOfMemory, options, print), why: undefined };
}

function suggestFunction(
  fit: LinearFit,
  observations: readonly Observation[],
  outOfMemory: readonly OutOfMemoryBound[],
  options: FitOptions,
  print: { readonly parameters: readonly (string | null)[] | null; readonly kinds: Readonly<Record<string, ArgumentKind>> },
): MemoryFunction {
  const x = (features: Readonly<Record<string, number>>) => scaled(fit.feature, features[fit.feature] as number);
  const notes: string[] = [];
  const line: { intercept: number; slope: number } = { intercept: options.headroom * fit.intercept, slope: options.headroom * fit.slope };
  const at = (l: Line, value: number) => l.intercept + l.slope * value;
  // Never below an observed peak of a successful attempt.
  const short = Math.max(...observations.map((o) => o.peakGiB - at(line, x(o.features))));
  if (short > 0) {
    line.intercept += short;
    notes.push(`intercept raised by ${short.toFixed(3)} GiB to cover every observed peak`);
  }
  // More than each out-of-memory attempt had, where its arguments are known.
  const bounds = outOfMemory.filter((b) => b.features[fit.feature] !== undefined);
  if (bounds.length > 0) {
    const lacking = Math.max(...bounds.map((b) => b.requestGiB - at(line, x(b.features))));
    if (lacking >= 0) {
      line.intercept += lacking + 1 / 32;
      notes.push(`intercept raised by ${(lacking + 1 / 32).toFixed(3)} GiB to exceed what the out-of-memory attempts had`);
    }
  }
  let intercept = roundUpCoefficient(line.intercept);
  const slope = roundUpCoefficient(line.slope);
  // Rounding only raises both; this guards against float noise at the last digit.
  const gap = Math.max(...observations.map((o) => o.peakGiB - (intercept + slope * x(o.features))));
  if (gap > 0) intercept = roundUpCoefficient(intercept + gap);
  const smallest = Math.min(...observations.map((o) => o.peakGiB));
  const floorGiB = intercept > 0 ? undefined : roundUpGiB(smallest * options.headroom);
  const value = (features: Readonly<Record<string, number>>) => Math.max(floorGiB ?? 0, intercept + slope * x(features));
  const meanGiB = observations.reduce((sum, o) => sum + value(o.features), 0) / observations.length;
  const typescript = linearFunction(featureTerm(fit.feature, print.parameters, print.kinds), intercept, slope, floorGiB);
  return { fit, intercept, slope, floorGiB, typescript, meanGiB, notes };
}
