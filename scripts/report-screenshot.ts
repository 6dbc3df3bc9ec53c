/**
 * Makes docs/run-report.png, the picture of a run report in the README: runs the cohort example
 * with the built `taskfit` command and --report, opens the report in headless Chromium and takes
 * a full-page screenshot, and one of its "What tasks used" view (the tasks run under process
 * isolation, so each attempt's worker measures it).  npm run docs:screenshot   (needs scripts/chromium/install.sh once)
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { launchChromium } from "../test/support/chromium.js";

const out = process.argv[2] ?? "docs/run-report.png";
const dir = await mkdtemp(join(tmpdir(), "taskfit-screenshot-"));
try {
  const report = join(dir, "run.html");
  execFileSync("npx", ["tsup", "--silent"], { stdio: "inherit" });
  // Four cores and 8 GiB, like a laptop: memory runs out before CPU does, and the picture shows it.
  execFileSync(process.execPath, ["dist/cli.js", "run", "examples/cohort.ts", "--args", "[16]", "--cpu", "4", "--memory", "8Gi", "--oversize", "clamp", "--isolation", "process", "--no-progress", "--report", report], { stdio: "ignore" });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1040, height: 900 }, deviceScaleFactor: 1 });
    await page.goto(pathToFileURL(report).href);
    await page.screenshot({ path: out, fullPage: true });
    // The "What tasks used" view on its own, for the README's section on it.
    const used = out.replace(/\.png$/, "-used.png");
    await page.locator("svg.used-chart").screenshot({ path: used });
    console.log(`wrote ${used}`);
  } finally {
    await browser.close();
  }
  console.log(`wrote ${out}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
