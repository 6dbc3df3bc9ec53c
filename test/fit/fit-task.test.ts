import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FIT_TRUTH, STATIC_SPEC, syntheticHistory } from "../../bench/cases/fit-truth.js";
import { ConfigurationError } from "../../src/index.js";
import { fitHistory } from "../../src/fit/fit-history.js";
import { DEFAULT_FIT_OPTIONS, fitOptions } from "../../src/fit/fit-options.js";
import { fitTask } from "../../src/fit/fit-task.js";
import { HistoryLine } from "../../src/fit/history-line.js";

const GIB = 1024 ** 3;
const history = (seed: number, count: number, outlierEvery?: number) => syntheticHistory(seed, count, FIT_TRUTH, outlierEvery).map((line) => HistoryLine.parse(line));
const inputGiB = (line: HistoryLine) => (line.features["args[0].totalBytes"] as number) / GIB;
const peak = (line: HistoryLine) => line.usage?.peakMemoryGiB as number;

describe("fitting a task's memory to its input sizes (known truth)", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`recovers the truth within 20% and covers every peak (seed ${seed})`, () => {
      const lines = history(seed, 24);
      const [fit] = fitHistory(lines, DEFAULT_FIT_OPTIONS);
      const fn = fit?.memory.function;
      expect(fn?.fit.feature).toBe("args[0].totalBytes");
      expect(fn?.fit.slope).toBeGreaterThan(FIT_TRUTH.slope * 0.8);
      expect(fn?.fit.slope).toBeLessThan(FIT_TRUTH.slope * 1.2);
      expect(fn?.fit.intercept).toBeGreaterThan(FIT_TRUTH.interceptGiB * 0.8);
      expect(fn?.fit.intercept).toBeLessThan(FIT_TRUTH.interceptGiB * 1.2);
      expect(fn?.fit.r2).toBeGreaterThan(0.8);
      for (const line of lines) expect(Math.max(fn?.floorGiB ?? 0, (fn?.intercept as number) + (fn?.slope as number) * inputGiB(line))).toBeGreaterThanOrEqual(peak(line));
      expect(fit?.memory.suggested).toBe("function");
      expect(fit?.spec[0]).toBe(`memory: (files: readonly TaskFile[]) => ${fn?.intercept} + ${fn?.slope} * totalGiB(files),`);
      expect(fit?.spec[1]).toBe("cpu: 1,");
    });
  }

  it("flags the generous static spec as an over-request, in the words of the issue", () => {
    const lines = history(7, 16);
    const [fit] = fitHistory(lines, DEFAULT_FIT_OPTIONS);
    const highest = Math.max(...lines.map(peak));
    expect(fit?.flags).toContain(`requests ${STATIC_SPEC.memoryGiB} GiB, peak <= ${Number(highest.toFixed(3))} GiB in 16 attempts`);
    expect(fit?.flags).toContain("requests 2 cores, uses <= 0.98 in 16 attempts");
    expect(fit).toMatchObject({ task: "allocate", attempts: 16, measured: 16, succeeded: 16, outOfMemory: 0, cpu: { requested: [2, 2], suggested: 1 } });
  });

  it("suggests a constant from the peaks' quantile times the headroom, and no function, below the minimum of attempts", () => {
    const lines = history(8, 5, 0);
    const [fit] = fitHistory(lines, fitOptions({ quantile: "1", headroom: "1.5" }));
    const highest = Math.max(...lines.map(peak));
    expect(fit?.memory.function).toBeNull();
    expect(fit?.memory.noFunction).toBe("5 successful measured attempts; a function of an argument needs 8 (--min-attempts)");
    expect(fit?.memory.constantGiB).toBeGreaterThanOrEqual(highest * 1.5);
    expect(fit?.memory.constantGiB).toBeLessThanOrEqual(highest * 1.5 * 1.125);
    expect(fit?.spec[0]).toBe(`memory: ${fit?.memory.constantGiB},`);
  });

  it("suggests no function when no argument explains the peaks well enough, and says how well the best did", () => {
    const lines = history(9, 16, 0).map((line, i) => ({ ...line, usage: { ...(line.usage as NonNullable<HistoryLine["usage"]>), peakMemoryGiB: 1 + ((i * 7) % 5) / 10 } }));
    const [fit] = fitHistory(lines, DEFAULT_FIT_OPTIONS);
    expect(fit?.memory.function).toBeNull();
    expect(fit?.memory.noFunction).toMatch(/^(args\[0\]\.\w+ explains the peaks with R² 0\.\d\d, below 0\.8 \(--min-r2\)|the peaks do not grow with any argument feature)$/);
    expect(fit?.memory.suggested).toBe("constant");
  });

  it("flags out-of-memory attempts and suggests more than each of them had", () => {
    const lines = history(10, 16, 0);
    const biggest = lines.reduce((a, b) => (inputGiB(a) > inputGiB(b) ? a : b));
    // A rerun of the biggest input with a tight spec was killed at 95% of its later peak.
    const killed: HistoryLine = { ...biggest, attempt: 1, request: { ...biggest.request, memoryGiB: peak(biggest) * 1.3 }, usage: { ...(biggest.usage as NonNullable<HistoryLine["usage"]>), peakMemoryGiB: peak(biggest) * 1.3 }, outcome: { end: "error", code: "OUT_OF_MEMORY", message: "ran out of memory" } };
    const [fit] = fitHistory([...lines, killed], DEFAULT_FIT_OPTIONS);
    expect(fit?.outOfMemory).toBe(1);
    expect(fit?.flags).toContain(`1 attempt ran out of memory (OUT_OF_MEMORY), with ${Number((peak(biggest) * 1.3).toFixed(3))} GiB`);
    const fn = fit?.memory.function;
    expect((fn?.intercept as number) + (fn?.slope as number) * inputGiB(killed)).toBeGreaterThan(killed.request.memoryGiB);
    expect(fit?.memory.constantGiB).toBeGreaterThan(killed.request.memoryGiB);
    expect(fn?.notes.join()).toMatch(/to exceed what the out-of-memory attempts had/);
  });

  it("fits only successful measured attempts, and says why the others were left out", () => {
    const lines = history(11, 10, 0);
    const inProcess: HistoryLine = { ...(lines[0] as HistoryLine), usage: null, unmeasured: 'in-process attempt (isolation: "none"): not measured' };
    const failed: HistoryLine = { ...(lines[1] as HistoryLine), usage: { ...(lines[1]?.usage as NonNullable<HistoryLine["usage"]>), peakMemoryGiB: 100 }, outcome: { end: "error", code: "TASK_EXECUTION_FAILED", message: "boom" } };
    const [fit] = fitHistory([...lines, inProcess, inProcess, failed], DEFAULT_FIT_OPTIONS);
    expect(fit).toMatchObject({ attempts: 13, measured: 11, succeeded: 10 });
    expect(fit?.flags).toContain('2 attempts not measured: in-process attempt (isolation: "none"): not measured');
    expect(fit?.notes).toContain("1 attempt failed with TASK_EXECUTION_FAILED: not fitted");
    expect(fit?.memory.peakGiB).toBe(Math.max(...lines.map(peak)));
  });

  it("never suggests memory below an observed peak of a successful attempt, whatever the history", () => {
    const line = HistoryLine.parse(syntheticHistory(1, 1)[0]);
    // Peaks along a line with any amount of noise, from none (a function fits) to all (none does).
    const attempts = fc.record({
      base: fc.integer({ min: 1, max: 5000 }).map((n) => n / 100),
      slope: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2000 }).map((n) => n / 100)),
      noise: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.1, noNaN: true }), fc.double({ min: 0, max: 2, noNaN: true })),
      draws: fc.array(fc.record({ bytes: fc.nat({ max: 2 ** 40 }), count: fc.integer({ min: 1, max: 50 }), jitter: fc.double({ min: -0.5, max: 1, noNaN: true }) }), { minLength: 1, maxLength: 40, size: "max" }),
    });
    const options = fc.record({ headroom: fc.double({ min: 1, max: 3, noNaN: true }), quantile: fc.double({ min: 0.01, max: 1, noNaN: true }), minAttempts: fc.integer({ min: 2, max: 10 }), minR2: fc.double({ min: 0, max: 1, noNaN: true }) });
    let functions = 0;
    fc.assert(
      fc.property(attempts, options, ({ base, slope, noise, draws }, opts) => {
        const observed = draws.map(({ bytes, count, jitter }) => ({ bytes, count, peak: (base + (slope * bytes) / GIB) * (1 + noise * jitter) }));
        const lines = observed.map(({ peak, bytes, count }) => ({ ...line, usage: { ...(line.usage as NonNullable<HistoryLine["usage"]>), peakMemoryGiB: peak }, features: { "args[0].totalBytes": bytes, "args[0].count": count } }));
        const fit = fitTask("t", lines, opts);
        const fn = fit.memory.function;
        if (fn !== null) functions++;
        for (const { peak, bytes, count } of observed) {
          expect(fit.memory.constantGiB).toBeGreaterThanOrEqual(peak);
          if (fn === null) continue;
          const x = fn.fit.feature.endsWith("totalBytes") ? bytes / GIB : count;
          expect(Math.max(fn.floorGiB ?? 0, fn.intercept + fn.slope * x)).toBeGreaterThanOrEqual(peak);
        }
      }),
      { numRuns: 300 },
    );
    // The property held over histories where a function was suggested, not only over constants.
    expect(functions).toBeGreaterThan(30);
  });
});

