/**
 * The alignment example (examples/alignment/) with the real tools (bwa, samtools, installed by
 * scripts/tools/install.sh), through the built `taskfit` command as a user runs it: on the local
 * scheduler (in this process and with process isolation) and on the Slurm test cluster.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const PIPELINE = "examples/alignment/pipeline.ts";
const SAMPLES = 3;

beforeAll(() => {
  execFileSync("bash", ["scripts/tools/install.sh"], { stdio: "ignore" });
  execFileSync("npx", ["tsup", "--silent"], { stdio: "ignore" });
}, 300_000);

function runPipeline(dir: string, ...flags: string[]) {
  const out = spawnSync(process.execPath, ["dist/cli.js", "run", PIPELINE, "--args", JSON.stringify([dir, SAMPLES]), "--json", ...flags], {
    encoding: "utf8",
    timeout: 240_000,
  });
  expect(out.status, out.stderr).toBe(0);
  return JSON.parse(out.stdout);
}

function expectAligned(json: { result: { samples: unknown[]; merged: { path: string; total: number; mapped: number } }; attempts: unknown }) {
  // Every generated read (400 a sample) is in its sample's BAM and in the merged one; reads drawn
  // from the reference with 1% substitutions all map.
  expect(json.result.samples).toEqual(Array.from({ length: SAMPLES }, (_, i) => ({ sample: `s${i + 1}`, total: 400, mapped: 400 })));
  expect(json.result.merged).toMatchObject({ total: 400 * SAMPLES, mapped: 400 * SAMPLES });
  expect(existsSync(json.result.merged.path)).toBe(true);
  // index, SAMPLES x align, SAMPLES + 1 x flagstat, merge.
  expect(json.attempts).toMatchObject({ ok: 2 * SAMPLES + 3, error: 0, cancelled: 0 });
}

describe("the alignment example with bwa and samtools", () => {
  it("runs on the local scheduler, in this process", async () => {
    expectAligned(runPipeline(await mkdtemp(join(tmpdir(), "taskfit-align-")), "--cpu", "2", "--memory", "4Gi"));
  });

  it("runs on the local scheduler with process isolation", async () => {
    expectAligned(runPipeline(await mkdtemp(join(tmpdir(), "taskfit-align-")), "--cpu", "2", "--memory", "4Gi", "--isolation", "process"));
  });

  it("runs on Slurm, each task a job", async () => {
    const dir = await mkdtemp(join(tmpdir(), "taskfit-align-slurm-"));
    const json = runPipeline(dir, "--scheduler", "slurm", "--work-dir", join(dir, "jobs"), "--poll-ms", "250");
    expectAligned(json);
    expect(json.scheduler).toMatch(/^Slurm/);
  });
});
