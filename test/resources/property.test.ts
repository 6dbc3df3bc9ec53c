import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  customTask,
  ErrorCode,
  LIMITS,
  type ResolvedResources,
  resolveResources,
  type Task,
  TaskfitError,
} from "../../src/index.js";

type Mode = "sync" | "async" | "throw" | "reject";
type FieldSpec = { readonly kind: "value"; readonly value: unknown } | { readonly kind: "fn"; readonly mode: Mode; readonly value: unknown };
interface SpecDescription {
  readonly cpu: FieldSpec;
  readonly memory: FieldSpec;
  readonly storage: FieldSpec | undefined;
  readonly gpu: FieldSpec | undefined;
  readonly gpuType: unknown;
  readonly overLimit: "error" | "clamp" | undefined;
}

const numbers = fc.oneof(
  fc.constantFrom(0, -0, -1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e308, Number.MAX_SAFE_INTEGER),
  fc.constantFrom(0.0005, 0.001, 0.0011, 0.1 + 0.2, 1, 8, 9, 126, 126.0004, 126.001, 127, 975, 976, 4949, 4950),
  fc.integer({ min: -10, max: 6000 }),
  fc.double({ min: 0, max: 200, noNaN: true }),
  fc.double(),
);
const UNITS = ["Ki", "KiB", "Mi", "MiB", "Gi", "GiB", "Ti", "TiB", "k", "K", "KB", "kB", "M", "MB", "G", "GB", "T", "TB"];
const BAD_UNITS = ["", "m", "gi", "GIB", "Pi", "b", "%", "e3", " Gi", "Gi Gi"];
const quantityStrings = fc
  .tuple(
    fc.oneof(
      fc.integer({ min: 0, max: 6000 }).map(String),
      fc.double({ min: 0, max: 6000, noNaN: true }).map(String),
      fc.constantFrom("1.5.5", "-1", ".5", "abc", "", " ", "0", "NaN", "Infinity"),
    ),
    fc.constantFrom(...UNITS, ...BAD_UNITS),
  )
  .map(([n, unit]) => `${n}${unit}`);
const nonNumbers = fc.oneof(fc.constantFrom(null, undefined, true, false, [], {}, [4], { cpu: 2 }, 10n, Symbol("s")), fc.anything());
const anyValue = fc.oneof(numbers, quantityStrings, nonNumbers);

// Mostly plausible values, so that a good share of specs resolve and the limits get exercised.
const plausible = {
  cpu: fc.oneof(fc.double({ min: 0.001, max: 130, noNaN: true }), fc.integer({ min: 1, max: 130_000 }).map((m) => `${m}m`)),
  memory: fc.oneof(fc.double({ min: 0.001, max: 1000, noNaN: true }), fc.integer({ min: 1, max: 1000 }).map((g) => `${g}Gi`)),
  storage: fc.oneof(fc.double({ min: 0.001, max: 5000, noNaN: true }), fc.integer({ min: 1, max: 5000 }).map((g) => `${g}GB`)),
  gpu: fc.integer({ min: 0, max: 9 }),
};

function fieldSpec(good: fc.Arbitrary<unknown>): fc.Arbitrary<FieldSpec> {
  const value = fc.oneof({ arbitrary: good, weight: 4 }, { arbitrary: anyValue, weight: 1 });
  return fc.oneof(
    { arbitrary: value.map((v) => ({ kind: "value" as const, value: v })), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant("fn" as const), mode: fc.constantFrom<Mode>("sync", "async", "sync", "async", "throw", "reject"), value }), weight: 2 },
  );
}


const specDescription: fc.Arbitrary<SpecDescription> = fc
  .record({
    cpu: fieldSpec(plausible.cpu),
    memory: fieldSpec(plausible.memory),
    storage: fc.option(fieldSpec(plausible.storage), { nil: undefined }),
    gpu: fc.option(fieldSpec(plausible.gpu), { nil: undefined }),
    gpuType: fc.constantFrom(undefined, undefined, undefined, "a10g", "v100", "l40s", "h100", 3),
    overLimit: fc.constantFrom(undefined, "error" as const, "clamp" as const),
  });

function materialise(field: FieldSpec): unknown {
  if (field.kind === "value") return field.value;
  const { mode, value } = field;
  switch (mode) {
    case "sync":
      return (..._args: unknown[]) => value;
    case "async":
      return async (..._args: unknown[]) => value;
    case "throw":
      return () => {
        throw new Error(`boom ${String(typeof value)}`);
      };
    case "reject":
      return async () => {
        throw value;
      };
  }
}

