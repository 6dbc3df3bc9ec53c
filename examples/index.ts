/**
 * `npm run example`, first part: runs the seed's examples on this machine and prints what each
 * call resolved to. (The second part is the `taskfit` command running the cohort workflow in
 * cohort.ts with live progress, a summary and an HTML report.) The examples work on real files:
 * sparse files, so their logical size is large while they take no disk.
 */
import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Table from "cli-table3";
import {
  asTask,
  formatGiB,
  LocalScheduler,
  type ResolvedResources,
  resolveResources,
  setDefaultScheduler,
  TaskFile,
} from "taskfit";
import { embed, sortReads } from "./custom.js";
import { myTask } from "./dynamic.js";
import { countLines, Models, normalise } from "./presets.js";

const MiB = 1024 ** 2;

async function sparseFiles(dir: string, sizes: readonly number[]): Promise<TaskFile[]> {
  return Promise.all(
    sizes.map(async (size, i) => {
      const path = join(dir, `sample_${i + 1}.fastq`);
      await writeFile(path, "");
      await truncate(path, size);
      return new TaskFile(path);
    }),
  );
}

interface Row {
  readonly call: string;
  readonly resources: ResolvedResources;
  readonly result: unknown;
}

function describeSource(resources: ResolvedResources): string {
  const { source } = resources;
  if (source.kind === "preset") return `preset ${source.preset}`;
  return source.dynamic.length > 0 ? `custom, computed: ${source.dynamic.join(", ")}` : "custom";
}

function print(rows: readonly Row[]): void {
  const table = new Table({ head: ["call", "cpu", "memory", "storage", "gpu", "from", "result"] });
  for (const { call, resources: r, result } of rows) {
    table.push([
      call,
      String(r.cpu),
      formatGiB(r.memoryGiB),
      r.storageGiB === undefined ? "(default)" : formatGiB(r.storageGiB),
      r.gpu === 0 ? "-" : `${r.gpu} x ${r.gpuType ?? "any"}`,
      describeSource(r),
      JSON.stringify(result).slice(0, 40),
    ]);
  }
  console.log(table.toString());
}

async function main(): Promise<void> {
  // The examples include GPU presets and a 32-core merge: on a smaller machine, CPU and memory are
  // clamped to it (with a warning) rather than refused. GPUs are never clamped away, and this
  // machine may have none: the example declares one of each type its tasks ask for (they only
  // print, so no GPU is touched). On a real GPU machine, leave `gpus` out: nvidia-smi finds them.
  const local = new LocalScheduler({
    oversize: "clamp",
    capacity: { gpus: [{ index: 0, type: "a10g" }, { index: 1, type: "v100" }, { index: 2, type: "l40s" }] },
  });
  setDefaultScheduler(local);
  const dir = await mkdtemp(join(tmpdir(), "taskfit-example-"));
  try {
    const few = await sparseFiles(dir, [120 * MiB, 80 * MiB, 300 * MiB]);
    const many = await sparseFiles(dir, Array.from({ length: 12 }, (_, i) => (i + 1) * 100 * MiB));
    const models = new Models("esm2");
    const rows: Row[] = [];
    const run = async <A extends unknown[]>(call: string, task: (...args: A) => Promise<unknown>, ...args: A) => {
      const resources = await resolveResources(task, args);
      rows.push({ call, resources, result: await task(...args) });
    };
    await run("countLines(text)", countLines, "a\nb\nc");
    await run("normalise(text)", normalise, "  ACGT ");
    await run("models.inference(batch)", asTask(models.inference, models), [1, 2, 3]);
    await run("models.finetune(3)", asTask(models.finetune, models), 3);
    await run("sortReads(reads)", sortReads, ["TTA", "ACG"]);
    await run("embed(sentence)", embed, "resources follow the data");
    await run("myTask(3 files, 2)", myTask, few, 2);
    await run("myTask(12 files, 1)", myTask, many, 1);
    console.log("The seed's examples, and what each call asked for:");
    print(rows);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
