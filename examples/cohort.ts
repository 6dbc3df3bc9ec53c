/**
 * The cohort workflow as the `taskfit` command runs it: the module's default export is the
 * workflow, its arguments come from `--args`.
 *
 *   npx taskfit run examples/cohort.ts --args '[16]' --oversize clamp --report taskfit-report.html
 *
 * It makes `count` sparse FASTQ files (large logical size, no disk) of growing size, runs the
 * fan-out in workflow.ts over them, and removes them again.
 */
import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TaskFile } from "taskfit";
import { cohortWorkflow } from "./workflow.js";

const MiB = 1024 ** 2;

export default async function cohort(count = 16) {
  const dir = await mkdtemp(join(tmpdir(), "taskfit-cohort-"));
  try {
    const samples = await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const path = join(dir, `sample_${i + 1}.fastq`);
        await writeFile(path, "");
        await truncate(path, (20 + i * 15) * MiB);
        return new TaskFile(path);
      }),
    );
    return await cohortWorkflow(samples);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
