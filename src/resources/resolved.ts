/**
 * The shape of a resolution, in one place: a `ResolvedResources` put together from a spec's static
 * values or a call's resolved ones, the copy of static values a dynamic resolution fills in, and
 * how it sets a field. Written field by field (literals, named stores) because they run on every
 * call of a dynamic task; a field added to the table is a compile error here until it is added.
 */
import type { LimitedField, ResourceField, StaticValues } from "./fields.js";
import type { ClampRecord } from "./limits.js";
import type { ResolvedResources } from "./spec.js";

/** Every field named, set or not, so that the copy below cannot leave one out. */
type EveryValue = { [F in ResourceField]: StaticValues[F] };

/** A copy to fill in. A literal: V8 has no fast path for spreading the frozen values of a spec. */
export function writableCopy(values: Readonly<StaticValues>): StaticValues {
  const copy: EveryValue = { cpu: values.cpu, memoryGiB: values.memoryGiB, storageGiB: values.storageGiB, gpu: values.gpu, gpuType: values.gpuType };
  return copy;
}

/** Sets a number field: named stores rather than `values[field]`, which V8 makes a slower keyed store. */
export function setNumber(values: StaticValues, field: LimitedField, value: number): void {
  switch (field) {
    case "cpu":
      values.cpu = value;
      return;
    case "memoryGiB":
      values.memoryGiB = value;
      return;
    case "storageGiB":
      values.storageGiB = value;
      return;
    case "gpu":
      values.gpu = value;
      return;
    default:
      field satisfies never;
  }
}

/**
 * The resolution: fields in one order (JSON output keeps it), absent ones left out. With `settle`,
 * a Promise settled with it, each shape where its literal is made: V8 then knows the object has no
 * `then` and skips looking it up, which settling a promise with an object of unknown shape costs
 * on every call of a dynamic task.
 */
export function resolvedResources(values: Readonly<StaticValues>, source: ResolvedResources["source"], clamped: readonly ClampRecord[]): ResolvedResources;
export function resolvedResources(values: Readonly<StaticValues>, source: ResolvedResources["source"], clamped: readonly ClampRecord[], settle: true): Promise<ResolvedResources>;
export function resolvedResources(
  values: Readonly<StaticValues>,
  source: ResolvedResources["source"],
  clamped: readonly ClampRecord[],
  settle = false,
): ResolvedResources | Promise<ResolvedResources> {
  const { storageGiB, gpu = 0, gpuType } = values;
  // Always set here: compilation requires cpu and memory, as values or as functions resolution has called by now.
  const cpu = values.cpu as number;
  const memoryGiB = values.memoryGiB as number;
  // A function may decide on no GPU; a GPU type then describes nothing and is left out.
  const typed = gpuType !== undefined && gpu > 0;
  // Four literals rather than conditional spreads: this runs on every call of a dynamic task.
  if (storageGiB === undefined) {
    if (typed) {
      const resolved: ResolvedResources = { cpu, memoryGiB, gpu, gpuType, source, clamped };
      return settle ? Promise.resolve(resolved) : resolved;
    }
    const resolved: ResolvedResources = { cpu, memoryGiB, gpu, source, clamped };
    return settle ? Promise.resolve(resolved) : resolved;
  }
  if (typed) {
    const resolved: ResolvedResources = { cpu, memoryGiB, storageGiB, gpu, gpuType, source, clamped };
    return settle ? Promise.resolve(resolved) : resolved;
  }
  const resolved: ResolvedResources = { cpu, memoryGiB, storageGiB, gpu, source, clamped };
  return settle ? Promise.resolve(resolved) : resolved;
}
