/**
 * The table of resource fields (src/resources/fields.ts) is the one place a field is declared:
 * every key of it is in the spec and override schemas, every limit in LIMITS, and every key is
 * checked, parsed, limited and resolved by the rule of its entry. (fields.test-d.ts: the types.)
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { customTask, LIMITS, ResourceLimitError, ResourceResolutionError, ResourceSpecError, resolveResources } from "../../src/index.js";
import { RESOURCE_FIELDS, RESOURCE_KEYS, RESOURCE_MAIN_KEYS } from "../../src/resources/fields.js";
import { CustomTaskSpecSchema, OverridesSchema } from "../../src/resources/spec.js";

let warn: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  warn = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
});
afterEach(() => {
  warn.mockRestore();
});

const base = { cpu: 1, memory: 1 };
/** A valid value of each field, and a GPU so that a GPU type is allowed. */
const VALID: Readonly<Record<string, { value: unknown; resolved: unknown }>> = {
  cpu: { value: "1500m", resolved: 1.5 },
  memory: { value: "512Mi", resolved: 0.5 },
  storage: { value: "2Gi", resolved: 2 },
  gpu: { value: 2, resolved: 2 },
  gpuType: { value: "h100", resolved: "h100" },
};
const withGpu = (key: string) => (key === "gpuType" ? { gpu: 1 } : {});

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("the table of resource fields", () => {
  it("has every field of a resolution and every key a user writes, aliases after their field", () => {
    expect(RESOURCE_MAIN_KEYS).toEqual(["cpu", "memory", "storage", "gpu", "gpuType"]);
    // The spelled-out order is the table's own.
    expect(RESOURCE_MAIN_KEYS).toEqual(Object.keys(RESOURCE_FIELDS));
    expect(RESOURCE_KEYS.map(({ key }) => key)).toEqual(["cpu", "memory", "storage", "storage_gib", "storageGib", "gpu", "gpuType"]);
    expect(RESOURCE_MAIN_KEYS.map((key) => RESOURCE_FIELDS[key].field)).toEqual(["cpu", "memoryGiB", "storageGiB", "gpu", "gpuType"]);
  });

  it("puts every key in the spec schema, required or optional as the table says, then the task options", () => {
    const keys = RESOURCE_KEYS.map(({ key }) => key);
    expect(Object.keys(CustomTaskSpecSchema.shape)).toEqual([...keys, "name", "label", "timeout", "retries", "overLimit"]);
    for (const { key, rule } of RESOURCE_KEYS) {
      const without: Record<string, unknown> = { ...base, ...withGpu(key) };
      delete without[key];
      expect(CustomTaskSpecSchema.safeParse(without).success, key).toBe(!rule.required);
    }
  });

  it("puts every key in the override schema, each optional", () => {
    expect(Object.keys(OverridesSchema.shape)).toEqual([...RESOURCE_KEYS.map(({ key }) => key), "timeout", "label", "retries", "overLimit"]);
    expect(OverridesSchema.safeParse({}).success).toBe(true);
  });

  it("makes LIMITS of exactly the fields with a limit, at the table's maximum", () => {
    const limited = RESOURCE_MAIN_KEYS.flatMap((key) => {
      const { field, limit } = RESOURCE_FIELDS[key];
      return limit === undefined ? [] : [[field, limit.max]];
    });
    expect(Object.entries(LIMITS)).toEqual(limited);
    expect(Object.isFrozen(LIMITS)).toBe(true);
  });
});

