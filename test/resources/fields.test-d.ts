/**
 * The types derived from the table of resource fields: every key of the table is a key of the
 * spec, the positional options, `.with()` and the parsed schemas, with the value type of its entry;
 * every limited field a key of `Limits`; every field of the table a field of `ResolvedResources`.
 */
import { describe, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type {
  CallOverrides,
  CustomTaskSpec,
  GpuType,
  Limits,
  MaybePromise,
  OptionKeys,
  PositionalOptions,
  ResolvedResources,
  ResourceField,
  ResourceFn,
} from "../../src/index.js";
import type { LimitedField, RequiredResourceKey, ResourceInput, ResourceKey, ResourceKeysInOrder, ResourceMainKey, TableField } from "../../src/resources/fields.js";
import type { CustomTaskSpecSchema, OverridesSchema } from "../../src/resources/spec.js";
import { customTask } from "../../src/index.js";

type TaskOptionKey = "name" | "label" | "timeout" | "retries" | "overLimit";

type Join<Words extends readonly string[]> = Words extends readonly [infer First extends string, ...infer Rest extends readonly string[]]
  ? Rest extends readonly [] ? First : `${First}, ${Join<Rest>}`
  : "";
type Optional<Keys extends readonly string[]> = Keys extends readonly [infer First extends string, ...infer Rest extends readonly string[]]
  ? First extends RequiredResourceKey ? Optional<Rest> : [First, ...Optional<Rest>]
  : [];

describe("the table's keys, fields and limits", () => {
  it("are the ones of the table", () => {
    expectTypeOf<ResourceMainKey>().toEqualTypeOf<"cpu" | "memory" | "storage" | "gpu" | "gpuType">();
    expectTypeOf<ResourceKey>().toEqualTypeOf<ResourceMainKey | "storage_gib" | "storageGib">();
    expectTypeOf<RequiredResourceKey>().toEqualTypeOf<"cpu" | "memory">();
    expectTypeOf<LimitedField>().toEqualTypeOf<"cpu" | "memoryGiB" | "storageGiB" | "gpu">();
  });

  it("are listed in order for messages: each main key, then its aliases", () => {
    expectTypeOf<ResourceKeysInOrder>().toEqualTypeOf<["cpu", "memory", "storage", "storage_gib", "storageGib", "gpu", "gpuType"]>();
    expectTypeOf<ResourceKeysInOrder[number]>().toEqualTypeOf<ResourceKey>();
  });

  it("are the keys the unknown-key message lists after cpu and memory, in the table's order, then the task options", () => {
    expectTypeOf<OptionKeys>().toEqualTypeOf<Join<[...Optional<ResourceKeysInOrder>, "name", "timeout", "retries", "overLimit"]>>();
  });

  it("name every field of a resolution, and only those", () => {
    expectTypeOf<ResourceField>().toEqualTypeOf<Exclude<keyof ResolvedResources, "source" | "clamped">>();
    expectTypeOf<TableField>().toEqualTypeOf<Exclude<keyof ResolvedResources, "source" | "clamped">>();
  });

  it("make Limits: one number per limited field", () => {
    expectTypeOf<Limits>().toEqualTypeOf<{ readonly [F in LimitedField]: number }>();
  });
});

describe("the option types are the table's keys with its value types", () => {
  it("customTask({...}) takes every key, requiring the required ones", () => {
    expectTypeOf<Exclude<keyof CustomTaskSpec, TaskOptionKey>>().toEqualTypeOf<ResourceKey>();
    expectTypeOf<{ [K in RequiredResourceKey]: undefined extends CustomTaskSpec[K] ? "optional" : "required" }>().toEqualTypeOf<{
      cpu: "required";
      memory: "required";
    }>();
    expectTypeOf<{ [K in Exclude<ResourceKey, RequiredResourceKey>]-?: undefined extends CustomTaskSpec[K] ? "optional" : "required" }>().toEqualTypeOf<{
      [K in Exclude<ResourceKey, RequiredResourceKey>]-?: "optional";
    }>();
    expectTypeOf<CustomTaskSpec["gpuType"]>().toEqualTypeOf<GpuType | ResourceFn<GpuType> | undefined>();
  });

  it("the positional options are the other keys", () => {
    expectTypeOf<Exclude<keyof PositionalOptions, TaskOptionKey>>().toEqualTypeOf<Exclude<ResourceKey, RequiredResourceKey>>();
  });

  it(".with({...}) takes every key, each optional, its functions taking the task's arguments", () => {
    type Overrides = CallOverrides<[files: string[], count: number]>;
    expectTypeOf<Exclude<keyof Overrides, TaskOptionKey | "scheduler" | "signal">>().toEqualTypeOf<ResourceKey>();
    expectTypeOf<{ [K in ResourceKey]-?: Overrides[K] }>().toEqualTypeOf<{
      [K in ResourceKey]-?: ResourceInput<K> | ((files: string[], count: number) => MaybePromise<ResourceInput<K>>) | undefined;
    }>();
    expectTypeOf<ResourceInput<"storage_gib">>().toEqualTypeOf<ResourceInput<"storage">>();
  });

  it("zod's parsed spec and overrides have every key", () => {
    expectTypeOf<Exclude<keyof z.output<typeof CustomTaskSpecSchema>, TaskOptionKey>>().toEqualTypeOf<ResourceKey>();
    expectTypeOf<Exclude<keyof z.output<typeof OverridesSchema>, TaskOptionKey>>().toEqualTypeOf<ResourceKey>();
  });

  it("refuses a value of the wrong type for a key, the aliases too", () => {
    const t = customTask({ cpu: 1, memory: 1 })(async (n: number) => n);
    t.with({ storage_gib: "2Gi", storageGib: (n: number) => n, gpuType: "h100" });
    // @ts-expect-error -- a GPU count is a number
    t.with({ gpu: "1" });
    // @ts-expect-error -- an alias takes what its field takes: a quantity, not a boolean
    t.with({ storageGib: true });
    // @ts-expect-error -- the function takes the task's arguments: a number, not a string
    t.with({ storage_gib: (s: string) => s.length });
  });
});
