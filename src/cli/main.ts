#!/usr/bin/env node
/**
 * The `taskfit` command: presets, resolve, plan, run. Every command exits 0 on success and 1 with
 * one clear line on error; data commands take --json.
 */
import { Command } from "commander";
import { ResourceSpecError, TaskfitError } from "../errors.js";
import { PRESETS } from "../resources/presets.js";
import { resolveResources } from "../task/task.js";
import { parseArgs } from "./args.js";
import { loadTask } from "./load-task.js";
import { type RunFlags, runCommand } from "./run.js";
import { checkOptionsApply, schedulerOptions } from "./scheduler-options.js";
import { table as makeTable } from "./table.js";
import { taskfitVersion } from "./version.js";
import { WORKER_MEMORY_NOTE } from "../schedulers/worker-command.js";

const program = new Command("taskfit")
  .description("Declare what each task needs; see what a call asks for, where it would run, and run it.")
  .version(taskfitVersion(), "-V, --version", "taskfit's version")
  .showHelpAfterError();

program
  .command("presets")
  .description("the preset machines: CPU, memory, GPUs")
  .option("--json", "print the table as JSON")
  .addHelpText("after", "\nExamples:\n  taskfit presets\n  taskfit presets --json")
  .action((options: { json?: boolean }) => {
    if (options.json) return print(JSON.stringify(PRESETS, null, 2));
    const table = makeTable(["preset", "cpu", "memory (GiB)", "gpus", "gpu type", "VRAM per GPU (GiB)"]);
    for (const [name, p] of Object.entries(PRESETS)) {
      table.push([name, p.cpu, p.memoryGiB, p.gpu, p.gpuType ?? "", p.gpuMemoryGiB ?? ""]);
    }
    print(table.toString());
  });

program
  .command("resolve")
  .description("what a call of a task with these arguments would request")
  .argument("<module>", "the module that defines the task (.ts works)")
  .argument("<task>", "the task's name")
  .option("--args <json>", "the arguments as a JSON array", "[]")
  .option("--file <path>", "an argument before those of --args: a TaskFile (a,b,c for a list of them)", collect, [])
  .option("--json", "print JSON")
  .addHelpText("after", "\nExamples:\n  taskfit resolve examples/dynamic.ts myTask --file a.fq,b.fq --args '[3]'\n  taskfit resolve pipeline.js align --args '[[\"a.fq\"], 3]' --json")
  .action(async (module: string, name: string, options: { args: string; file: string[]; json?: boolean }) => {
    const task = await loadTask(module, name);
    const resources = await resolveResources(task, parseArgs(options.args, options.file));
    if (options.json) return print(JSON.stringify(resources, null, 2));
    const table = makeTable(["field", "value"]);
    table.push(["cpu", resources.cpu], ["memoryGiB", resources.memoryGiB], ["storageGiB", resources.storageGiB ?? "(scheduler default)"]);
    table.push(["gpu", resources.gpu], ["gpuType", resources.gpuType ?? "-"], ["source", JSON.stringify(resources.source)]);
    print(table.toString());
  });

program
  .command("plan")
  .description("the sbatch command or the Kubernetes Job a call would submit, without submitting")
  .argument("<module>", "the module that defines the task (.ts works)")
  .argument("<task>", "the task's name")
  .requiredOption("--target <target>", "slurm or kubernetes")
  .option("--args <json>", "the arguments as a JSON array", "[]")
  .option("--file <path>", "an argument before those of --args: a TaskFile (a,b,c for a list of them)", collect, [])
  .option("--work-dir <dir>", "slurm: the shared job directory", "./taskfit-jobs")
  .option("--image <image>", "kubernetes: the container image", "taskfit-task:latest")
  .option("--namespace <ns>", "kubernetes: the namespace", "default")
  .option("--json", "print JSON")
  .addHelpText("after", "\nExamples:\n  taskfit plan examples/dynamic.ts myTask --target slurm --file a.fq,b.fq --args '[3]'\n  taskfit plan examples/dynamic.ts myTask --target kubernetes --image ghcr.io/lab/p:1 --file a.fq --args '[3]'")
  .action(async (module: string, name: string, options: Record<string, string | string[] | boolean | undefined>, command: Command) => {
    if (options.target === "slurm" || options.target === "kubernetes") {
      checkOptionsApply({ scheduler: options.target }, (key) => command.getOptionValueSource(key) === "cli");
    }
    const task = await loadTask(module, name);
    const args = parseArgs(options.args as string, options.file as string[]);
    // On stderr, so the plan on stdout stays what a script pipes on.
    if (options.target === "slurm" || options.target === "kubernetes") process.stderr.write(`taskfit: note: ${WORKER_MEMORY_NOTE}\n`);
    if (options.target === "slurm") {
      const { SlurmScheduler } = await import("../schedulers/slurm/slurm-scheduler.js");
      const argv = await new SlurmScheduler({ workDir: options.workDir as string }).plan(task, args);
      return print(options.json ? JSON.stringify(argv) : argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(" "));
    }
    if (options.target === "kubernetes") {
      const { KubernetesScheduler } = await import("../schedulers/kubernetes/kubernetes-scheduler.js");
      const job = await new KubernetesScheduler({ image: options.image as string, namespace: options.namespace as string }).plan(task, args);
      if (options.json) return print(JSON.stringify(job, null, 2));
      const { stringify } = await import("yaml");
      return print(stringify(job));
    }
    throw new ResourceSpecError({ field: "--target", value: options.target, expected: "slurm or kubernetes" });
  });

const run = program
  .command("run")
  .description("run a task, or the module's default export as a workflow, with live progress and a summary")
  .argument("<module>", "the module (.ts works)")
  .argument("[task]", "the task to run; without it, the module's default export is called as a workflow")
  .option("--args <json>", "the arguments as a JSON array")
  .option("--file <path>", "an argument before those of --args: a TaskFile (a,b,c for a list of them)", collect, [])
  .option("--report <file>", "write a self-contained HTML report: a timeline of the run against capacity")
  .option("--json", "print one JSON document: the result, the per-task summary, peak use and utilisation")
  .option("--no-progress", "no live progress on stderr");
for (const option of schedulerOptions()) run.addOption(option);
run
  .addHelpText(
    "after",
    `
The result goes to stdout (as JSON); progress, the summary table and errors go to stderr.

Examples:
  taskfit run examples/cohort.ts --args '[16]' --oversize clamp --report run.html
  taskfit run examples/dynamic.ts myTask --file a.fq,b.fq --args '[3]'
  taskfit run pipeline.ts align --file s1.fq --args '[4]' --scheduler slurm --work-dir /shared/jobs
  taskfit run pipeline.ts --scheduler kubernetes --image ghcr.io/lab/pipeline:1 --namespace ml --json`,
  )
  .action(async (module: string, name: string | undefined, options: RunFlags, command: Command) => {
    checkOptionsApply(options, (key) => command.getOptionValueSource(key) === "cli");
    process.exitCode = await runCommand(module, name, options);
  });

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

program.parseAsync(process.argv).then(
  // Exit now: a cluster client's keep-alive sockets or a task still ignoring its abort signal
  // would otherwise hold the process open after the run has ended.
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    const code = error instanceof TaskfitError ? `${error.code}: ` : "";
    process.stderr.write(`taskfit: ${code}${error instanceof Error ? error.message.split("\n")[0] : String(error)}\n`);
    process.exit(1);
  },
);
