import { describe, expect, it } from "vitest";
import { formatGiB, parseCpu, parseDurationSeconds, parseGiB } from "../../src/resources/quantity.js";

const GIB = 1024 ** 3;

describe("parseCpu", () => {
  it.each([
    [2, 2],
    [0.5, 0.5],
    [0.001, 0.001],
    ["2", 2],
    ["0.5", 0.5],
    [".5", 0.5],
    ["500m", 0.5],
    ["1m", 0.001],
    ["1500m", 1.5],
    [" 2 ", 2],
  ])("parses %j as %d cores", (input, cores) => {
    expect(parseCpu(input)).toEqual({ ok: true, value: cores });
  });

  it("rounds a fraction of a millicore up, never down", () => {
    expect(parseCpu(0.0011)).toEqual({ ok: true, value: 0.002 });
    expect(parseCpu(1.0001)).toEqual({ ok: true, value: 1.001 });
    expect(parseCpu("2.5m")).toEqual({ ok: true, value: 0.003 });
  });

  it("does not round floating-point noise up a whole millicore (0.1 + 0.2 stays 0.3)", () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(parseCpu(0.1 + 0.2)).toEqual({ ok: true, value: 0.3 });
  });

  it.each([
    ["below one millicore", 0.0009],
    ["half a millicore as a string", "0.5m"],
    ["zero", 0],
    ["negative", -1],
    ["a negative string", "-1"],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["-Infinity", Number.NEGATIVE_INFINITY],
    ["a word", "abc"],
    ["two decimal points", "1.5.5"],
    ["an empty string", ""],
    ["exponent notation", "1e3"],
    ["a memory unit", "2Gi"],
    ["a boolean", true],
    ["null", null],
    ["undefined", undefined],
    ["an object", { cpu: 2 }],
  ])("rejects %s", (_label, input) => {
    const parsed = parseCpu(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.expected).toContain("CPU count");
  });
});

describe("parseGiB", () => {
  it.each([
    ["1Ki", 1024 / GIB],
    ["1KiB", 1024 / GIB],
    ["512Mi", 0.5],
    ["512MiB", 0.5],
    ["8Gi", 8],
    ["8GiB", 8],
    ["2Ti", 2048],
    ["1.5TiB", 1536],
    ["1000k", 1e6 / GIB],
    ["1000K", 1e6 / GIB],
    ["1000KB", 1e6 / GIB],
    ["1000kB", 1e6 / GIB],
    ["300M", 3e8 / GIB],
    ["300MB", 3e8 / GIB],
    ["16G", 16e9 / GIB],
    ["16GB", 16e9 / 2 ** 30],
    ["2T", 2e12 / GIB],
    ["2TB", 2e12 / GIB],
  ])("parses %s as %d GiB", (input, gib) => {
    expect(parseGiB(input)).toEqual({ ok: true, value: gib });
  });

  it("takes a number as GiB, fractions included", () => {
    expect(parseGiB(8)).toEqual({ ok: true, value: 8 });
    expect(parseGiB(0.5)).toEqual({ ok: true, value: 0.5 });
  });

  it("allows spaces around the quantity and before the unit", () => {
    expect(parseGiB(" 8 Gi ")).toEqual({ ok: true, value: 8 });
  });

  it.each([
    ["a bare number string (no unit)", "8"],
    ["zero", 0],
    ["zero with a unit", "0Gi"],
    ["a negative number", -1],
    ["a negative quantity", "-1Gi"],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["two decimal points", "1.5.5Gi"],
    ["an unknown unit", "8Pi"],
    ["a lower-case binary unit", "8gi"],
    ["a lower-case g", "8g"],
    ["a unit alone", "Gi"],
    ["an empty string", ""],
    ["a boolean", true],
    ["null", null],
  ])("rejects %s", (_label, input) => {
    const parsed = parseGiB(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.expected).toContain('"512Mi"');
  });
});

describe("parseDurationSeconds", () => {
  it.each([
    [90, 90],
    [0.05, 0.05],
    ["90s", 90],
    ["30m", 1800],
    ["2h", 7200],
    ["1d", 86400],
    ["1h30m", 5400],
    ["1h 30m", 5400],
    ["1.5h", 5400],
    ["1d2h3m4s", 86400 + 7200 + 180 + 4],
  ])("parses %j as %d seconds", (input, seconds) => {
    expect(parseDurationSeconds(input)).toEqual({ ok: true, value: seconds });
  });

  it.each([
    ["zero", 0],
    ["zero seconds", "0s"],
    ["negative", -5],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["an empty string", ""],
    ["blank", "   "],
    ["a word", "abc"],
    ["an unknown unit", "5x"],
    ["parts out of order", "30m1h"],
    ["a bare number string", "90"],
    ["null", null],
  ])("rejects %s", (_label, input) => {
    const parsed = parseDurationSeconds(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.expected).toContain("duration");
  });
});

describe("formatGiB", () => {
  it("shows GiB from 1 GiB up and MiB below", () => {
    expect(formatGiB(4)).toBe("4 GiB");
    expect(formatGiB(1.5)).toBe("1.5 GiB");
    expect(formatGiB(0.5)).toBe("512 MiB");
  });
});
