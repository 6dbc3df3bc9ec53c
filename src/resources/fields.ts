/**
 * The resource fields, in one table: for each, the key a user writes (and its aliases), the field
 * of `ResolvedResources` it sets, what zod accepts there, how a value is parsed, what an error says
 * was expected, and the custom-task limit. The spec schemas and option types (spec.ts,
 * task/types.ts), compilation, resolution and `LIMITS` (limits.ts) are derived from it: a new
 * field is a new entry here (plus its place in `ResolvedResources` and in the adapters).
 */
import * as z from "zod";
import { expectedGpuType, parseGpuType } from "./gpu-types.js";
import type { GpuType } from "./presets.js";
import { ByteQuantitySchema, CpuQuantitySchema, type Parsed, parseCpu, parseGiB, parseGpu, readCpu, readGiB, readGpu } from "./quantity.js";

/** The fields of `ResolvedResources` a table entry may set (spec.ts checks each is one of its keys). */
export type TableField = "cpu" | "memoryGiB" | "storageGiB" | "gpu" | "gpuType";

// zod checks only that a type is a string: its spelling is parseGpuType's, with its own message.
const GpuTypeSchema = z.custom<GpuType>((value) => typeof value === "string");

/** What every entry of the table says. */
export interface FieldRule {
  /** The field of `ResolvedResources` the key sets. */
  readonly field: TableField;
  /** Other keys for the same field; a spec gives at most one of the key and its aliases. */
  readonly aliases: readonly string[];
  /** Required in `customTask({...})`; these are the positional arguments of `customTask(cpu, memory)`. */
  readonly required: boolean;
  /** What zod accepts as a value (a function of the task's arguments is accepted besides). */
  readonly value: z.ZodType;
  /** The value as a number (or a GPU type name), or what was expected. */
  readonly parse: (value: unknown) => Parsed<unknown>;
  /** What `parse` gives for a number field, without a result object: the number, or NaN where `parse` fails. */
  readonly read: ((value: unknown) => number) | undefined;
  /** What a value of the wrong kind is told it should have been. */
  readonly expected: string;
  /** The custom-task maximum (the maximum itself is allowed; presets are exempt); undefined: none. */
  readonly limit: { readonly max: number; readonly unit: string } | undefined;
  /** 0 means "no request" (the scheduler's default applies) rather than an invalid value. */
  readonly zeroMeansNone: boolean;
}

/** The resource fields, keyed by the key a user writes; in the order compilation reads them. */
export const RESOURCE_FIELDS = {
  /** unit: cores. A number (fractions down to 0.001) or a string: "2", "0.5", "500m". */
  cpu: {
    field: "cpu",
    aliases: [],
    required: true,
    value: CpuQuantitySchema,
    parse: parseCpu,
    read: readCpu,
    expected: 'a CPU count (number or "500m"-style string)',
    limit: { max: 126, unit: "cores" },
    zeroMeansNone: false,
  },
  /** unit: GiB when a number; a string needs a unit: "512Mi", "8Gi", "16GB", "1.5TiB". */
  memory: {
    field: "memoryGiB",
    aliases: [],
    required: true,
    value: ByteQuantitySchema,
    parse: parseGiB,
    read: readGiB,
    expected: 'a memory size (GiB number or "8Gi"-style string)',
    limit: { max: 975, unit: "GiB" },
    zeroMeansNone: false,
  },
  /**
   * Ephemeral storage, unit: GiB when a number. Aliases: `storage_gib`, `storageGib` (give one of
   * the three). 0 is no scratch request: Latch's `sum(1.5 * size) // 1024**3` is 0 for small inputs.
   */
  storage: {
    field: "storageGiB",
    aliases: ["storage_gib", "storageGib"],
    required: false,
    value: ByteQuantitySchema,
    parse: parseGiB,
    read: readGiB,
    expected: 'a storage size (GiB number or "100Gi"-style string)',
    limit: { max: 4949, unit: "GiB" },
    zeroMeansNone: true,
  },
  /** unit: GPUs (whole). @default 0 */
  gpu: {
    field: "gpu",
    aliases: [],
    required: false,
    value: z.number(),
    parse: parseGpu,
    read: readGpu,
    expected: "a whole number of GPUs",
    limit: { max: 8, unit: "GPUs" },
    zeroMeansNone: false,
  },
  /** A GPU type name (the catalogue's, or any lower-case name); any type when absent. */
  gpuType: {
    field: "gpuType",
    aliases: [],
    required: false,
    value: GpuTypeSchema,
    parse: parseGpuType,
    read: undefined,
    expected: expectedGpuType(),
    limit: undefined,
    zeroMeansNone: false,
  },
} as const satisfies Readonly<Record<string, FieldRule>>;

/** The table's type: what the public types of resource keys and fields are computed from. */
export type ResourceFieldTable = Readonly<typeof RESOURCE_FIELDS>;
type Fields = ResourceFieldTable;

