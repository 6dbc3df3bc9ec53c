#!/usr/bin/env node
/**
 * The `taskfit` command: presets, resolve, plan. Every command exits 0 on success and 1 with one
 * clear line on error; data commands take --json.
 */
import Table from "cli-table3";
import { Command } from "commander";
import { ResourceSpecError, TaskfitError } from "../errors.js";
import { PRESETS } from "../resources/presets.js";
import { resolveResources } from "../task/task.js";
import { parseArgs } from "./args.js";
import { loadTask } from "./load-task.js";

const program = new Command("taskfit")
  .description("Declare what each task needs; see what a call asks for and where it would run.")
  .showHelpAfterError();

program
  .command("presets")
  .description("the preset machines: CPU, memory, GPUs")
  .option("--json", "print the table as JSON")
  .addHelpText("after", "\nExamples:\n  taskfit presets\n  taskfit presets --json")
  .action((options: { json?: boolean }) => {
    if (options.json) return print(JSON.stringify(PRESETS, null, 2));
    const table = new Table({ head: ["preset", "cpu", "memory (GiB)", "gpus", "gpu type", "VRAM per GPU (GiB)"] });
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
    const table = new Table({ head: ["field", "value"] });
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
  .action(async (module: string, name: string, options: Record<string, string | string[] | boolean | undefined>) => {
    const task = await loadTask(module, name);
    const args = parseArgs(options.args as string, options.file as string[]);
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

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

program.parseAsync(process.argv).catch((error: unknown) => {
  const code = error instanceof TaskfitError ? `${error.code}: ` : "";
  process.stderr.write(`taskfit: ${code}${error instanceof Error ? error.message.split("\n")[0] : String(error)}\n`);
  process.exit(1);
});
