/**
 * The task's arguments from the command line: each `--file` is one argument (a TaskFile, or a list
 * of them for `a,b,c`), in order, followed by the elements of `--args` (a JSON array, in which
 * `{"$taskfit":"TaskFile","path":...}` is a TaskFile too). `--file a.fq,b.fq --args '[3]'` calls
 * `task([a.fq, b.fq], 3)`.
 */
import { ResourceSpecError } from "../errors.js";
import { reviveTaskFiles, TaskFile } from "../task/file.js";

export function parseArgs(json: string | undefined, files: readonly string[]): unknown[] {
  let args: unknown = [];
  if (json !== undefined) {
    try {
      args = JSON.parse(json, reviveTaskFiles);
    } catch (error) {
      throw new ResourceSpecError({ field: "--args", value: json, expected: `JSON (${(error as Error).message})` });
    }
  }
  if (!Array.isArray(args)) throw new ResourceSpecError({ field: "--args", value: args, expected: "a JSON array of the task's arguments" });
  // Each --file is one more argument: a TaskFile, or a list of them when given as a,b,c.
  return [...files.map((file) => (file.includes(",") ? file.split(",").map((f) => new TaskFile(f)) : new TaskFile(file))), ...args];
}
