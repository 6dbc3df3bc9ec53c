/**
 * Finding a task the way a user names it on the command line: import the module (TypeScript
 * through tsx, when it is installed), then take the exported task of that name. Only exported
 * task functions are listed and run: a decorated method needs its instance, so it is called from
 * a workflow, never from here.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ModuleLoadError, TaskfitError, TaskNotFoundError } from "../errors.js";
import { getDefinition, type TaskDefinition } from "../task/metadata.js";
import { tasksNamed } from "../task/registry.js";
import type { AnyFunction } from "../task/types.js";

const TYPESCRIPT = /\.[cm]?tsx?$/;

type TsImport = (url: string, parent: string) => Promise<Record<string, unknown>>;

async function loadTsx(path: string): Promise<TsImport> {
  try {
    return ((await import("tsx/esm/api")) as { tsImport: TsImport }).tsImport;
  } catch (cause) {
    throw new ModuleLoadError({
      module: path,
      problem: "a TypeScript module needs tsx, which is not installed: npm install --save-dev tsx (or run the compiled .js)",
      cause,
    });
  }
}

export async function importModule(path: string): Promise<{ url: string; exports: Record<string, unknown> }> {
  const absolute = resolve(path);
  if (!existsSync(absolute)) throw new ModuleLoadError({ module: path, problem: `no such file (${absolute})` });
  const url = pathToFileURL(absolute).href;
  const tsImport = TYPESCRIPT.test(path) ? await loadTsx(path) : undefined;
  try {
    return { url, exports: tsImport === undefined ? ((await import(url)) as Record<string, unknown>) : await tsImport(url, import.meta.url) };
  } catch (cause) {
    // A taskfit error raised while the module defines its tasks (a bad spec) keeps its own code.
    if (cause instanceof TaskfitError) throw cause;
    const message = cause instanceof Error ? cause.message.split("\n")[0] : String(cause);
    throw new ModuleLoadError({ module: path, problem: `importing it threw ${cause instanceof Error ? cause.name : "a value"}: ${message}`, cause });
  }
}

/** The module's exported tasks (task functions: what the command line can run), by task name. */
export function exportedTasks(exports: Record<string, unknown>): { exportName: string; task: AnyFunction; definition: TaskDefinition }[] {
  return Object.entries(exports).flatMap(([exportName, value]) => {
    const definition = getDefinition(value);
    return definition === undefined ? [] : [{ exportName, task: value as AnyFunction, definition }];
  });
}

/** The names of the tasks the command line can run from a module. */
export function tasksIn(exports: Record<string, unknown>): string[] {
  return [...new Set(exportedTasks(exports).map((t) => t.definition.name))].sort();
}

/** The exported task called `name` (its export name or its task name). */
export async function loadTask(path: string, name: string): Promise<AnyFunction> {
  return (await loadExportedTask(path, name)).task;
}

/** The exported task called `name`, with the name it is exported as. */
export async function loadExportedTask(path: string, name: string): Promise<{ task: AnyFunction; exportName: string }> {
  const { url, exports } = await importModule(path);
  const found = exportedTasks(exports).find((t) => t.exportName === name || t.definition.name === name);
  if (found !== undefined) return found;
  const definedHere = tasksNamed(name).some((d) => d.ref.module === url);
  throw new TaskNotFoundError({
    task: name,
    module: url,
    found: tasksIn(exports),
    ...(definedHere && { hint: "it is defined there but is not an exported task function (a decorated method needs its instance: call it from a workflow, the module's default export)" }),
  });
}
