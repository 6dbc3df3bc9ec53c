import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { roundCores, roundUpCoefficient, roundUpGiB } from "../../src/fit/round.js";
import { lineR2, theilSen } from "../../src/fit/statistics.js";

describe("theilSen", () => {
  it("finds an exact line, with R² 1", () => {
    const xs = [0, 1, 2, 3, 4];
    const ys = xs.map((x) => 0.5 + 2 * x);
    const line = theilSen(xs, ys);
    expect(line).toEqual({ intercept: 0.5, slope: 2 });
    expect(lineR2(xs, ys, line as NonNullable<typeof line>)).toBe(1);
  });

  it("is not pulled by a few wild points, where least squares would be", () => {
    const xs = Array.from({ length: 20 }, (_, i) => i);
    const ys = xs.map((x) => 1 + 0.5 * x);
    ys[3] = 40;
    ys[17] = 60;
    expect(theilSen(xs, ys)).toEqual({ intercept: 1, slope: 0.5 });
  });

  it("has no line when every x is the same", () => {
    expect(theilSen([2, 2, 2], [1, 2, 3])).toBeUndefined();
  });

  it("samples the pairs of a long history evenly and still finds the line", () => {
    const xs = Array.from({ length: 1500 }, (_, i) => i % 97);
    const ys = xs.map((x) => 3 + 0.25 * x);
    const line = theilSen(xs, ys);
    expect(line?.slope).toBeCloseTo(0.25, 9);
    expect(line?.intercept).toBeCloseTo(3, 9);
  });
});

describe("rounding suggestions up", () => {
  it("rounds GiB up to an eighth of the power of two below, at least 32 MiB", () => {
    expect([0.01, 0.1, 0.3, 1, 1.01, 1.3, 2, 2.1, 5.2, 12.3].map(roundUpGiB)).toEqual([0.03125, 0.125, 0.3125, 1, 1.125, 1.375, 2, 2.25, 5.5, 13]);
  });

  it("rounds a coefficient up at its third significant digit", () => {
    expect([1.8312, 0.04211, -0.1234, 12.34, 2, 0].map(roundUpCoefficient)).toEqual([1.84, 0.0422, -0.123, 12.4, 2, 0]);
  });

  it("never rounds GiB or a coefficient down", () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 1e4, noNaN: true }), (x) => {
        expect(roundUpGiB(x)).toBeGreaterThanOrEqual(x);
        expect(roundUpGiB(x)).toBeLessThanOrEqual(x + Math.max(x / 8, 1 / 32) + 1e-12);
        expect(roundUpCoefficient(x)).toBeGreaterThanOrEqual(x);
        expect(roundUpCoefficient(-x)).toBeGreaterThanOrEqual(-x);
      }),
    );
  });

  it("rounds cores to whole cores from one up (a tenth of slack), quarters below", () => {
    expect([0.1, 0.3, 0.8, 0.95, 1.04, 1.1, 1.2, 1.98, 2.5].map(roundCores)).toEqual([0.25, 0.5, 1, 1, 1, 1, 2, 2, 3]);
  });
});