function buildSpec(d: SpecDescription): Record<string, unknown> {
  const spec: Record<string, unknown> = { cpu: materialise(d.cpu), memory: materialise(d.memory) };
  if (d.storage !== undefined) spec.storage = materialise(d.storage);
  if (d.gpu !== undefined) spec.gpu = materialise(d.gpu);
  if (d.gpuType !== undefined) spec.gpuType = d.gpuType;
  if (d.overLimit !== undefined) spec.overLimit = d.overLimit;
  return spec;
}

const untypedCustomTask = customTask as unknown as (spec: unknown) => (fn: (...args: unknown[]) => unknown) => Task<unknown[], unknown>;

type Outcome = { readonly ok: true; readonly resolved: ResolvedResources } | { readonly ok: false; readonly error: unknown };

async function outcomeOf(d: SpecDescription, args: unknown[]): Promise<Outcome> {
  try {
    const task = untypedCustomTask(buildSpec(d))(async (...a: unknown[]) => a.length);
    return { ok: true, resolved: await resolveResources(task, args) };
  } catch (error) {
    return { ok: false, error };
  }
}

const CODES: readonly string[] = Object.values(ErrorCode);

function expectWithinLimits(r: ResolvedResources, policy: SpecDescription["overLimit"]): void {
  expect(Number.isFinite(r.cpu) && r.cpu > 0).toBe(true);
  expect(r.cpu).toBeLessThanOrEqual(LIMITS.cpu);
  expect(Math.abs(r.cpu * 1000 - Math.round(r.cpu * 1000))).toBeLessThan(1e-6);
  expect(Number.isFinite(r.memoryGiB) && r.memoryGiB > 0).toBe(true);
  expect(r.memoryGiB).toBeLessThanOrEqual(LIMITS.memoryGiB);
  if (r.storageGiB !== undefined) {
    expect(Number.isFinite(r.storageGiB) && r.storageGiB > 0).toBe(true);
    expect(r.storageGiB).toBeLessThanOrEqual(LIMITS.storageGiB);
  }
  expect(Number.isInteger(r.gpu) && r.gpu >= 0 && r.gpu <= LIMITS.gpu).toBe(true);
  if (r.gpuType !== undefined) expect(r.gpu).toBeGreaterThan(0);
  if (policy !== "clamp") expect(r.clamped).toEqual([]);
  for (const c of r.clamped) expect(c.limit).toBe(LIMITS[c.field]);
}

let warning: ReturnType<typeof vi.spyOn>;
beforeAll(() => {
  warning = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
});
afterAll(() => {
  warning.mockRestore();
});

describe("customTask + resolveResources over random specs and arguments", () => {
  it("gives resources within limits with finite positive numbers, or a TaskfitError with a code — nothing else", async () => {
    const seen = { ok: 0, failed: 0, clamped: 0 };
    await fc.assert(
      fc.asyncProperty(specDescription, fc.array(fc.anything(), { maxLength: 4 }), async (d, args) => {
        const outcome = await outcomeOf(d, args);
        if (outcome.ok) {
          seen.ok++;
          if (outcome.resolved.clamped.length > 0) seen.clamped++;
          expectWithinLimits(outcome.resolved, d.overLimit);
        } else {
          seen.failed++;
          expect(outcome.error).toBeInstanceOf(TaskfitError);
          const { code } = outcome.error as TaskfitError;
          expect(typeof code).toBe("string");
          expect(CODES).toContain(code);
        }
      }),
      { numRuns: 400 },
    );
    // The generator must exercise both sides, or the property proves little.
    expect(seen.ok).toBeGreaterThan(0);
    expect(seen.failed).toBeGreaterThan(0);
    expect(seen.clamped).toBeGreaterThan(0);
  });

  it("resolves valid specs to the numbers they asked for (rounded up to a millicore for cpu)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 126_000 }),
        fc.double({ min: 0.001, max: 975, noNaN: true }),
        fc.boolean(),
        async (millicores, memory, dynamic) => {
          const spec = dynamic ? { cpu: async () => `${millicores}m`, memory: () => memory } : { cpu: `${millicores}m`, memory };
          const resolved = await resolveResources(untypedCustomTask(spec)(async () => 0), []);
          expect(resolved.cpu).toBe(millicores / 1000);
          expect(resolved.memoryGiB).toBe(memory);
          expect(resolved.gpu).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });
});
