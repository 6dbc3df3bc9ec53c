/**
 * The elements of a Slurm job array share one command line: `%a` in the name of a request or
 * outcome file stands for the element's own index (Slurm's SLURM_ARRAY_TASK_ID), as in sbatch's
 * own file-name patterns, so each element reads and answers its own call's files.
 */
import { basename, dirname, join } from "node:path";
import { WorkerProtocolError } from "../../errors.js";
import { WORKER_PROTOCOL } from "./protocol.js";

const INDEX = "%a";

/** `path` with `%a` in its file name replaced by this array element's index; a path without one as it is. */
export function elementPath(path: string, env: NodeJS.ProcessEnv = process.env): string {
  const name = basename(path);
  if (!name.includes(INDEX)) return path;
  const index = env.SLURM_ARRAY_TASK_ID;
  if (index === undefined || !/^\d+$/.test(index)) {
    const got = index === undefined ? "is not set" : `is ${JSON.stringify(index)}`;
    const problem = `the file ${path} is a job array's pattern (${INDEX} for the element's index), so SLURM_ARRAY_TASK_ID must hold the index of a job array's element; it ${got}`;
    throw new WorkerProtocolError({ what: "request", expected: WORKER_PROTOCOL, received: WORKER_PROTOCOL, from: "the worker's command line", problem });
  }
  return join(dirname(path), name.replaceAll(INDEX, index));
}
