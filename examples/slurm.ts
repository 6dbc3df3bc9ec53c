/**
 * The seed's dynamic example on Slurm: `npx tsx examples/slurm.ts` with a cluster running
 * (`bash scripts/slurm/up.sh` starts a one-node test cluster: 4 CPUs, 8 GiB).
 * Each call becomes one sbatch job asking for exactly what the call resolved to; a call that no
 * node could ever hold is refused before it is submitted.
 */
import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planCall, SlurmScheduler, TaskFile, TaskfitError } from "taskfit";
import { myTask } from "./dynamic.js";

const MiB = 1024 ** 2;

async function sparseFiles(dir: string, count: number): Promise<TaskFile[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const path = join(dir, `reads_${i + 1}.fastq`);
      await writeFile(path, "");
      await truncate(path, (i + 1) * 200 * MiB);
      return new TaskFile(path);
    }),
  );
}

const dir = await mkdtemp(join(tmpdir(), "taskfit-slurm-example-"));
try {
  const slurm = new SlurmScheduler({ workDir: join(dir, "jobs") });
  const onSlurm = myTask.with({ scheduler: slurm });
  const three = await sparseFiles(dir, 3);
  console.log("myTask(3 files) resolves to", await onSlurm.resolve(three, 2));
  console.log((await slurm.plan(await planCall(myTask, [three, 2]))).text);
  console.log("result:", await onSlurm(three, 2));

  const twelve = await sparseFiles(dir, 12);
  try {
    await onSlurm(twelve, 1);
  } catch (error) {
    if (!(error instanceof TaskfitError)) throw error;
    console.log(`myTask(12 files) asks for 8 CPUs: ${error.code}: ${error.message}`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
