/**
 * A workflow that fans out over many samples with mixed presets and custom tasks, on the local
 * scheduler: each sample is trimmed (a light custom task), aligned (CPU from the sample's size)
 * and called (a preset); one merge at the end asks for a `medium_task` machine, which this machine
 * is not, so the scheduler is told to clamp oversize requests instead of refusing them.
 */
import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { currentTask, customTask, mediumTask, smallTask, type TaskFile } from "taskfit";

/** Stands in for real work: a short wait, so the progress display has something to show. */
const work = (ms: number) => sleep(ms, undefined, { signal: currentTask()?.signal });

export const trim = customTask({ cpu: "250m", memory: "256Mi" })(async function trim(sample: TaskFile) {
  await work(40);
  return { sample: sample.name, bytes: sample.size() };
});

/** One core per 100 MiB of input, between 1 and 2. */
export const align = customTask({
  cpu: (sample: TaskFile) => Math.min(2, Math.max(1, Math.ceil(sample.size() / (100 * 1024 ** 2)))),
  memory: (sample: TaskFile) => `${Math.max(1, Math.ceil(sample.size() / 1024 ** 3) * 2)}Gi`,
  retries: { count: 2, escalate: { memory: 2 } },
})(async function align(sample: TaskFile) {
  await work(120);
  const file = await open(sample.path);
  try {
    const { buffer, bytesRead } = await file.read({ buffer: Buffer.alloc(4096) });
    return createHash("sha256").update(buffer.subarray(0, bytesRead)).update(sample.name).digest("hex").slice(0, 12);
  } finally {
    await file.close();
  }
});

export const callVariants = smallTask({ timeout: "10m" })(async function callVariants(alignment: string) {
  await work(80);
  return `${alignment}.vcf`;
});

export const merge = mediumTask(async function merge(calls: readonly string[]) {
  await work(60);
  return { samples: calls.length, merged: "cohort.vcf" };
});

/** The workflow: a plain async function calling tasks; fan-out is Promise.all. */
export async function cohortWorkflow(samples: readonly TaskFile[]) {
  const calls = await Promise.all(
    samples.map(async (sample) => {
      await trim(sample);
      const alignment = await align(sample);
      return callVariants(alignment);
    }),
  );
  return merge(calls);
}
