/**
 * The poll's one question to Slurm: the states of the jobs in flight, by id (`squeue --jobs`), so
 * a poll costs what taskfit has in flight, not every job the controller remembers. A job array is
 * asked about once, by its own id, with `--array` so that each element has a line of its own
 * (pending ones too, which squeue otherwise folds into one `123_[4-99]` line).
 */
import type { RunCommand } from "./commands.js";
import { arrayJobOf, type JobState, parseJobLines, SQUEUE_FORMAT } from "./slurm-state.js";

/** Job ids per squeue call: keeps the argv short however many calls are in flight. */
const SQUEUE_BATCH = 500;

/**
 * The state of each job Slurm still lists, by the id taskfit follows (`123`, or `123_4` for an
 * element of a job array); a job it no longer knows is absent. Rejects when Slurm did not answer
 * (slurmctld down or restarting): that says nothing about any job.
 */
export async function jobStates(exec: RunCommand, ids: readonly string[]): Promise<Map<string, JobState>> {
  const states = new Map<string, JobState>();
  const asked = [...new Set(ids.map(arrayJobOf))];
  for (let i = 0; i < asked.length; i += SQUEUE_BATCH) {
    const batch = asked.slice(i, i + SQUEUE_BATCH);
    const result = await exec("squeue", ["--noheader", "--array", "--states=all", `--jobs=${batch.join(",")}`, `--Format=${SQUEUE_FORMAT}`]);
    // squeue fails this way only when it knows none of the ids: all of them are gone.
    if (result.code !== 0 && /Invalid job id/i.test(result.stderr)) continue;
    if (result.code !== 0) throw new Error(`squeue exited with ${result.code}: ${result.stderr.trim()}`);
    for (const job of parseJobLines(result.stdout)) states.set(job.jobId, job);
  }
  return states;
}
