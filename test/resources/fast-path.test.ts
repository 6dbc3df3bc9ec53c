/**
 * Dynamic resolution reads each function's value on a fast path (resolve.ts: a reader per field,
 * no result objects) and leaves anything it cannot take there to the parsers. These tests pin that
 * the two agree: a value returned by a function resolves exactly as the same value written in the
 * spec (which only the parsers ever see), and the edge cases of each reader give the parser's answer.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  customTask,
  LIMITS,
  ResourceLimitError,
  ResourceResolutionError,
  ResourceSpecError,
  type ResolvedResources,
  resolveResources,
  type Task,
  TaskfitError,
} from "../../src/index.js";
import { parseCpu, parseGiB, parseGpu, readCpu, readGiB, readGpu } from "../../src/resources/quantity.js";

const untypedCustomTask = customTask as unknown as (spec: unknown) => (fn: (...args: unknown[]) => unknown) => Task<unknown[], unknown>;

let warning: ReturnType<typeof vi.spyOn>;
beforeAll(() => {
  warning = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
});
afterAll(() => {
  warning.mockRestore();
});

/** Numbers and strings: what a spec may also hold as a value, so that the two can be compared. */
const QUANTITIES: readonly (number | string)[] = [
  0, -0, -1, 0.0005, 0.0009, 0.001, 0.0011, 0.1 + 0.2, 0.5, 1, 1.5, 2, 8, 9, 126, 126 + 1e-13, 126.0000000001, 126.0004, 126.001, 127,
  975, 975.5, 976, 4949, 4950, 1e308, Number.MAX_VALUE, Number.MIN_VALUE, Number.MAX_SAFE_INTEGER,
  Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY,
  "2", "0.5", ".5", "500m", "0.5m", "1500m", " 2 ", "-1", "1e3", "abc", "", "NaN", "Infinity",
  "8Gi", "512Mi", "16GB", "1.5TiB", "976Gi", "1000GB", "4949Gi", "5000Gi", "0Gi", "8gi", "8 Gi", "8",
];
/** Values of other kinds: a spec refuses them by their kind, a function's result by the parser. */
const OTHERS: readonly unknown[] = [true, null, undefined, [], [4], {}, { cpu: 2 }, 10n, () => 1];
const EDGES: readonly unknown[] = [...QUANTITIES, ...OTHERS];

type Outcome =
  | { readonly ok: true; readonly resolved: Omit<ResolvedResources, "source"> }
  | { readonly ok: false; readonly kind: "invalid" | "limit"; readonly expected: unknown; readonly value: unknown };

/** What a spec with `key` set to `value` resolves to: numbers and clamp records, or the kind of error and what it says. */
async function outcome(key: Key, value: unknown, dynamic: boolean, overLimit: "error" | "clamp"): Promise<Outcome> {
  try {
    const spec = { cpu: 1, memory: 1, overLimit, [key]: dynamic ? () => value : value };
    const { source: _source, ...resolved } = await resolveResources(untypedCustomTask(spec)(async function edge() {}), []);
    return { ok: true, resolved };
  } catch (error) {
    if (error instanceof ResourceLimitError) return { ok: false, kind: "limit", expected: error.limit, value: error.value };
    // Both quote what was expected: "Expected <it>, got" and "Expected the resource function ... to return <it>, got".
    if (error instanceof ResourceSpecError || error instanceof ResourceResolutionError) {
      const expected = /^Expected (?:the resource function .* to return )?(.*?), got /.exec(error.message)?.[1];
      return { ok: false, kind: "invalid", expected, value: error.value };
    }
    throw error;
  }
}

type Key = "cpu" | "memory" | "storage" | "storage_gib" | "gpu";
const KEYS: readonly Key[] = ["cpu", "memory", "storage", "storage_gib", "gpu"];
const RULES = {
  cpu: { parse: parseCpu, field: "cpu", limit: LIMITS.cpu, zeroMeansNone: false },
  memory: { parse: parseGiB, field: "memoryGiB", limit: LIMITS.memoryGiB, zeroMeansNone: false },
  storage: { parse: parseGiB, field: "storageGiB", limit: LIMITS.storageGiB, zeroMeansNone: true },
  storage_gib: { parse: parseGiB, field: "storageGiB", limit: LIMITS.storageGiB, zeroMeansNone: true },
  gpu: { parse: parseGpu, field: "gpu", limit: LIMITS.gpu, zeroMeansNone: false },
} as const;

