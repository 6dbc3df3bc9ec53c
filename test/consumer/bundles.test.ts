/**
 * A one-file workflow bundled with esbuild, run under process isolation: with taskfit kept external
 * (the worker imports the bundle again), with taskfit bundled in (its worker entry bundled beside
 * as `taskfit-worker`), and minified (bundler-made task names are warned about, once).
 */
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { makeProject } from "./project.js";

const template = inject("template");
const root = inject("root");

const FLOW = `
import { appendFileSync } from "node:fs";
import { customTask, LocalScheduler, setDefaultScheduler } from "taskfit";
appendFileSync("imports.log", process.pid + "\\n");
setDefaultScheduler(new LocalScheduler({ isolation: "process", capacity: { cpu: 1, memoryGiB: 1, gpus: 0 } }));
export const square = customTask(1, 0.25)(async function square(x: number) {
  return { x: x * x, pid: process.pid };
});
const result = await square(7);
console.log(JSON.stringify({ ...result, main: process.pid, name: square.taskName }));
`;

describe("a bundled one-file workflow under process isolation", () => {
  const project = makeProject(template, join(root, "bundle/src/app"), "plain");
  project.write("src/flow.ts", FLOW);

  function runBundle(file: string) {
    project.write("imports.log", "");
    const run = project.run("node", [file]);
    const imports = project.run("cat", ["imports.log"]).stdout.trim().split("\n");
    return { ...run, imports };
  }

  it("runs with taskfit external: the worker imports the bundle, once, and never submits again", () => {
    const build = project.run("esbuild", ["src/flow.ts", "--bundle", "--platform=node", "--format=esm", "--external:taskfit", "--outfile=out/flow.mjs"]);
    expect(build.status).toBe(0);
    const run = runBundle("out/flow.mjs");
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout) as { x: number; pid: number; main: number };
    expect(result.x).toBe(49);
    expect(run.imports).toEqual([String(result.main), String(result.pid)]);
  });

  it("runs with taskfit bundled in, its worker entry bundled beside the app as taskfit-worker", () => {
    const build = project.run("esbuild", [
      "flow=src/flow.ts",
      "taskfit-worker=taskfit/worker",
      "--bundle",
      "--platform=node",
      "--format=esm",
      "--outdir=inside",
      "--out-extension:.js=.mjs",
    ]);
    expect(build.status).toBe(0);
    const run = runBundle("inside/flow.mjs");
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout) as { x: number; pid: number; main: number };
    expect(result.x).toBe(49);
    expect(run.imports).toEqual([String(result.main), String(result.pid)]);
  });

  it("says how to bundle the worker entry when it is missing beside the bundle", () => {
    const build = project.run("esbuild", ["src/flow.ts", "--bundle", "--platform=node", "--format=esm", "--outfile=alone/flow.mjs"]);
    expect(build.status).toBe(0);
    const run = runBundle("alone/flow.mjs");
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/bundle `taskfit\/worker` as a second entry point named taskfit-worker/);
  });

  it("warns once about a task name a minifier made, and still runs: workers import the same bundle", () => {
    const build = project.run("esbuild", ["src/flow.ts", "--bundle", "--minify", "--platform=node", "--format=esm", "--external:taskfit", "--outfile=min/flow.mjs"]);
    expect(build.status).toBe(0);
    const run = runBundle("min/flow.mjs");
    expect(run.status).toBe(0);
    expect((JSON.parse(run.stdout) as { x: number }).x).toBe(49);
    expect(run.stderr.match(/TASKFIT_TASK_NAME/g)).toHaveLength(1);
  });
});
