/**
 * Finding a task the way a user names it on the command line: import the module (TypeScript
 * through tsx, when it is installed), then take the task of that name among what it defined.
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { TaskNotFoundError } from "../errors.js";
import { getDefinition } from "../task/metadata.js";
import { taskNames, tasksNamed } from "../task/registry.js";
import type { AnyFunction } from "../task/types.js";

const TYPESCRIPT = /\.[cm]?tsx?$/;

export async function importModule(path: string): Promise<{ url: string; exports: Record<string, unknown> }> {
  const url = pathToFileURL(resolve(path)).href;
  if (TYPESCRIPT.test(path)) {
    const { tsImport } = (await import("tsx/esm/api")) as { tsImport: (url: string, parent: string) => Promise<Record<string, unknown>> };
    return { url, exports: await tsImport(url, import.meta.url) };
  }
  return { url, exports: (await import(url)) as Record<string, unknown> };
}

/** The names of the tasks a module defined (or exports). */
export function tasksIn(url: string, exports: Record<string, unknown>): string[] {
  const defined = taskNames().filter((name) => tasksNamed(name).some((d) => d.ref.module === url));
  const exported = Object.values(exports).flatMap((value) => getDefinition(value)?.name ?? []);
  return [...new Set([...defined, ...exported])].sort();
}

/** The task function called `name` in the module: an export, or a task the module defined. */
export async function loadTask(path: string, name: string): Promise<AnyFunction> {
  const { url, exports } = await importModule(path);
  const exported = Object.entries(exports).find(([key, value]) => getDefinition(value) !== undefined && (key === name || getDefinition(value)?.name === name));
  if (exported !== undefined) return exported[1] as AnyFunction;
  throw new TaskNotFoundError({ task: name, module: url, found: tasksIn(url, exports) });
}
