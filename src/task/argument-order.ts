/**
 * Latch calls a resource function with the task's arguments by name; taskfit passes them by
 * position (TypeScript has no call by name). A port that keeps Python's parameter order would
 * compile when the types agree and silently swap the values, so a resource function whose
 * readable parameter names are the task's at other positions is refused when the task is defined.
 */
import { ResourceSpecError } from "../errors.js";
import type { CompiledSpec } from "../resources/compile.js";
import { misplacedParameter, parameterNames } from "./parameter-names.js";
import type { AnyFunction } from "./types.js";

export function checkArgumentOrder(task: AnyFunction, spec: CompiledSpec, name: string): void {
  if (spec.functions.length === 0) return;
  const taskParams = parameterNames(task);
  if (taskParams === undefined) return;
  for (const { key, fn } of spec.functions) {
    const params = parameterNames(fn);
    const wrong = misplacedParameter(taskParams, params);
    if (wrong === undefined || params === undefined) continue;
    const list = (names: readonly (string | undefined)[]) => `(${names.map((n) => n ?? "{...}").join(", ")})`;
    // The fix: the task's own parameters, up to the last one the function uses by name.
    const needed = Math.max(...params.map((p) => (p === undefined ? -1 : taskParams.indexOf(p))), params.length - 1);
    throw new ResourceSpecError({
      task: name,
      field: key,
      value: fn,
      expected:
        `the resource function for \`${key}\` to take the task's arguments in the task's order: taskfit passes them by position, ` +
        `not by name as Latch does. The task takes ${list(taskParams)}, the function takes ${list(params)}, so its \`${wrong.name}\` ` +
        `would receive the task's \`${taskParams[wrong.at] ?? `argument ${wrong.at + 1}`}\`. Write it as ${list(taskParams.slice(0, needed + 1))} => ...`,
    });
  }
}
