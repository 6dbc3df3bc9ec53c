/**
 * `customTask`: resources as numbers, quantity strings or functions of the task's arguments.
 *   customTask(4, 16)                                  the seed's positional form
 *   customTask(allocateCpu, 8, { storage_gib: fn })    positional with options
 *   customTask({ cpu, memory, storage, gpu, gpuType, timeout, retries, overLimit, name })
 */
import { ResourceSpecError } from "../errors.js";
import { compileCustom } from "../resources/compile.js";
import type { RequiredResourceKey } from "../resources/fields.js";
import type { ByteQuantity, CpuQuantity } from "../resources/quantity.js";
import type { CustomTaskSpec, Dynamic } from "../resources/spec.js";
import { applyTaskDecorator, isApplication } from "./decorate.js";
import type { TaskDecorator } from "./types.js";

/** The options after `cpu` and `memory` (the keys a spec requires) in the positional form. */
export type PositionalOptions = Omit<CustomTaskSpec, RequiredResourceKey>;

/**
 * Rejects keys a spec type does not know (a typo such as `storag` must not compile), naming the
 * valid ones. Used under `NoInfer`: the spec's type is inferred from what was written, not from this.
 */
export type NoExtraKeys<S, Known, Keys extends string> = {
  // An object type, not a string: a literal type here would reduce the whole spec to `never`.
  readonly [K in Exclude<keyof S, keyof Known>]: { readonly [M in `taskfit: not a key of this spec; the keys are ${Keys}`]: never };
};
/**
 * The keys after `cpu` and `memory`, as the unknown-key message lists them: the table's optional
 * keys in its order, then the task options (fields.test-d.ts checks it against the table).
 */
export type OptionKeys = "storage, storage_gib, storageGib, gpu, gpuType, name, timeout, retries, overLimit";

export function customTask<const S extends CustomTaskSpec>(spec: S & NoInfer<NoExtraKeys<S, CustomTaskSpec, `cpu, memory, ${OptionKeys}`>>): TaskDecorator<S>;
export function customTask<
  const C extends Dynamic<CpuQuantity>,
  const M extends Dynamic<ByteQuantity>,
  const O extends PositionalOptions = Record<never, never>,
>(cpu: C, memory: M, options?: O & NoInfer<NoExtraKeys<O, PositionalOptions, OptionKeys>>): TaskDecorator<{ cpu: C; memory: M } & O>;
export function customTask(...args: unknown[]): TaskDecorator<unknown> {
  if (isApplication(args)) {
    // `@customTask` with no resources: the decorator was applied instead of called.
    throw new ResourceSpecError({
      value: args[0],
      expected: "customTask to be called with resources first: @customTask(cpu, memory) or @customTask({ cpu, memory })",
    });
  }
  const spec = specOf(args);
  const name = "name" in spec ? spec.name : undefined;
  const apply = (...application: unknown[]): unknown =>
    applyTaskDecorator("customTask", typeof name === "string" ? name : undefined, (task) => compileCustom(spec, task), application, apply);
  return apply as TaskDecorator<unknown>;
}

function specOf(args: readonly unknown[]): object {
  const [first, memory, options] = args;
  if (args.length === 1 && isOptionsObject(first)) return first;
  if (args.length < 2) {
    throw new ResourceSpecError({
      field: "memory",
      value: memory,
      expected: "customTask(cpu, memory, options?) or customTask({ cpu, memory, ... }); memory is required",
    });
  }
  if (options !== undefined && !isOptionsObject(options)) {
    throw new ResourceSpecError({ field: "options", value: options, expected: "the third argument of customTask to be an options object" });
  }
  const rest = options ?? {};
  for (const key of ["cpu", "memory"]) {
    if (key in rest) {
      throw new ResourceSpecError({ field: key, value: Reflect.get(rest, key), expected: `\`${key}\` once: it is already the ${key === "cpu" ? "first" : "second"} argument` });
    }
  }
  return { ...rest, cpu: first, memory };
}

function isOptionsObject(value: unknown): value is object {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
