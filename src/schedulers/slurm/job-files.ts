/**
 * The files of one Slurm job in the shared `workDir`: the worker's request and outcome (taskfit's
 * own, mode 0600) and the job's logs, named after the call so a person finds them by what failed.
 * Also the job script every job runs, written once per workDir and again when it went missing.
 */
import { existsSync } from "node:fs";
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export interface JobFiles {
  readonly request: string;
  readonly outcome: string;
  readonly output: string;
  readonly error: string;
}

/** The job script: runs its arguments as they are, with no shell parsing of anything taskfit passes. */
export const JOB_SCRIPT = '#!/bin/sh\n# taskfit job: run the worker command given as arguments, unchanged.\nexec "$@"\n';

/** The job script's name in workDir. */
const SCRIPT_NAME = "taskfit-job.sh";

export function jobScriptPath(workDir: string): string {
  return join(workDir, SCRIPT_NAME);
}

/**
 * The job's files. The logs are named after the call's job name and the job (`align-s3-attempt2-%j.err`,
 * Slurm puts the job id for `%j`); the request and outcome files after `id`, taskfit's own.
 */
export function jobFiles(workDir: string, id: string, jobName: string, attempt: number): JobFiles {
  const base = join(workDir, `taskfit-${id}`);
  const logs = join(workDir, `${jobName}-attempt${attempt}-%j`);
  return { request: `${base}.request.json`, outcome: `${base}.outcome.json`, output: `${logs}.out`, error: `${logs}.err` };
}

/** The log paths as Slurm wrote them, once the job id is known. */
export function withJobId(files: JobFiles, jobId: string): JobFiles {
  return { ...files, output: files.output.replace("%j", jobId), error: files.error.replace("%j", jobId) };
}

/** What the worker reads for `%a` in a file name (worker/array-element.ts) and sbatch in its log names: the element's index. */
export const ARRAY_INDEX = "%a";

/**
 * The files of a job array, as patterns every element shares: the request and outcome files with
 * `%a` for the element's index (the worker fills it in), the logs with `%A_%a` (Slurm does).
 */
export function arrayJobFiles(workDir: string, id: string, jobName: string, attempt: number): JobFiles {
  const base = join(workDir, `taskfit-${id}_${ARRAY_INDEX}`);
  const logs = join(workDir, `${jobName}-attempt${attempt}-%A_${ARRAY_INDEX}`);
  return { request: `${base}.request.json`, outcome: `${base}.outcome.json`, output: `${logs}.out`, error: `${logs}.err` };
}

/** A pattern's file name with `%A` (the array's id, once known) and `%a` (the element's index) filled in; the directory as it is. */
export function forElement(pattern: string, index: number, arrayJobId = "%A"): string {
  return join(dirname(pattern), basename(pattern).replace("%A", arrayJobId).replace(ARRAY_INDEX, String(index)));
}

/** One element's files, from the array's patterns, once Slurm has given the array its id. */
export function elementFiles(patterns: JobFiles, arrayJobId: string, index: number): JobFiles {
  const fill = (path: string) => forElement(path, index, arrayJobId);
  return { request: fill(patterns.request), outcome: fill(patterns.outcome), output: fill(patterns.output), error: fill(patterns.error) };
}

/** Job files go once read; the logs of a failed job stay for whoever debugs it. */
export async function removeJobFiles(files: JobFiles, logsToo: boolean): Promise<void> {
  const paths = logsToo ? Object.values(files) : [files.request, files.outcome];
  await Promise.all(paths.map((path) => rm(path, { force: true })));
}

/** The job script in workDir, written on first use; many submissions at once share one write. */
export class JobScript {
  private ready: Promise<string> | undefined;

  constructor(private readonly workDir: string) {}

  get path(): string {
    return jobScriptPath(this.workDir);
  }

  /** Writes the script unless it is there; written again when missing (workDir deleted by a cleanup, a tmp reaper). */
  ensure(): Promise<string> {
    if (this.ready !== undefined && !existsSync(this.path)) this.ready = undefined;
    this.ready ??= (async () => {
      await mkdir(this.workDir, { recursive: true, mode: 0o700 });
      await writeFile(this.path, JOB_SCRIPT, { mode: 0o700 });
      await chmod(this.path, 0o700);
      return this.path;
    })();
    const ready = this.ready;
    // A failed write is tried again by the next submission.
    ready.catch(() => {
      if (this.ready === ready) this.ready = undefined;
    });
    return ready;
  }
}
