/**
 * The packed tarball in a project whose path has a `src` folder, spaces and non-ASCII characters,
 * run on the real Slurm cluster (scripts/slurm/up.sh, started by `npm run test:consumer`): a
 * workflow through the installed `taskfit` command, and a method task that needs its instance.
 */
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { makeProject } from "./project.js";

const template = inject("template");
const root = inject("root");

const TASKS = `
import { customTask, smallTask } from "taskfit";
export const square = customTask(1, 0.25)(async function square(x) {
  return x * x;
});
export class Labeller {
  constructor(prefix) { this.prefix = prefix; }
  label(x) { return this.prefix + x; }
}
// Decorated by hand: a plain .mjs file has no decorator syntax.
const label = Object.getOwnPropertyDescriptor(Labeller.prototype, "label");
Object.defineProperty(Labeller.prototype, "label", smallTask(Labeller.prototype, "label", label));
`;

const WORKFLOW = `
import { asTask } from "taskfit";
import { Labeller, square } from "./tasks.mjs";
export default async function flow(n) {
  const squares = await Promise.all(Array.from({ length: n }, (_, i) => square(i + 1)));
  const labeller = new Labeller("sample-");
  return { squares, label: await asTask(labeller.label, labeller)(squares.length) };
}
`;

describe("a project under src/ with spaces and non-ASCII characters, on Slurm", () => {
  const project = makeProject(template, join(root, "slurm projects/données/src/app"), "plain");
  project.write("src/tasks.mjs", TASKS);
  project.write("src/workflow.mjs", WORKFLOW);

  it("runs a workflow through the installed taskfit command, methods on their instance", () => {
    const run = project.run("taskfit", ["run", "src/workflow.mjs", "--args", "[3]", "--scheduler", "slurm", "--no-progress"]);
    expect(run.stderr).not.toMatch(/Error|TASK_/);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ squares: [1, 4, 9], label: "sample-3" });
  });
});