/** What resolution promises for `key` set to `value` (the other fields as in `outcome`), worked out from the parsers and LIMITS alone. */
function promised(key: Key, value: unknown, overLimit: "error" | "clamp"): Outcome {
  const { parse, field, limit, zeroMeansNone } = RULES[key];
  const resolved = { cpu: 1, memoryGiB: 1, gpu: 0, clamped: [] };
  if (value === 0 && zeroMeansNone) return { ok: true, resolved };
  const parsed = parse(value);
  if (!parsed.ok) return { ok: false, kind: "invalid", expected: parsed.expected, value };
  if (parsed.value <= limit) return { ok: true, resolved: { ...resolved, [field]: parsed.value } };
  if (overLimit === "error") return { ok: false, kind: "limit", expected: limit, value: parsed.value };
  return { ok: true, resolved: { ...resolved, [field]: limit, clamped: [{ field, key, requested: parsed.value, limit }] } };
}

/** An outcome without the words of an invalid value's error: a spec refuses a value of the wrong kind (NaN, a string of GPUs) in its own words. */
const verdict = (o: Outcome) => (o.ok || o.kind === "limit" ? o : { ok: false, kind: "invalid", value: o.value });

describe("a function's value resolves as promised, and as the same value written in the spec", () => {
  it.each(KEYS)("`%s`, for every edge value, under both limit policies", async (key) => {
    for (const value of QUANTITIES) {
      for (const overLimit of ["error", "clamp"] as const) {
        const computed = await outcome(key, value, true, overLimit);
        // The case beside each outcome, so that a failure names it.
        expect({ key, value, overLimit, ...computed }).toEqual({ key, value, overLimit, ...promised(key, value, overLimit) });
        expect({ key, value, overLimit, ...verdict(computed) }).toEqual({ key, value, overLimit, ...verdict(await outcome(key, value, false, overLimit)) });
      }
    }
  });

  it("for random numbers and quantity strings", async () => {
    const values = fc.oneof(
      fc.double(),
      fc.double({ min: 0, max: 6000, noNaN: true }),
      fc.integer({ min: -2, max: 10 }),
      fc.tuple(fc.double({ min: 0, max: 6000, noNaN: true }), fc.constantFrom("", "m", "Mi", "Gi", "GB", "TiB")).map(([n, unit]) => `${n}${unit}`),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...KEYS), values, fc.constantFrom("error" as const, "clamp" as const), async (key, value, overLimit) => {
        const computed = await outcome(key, value, true, overLimit);
        expect(computed).toEqual(promised(key, value, overLimit));
        expect(verdict(computed)).toEqual(verdict(await outcome(key, value, false, overLimit)));
      }),
      { numRuns: 300 },
    );
  });
});

describe("each reader gives what its parser gives, without the result object", () => {
  const pairs = [
    ["readCpu", readCpu, parseCpu],
    ["readGiB", readGiB, parseGiB],
    ["readGpu", readGpu, parseGpu],
  ] as const;

  it.each(pairs)("%s: NaN exactly where the parser fails, else the parser's number", (_name, read, parse) => {
    for (const value of EDGES) {
      const parsed = parse(value);
      const number = read(value);
      if (parsed.ok) expect(number).toBe(parsed.value);
      else expect(number).toBeNaN();
    }
  });

  it.each(OTHERS.map((value) => [typeof value === "function" ? "a function" : String(typeof value === "bigint" ? `${value}n` : JSON.stringify(value)), value]))(
    "a function returning %s is refused with the parser's message, as the parser refuses it",
    async (_label, value) => {
    for (const key of KEYS) {
      expect(RULES[key].parse(value).ok).toBe(false);
      expect(await outcome(key, value, true, "clamp")).toEqual(promised(key, value, "clamp"));
    }
    },
  );

  it("readCpu rounds up to a millicore, deaf to floating-point noise; readGpu refuses fractions", () => {
    expect(readCpu(0.0011)).toBe(0.002);
    expect(readCpu(0.1 + 0.2)).toBe(0.3);
    expect(readCpu("1500m")).toBe(1.5);
    expect(readCpu(0.0009)).toBeNaN();
    expect(readGpu(0.5)).toBeNaN();
    expect(readGpu("1")).toBeNaN();
    expect(readGpu(2)).toBe(2);
    expect(readGiB("512Mi")).toBe(0.5);
    expect(readGiB("16GB")).toBe(16e9 / 1024 ** 3);
    expect(readGiB(0)).toBeNaN();
  });
});

