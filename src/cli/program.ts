/**
 * The `taskfit` command's program: presets, tasks, resolve, plan, run, fit. Every command exits 0 on
 * success and 1 with one line `taskfit: CODE: message` on error; data commands take --json.
 * main.ts loads it for every command line but `--version`, `presets` and `presets --json`; the heavier
 * parts (cli-table3, the task loader, the schedulers) load when a command runs.
 */
import { Command, CommanderError, Option } from "commander";
import { ConfigurationError, ErrorCode, TaskfitError } from "../errors.js";
import type { RunFlags } from "./run.js";
import { planOptions, type SchedulerFlags, schedulerOptions } from "./scheduler-flags.js";
import type { FitFlags } from "./fit.js";
import { DEFAULT_FIT_OPTIONS } from "../fit/fit-options.js";
import { presetsText } from "./presets.js";
import { taskfitVersion } from "./version.js";

const program = new Command("taskfit")
  .description("Declare what each task needs; see what a call asks for, where it would run, and run it.")
  .version(taskfitVersion(), "-V, --version", "taskfit's version")
  // Errors are printed as one `taskfit: CODE: message` line below, not by commander.
  .exitOverride()
  .configureOutput({ outputError: () => {} });

const FILE_HELP = "an argument before those of --args: a TaskFile, or a list of them (a,b,c; a list of one when the task's parameter is a list)";

const examples = (...lines: string[]) => `\nExamples:\n${lines.map((line) => `  ${line}`).join("\n")}`;

program
  .command("presets")
  .description("the preset machines: CPU, memory, GPUs")
  .option("--json", "print the table as JSON")
  .addHelpText("after", examples("taskfit presets", "taskfit presets --json"))
  .action((options: { json?: boolean }) => print(presetsText(options.json === true)));

program
  .command("tasks")
  .description("the tasks a module exports, with what each declares (values, a preset, or functions of its arguments)")
  .argument("<module>", "the module (.ts works)")
  .option("--json", "print JSON")
  .addHelpText("after", examples("taskfit tasks examples/dynamic.ts", "taskfit tasks examples/workflow.ts --json"))
  .action(async (module: string, options: { json?: boolean }) => {
    const [{ listTasks, showDeclared }, { table: makeTable }] = await Promise.all([import("./tasks.js"), import("./table.js")]);
    const tasks = await listTasks(module);
    if (options.json) return print(JSON.stringify(tasks, null, 2));
    const table = makeTable(["task", "preset", "cpu", "memory", "storage", "gpu", "gpu type", "timeout", "retries"]);
    for (const t of tasks) {
      const storage = t.storage === null ? "(scheduler default)" : showDeclared(t.storage, true);
      table.push([t.export === undefined ? t.task : `${t.task} (export ${t.export})`, t.preset ?? "-", showDeclared(t.cpu), showDeclared(t.memory, true), storage, showDeclared(t.gpu), showDeclared(t.gpuType), t.timeoutSeconds === null ? "-" : `${t.timeoutSeconds} s`, t.retries]);
    }
    print(tasks.length === 0 ? `no exported tasks in ${module}` : table.toString());
  });

program
  .command("resolve")
  .description("what a call of a task with these arguments would request")
  .argument("<module>", "the module that defines the task (.ts works)")
  .argument("<task>", "the task's name")
  .option("--args <json>", "the arguments as a JSON array", "[]")
  .option("--file <path>", FILE_HELP, collect, [])
  .option("--json", "print JSON")
  .addHelpText("after", examples("taskfit resolve examples/dynamic.ts myTask --file a.fq,b.fq --args '[3]'", "taskfit resolve examples/dynamic.ts myTask --file a.fq --args '[3]' --json"))
  .action(async (module: string, name: string, options: { args: string; file: string[]; json?: boolean }) => {
    const [{ loadTask }, { taskArguments }, { resolveResources }, { table: makeTable }] = await Promise.all([
      import("./load-task.js"),
      import("./args.js"),
      import("../task/task.js"),
      import("./table.js"),
    ]);
    const task = await loadTask(module, name);
    const resources = await resolveResources(task, await taskArguments(module, name, options.args, options.file));
    if (options.json) return print(JSON.stringify(resources, null, 2));
    const table = makeTable(["field", "value"]);
    table.push(["cpu", resources.cpu], ["memoryGiB", resources.memoryGiB], ["storageGiB", resources.storageGiB ?? "(scheduler default)"]);
    table.push(["gpu", resources.gpu], ["gpuType", resources.gpuType ?? "-"], ["source", JSON.stringify(resources.source)]);
    print(table.toString());
  });

