/**
 * A call's label (`.with({ label: "s3" })`, or `label: (sample) => sample.id` in the task's
 * options): tells the calls of one task apart wherever the task's name is shown. Checked as it is
 * given, never trimmed or coerced: a label that would break a progress line is refused.
 */
import { ResourceResolutionError, ResourceSpecError } from "../errors.js";
import type { ResourceFn } from "../resources/spec.js";

/** A label, or a function of the arguments whose result is checked at each call. */
export type LabelSpec = string | ResourceFn<unknown> | undefined;

export const LABEL_MAX_CHARS = 128;
const EXPECTED = `a label: a string of 1 to ${LABEL_MAX_CHARS} characters, no line breaks or other control characters`;

// biome-ignore lint: a control character is exactly what this refuses
const CONTROL = /[\u0000-\u001f\u007f]/;

function isLabel(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= LABEL_MAX_CHARS && !CONTROL.test(value);
}

/** A label written in a task's options or `.with()`: a function is kept for each call. */
export function checkLabelSpec(value: LabelSpec, task: string): LabelSpec {
  if (value === undefined || typeof value === "function") return value;
  if (!isLabel(value)) throw new ResourceSpecError({ task, field: "label", value, expected: `${EXPECTED}, or a function of the task's arguments returning one` });
  return value;
}

/** This call's label: a function is called with the call's arguments and its result checked. */
export function resolveLabel(label: LabelSpec, task: string, args: readonly unknown[]): string | undefined | Promise<string> {
  if (typeof label !== "function") return label;
  let value: unknown;
  try {
    value = label(...args);
  } catch (cause) {
    throw new ResourceResolutionError({ task, field: "label", cause });
  }
  if (value instanceof Promise) {
    return value.then(
      (resolved: unknown) => checked(resolved, task),
      (cause: unknown) => {
        throw new ResourceResolutionError({ task, field: "label", cause });
      },
    );
  }
  return checked(value, task);
}

function checked(value: unknown, task: string): string {
  if (!isLabel(value)) throw new ResourceResolutionError({ task, field: "label", value, expected: EXPECTED });
  return value;
}

/** How a call is named for people: `align (s3)`, or the task's name alone. */
export function callName(task: string, label: string | undefined): string {
  return label === undefined ? task : `${task} (${label})`;
}