describe("fitHistory", () => {
  const line = HistoryLine.parse(syntheticHistory(1, 1)[0]);
  const named = (name: string, module: string | null): HistoryLine => ({ ...line, task: { name, module, index: 0 } });

  it("fits each task on its own, told apart by module when two share a name, and only the one asked for with --task", () => {
    const lines = [named("align", "file:///a/one.ts"), named("align", "file:///b/two.ts"), named("sort", "file:///a/one.ts")];
    expect(fitHistory(lines, DEFAULT_FIT_OPTIONS).map((f) => f.task)).toEqual(["align (one.ts)", "align (two.ts)", "sort"]);
    expect(fitHistory(lines, DEFAULT_FIT_OPTIONS, "sort").map((f) => f.task)).toEqual(["sort"]);
    expect(fitHistory(lines, DEFAULT_FIT_OPTIONS, "align").map((f) => f.task)).toEqual(["align (one.ts)", "align (two.ts)"]);
  });

  it("names the tasks there are when --task names none of them", () => {
    expect(() => fitHistory([named("align", null)], DEFAULT_FIT_OPTIONS, "nope")).toThrow(ConfigurationError);
    expect(() => fitHistory([named("align", null)], DEFAULT_FIT_OPTIONS, "nope")).toThrow(/Expected a task in the history: align, got `"nope"`.*--task/);
  });
});

describe("fitOptions", () => {
  it("takes the command line's strings over the defaults", () => {
    expect(fitOptions({})).toEqual(DEFAULT_FIT_OPTIONS);
    expect(fitOptions({ headroom: "1.5", quantile: "0.95", minAttempts: "10", minR2: "0.5" })).toEqual({ headroom: 1.5, quantile: 0.95, minAttempts: 10, minR2: 0.5 });
  });

  it.each([
    [{ headroom: "0.9" }, "--headroom", /from 1 up/],
    [{ headroom: "lots" }, "--headroom", /a number from 1 up/],
    [{ quantile: "0" }, "--quantile", /in \(0, 1\]/],
    [{ quantile: "1.5" }, "--quantile", /in \(0, 1\]/],
    [{ minAttempts: "2.5" }, "--min-attempts", /whole number/],
    [{ minAttempts: "1" }, "--min-attempts", /from 2 up/],
    [{ minR2: "-0.1" }, "--min-r2", /in \[0, 1\]/],
  ])("refuses %o, naming the option", (given, field, message) => {
    let error: unknown;
    try {
      fitOptions(given);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).field).toBe(field);
    expect((error as Error).message).toMatch(message);
  });
});