describe("dynamic resolution, value by value", () => {
  const t = untypedCustomTask({
    cpu: (cpu: unknown) => cpu,
    memory: (_cpu: unknown, memory: unknown) => memory,
    storage_gib: (_cpu: unknown, _memory: unknown, storage: unknown) => storage,
    gpu: (_cpu: unknown, _memory: unknown, _storage: unknown, gpu: unknown) => gpu,
  })(async function perCall() {});
  const resolve = (cpu: unknown, memory: unknown, storage: unknown, gpu: unknown) => resolveResources(t, [cpu, memory, storage, gpu]);

  it("takes numbers and quantity strings alike", async () => {
    expect(await resolve(2, 8, 100, 1)).toMatchObject({ cpu: 2, memoryGiB: 8, storageGiB: 100, gpu: 1 });
    expect(await resolve("500m", "512Mi", "1.5TiB", 0)).toMatchObject({ cpu: 0.5, memoryGiB: 0.5, storageGiB: 1536, gpu: 0 });
    expect(await resolve(0.0011, "16GB", 0.25, 8)).toMatchObject({ cpu: 0.002, memoryGiB: 16e9 / 1024 ** 3, storageGiB: 0.25, gpu: 8 });
  });

  it("gives the object a static spec gives: the same fields in the same order, absent ones left out", async () => {
    const resolved = await resolve(2, 8, 100, 1);
    expect(Object.keys(resolved)).toEqual(["cpu", "memoryGiB", "storageGiB", "gpu", "source", "clamped"]);
    expect(resolved.source).toEqual({ kind: "custom", dynamic: ["cpu", "memoryGiB", "storageGiB", "gpu"], overridden: [] });
    expect(resolved.clamped).toEqual([]);
    expect(Object.keys(await resolve(2, 8, 0, 0))).toEqual(["cpu", "memoryGiB", "gpu", "source", "clamped"]);
  });

  it.each([
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["-Infinity", Number.NEGATIVE_INFINITY],
    ["a negative number", -1],
    ["negative zero", -0],
    ["a string without a unit", "8"],
    ["a lower-case unit", "8gi"],
    ["null", null],
  ])("refuses %s for memory with the parser's message", async (_label, value) => {
    const error = await resolve(1, value, 1, 0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceResolutionError);
    expect(error).toMatchObject({ field: "memory", value });
    expect((error as Error).message).toContain("a positive number of GiB");
  });

  it.each([0.5, 1.5, -1, "1", Number.NaN, Number.POSITIVE_INFINITY])("refuses %j GPUs: whole numbers only, never rounded", async (gpu) => {
    const error = await resolve(1, 1, 1, gpu).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceResolutionError);
    expect(error).toMatchObject({ field: "gpu", value: gpu });
  });

  it("a storage of 0 is no request; of -0 too (0 === -0); a CPU or memory of 0 is an error", async () => {
    expect(await resolve(1, 1, 0, 0)).not.toHaveProperty("storageGiB");
    expect(await resolve(1, 1, -0, 0)).not.toHaveProperty("storageGiB");
    await expect(resolve(0, 1, 1, 0)).rejects.toMatchObject({ field: "cpu", value: 0 });
    await expect(resolve(1, 0, 1, 0)).rejects.toMatchObject({ field: "memory", value: 0 });
  });

  it("takes each limit itself and refuses the next step up, even one that only rounding makes (126.0004 cores is 126.001)", async () => {
    expect(await resolve(LIMITS.cpu, LIMITS.memoryGiB, LIMITS.storageGiB, LIMITS.gpu)).toMatchObject({
      cpu: 126,
      memoryGiB: 975,
      storageGiB: 4949,
      gpu: 8,
    });
    // Noise below a billionth of a millicore is no reason to take one more.
    expect((await resolve(126 + 1e-13, 1, 1, 0)).cpu).toBe(126);
    await expect(resolve(126.0004, 1, 1, 0)).rejects.toMatchObject({ code: "RESOURCE_LIMIT_EXCEEDED", field: "cpu", value: 126.001 });
    await expect(resolve(1, "976Gi", 1, 0)).rejects.toBeInstanceOf(ResourceLimitError);
    await expect(resolve(1, 1, 4949.5, 0)).rejects.toBeInstanceOf(ResourceLimitError);
    await expect(resolve(1, 1, 1, 9)).rejects.toBeInstanceOf(ResourceLimitError);
  });

  it("reports the first wrong field in the spec's order, whichever way each is wrong", async () => {
    await expect(resolve(200, Number.NaN, 1, 0)).rejects.toMatchObject({ code: "RESOURCE_LIMIT_EXCEEDED", field: "cpu" });
    await expect(resolve(1, Number.NaN, 5000, 0.5)).rejects.toMatchObject({ code: "RESOURCE_RESOLUTION_FAILED", field: "memory" });
    await expect(resolve(1, 1, 5000, 0.5)).rejects.toMatchObject({ code: "RESOURCE_LIMIT_EXCEEDED", field: "storage_gib" });
  });

  it("after values read on the fast path, takes a promise and what follows it as before: a rejection first, then the first wrong field", async () => {
    const later = (memory: () => unknown) =>
      untypedCustomTask({ cpu: () => 2, memory, storage: () => -1, gpu: () => 1 })(async function mixed() {});
    await expect(resolveResources(later(async () => 4), [])).rejects.toMatchObject({ code: "RESOURCE_RESOLUTION_FAILED", field: "storage", value: -1 });
    const cause = new Error("no size");
    await expect(resolveResources(later(async () => Promise.reject(cause)), [])).rejects.toMatchObject({ field: "memory", cause });
    const fine = untypedCustomTask({ cpu: () => 2, memory: async () => "4Gi", storage: () => 0, gpu: () => 1 })(async function mixedFine() {});
    expect(await resolveResources(fine, [])).toMatchObject({ cpu: 2, memoryGiB: 4, gpu: 1, clamped: [] });
    expect(await resolveResources(fine, [])).not.toHaveProperty("storageGiB");
  });

  it("clamps under the clamp policy, keeping the values within limits as read and recording only what it lowered", async () => {
    const resolved = await resolveResources(t, [2.5, 2000, 10, 9], { overLimit: "clamp" });
    expect(resolved).toMatchObject({ cpu: 2.5, memoryGiB: 975, storageGiB: 10, gpu: 8 });
    expect(resolved.clamped).toEqual([
      { field: "memoryGiB", key: "memory", requested: 2000, limit: 975 },
      { field: "gpu", key: "gpu", requested: 9, limit: 8 },
    ]);
    // Invalid values are never clamped.
    await expect(resolveResources(t, [Number.POSITIVE_INFINITY, 1, 1, 0], { overLimit: "clamp" })).rejects.toBeInstanceOf(ResourceResolutionError);
  });

  it("resolves the same through a call's synchronous path as through resolveResources", async () => {
    // The fast path serves both: `resolveResources` settles a Promise, a call takes the object as it is.
    const seen: ResolvedResources[] = [];
    const scheduler = {
      run: async (attempt: { readonly resources: ResolvedResources }) => {
        seen.push(attempt.resources);
        return 0;
      },
    };
    await t.with({ scheduler: scheduler as never })("750m", "2Gi", 0, 1);
    expect(seen[0]).toEqual(await resolve("750m", "2Gi", 0, 1));
    expect(seen[0]).toMatchObject({ cpu: 0.75, memoryGiB: 2, gpu: 1 });
    expect(seen[0]).not.toHaveProperty("storageGiB");
  });

  it("keeps a GPU type only with a GPU, and checks a GPU type a function gives", async () => {
    const typed = untypedCustomTask({ cpu: 1, memory: 1, gpu: (n: unknown) => n, gpuType: (_n: unknown, type: unknown) => type })(async function typed() {});
    expect(await resolveResources(typed, [2, "h100"])).toMatchObject({ gpu: 2, gpuType: "h100" });
    expect(await resolveResources(typed, [0, "h100"])).not.toHaveProperty("gpuType");
    await expect(resolveResources(typed, [1, "H100"])).rejects.toMatchObject({ field: "gpuType", value: "H100" });
    expect(await resolveResources(typed, [1, "h100"]).catch((e: unknown) => e)).not.toBeInstanceOf(TaskfitError);
  });
});
