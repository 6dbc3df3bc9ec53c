/**
 * The files of one Slurm job in the shared `workDir`: the worker's request and outcome (taskfit's
 * own, mode 0600) and the job's logs, named after the call so a person finds them by what failed.
 * Also the job script every job runs, written once per workDir and again when it went missing.
 */
import { existsSync } from "node:fs";
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

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