/** Every key a user may write for a resource: the main keys (`cpu`, ...) and their aliases (`storage_gib`, ...). */
export type ResourceKey = { [K in keyof ResourceFieldTable]: K | ResourceFieldTable[K]["aliases"][number] }[keyof ResourceFieldTable];
/** What a user may write for key `K` (besides a function returning it): a CPU quantity for `cpu`, ... */
export type ResourceInput<K extends ResourceKey> = {
  [M in keyof ResourceFieldTable]: K extends M | ResourceFieldTable[M]["aliases"][number] ? z.input<ResourceFieldTable[M]["value"]> : never;
}[keyof ResourceFieldTable];
/** The keys `customTask({...})` requires: `cpu`, `memory`. */
export type RequiredResourceKey = { [K in keyof ResourceFieldTable]: ResourceFieldTable[K]["required"] extends true ? K : never }[keyof ResourceFieldTable];
/** The fields of `ResolvedResources` the table sets: `cpu`, `memoryGiB`, `storageGiB`, `gpu`, `gpuType`. */
export type ResourceField = ResourceFieldTable[keyof ResourceFieldTable]["field"];
/** The fields with a custom-task limit: `cpu`, `memoryGiB`, `storageGiB`, `gpu`. */
export type LimitedField = {
  [K in keyof ResourceFieldTable]: ResourceFieldTable[K]["limit"] extends object ? ResourceFieldTable[K]["field"] : never;
}[keyof ResourceFieldTable];

/** The key a user writes for each field, aliases left out: `cpu`, `memory`, `storage`, `gpu`, `gpuType`. */
export type ResourceMainKey = keyof Fields;
type AliasOf<K extends ResourceMainKey> = Fields[K]["aliases"][number];
/** The main key of a key: itself, or the key it is an alias of. */
export type MainKeyOf<K extends ResourceKey> = K extends ResourceMainKey ? K : { [M in ResourceMainKey]: K extends AliasOf<M> ? M : never }[ResourceMainKey];
/** The main key that sets a field. */
export type MainKeyOfField<F extends ResourceField> = { [K in ResourceMainKey]: Fields[K]["field"] extends F ? K : never }[ResourceMainKey];
/** The fields whose value is a number. */
export type NumericField = { [K in ResourceMainKey]: Fields[K]["parse"] extends (value: unknown) => Parsed<number> ? Fields[K]["field"] : never }[ResourceMainKey];

/**
 * The main keys in the table's order: compilation reads them in it and messages list them in it
 * (an object type has no order a type can see, so it is spelled out; `EveryKeyOnce` checks it).
 */
export const RESOURCE_MAIN_KEYS = ["cpu", "memory", "storage", "gpu", "gpuType"] as const satisfies readonly ResourceMainKey[];
// A key of the table missing above is a compile error here.
type EveryKeyOnce<Missing extends never> = Missing;
type MissingMainKeys = EveryKeyOnce<Exclude<ResourceMainKey, (typeof RESOURCE_MAIN_KEYS)[number]>>;

/** Every key in the table's order, each main key followed by its aliases, as a tuple type (for messages). */
export type ResourceKeysInOrder<Keys extends readonly ResourceMainKey[] = typeof RESOURCE_MAIN_KEYS> = Keys extends readonly [
  infer K extends ResourceMainKey,
  ...infer Rest extends readonly ResourceMainKey[],
]
  ? [K, ...Fields[K]["aliases"], ...ResourceKeysInOrder<Rest>]
  : [];

/** One key a user may write, with the rule of its field. */
export interface KeyRule {
  readonly key: ResourceKey;
  readonly rule: Fields[ResourceMainKey];
}

/** Every key (main keys, each followed by its aliases), in the table's order. */
export const RESOURCE_KEYS: readonly KeyRule[] = Object.freeze(
  RESOURCE_MAIN_KEYS.flatMap((mainKey) => {
    const rule = RESOURCE_FIELDS[mainKey];
    return [mainKey, ...rule.aliases].map((key) => Object.freeze({ key, rule }));
  }),
);

/** The table's entry for field `F`; for a union of fields, the union of their entries. */
export type FieldRuleOf<F extends ResourceField> = Fields[MainKeyOfField<F>];

/** The rule of each field, by the field's name in `ResolvedResources` (compilation looks fields up this way). */
// Built from the table, so its type is stated: each field's own entry, by construction.
export const RULE_OF_FIELD = Object.freeze(
  Object.fromEntries(RESOURCE_MAIN_KEYS.map((key) => [RESOURCE_FIELDS[key].field, RESOURCE_FIELDS[key]])),
) as { readonly [F in ResourceField]: FieldRuleOf<F> };

/** What a key's value of the wrong kind is told, for a static value or a function. */
export function expectedOfKey(rule: FieldRule): string {
  return `${rule.expected} or a function of the task's arguments`;
}

/** The static value of each field once parsed: numbers, and a GPU type name. */
export type StaticValues = { -readonly [F in ResourceField]?: F extends NumericField ? number : GpuType };
