/**
 * The task's arguments from the command line: each `--file` is one argument, in order, followed by
 * the elements of `--args` (a JSON array, in which `{"$taskfit":"TaskFile","path":...}` is a
 * TaskFile too). `--file a.fq,b.fq` is a list of TaskFiles; `--file a.fq` is one TaskFile, or a
 * list of one when the task's parameter there is a list (read from the module's source), and
 * `--file a.fq,` is always a list. `--file a.fq,b.fq --args '[3]'` calls `task([a.fq, b.fq], 3)`.
 */
import { ConfigurationError } from "../errors.js";
import { reviveTaskFiles, TaskFile } from "../task/file.js";
import { listParameters } from "./list-parameters.js";
import { loadExportedTask } from "./load-task.js";

export function parseArgs(json: string | undefined, files: readonly string[], lists: readonly (boolean | undefined)[] = []): unknown[] {
  let args: unknown = [];
  if (json !== undefined) {
    try {
      args = JSON.parse(json, reviveTaskFiles);
    } catch (error) {
      throw new ConfigurationError({ field: "--args", value: json, expected: `JSON (${(error as Error).message})` });
    }
  }
  if (!Array.isArray(args)) throw new ConfigurationError({ field: "--args", value: args, expected: "a JSON array of the task's arguments" });
  const fileArgs = files.map((file, at) => {
    if (file.includes(",")) return file.split(",").filter((f) => f !== "").map((f) => new TaskFile(f));
    return lists[at] === true ? [new TaskFile(file)] : new TaskFile(file);
  });
  return [...fileArgs, ...args];
}

/** The arguments for the task `name` of `module` (its default export when `name` is undefined). */
export async function taskArguments(module: string, name: string | undefined, json: string | undefined, files: readonly string[]): Promise<unknown[]> {
  // Only a single path is ambiguous; the module's source is read only then.
  if (!files.some((file) => !file.includes(","))) return parseArgs(json, files);
  const exportName = name === undefined ? "default" : (await loadExportedTask(module, name)).exportName;
  return parseArgs(json, files, listParameters(module, exportName) ?? []);
}
