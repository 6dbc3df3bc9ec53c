import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MIN_CPU } from "../../src/resources/quantity.js";
import { countUp, mebibytesUp, millicoresUp, minutesUp, ONE_MIB_IN_GIB, roundUpTo, secondsUp, wholeCoresUp } from "../../src/resources/rounding.js";

describe("roundUpTo", () => {
  it("keeps exact multiples", () => {
    expect(roundUpTo(2, MIN_CPU)).toBe(2);
    expect(roundUpTo(0.5, 0.25)).toBe(0.5);
    expect(roundUpTo(3, 1)).toBe(3);
  });

  it("rounds anything above a multiple up to the next one", () => {
    expect(roundUpTo(0.0011, MIN_CPU)).toBe(0.002);
    expect(roundUpTo(1.01, 1)).toBe(2);
    expect(roundUpTo(8 + 1 / 2048, 1 / 1024)).toBe(8 + 1 / 1024);
  });

  it("ignores floating-point noise below 1e-9 of a step", () => {
    expect(roundUpTo(0.1 + 0.2, MIN_CPU)).toBe(0.3);
    expect(roundUpTo(0.7 * 3, 0.1)).toBe(2.1);
  });

  it("returns clean decimals, not products with noise", () => {
    expect(roundUpTo(0.0071, MIN_CPU)).toBe(0.008);
    expect(String(roundUpTo(1.2345, MIN_CPU))).toBe("1.235");
  });

  it("gives the clean decimal for any count of millicores, and the next one for a hair more", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), (millicores) => {
        const decimal = `${Math.floor(millicores / 1000)}.${String(millicores % 1000).padStart(3, "0")}`;
        expect(roundUpTo(millicores * MIN_CPU, MIN_CPU)).toBe(Number(decimal));
        expect(roundUpTo(millicores / 1000 + 0.0004, MIN_CPU)).toBe(roundUpTo((millicores + 1) * MIN_CPU, MIN_CPU));
      }),
    );
  });
});

describe("what targets are asked for", () => {
  it("rounds up to whole cores, millicores, MiB, seconds and minutes", () => {
    expect(wholeCoresUp(0.25)).toBe(1);
    expect(wholeCoresUp(2.001)).toBe(3);
    expect(millicoresUp(0.0011)).toBe(2);
    expect(millicoresUp(0.3333 * 3)).toBe(1000);
    expect(mebibytesUp(0.0001)).toBe(1);
    expect(mebibytesUp(1.5)).toBe(1536);
    expect(mebibytesUp(14.901161193847656)).toBe(15259);
    expect(secondsUp(90.2)).toBe(91);
    expect(minutesUp(61)).toBe(2);
  });

  it("keeps exact values: no step more for float noise", () => {
    expect(wholeCoresUp(0.1 + 0.2 + 2.7)).toBe(3);
    expect(mebibytesUp(0.1 + 0.2)).toBe(308);
    expect(millicoresUp(0.1 + 0.2)).toBe(300);
    expect(minutesUp(7200)).toBe(120);
    expect(secondsUp(5400)).toBe(5400);
  });

  it("asks for at least a minute", () => {
    expect(minutesUp(1)).toBe(1);
    expect(minutesUp(60)).toBe(1);
  });

  it("gives the same step as roundUpTo, as a count", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 1000, noNaN: true }), (gib) => {
        expect(countUp(gib, 1024) * ONE_MIB_IN_GIB).toBe(roundUpTo(gib, ONE_MIB_IN_GIB));
      }),
    );
  });
});