const plan = program
  .command("plan")
  .description("the sbatch command or the Kubernetes Job a call would submit, without submitting")
  .argument("<module>", "the module that defines the task (.ts works)")
  .argument("<task>", "the task's name")
  .addOption(new Option("--target <target>", "slurm or kubernetes (default: the profile's scheduler)"))
  .option("--args <json>", "the arguments as a JSON array", "[]")
  .option("--file <path>", FILE_HELP, collect, [])
  .option("--json", "print JSON");
for (const option of planOptions()) plan.addOption(option);
plan
  .addHelpText(
    "after",
    examples(
      "taskfit plan examples/dynamic.ts myTask --target slurm --file a.fq,b.fq --args '[3]' --partition debug",
      "taskfit plan examples/dynamic.ts myTask --target kubernetes --image ghcr.io/lab/p:1 --namespace ml --file a.fq --args '[3]'",
    ),
  )
  .action(async (module: string, name: string, options: SchedulerFlags & { target?: string; args: string; file: string[]; json?: boolean }, command: Command) => {
    const target = options.target;
    if (target !== undefined && target !== "slurm" && target !== "kubernetes") {
      throw new ConfigurationError({ field: "--target", value: target, expected: "slurm or kubernetes" });
    }
    const { schedulerSettings } = await import("./scheduler-options.js");
    const settings = schedulerSettings(options, (key) => command.getOptionValueSource(key) === "cli", target);
    if (settings.scheduler === "local") {
      throw new ConfigurationError({ field: "--target", expected: "--target slurm or --target kubernetes (or a --profile for one of them)" });
    }
    const [{ loadTask }, { taskArguments }, { planCall }, { makeScheduler }] = await Promise.all([
      import("./load-task.js"),
      import("./args.js"),
      import("../task/task.js"),
      import("./make-scheduler.js"),
    ]);
    const task = await loadTask(module, name);
    const args = await taskArguments(module, name, options.args, options.file);
    const scheduler = makeScheduler({ ...settings, image: settings.image ?? "taskfit-task:latest" });
    const planned = await scheduler.plan(await planCall(task, args));
    // On stderr, so the plan on stdout stays what a script pipes on.
    for (const note of planned.notes) process.stderr.write(`taskfit: note: ${note}\n`);
    return print(options.json ? JSON.stringify(planned.data, null, 2) : planned.text.trimEnd());
  });

const run = program
  .command("run")
  .description("run a task, or the module's default export as a workflow, with live progress and a summary")
  .argument("<module>", "the module (.ts works)")
  .argument("[task]", "the task to run; without it, the module's default export is called as a workflow")
  .option("--args <json>", "the arguments as a JSON array")
  .option("--file <path>", FILE_HELP, collect, [])
  .option("--report <file>", "write a self-contained HTML report: a timeline of the run against capacity")
  .option("--record <dir>", "append one line per attempt (request, measured use, arguments' sizes) to DIR/history.jsonl, for `taskfit fit DIR`")
  .option("--json", "print one JSON document: the result, the per-task summary, peak use and utilisation")
  .option("--no-progress", "no live progress on stderr");
