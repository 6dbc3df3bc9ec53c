/**
 * Tasks by name and module, for the processes that must find a task again (the worker entry, the
 * command line). Within a module, tasks that share a name are told apart by definition order.
 */
import { globalSlot } from "../global-slot.js";
import type { TaskDefinition, TaskRef } from "./metadata.js";

// One per process: the ESM and CJS builds of taskfit, or the worker bundle and the copy a user's
// module imports, must all see one registry.
const byName = globalSlot("registry", () => new Map<string, TaskDefinition[]>());

/** The ref the next task with this name and module gets. */
export function nextRef(name: string, module: string | undefined): TaskRef {
  const index = (byName.get(name) ?? []).filter((d) => d.ref.module === module).length;
  return { module, name, index };
}

export function registerTask(definition: TaskDefinition): void {
  const list = byName.get(definition.name);
  if (list === undefined) byName.set(definition.name, [definition]);
  else list.push(definition);
}

/** Every definition registered under `name`, oldest first. */
export function tasksNamed(name: string): readonly TaskDefinition[] {
  return byName.get(name) ?? [];
}

/** The definition a ref points at, once its module has been imported in this process. */
export function findTask(ref: TaskRef): TaskDefinition | undefined {
  return tasksNamed(ref.name).filter((d) => d.ref.module === ref.module)[ref.index];
}

/** All registered task names, sorted. */
export function taskNames(): string[] {
  return [...byName.keys()].sort();
}
