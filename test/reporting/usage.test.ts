import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { peakUsage, usageOverTime, utilisation } from "../../src/reporting/usage.js";
import { recorderOf } from "../helpers/records.js";

describe("usageOverTime", () => {
  it("steps up at each start and down at each end, ends before starts at the same instant, and counts the queue", () => {
    const recorder = recorderOf([
      { task: "a", cpu: 1, memoryGiB: 2, queued: 0, start: 0, end: 100 },
      { task: "b", cpu: 2, memoryGiB: 1, queued: 0, start: 100, end: 300 },
      { task: "c", cpu: 0.5, memoryGiB: 4, gpu: 1, queued: 0, start: 50, end: 150 },
      { task: "never", cpu: 8, memoryGiB: 8, queued: 0 },
    ]);
    const points = usageOverTime(recorder.attempts.values(), 300);
    expect(points).toEqual([
      { at: 0, cpu: 1, memoryGiB: 2, gpus: 0, running: 1, waiting: 3 },
      { at: 50, cpu: 1.5, memoryGiB: 6, gpus: 1, running: 2, waiting: 2 },
      { at: 100, cpu: 2.5, memoryGiB: 5, gpus: 1, running: 2, waiting: 1 },
      { at: 150, cpu: 2, memoryGiB: 1, gpus: 0, running: 1, waiting: 1 },
      // b ends; `never` waited until the end of the run
      { at: 300, cpu: 0, memoryGiB: 0, gpus: 0, running: 0, waiting: 0 },
    ]);
    expect(peakUsage(points)).toEqual({ cpu: 2.5, memoryGiB: 6, gpus: 1 });
  });

  it("counts an attempt still running up to the end it is given", () => {
    const recorder = recorderOf([{ task: "a", cpu: 1, memoryGiB: 1, queued: 0, start: 10 }]);
    expect(usageOverTime(recorder.attempts.values(), 40).map((p) => [p.at, p.cpu, p.waiting])).toEqual([
      [0, 0, 1],
      [10, 1, 0],
      [40, 0, 0],
    ]);
  });

  it("matches a brute-force sum at every point, never goes below zero, and ends at exactly zero (property)", () => {
    const span = fc.record({ start: fc.integer({ min: 0, max: 1000 }), length: fc.integer({ min: 0, max: 500 }), cpu: fc.double({ min: 0.001, max: 64, noNaN: true }), memoryGiB: fc.double({ min: 0.001, max: 512, noNaN: true }) });
    fc.assert(
      fc.property(fc.array(span, { maxLength: 40 }), (spans) => {
        const recorder = recorderOf(spans.map((s) => ({ task: "t", cpu: s.cpu, memoryGiB: s.memoryGiB, queued: s.start, start: s.start, end: s.start + s.length })));
        const points = usageOverTime(recorder.attempts.values(), 2000);
        for (const p of points) expect(p.cpu).toBeGreaterThanOrEqual(-1e-9);
        for (const p of points) expect(p.waiting).toBeGreaterThanOrEqual(0);
        // Each point holds what a brute-force sum over the attempts running at that instant gives.
        for (const p of points) {
          const held = spans.filter((s) => s.start <= p.at && p.at < s.start + s.length).reduce((sum, s) => sum + s.cpu, 0);
          expect(p.cpu).toBeCloseTo(held, 6);
        }
        if (points.length > 0) expect(points.at(-1)).toMatchObject({ cpu: 0, memoryGiB: 0, gpus: 0, running: 0, waiting: 0 });
      }),
    );
  });
});

describe("utilisation", () => {
  it("is the used share of capacity × time, per resource; undefined where there is no capacity", () => {
    const recorder = recorderOf([
      { task: "a", cpu: 2, memoryGiB: 4, queued: 0, start: 0, end: 50 },
      { task: "b", cpu: 1, memoryGiB: 2, queued: 0, start: 50, end: 100 },
    ]);
    const points = usageOverTime(recorder.attempts.values(), 100);
    const busy = utilisation(points, { cpu: 4, memoryGiB: 8, gpus: 0 }, 0, 100);
    // cpu: (2×50 + 1×50) / (4×100); memory: (4×50 + 2×50) / (8×100)
    expect(busy.cpu).toBeCloseTo(150 / 400, 9);
    expect(busy.memoryGiB).toBeCloseTo(300 / 800, 9);
    expect(busy.gpus).toBeUndefined();
    // A window inside the run counts only what fell in it.
    expect(utilisation(points, { cpu: 4, memoryGiB: 8, gpus: 0 }, 50, 100).cpu).toBeCloseTo(0.25, 9);
  });
});
