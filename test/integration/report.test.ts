/**
 * The HTML report of a real run (the built `taskfit` command on the cohort example), opened in
 * headless Chromium (Debian's, via playwright-core; scripts/chromium/install.sh): the charts and
 * the timeline are drawn, visible, and the report loads nothing from anywhere.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../support/chromium.js";

let browser: Browser;
let page: Page;
const requests: string[] = [];
const consoleErrors: string[] = [];
let run: { result: unknown; attempts: { ok: number }; peak: { cpu: number; memoryGiB: number }; capacity: { cpu: number; memoryGiB: number } };

beforeAll(async () => {
  execFileSync("npx", ["tsup", "--silent"], { stdio: "ignore" });
  const report = join(await mkdtemp(join(tmpdir(), "taskfit-report-")), "run.html");
  const out = spawnSync(process.execPath, ["dist/cli.js", "run", "examples/cohort.ts", "--args", "[8]", "--cpu", "4", "--memory", "8Gi", "--gpus", "0", "--oversize", "clamp", "--isolation", "process", "--json", "--report", report], { encoding: "utf8" });
  expect(out.status, out.stderr).toBe(0);
  run = JSON.parse(out.stdout);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1040, height: 900 } });
  page.on("request", (request) => requests.push(request.url()));
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  await page.goto(pathToFileURL(report).href);
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe("the run report in Chromium", () => {
  it("draws a CPU and a memory chart, each with its used area and its capacity line", async () => {
    for (const resource of ["cpu", "memoryGiB"]) {
      const chart = page.locator(`svg.chart[data-resource="${resource}"]`);
      await expect(chart.isVisible()).resolves.toBe(true);
      const used = await chart.locator("path.used").boundingBox();
      const capacity = await chart.locator("line.capacity").boundingBox();
      expect(used?.width).toBeGreaterThan(500);
      expect(used?.height).toBeGreaterThan(10);
      expect(capacity?.width).toBeGreaterThan(500);
      // The capacity line is at or above the top of the used area (nothing ran over capacity).
      expect((capacity?.y ?? 0) - 1).toBeLessThanOrEqual(used?.y ?? 0);
    }
    expect(await page.locator('svg.chart[data-resource="cpu"]').getAttribute("data-peak")).toBe(String(run.peak.cpu));
  });

  it("shows the used area on top where tasks ran: the point is the used path, not the idle band", async () => {
    const used = await page.locator('svg.chart[data-resource="memoryGiB"] path.used').boundingBox();
    // The topmost element a bit above the chart's bottom edge, in the middle of the run.
    const hit = await page.evaluate(
      ([x, y]) => (globalThis as unknown as { document: { elementFromPoint(x: number, y: number): { getAttribute(name: string): string | null } | null } }).document.elementFromPoint(x, y)?.getAttribute("class"),
      [(used?.x ?? 0) + (used?.width ?? 0) / 2, (used?.y ?? 0) + (used?.height ?? 0) - 2] as const,
    );
    expect(hit).toBe("used");
  });

  it("draws one bar group per attempt, each run bar at least a pixel wide, in the page's width", async () => {
    const bars = page.locator("svg.timeline g.attempt");
    expect(await bars.count()).toBe(run.attempts.ok);
    const widths = await page.locator("svg.timeline rect.run").evaluateAll((rects) => rects.map((r) => r.getBoundingClientRect().width));
    expect(widths).toHaveLength(run.attempts.ok);
    for (const width of widths) expect(width).toBeGreaterThanOrEqual(1);
    const timeline = await page.locator("svg.timeline").boundingBox();
    expect(timeline?.width).toBeLessThanOrEqual(1040);
    // Hovering a bar names the task and its request.
    expect(await bars.first().locator("title").textContent()).toMatch(/^trim \(attempt 1, ok\): 0.25 cpu, 0.25 GiB; waited/);
  });

  it("draws what each task used inside what it requested, from its workers' measurements", async () => {
    const rows = page.locator("svg.used-chart g.used-row");
    expect(await rows.evaluateAll((gs) => gs.map((g) => g.getAttribute("data-task")))).toEqual(["trim", "align", "callVariants", "merge"]);
    for (const kind of ["memory", "cpu"]) {
      const pairs = await page.locator(`svg.used-chart rect.used-part[data-kind=${kind}]`).evaluateAll((rects) =>
        rects.map((used) => [used.getBoundingClientRect().width, (used.previousElementSibling as typeof used).getBoundingClientRect().width]),
      );
      expect(pairs).toHaveLength(4);
      // Every attempt ran a Node worker: something was used, and never drawn past the request.
      for (const [used, requested] of pairs) {
        expect(used).toBeGreaterThan(0);
        expect(used).toBeLessThanOrEqual((requested as number) + 0.5);
      }
    }
    expect(await rows.first().locator("title").textContent()).toMatch(/^trim: peak memory [\d.]+ [MG]iB of 256 MiB \(\d+%\); CPU [\d.]+ of 0.25 cores/);
  });

  it("lists each task in the summary table and loads nothing but the file itself", async () => {
    expect(await page.locator("table.summary tbody tr td:first-child").allTextContents()).toEqual([" trim", " align", " callVariants", " merge"]);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatch(/^file:\/\//);
    expect(consoleErrors).toEqual([]);
  });
});
