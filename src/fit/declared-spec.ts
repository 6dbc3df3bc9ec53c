/** What a task declares, as the plain data a history line keeps: values, a preset, functions by their source. */
import type { ResourceField } from "../resources/spec.js";
import type { TaskDefinition } from "../task/metadata.js";
import { parameterNames } from "../task/parameter-names.js";
import type { DeclaredField, DeclaredSpec } from "./history-line.js";

function declaredField(definition: TaskDefinition, field: ResourceField): DeclaredField {
  const dynamic = definition.spec.functions.find((f) => f.field === field);
  if (dynamic !== undefined) {
    return { function: Function.prototype.toString.call(dynamic.fn), parameters: parameterNames(dynamic.fn)?.map((name) => name ?? null) ?? null };
  }
  return definition.spec.values[field] ?? null;
}

export function declaredSpec(definition: TaskDefinition): DeclaredSpec {
  const { spec } = definition;
  return {
    preset: spec.preset ?? null,
    cpu: declaredField(definition, "cpu"),
    memory: declaredField(definition, "memoryGiB"),
    storage: declaredField(definition, "storageGiB"),
    gpu: declaredField(definition, "gpu"),
    gpuType: declaredField(definition, "gpuType"),
    timeoutSeconds: spec.timeoutSeconds ?? null,
    retries: spec.retries.count,
  };
}

/** The task function's parameter names, null where one cannot be read (destructured); null when none can. */
export function taskParameters(definition: TaskDefinition): (string | null)[] | null {
  return parameterNames(definition.fn)?.map((name) => name ?? null) ?? null;
}
