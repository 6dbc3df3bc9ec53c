/** What `taskfit fit` is asked for, checked: each bad value is a ConfigurationError naming its option. */
import { ConfigurationError } from "../errors.js";

export interface FitOptions {
  /** Memory suggestions are the observed need times this. @default 1.2 */
  readonly headroom: number;
  /** Which quantile of the peaks a constant suggestion starts from. @default 0.99 */
  readonly quantile: number;
  /** Successful measured attempts needed before a function of an argument is suggested. @default 8 */
  readonly minAttempts: number;
  /** How much of the peaks' spread an argument must explain (R² of the fit) to be suggested. @default 0.8 */
  readonly minR2: number;
}

export const DEFAULT_FIT_OPTIONS: FitOptions = Object.freeze({ headroom: 1.2, quantile: 0.99, minAttempts: 8, minR2: 0.8 });

/** The option's number from text (`--headroom 1.5`), or the value itself. */
function number(field: string, value: unknown, expected: string): number {
  const parsed = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof parsed !== "number" || !Number.isFinite(parsed)) throw new ConfigurationError({ field, value, expected });
  return parsed;
}

/** Options as given (strings from the command line, or numbers), checked, over the defaults. */
export function fitOptions(given: { readonly [K in keyof FitOptions]?: unknown }): FitOptions {
  const options = { ...DEFAULT_FIT_OPTIONS };
  if (given.headroom !== undefined) {
    const headroom = number("--headroom", given.headroom, "a headroom factor: a number from 1 up (1.2 adds 20%)");
    if (headroom < 1) throw new ConfigurationError({ field: "--headroom", value: given.headroom, expected: "a headroom factor from 1 up (1.2 adds 20%); below 1 would suggest less than was used" });
    options.headroom = headroom;
  }
  if (given.quantile !== undefined) {
    const quantile = number("--quantile", given.quantile, "a quantile in (0, 1], such as 0.99");
    if (!(quantile > 0 && quantile <= 1)) throw new ConfigurationError({ field: "--quantile", value: given.quantile, expected: "a quantile in (0, 1], such as 0.99" });
    options.quantile = quantile;
  }
  if (given.minAttempts !== undefined) {
    const min = number("--min-attempts", given.minAttempts, "a whole number of attempts from 2 up");
    if (!Number.isInteger(min) || min < 2) throw new ConfigurationError({ field: "--min-attempts", value: given.minAttempts, expected: "a whole number of attempts from 2 up (a line needs two points)" });
    options.minAttempts = min;
  }
  if (given.minR2 !== undefined) {
    const r2 = number("--min-r2", given.minR2, "an R² in [0, 1], such as 0.8");
    if (!(r2 >= 0 && r2 <= 1)) throw new ConfigurationError({ field: "--min-r2", value: given.minR2, expected: "an R² in [0, 1], such as 0.8" });
    options.minR2 = r2;
  }
  return Object.freeze(options);
}