describe.each(RESOURCE_KEYS.map(({ key, rule }) => ({ key, rule, field: rule.field })))("`$key` (field $field)", ({ key, rule, field }) => {
  const valid = VALID[key] ?? VALID.storage;

  it("accepts a value and resolves it to its field", async () => {
    const t = customTask({ ...base, ...withGpu(key), [key]: valid?.value })(async function accepts() {});
    expect((await resolveResources(t, []))[field]).toBe(valid?.resolved);
  });

  it("says what was expected, from the table, for a value of the wrong kind", () => {
    const error = thrown(() => customTask({ ...base, ...withGpu(key), [key]: true })(async function wrongKind() {}));
    expect(error).toBeInstanceOf(ResourceSpecError);
    expect(error).toMatchObject({ field: key, value: true });
    expect((error as Error).message).toContain(`${rule.expected} or a function of the task's arguments`);
  });

  it("parses a static value and a function's result by the same rule", async () => {
    const bad = key === "gpuType" ? "H100" : -1;
    const expected = rule.parse(bad);
    expect(expected.ok).toBe(false);
    const message = expected.ok ? "" : expected.expected;
    const error = thrown(() => customTask({ ...base, ...withGpu(key), [key]: bad })(async function staticBad() {}));
    expect(error).toBeInstanceOf(ResourceSpecError);
    expect((error as Error).message).toContain(message);
    const t = customTask({ ...base, ...withGpu(key), [key]: () => bad })(async function dynamicBad() {});
    const rejected = await resolveResources(t, []).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(ResourceResolutionError);
    expect(rejected).toMatchObject({ field: key, value: bad });
    expect((rejected as Error).message).toContain(message);
  });

  it("is overridden by `.with()`, as a value or a function, and marked so", async () => {
    const t = customTask({ ...base, ...withGpu(key) })(async function overridden(n: number) {
      return n;
    });
    const overriddenStatic = t.with({ [key]: valid?.value });
    const resolved = await resolveResources(overriddenStatic, [1]);
    expect(resolved[field]).toBe(valid?.resolved);
    expect(resolved.source).toMatchObject({ kind: "custom", overridden: [field] });
    const overriddenDynamic = t.with({ [key]: function computed() {
      return valid?.value;
    } });
    expect(overriddenDynamic.spec[field]).toEqual({ function: "computed", parameters: [] });
    expect((await resolveResources(overriddenDynamic, [1]))[field]).toBe(valid?.resolved);
  });
});

const LIMITED = RESOURCE_KEYS.flatMap(({ key, rule }) => (rule.limit === undefined ? [] : [{ key, field: rule.field, ...rule.limit }]));

describe.each(LIMITED)("`$key` is limited at the table's maximum, $max $unit", ({ key, field, max, unit }) => {
  it("statically: the maximum is allowed, one over is a ResourceLimitError in the table's unit", () => {
    expect(customTask({ ...base, [key]: max })(async function atMax() {}).spec[field]).toBe(max);
    const error = thrown(() => customTask({ ...base, [key]: max + 1 })(async function overMax() {}));
    expect(error).toBeInstanceOf(ResourceLimitError);
    expect(error).toMatchObject({ field: key, resource: field, value: max + 1, limit: max });
    expect((error as Error).message).toContain(`${max} ${unit}`);
  });

  it("from a function: clamped to the maximum under overLimit: clamp", async () => {
    const t = customTask({ ...base, [key]: () => max + 1, overLimit: "clamp" })(async function clampedFn() {});
    const resolved = await resolveResources(t, []);
    expect(resolved[field]).toBe(max);
    expect(resolved.clamped).toEqual([{ field, key, requested: max + 1, limit: max }]);
  });
});

const ZERO_IS_NONE = RESOURCE_KEYS.filter(({ rule }) => rule.zeroMeansNone).map(({ key, rule }) => ({ key, field: rule.field }));

describe.each(ZERO_IS_NONE)("`$key` of 0", ({ key, field }) => {
  it("is no request, statically and from a function", async () => {
    expect(await resolveResources(customTask({ ...base, [key]: 0 })(async function none() {}), [])).not.toHaveProperty(field);
    expect(await resolveResources(customTask({ ...base, [key]: () => 0 })(async function noneFn() {}), [])).not.toHaveProperty(field);
  });

  it("is an invalid value for every other field", () => {
    for (const other of RESOURCE_KEYS.filter(({ rule }) => !rule.zeroMeansNone && rule.field !== "gpu")) {
      expect(() => customTask({ ...base, [other.key]: 0 })(async function zero() {}), other.key).toThrow(ResourceSpecError);
    }
  });
});

describe("aliases", () => {
  it.each(RESOURCE_MAIN_KEYS.filter((key) => RESOURCE_FIELDS[key].aliases.length > 0))("`%s` and its aliases are one setting: two of them are refused", (key) => {
    const keys = [key, ...RESOURCE_FIELDS[key].aliases];
    for (const [first, second] of keys.flatMap((a, i) => keys.slice(i + 1).map((b) => [a, b] as const))) {
      const error = thrown(() => customTask({ ...base, [first]: 1, [second]: 1 })(async function twice() {}));
      expect(error).toBeInstanceOf(ResourceSpecError);
      expect(error).toMatchObject({ field: second, value: `${first} and ${second}` });
      expect((error as Error).message).toContain(`one of ${keys.map((k) => `\`${k}\``).join(", ")} (they are aliases)`);
    }
  });
});
