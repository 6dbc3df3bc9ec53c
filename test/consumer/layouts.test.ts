/**
 * taskfit installed from its tarball into projects laid out as users lay theirs out: under a folder
 * named `src` (or `dist`, `lib`), with spaces and non-ASCII characters in the path, in an npm
 * monorepo (taskfit hoisted), and behind a pnpm-style symlink into node_modules/.pnpm. In each, a
 * task runs in a worker process and the cluster plans name the task's module.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { type Layout, makeProject } from "./project.js";

const template = inject("template");
const root = inject("root");

/** The README's first snippet, exactly as written there. */
const readmeSnippet = (() => {
  const readme = readFileSync(resolve(import.meta.dirname, "../../README.md"), "utf8");
  const match = /```ts\n([\s\S]*?)```/.exec(readme);
  if (match === null) throw new Error("README.md has no ```ts block");
  return match[1] as string;
})();

/** Loaded with --import before the workflow: process isolation, and a count of attempts that ended well. */
const ISOLATE = `
import { LocalScheduler, setDefaultScheduler } from "taskfit";
const scheduler = new LocalScheduler({ isolation: "process", capacity: { cpu: 2, memoryGiB: 8, gpus: 0 } });
let finished = 0;
scheduler.on("finished", (event) => { if (event.end === "ok") finished += 1; });
setDefaultScheduler(scheduler);
process.on("exit", () => console.log("isolated attempts finished: " + finished));
`;

const TASKS = `
import { customTask } from "taskfit";
export const square = customTask(1, 0.25)(async function square(x) {
  return { x: x * x, pid: process.pid };
});
`;

const WORKFLOW = `
import { LocalScheduler } from "taskfit";
import { square } from "./tasks.mjs";
const scheduler = new LocalScheduler({ isolation: "process", capacity: { cpu: 1, memoryGiB: 1, gpus: 0 } });
const result = await square.with({ scheduler })(7);
console.log(JSON.stringify({ ...result, main: process.pid }));
`;

const layouts: Array<[string, string, Layout]> = [
  ["under a folder named src", "home/me/src/app", "plain"],
  ["under folders named dist and lib", "srv/dist/lib/app", "plain"],
  ["with spaces and non-ASCII characters in its path", "my projects/données/src/app", "plain"],
  ["in an npm monorepo, taskfit hoisted to the root", "mono/src/repo", "monorepo"],
  ["with taskfit behind a pnpm-style symlink into node_modules/.pnpm", "pnpm/src/app", "pnpm"],
];

describe.each(layouts)("a project %s", (_label, path, layout) => {
  const project = makeProject(template, join(root, path), layout);
  project.write("src/tasks.mjs", TASKS);
  project.write("src/workflow.mjs", WORKFLOW);

  it("runs a task in a worker process", () => {
    const run = project.run("node", ["src/workflow.mjs"]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout) as { x: number; pid: number; main: number };
    expect(result.x).toBe(49);
    expect(result.pid).not.toBe(result.main);
  });

  it("runs the README's first snippet as written under process isolation, once", () => {
    project.write("flow.ts", readmeSnippet);
    project.write("isolate.mjs", ISOLATE);
    project.write("reads_1.fastq", "@r1\nACGT\n+\nIIII\n");
    project.write("reads_2.fastq", "@r2\nTTGA\n+\nIIII\n");
    const run = project.run("node", ["--import", "./isolate.mjs", "--import", "tsx", "flow.ts"]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe("isolated attempts finished: 1");
  });

  it("plans a Kubernetes Job and an sbatch command that name the task's module", () => {
    const job = project.run("taskfit", ["plan", "src/tasks.mjs", "square", "--target", "kubernetes", "--args", "[3]", "--json"]);
    expect(job.stderr).not.toMatch(/Error|taskfit: [A-Z_]+:/);
    expect(job.status).toBe(0);
    const env = (JSON.parse(job.stdout) as { spec: { template: { spec: { containers: Array<{ env: Array<{ name: string; value: string }> }> } } } })
      .spec.template.spec.containers[0]?.env.find((v) => v.name === "TASKFIT_REQUEST");
    expect((JSON.parse(env?.value ?? "{}") as { ref?: { module?: string } }).ref?.module).toBe("file:///app/src/tasks.mjs");
    const sbatch = project.run("taskfit", ["plan", "src/tasks.mjs", "square", "--target", "slurm", "--args", "[3]"]);
    expect(sbatch.status).toBe(0);
    expect(sbatch.stdout).toMatch(/worker\.js'? --request/);
  });
});

describe("a task with no module file (node -e)", () => {
  const project = makeProject(template, join(root, "eval/src/app"), "plain");

  it("is refused before any worker, job or manifest, naming the task and the fix", () => {
    const run = project.run("node", [
      "--input-type=module",
      "-e",
      `import { LocalScheduler, planCall, SlurmScheduler, smallTask } from "taskfit";
       const t = smallTask(async function inline() { return 1; });
       const codes = [];
       await t.with({ scheduler: new LocalScheduler({ isolation: "process" }) })().catch((e) => codes.push(e.code + ": " + e.message));
       await new SlurmScheduler({ workDir: "." }).plan(await planCall(t, [])).catch((e) => codes.push(e.code));
       console.log(JSON.stringify(codes));`,
    ]);
    expect(run.status).toBe(0);
    const [local, slurm] = JSON.parse(run.stdout) as string[];
    expect(local).toMatch(/^TASK_NOT_FOUND: Expected task `inline` to be defined in a module file/);
    expect(slurm).toBe("TASK_NOT_FOUND");
  });
});
