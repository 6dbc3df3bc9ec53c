/** `taskfit fit`: a history's lines grouped by task (name and module), each task fitted. */
import { basename } from "node:path";
import { ConfigurationError } from "../errors.js";
import type { FitOptions } from "./fit-options.js";
import { fitTask, type TaskFit } from "./fit-task.js";
import type { HistoryLine } from "./history-line.js";

/** Each task's lines, under the name it is shown by: its own, or with its module's file name when two modules define one name. */
export function linesByTask(lines: readonly HistoryLine[]): Map<string, HistoryLine[]> {
  const groups = new Map<string, HistoryLine[]>();
  for (const line of lines) {
    const key = `${line.task.name}\0${line.task.module ?? ""}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [line]);
    else group.push(line);
  }
  const modulesOf = new Map<string, number>();
  for (const [first] of groups.values()) modulesOf.set(first?.task.name as string, (modulesOf.get(first?.task.name as string) ?? 0) + 1);
  const named = new Map<string, HistoryLine[]>();
  for (const group of groups.values()) {
    const { name, module } = (group[0] as HistoryLine).task;
    const shown = (modulesOf.get(name) ?? 0) > 1 ? `${name} (${module === null ? "no module" : basename(module)})` : name;
    named.set(shown, group);
  }
  return named;
}

/** Every task's fit, by name; only `task`'s (by its shown name or its plain name) when given. */
export function fitHistory(lines: readonly HistoryLine[], options: FitOptions, task?: string): TaskFit[] {
  const groups = [...linesByTask(lines)].sort(([a], [b]) => a.localeCompare(b));
  const chosen = task === undefined ? groups : groups.filter(([shown, group]) => shown === task || (group[0] as HistoryLine).task.name === task);
  if (chosen.length === 0) {
    throw new ConfigurationError({ field: "--task", value: task, expected: `a task in the history: ${groups.map(([shown]) => shown).join(", ")}` });
  }
  return chosen.map(([shown, group]) => fitTask(shown, group, options));
}
