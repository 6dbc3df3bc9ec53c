/**
 * `taskfit tasks <module>`: the tasks the command line can run from a module, each with what it
 * declares: a preset, static values, or "function of (files, count)" for a resource function.
 */
import type { DynamicField } from "../resources/compile.js";
import { formatGiB } from "../resources/quantity.js";
import type { ResourceField } from "../resources/fields.js";
import type { TaskDefinition } from "../task/metadata.js";
import { parameterNames } from "../task/parameter-names.js";
import { exportedTasks, importModule } from "./load-task.js";

/** A field's declaration: its value, or the parameters of the function that computes it. */
export type Declared = number | string | null | { readonly function: readonly string[] | null };

export interface TaskListing {
  readonly task: string;
  /** The name it is exported as, when that is not the task's name. */
  readonly export?: string;
  readonly preset: string | null;
  readonly cpu: Declared;
  /** unit: GiB */
  readonly memory: Declared;
  /** unit: GiB; null: no scratch request (the scheduler's default) */
  readonly storage: Declared;
  readonly gpu: Declared;
  readonly gpuType: Declared;
  readonly timeoutSeconds: number | null;
  readonly retries: number;
}

function declared(definition: TaskDefinition, field: ResourceField): Declared {
  const fn = definition.spec.functions.find((f: DynamicField) => f.field === field);
  if (fn !== undefined) return { function: parameterNames(fn.fn)?.map((name) => name ?? "{...}") ?? null };
  return definition.spec.values[field] ?? null;
}

export async function listTasks(module: string): Promise<TaskListing[]> {
  const { exports } = await importModule(module);
  return exportedTasks(exports)
    .map(({ exportName, definition }) => ({
      task: definition.name,
      ...(exportName !== definition.name && { export: exportName }),
      preset: definition.spec.preset ?? null,
      cpu: declared(definition, "cpu"),
      memory: declared(definition, "memoryGiB"),
      storage: declared(definition, "storageGiB"),
      gpu: declared(definition, "gpu"),
      gpuType: declared(definition, "gpuType"),
      timeoutSeconds: definition.spec.timeoutSeconds ?? null,
      retries: definition.spec.retries.count,
    }))
    .sort((a, b) => a.task.localeCompare(b.task));
}

/** A declaration as a table cell: "2", "8 GiB", "function of (files, count)". */
export function showDeclared(value: Declared, gib = false): string {
  if (value === null) return "-";
  if (typeof value === "object") return value.function === null ? "function" : `function of (${value.function.join(", ")})`;
  return gib && typeof value === "number" ? formatGiB(value) : String(value);
}
