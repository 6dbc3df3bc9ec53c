import { ResourceLimitError } from "../errors.js";

/** The maximums for custom tasks (seed 000). The maximum itself is allowed. Presets are exempt. */
export const LIMITS = Object.freeze({
  /** unit: cores */
  cpu: 126,
  /** unit: GiB */
  memoryGiB: 975,
  /** unit: GiB */
  storageGiB: 4949,
  /** unit: GPUs */
  gpu: 8,
});
export type Limits = typeof LIMITS;

/** What happens to a custom value over a limit. */
export const OverLimitPolicy = {
  /** Throw a `ResourceLimitError` (the default). */
  Error: "error",
  /** Lower the value to the limit and report it in `ResolvedResources.clamped` and a process warning. */
  Clamp: "clamp",
} as const;
export type OverLimitPolicy = (typeof OverLimitPolicy)[keyof typeof OverLimitPolicy];

export type LimitedField = keyof Limits;

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

const UNITS: Readonly<Record<LimitedField, string>> = {
  cpu: "cores",
  memoryGiB: "GiB",
  storageGiB: "GiB",
  gpu: "GPUs",
};

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
  throw new ResourceLimitError({ task, field: key, resource: field, value, limit, unit: UNITS[field] });
}

const warned = new Set<string>();

/** One process warning per task and field, so a clamp is reported without flooding the log. */
export function warnClamped(task: string, records: readonly ClampRecord[]): void {
  for (const record of records) {
    const key = `${task}\u0000${record.field}`;
    if (warned.has(key)) continue;
    warned.add(key);
    process.emitWarning(
      `taskfit: task \`${task}\` asked for ${record.requested} ${UNITS[record.field]} of \`${record.key}\`; clamped to the limit ${record.limit}`,
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