for (const option of schedulerOptions()) run.addOption(option);
run
  .addHelpText(
    "after",
    `
The result goes to stdout (as JSON); progress, the summary table and errors go to stderr.
${examples(
  "taskfit run examples/cohort.ts --args '[16]' --oversize clamp --report run.html",
  "taskfit run examples/dynamic.ts myTask --file a.fq,b.fq --args '[3]' --cpu 2 --memory 8Gi",
  "taskfit run examples/dynamic.ts myTask --file a.fq --args '[3]' --scheduler slurm --partition debug --work-dir .taskfit/jobs",
  "taskfit run examples/cohort.ts --args '[4]' --scheduler kubernetes --image ghcr.io/lab/pipeline:1 --namespace ml --json",
  "taskfit run examples/cohort.ts --args '[4]' --profile laptop",
)}`,
  )
  .action(async (module: string, name: string | undefined, options: Omit<RunFlags, "settings">, command: Command) => {
    const [{ schedulerSettings }, { runCommand }] = await Promise.all([import("./scheduler-options.js"), import("./run.js")]);
    const settings = schedulerSettings(options, (key) => command.getOptionValueSource(key) === "cli");
    process.exitCode = await runCommand(module, name, { ...options, settings });
  });

program
  .command("fit")
  .description("what each task used against what it asked for, from a history recorded with `taskfit run --record DIR`, and a better-fitting spec")
  .argument("<dir>", "the directory given to --record (or its history.jsonl)")
  .option("--task <name>", "only this task")
  .option("--headroom <factor>", `memory suggestions are the need times this, from 1 up (default ${DEFAULT_FIT_OPTIONS.headroom})`)
  .option("--quantile <q>", `the quantile of the peaks a constant starts from, in (0, 1] (default ${DEFAULT_FIT_OPTIONS.quantile})`)
  .option("--min-attempts <n>", `successful measured attempts needed before a function of an argument is suggested (default ${DEFAULT_FIT_OPTIONS.minAttempts})`)
  .option("--min-r2 <r2>", `how much of the peaks' spread an argument must explain to be suggested, in [0, 1] (default ${DEFAULT_FIT_OPTIONS.minR2})`)
  .option("--json", "print JSON")
  .addHelpText(
    "after",
    examples(
      "taskfit run examples/cohort.ts --args '[4]' --isolation process --oversize clamp --record .taskfit/history --no-progress",
      "taskfit fit .taskfit/history",
      "taskfit fit .taskfit/history --task align --headroom 1.5 --quantile 0.95",
      "taskfit fit .taskfit/history --json",
    ),
  )
  .action(async (dir: string, options: FitFlags) => {
    const { fitCommand } = await import("./fit.js");
    print(await fitCommand(dir, options));
  });

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** The command a usage error is about, for its --help hint. */
function commandName(): string {
  const name = process.argv.slice(2).find((arg) => !arg.startsWith("-"));
  return program.commands.some((c) => c.name() === name) ? `taskfit ${name}` : "taskfit";
}

function errorLine(error: unknown): string {
  if (error instanceof CommanderError) {
    const message = error.message.replace(/^error: /, "");
    return `${ErrorCode.Configuration}: ${message} (see \`${commandName()} --help\`)`;
  }
  const code = error instanceof TaskfitError ? error.code : typeof (error as { code?: unknown })?.code === "string" ? (error as { code: string }).code : "UNEXPECTED_ERROR";
  return `${code}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`;
}

export function main(argv: readonly string[]): void {
  program.parseAsync([...argv]).then(
    // Exit now: a cluster client's keep-alive sockets or a task still ignoring its abort signal
    // would otherwise hold the process open after the run has ended.
    () => process.exit(process.exitCode ?? 0),
    (error: unknown) => {
      // --help and --version end through here too, with exit code 0.
      if (error instanceof CommanderError && error.exitCode === 0) process.exit(0);
      if (error instanceof CommanderError && error.code === "commander.help") process.exit(1);
      process.stderr.write(`taskfit: ${errorLine(error)}\n`);
      process.exit(1);
    },
  );
}
