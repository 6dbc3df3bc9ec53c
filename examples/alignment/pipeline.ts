/**
 * A read-alignment pipeline over real tools (bwa, samtools: `bash scripts/tools/install.sh`), run
 * through taskfit's command helper: each tool gets the task's CPUs, is stopped with its task, and
 * a failure carries the tool's exit code and stderr.
 *
 *   taskfit run examples/alignment/pipeline.ts --args '["/tmp/alignment"]'
 *   taskfit run examples/alignment/pipeline.ts --args '["/shared/alignment", 8]' --scheduler slurm --work-dir /shared/jobs
 */
import { join } from "node:path";
import { currentTask, customTask, pipe, run, TaskFile } from "taskfit";
import { DEFAULT_SHAPE, generateInputs } from "./generate.js";

/** The task's CPUs as a thread count for a tool's own option (`-t`, `-@`). */
const threads = () => String(Math.max(1, Math.floor(currentTask()?.resources.cpu ?? 1)));

export const indexReference = customTask({ cpu: 1, memory: "256Mi" })(async function indexReference(reference: TaskFile) {
  // bwa index is chatty on stderr: kept (its tail goes into the error if it fails), not printed.
  await run("bwa", ["index", reference.path], { stderr: "capture" });
  await run("samtools", ["faidx", reference.path]);
  return reference;
});

export const align = customTask({ cpu: 2, memory: "512Mi", retries: { count: 1, escalate: { memory: 2 } } })(
  async function align(reference: TaskFile, reads: TaskFile, sample: string) {
    const bam = reads.path.replace(/\.fq$/, ".bam");
    await pipe(
      [
        ["bwa", ["mem", "-t", threads(), "-R", `@RG\\tID:${sample}\\tSM:${sample}`, reference.path, reads.path]],
        ["samtools", ["sort", "-@", threads(), "-o", bam, "-"]],
      ],
      { stderr: "capture" },
    );
    return new TaskFile(bam);
  },
);

export interface FlagStat {
  readonly total: number;
  readonly mapped: number;
}

export const flagstat = customTask({ cpu: 1, memory: "256Mi" })(async function flagstat(bam: TaskFile): Promise<FlagStat> {
  const { stdout } = await run("samtools", ["flagstat", bam.path]);
  const count = (label: RegExp) => Number(stdout.match(new RegExp(`^(\\d+) \\+ \\d+ ${label.source}`, "m"))?.[1] ?? Number.NaN);
  return { total: count(/in total/), mapped: count(/mapped \(/) };
});

export const merge = customTask({ cpu: 2, memory: "512Mi" })(async function merge(bams: TaskFile[], output: string) {
  await run("samtools", ["merge", "-f", "-@", threads(), "-o", output, ...bams.map((bam) => bam.path)]);
  return new TaskFile(output);
});

/** The workflow: generate inputs in `dir`, index, align every sample, count, merge. */
export default async function alignment(dir: string, samples = DEFAULT_SHAPE.samples) {
  const { reference, reads } = await generateInputs(dir, { ...DEFAULT_SHAPE, samples });
  const indexed = await indexReference(reference);
  const bams = await Promise.all(reads.map((fastq, i) => align(indexed, fastq, `s${i + 1}`)));
  const perSample = await Promise.all(bams.map(async (bam, i) => ({ sample: `s${i + 1}`, ...(await flagstat(bam)) })));
  const merged = await merge(bams, join(dir, "merged.bam"));
  return { samples: perSample, merged: { path: merged.path, ...(await flagstat(merged)) } };
}
