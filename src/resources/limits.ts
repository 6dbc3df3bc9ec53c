import { ResourceLimitError } from "../errors.js";
import { type LimitedField, RULE_OF_FIELD } from "./fields.js";

/** The maximums for custom tasks, by field: cores, GiB, GiB, GPUs (seed 000). */
export type Limits = { readonly [F in LimitedField]: number };

/**
 * The maximums for custom tasks (seed 000), from the table of fields. The maximum itself is
 * allowed. Presets are exempt.
 */
// Built from the table's entries with a limit, so its type is stated: every limited field, by construction.
export const LIMITS: Limits = Object.freeze(
  Object.fromEntries(Object.values(RULE_OF_FIELD).flatMap(({ field, limit }) => (limit === undefined ? [] : [[field, limit.max]]))) as Limits,
);

/** What happens to a custom value over a limit. */
export const OverLimitPolicy = {
  /** Throw a `ResourceLimitError` (the default). */
  Error: "error",
  /** Lower the value to the limit and report it in `ResolvedResources.clamped` and a process warning. */
  Clamp: "clamp",
} as const;
export type OverLimitPolicy = (typeof OverLimitPolicy)[keyof typeof OverLimitPolicy];

/** A value that a clamp policy lowered. */
export interface ClampRecord {
  readonly field: LimitedField;
  /** The key the user wrote for it (`memory`, `storage_gib`, ...). */
  readonly key: string;
  readonly requested: number;
  /** What it was lowered to: the custom-task limit, or the machine's capacity (`by: "oversize"`). */
  readonly limit: number;
  /** Absent: lowered to a custom-task limit (`overLimit: "clamp"`); "oversize": to the local machine (`oversize: "clamp"`). */
  readonly by?: "oversize";
}

const unitOf = (field: LimitedField): string => RULE_OF_FIELD[field].limit.unit;

/**
 * Returns the value, or the limit when the value is over it and the policy is clamp (pushing a
 * record onto `clamped`); throws `ResourceLimitError` when the policy is error.
 */
export function applyLimit(
  field: LimitedField,
  key: string,
  value: number,
  policy: OverLimitPolicy,
  task: string | undefined,
  clamped: ClampRecord[],
): number {
  const limit = LIMITS[field];
  if (value <= limit) return value;
  if (policy === "clamp") {
    clamped.push({ field, key, requested: value, limit });
    return limit;
  }
  throw new ResourceLimitError({ task, field: key, resource: field, value, limit, unit: unitOf(field) });
}

const warned = new Set<string>();

/** One process warning per task and field, so a clamp is reported without flooding the log. */
export function warnClamped(task: string, records: readonly ClampRecord[]): void {
  for (const record of records) {
    const key = `${task}\u0000${record.field}`;
    if (warned.has(key)) continue;
    warned.add(key);
    process.emitWarning(
      `taskfit: task \`${task}\` asked for ${record.requested} ${unitOf(record.field)} of \`${record.key}\`; clamped to the limit ${record.limit}`,
      { code: "TASKFIT_CLAMPED" },
    );
  }
}

/**
 * What clampings changed, for people: "cpu 64 -> 2 (to the machine), memoryGiB 2000 -> 975 (to the
 * limit)". The same words in warnings, the `taskfit run` summary, `--json` and the report.
 */
export function describeClamping(records: readonly ClampRecord[]): string {
  return records
    .map((r) => `${r.field} ${r.requested} -> ${Number(r.limit.toFixed(3))} (to the ${r.by === "oversize" ? "machine" : "limit"})`)
    .join(", ");
}
