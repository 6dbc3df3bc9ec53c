import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const workflow = fileURLToPath(new URL("../../fixtures/one-file-workflow.ts", import.meta.url));

function runWorkflow(env: Record<string, string> = {}) {
  const log = join(mkdtempSync(join(tmpdir(), "taskfit-one-file-")), "imports.log");
  const run = spawnSync(process.execPath, ["--import", "tsx", workflow], {
    env: { ...process.env, TASKFIT_TEST_LOG: log, ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  const imports = readFileSync(log, "utf8").trim().split("\n");
  return { ...run, imports };
}

describe("a one-file workflow under process isolation", () => {
  it("runs its top-level call once: the worker that imports the module does not submit it again", () => {
    const run = runWorkflow();
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout.trim()) as { x: number; pid: number; main: number };
    expect(result.x).toBe(42);
    // The program and exactly one worker imported the module: one level of workers, no more.
    expect(run.imports).toHaveLength(2);
    expect(run.imports).toEqual([String(result.main), String(result.pid)]);
  }, 60_000);

  it("names the top-level call when the wanted task is defined after it", () => {
    const run = runWorkflow({ TASKFIT_TEST_CALL_LATE: "1" });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/module called task `double` at import/);
    expect(run.stderr).toMatch(/isMain\(import\.meta\)/);
    expect(run.imports.length).toBeLessThanOrEqual(3);
  }, 60_000);
});
