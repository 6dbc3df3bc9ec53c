/**
 * Tasks by name, for the processes that must find a task again from its name (the worker entry,
 * the command line). A name defined twice keeps both, and looking it up then is an error.
 */
import type { TaskDefinition } from "./metadata.js";

const byName = new Map<string, TaskDefinition[]>();

export function registerTask(definition: TaskDefinition): void {
  const list = byName.get(definition.name);
  if (list === undefined) byName.set(definition.name, [definition]);
  else if (!list.includes(definition)) list.push(definition);
}

/** Every definition registered under `name`, oldest first. */
export function tasksNamed(name: string): readonly TaskDefinition[] {
  return byName.get(name) ?? [];
}

/** All registered task names, sorted. */
export function taskNames(): string[] {
  return [...byName.keys()].sort();
}
