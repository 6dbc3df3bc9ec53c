/**
 * Submitting a batch of same-shape calls (array-batch.ts): one call as a job of its own, named
 * after the call; two or more as one job array (`sbatch --array=0-N`), element i running call i.
 * Each element reads its own request file (the worker fills in `%a`, see worker/array-element.ts)
 * and is followed by its own id, `<array id>_<i>`.
 */
import { randomBytes } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import type { Invocation } from "../../contract/scheduler.js";
import { SubmissionError } from "../../errors.js";
import type { WorkerRequest } from "../worker/protocol.js";
import type { RunCommand } from "./commands.js";
import { arrayJobFiles, elementFiles, forElement, type JobFiles, jobFiles, type JobScript, withJobId } from "./job-files.js";
import { arrayJobName, jobName, sbatchArgv, type SubmitSettings } from "./sbatch.js";

/** One call to submit: its attempt and the worker request that runs it. */
export interface CallToSubmit {
  readonly invocation: Invocation<unknown>;
  readonly request: WorkerRequest;
}

/** A submitted call: the id taskfit follows it by (`123`, or `123_4` for an element of an array) and its files. */
export interface SubmittedCall {
  readonly jobId: string;
  readonly files: JobFiles;
}

export class Submitter {
  constructor(
    private readonly exec: RunCommand,
    private readonly script: JobScript,
    private readonly settings: () => SubmitSettings,
  ) {}

  /**
   * The key of a call's batch: calls with the same key can be elements of one job array, since
   * their sbatch argv (options, script and worker command) is the same but for the batch's own
   * id and the array's size.
   */
  shapeOf(invocation: Invocation<unknown>): string {
    const settings = this.settings();
    const name = arrayJobName(invocation);
    const argv = sbatchArgv(invocation, arrayJobFiles(settings.workDir, "", name, invocation.attempt), settings, { jobName: name });
    return [invocation.taskName, ...argv].join("\0");
  }

  /** Submits the calls (as a job array when there are several): one result per call, in order. */
  submit(calls: readonly CallToSubmit[]): Promise<SubmittedCall[]> {
    const [first] = calls;
    if (first === undefined) return Promise.resolve([]);
    return calls.length === 1 ? this.submitJob(first) : this.submitArray(first.invocation, calls);
  }

  private async submitJob(call: CallToSubmit): Promise<SubmittedCall[]> {
    const { invocation } = call;
    const { workDir } = this.settings();
    const patterns = jobFiles(workDir, uniqueId(), jobName(invocation.taskName, invocation.label), invocation.attempt);
    await this.writeRequests(invocation.taskName, [[patterns.request, call.request]]);
    const jobId = await this.sbatch(invocation.taskName, sbatchArgv(invocation, patterns, this.settings()), [patterns.request]);
    return [{ jobId, files: withJobId(patterns, jobId) }];
  }

  private async submitArray(shape: Invocation<unknown>, calls: readonly CallToSubmit[]): Promise<SubmittedCall[]> {
    const settings = this.settings();
    const name = arrayJobName(shape);
    const patterns = arrayJobFiles(settings.workDir, uniqueId(), name, shape.attempt);
    const requests = calls.map((call, i): [string, WorkerRequest] => [forElement(patterns.request, i), call.request]);
    await this.writeRequests(shape.taskName, requests);
    const argv = sbatchArgv(shape, patterns, settings, { jobName: name, indexes: `0-${calls.length - 1}` });
    const arrayJobId = await this.sbatch(shape.taskName, argv, requests.map(([path]) => path));
    return calls.map((_, i) => ({ jobId: `${arrayJobId}_${i}`, files: elementFiles(patterns, arrayJobId, i) }));
  }

  /** Writes the request files (mode 0600), all or none. */
  private async writeRequests(task: string, requests: readonly (readonly [string, WorkerRequest])[]): Promise<void> {
    try {
      await this.script.ensure();
      await Promise.all(requests.map(([path, request]) => writeFile(path, JSON.stringify(request), { mode: 0o600 })));
    } catch (cause) {
      await removeFiles(requests.map(([path]) => path));
      const detail = `could not write the job's files in workDir ${this.settings().workDir}: ${(cause as Error).message}`;
      throw new SubmissionError({ task, scheduler: "Slurm", detail, cause });
    }
  }

  /** Runs sbatch; the job's (or array's) id, or a SubmissionError with sbatch's words, the request files written for it removed. */
  private async sbatch(task: string, argv: readonly string[], requests: readonly string[]): Promise<string> {
    const submitted = await this.exec("sbatch", argv);
    if (submitted.code !== 0) {
      await removeFiles(requests);
      throw new SubmissionError({ task, scheduler: "Slurm", detail: submitted.stderr.trim() || `sbatch exited with ${submitted.code}` });
    }
    // --parsable: "123", or "123;cluster" on a multi-cluster setup.
    return submitted.stdout.trim().split(";")[0] as string;
  }
}

/** The files of a submission that did not happen. */
async function removeFiles(paths: readonly string[]): Promise<void> {
  await Promise.all(paths.map((path) => rm(path, { force: true })));
}

/** The batch's own id in file names: unique across submit hosts sharing a workDir. */
function uniqueId(): string {
  return `${Date.now().toString(36)}-${randomBytes(6).toString("hex")}`;
}
