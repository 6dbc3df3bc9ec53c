import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Admission, type Queued, type Request } from "../../../src/schedulers/local/admission.js";
import type { MachineCapacity } from "../../../src/index.js";

const capacity: MachineCapacity = {
  cpu: 8,
  memoryGiB: 16,
  storageGiB: 100,
  gpus: [
    { index: 0, type: "a10g" },
    { index: 1, type: "a10g" },
    { index: 2, type: "v100" },
  ],
};

const req = (cpu: number, memoryGiB = 1, extra: Partial<Request> = {}): Request => ({
  cpu,
  memoryGiB,
  storageGiB: 0,
  gpu: 0,
  gpuType: undefined,
  ...extra,
});

interface Entry extends Queued {
  readonly payload: string;
}

/** Queues a named request, as the scheduler queues its own records. */
function enqueue(admission: Admission<Entry>, request: Request, payload: string): Entry {
  const entry: Entry = { payload, request, seq: 0, done: false, bypassed: 0 };
  admission.enqueue(entry);
  return entry;
}

const names = (started: Array<{ entry: Entry }>) => started.map((s) => s.entry.payload);

describe("Admission", () => {
  it("starts requests in arrival order while they fit, and no further", () => {
    const admission = new Admission<Entry>(capacity);
    for (const name of ["a", "b", "c", "d", "e"]) enqueue(admission, req(2), name);
    expect(names(admission.pass())).toEqual(["a", "b", "c", "d"]);
    expect(admission.inUse.cpu).toBe(8);
    expect(admission.size).toBe(1);
    expect(admission.pass()).toEqual([]);
  });

  it("admits only when every resource fits (memory, storage, GPUs), not just CPU", () => {
    const admission = new Admission<Entry>(capacity);
    enqueue(admission, req(1, 10), "big-mem");
    enqueue(admission, req(1, 10), "big-mem-2");
    enqueue(admission, req(1, 1, { storageGiB: 101 - 1 }), "disk");
    enqueue(admission, req(1, 1, { storageGiB: 1 }), "disk-2");
    const started = names(admission.pass());
    expect(started).toEqual(["big-mem", "disk"]);
    expect(admission.inUse).toEqual({ cpu: 2, memoryGiB: 11, storageGiB: 100, gpus: 0 });
  });

  it("backfills a smaller request past a larger one that does not fit", () => {
    const admission = new Admission<Entry>(capacity);
    enqueue(admission, req(6), "running");
    expect(names(admission.pass())).toEqual(["running"]);
    enqueue(admission, req(4), "large");
    enqueue(admission, req(2), "small");
    expect(names(admission.pass())).toEqual(["small"]);
  });

  it("gives the oldest waiting request a reservation after `reserveAfter` requests passed it", () => {
    const admission = new Admission<Entry>(capacity, 2);
    enqueue(admission, req(6), "hog");
    admission.pass();
    enqueue(admission, req(8), "large");
    const hold = [];
    for (let i = 0; i < 3; i++) enqueue(admission, req(1), `small${i}`);
    const first = admission.pass();
    expect(names(first)).toEqual(["small0", "small1"]); // two pass the large one: it now reserves
    hold.push(...first);
    admission.release(hold[0]!);
    expect(names(admission.pass())).toEqual([]); // small2 fits, but the large one holds a reservation
    admission.release(hold[1]!);
    expect(admission.pass()).toEqual([]);
  });

  it("starts the reserved request as soon as the machine has drained for it", () => {
    const admission = new Admission<Entry>(capacity, 1);
    enqueue(admission, req(6), "hog");
    const [hog] = admission.pass();
    enqueue(admission, req(8), "large");
    enqueue(admission, req(1), "small");
    const [small] = admission.pass();
    expect(small?.entry.payload).toBe("small");
    enqueue(admission, req(1), "later");
    expect(names(admission.pass())).toEqual([]); // "later" fits, but "large" reserved
    admission.release(hog!);
    expect(names(admission.pass())).toEqual([]); // 1 cpu is still held by "small"
    admission.release(small!);
    expect(names(admission.pass())).toEqual(["large"]);
    expect(admission.inUse.cpu).toBe(8);
    expect(admission.size).toBe(1);
  });

  it("assigns specific GPU devices of the requested type and frees them on release", () => {
    const admission = new Admission<Entry>(capacity);
    enqueue(admission, req(1, 1, { gpu: 1, gpuType: "v100" }), "v100");
    enqueue(admission, req(1, 1, { gpu: 2, gpuType: "a10g" }), "a10g-pair");
    enqueue(admission, req(1, 1, { gpu: 1 }), "any");
    const started = admission.pass();
    expect(started.map((s) => [s.entry.payload, s.gpus])).toEqual([
      ["v100", [2]],
      ["a10g-pair", [0, 1]],
    ]);
    admission.release(started[1]!);
    const next = admission.pass();
    expect(next.map((s) => [s.entry.payload, s.gpus])).toEqual([["any", [0]]]);
  });

  it("does not start a removed (cancelled) request", () => {
    const admission = new Admission<Entry>(capacity);
    enqueue(admission, req(8), "hog");
    admission.pass();
    const gone = enqueue(admission, req(1), "gone");
    enqueue(admission, req(1), "kept");
    expect(admission.remove(gone)).toBe(true);
    expect(admission.remove(gone)).toBe(false);
    expect(admission.size).toBe(1);
  });

  it("among many sizes of memory, starts the oldest that fits and only what fits", () => {
    const admission = new Admission<Entry>(capacity);
    enqueue(admission, req(1, 11.6), "hog");
    expect(admission.pass()).toHaveLength(1); // 4.4 of 16 GiB free
    enqueue(admission, req(1, 4.7), "4.7");
    enqueue(admission, req(1, 4.1), "4.1");
    enqueue(admission, req(1, 3.9), "3.9");
    enqueue(admission, req(1, 4.2), "4.2");
    expect(names(admission.pass())).toEqual(["4.1"]);
    expect(admission.inUse.memoryGiB).toBeCloseTo(15.7);
  });

  it("accepts a request that fits exactly despite float sums", () => {
    const admission = new Admission<Entry>({ ...capacity, cpu: 0.3 });
    enqueue(admission, req(0.1), "a");
    enqueue(admission, req(0.2), "b");
    expect(names(admission.pass())).toEqual(["a", "b"]);
  });
});

/** Random workloads: what must hold whatever arrives, finishes or is cancelled. */
describe("Admission, properties", () => {
  const gpuTypes = [undefined, "a10g", "v100"] as const;
  const requestArb = fc.record({
    cpu: fc.constantFrom(0.5, 1, 1, 1, 2, 3, 8),
    // Mostly distinct sizes close together: dynamic specs, with memory what binds.
    memoryGiB: fc.oneof({ weight: 1, arbitrary: fc.constantFrom(1, 2, 16) }, { weight: 4, arbitrary: fc.integer({ min: 3000, max: 6000 }).map((mib) => mib / 1000) }),
    storageGiB: fc.constantFrom(0, 0, 0, 0, 10, 100),
    gpu: fc.constantFrom(0, 0, 0, 0, 0, 0, 1, 2),
    gpuType: fc.constantFrom(...gpuTypes),
  });
  type Op = { kind: "enqueue"; request: Request } | { kind: "finish"; pick: number } | { kind: "cancel"; pick: number };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    { weight: 3, arbitrary: requestArb.map((request) => ({ kind: "enqueue" as const, request })) },
    { weight: 2, arbitrary: fc.nat().map((pick) => ({ kind: "finish" as const, pick })) },
    { weight: 1, arbitrary: fc.nat().map((pick) => ({ kind: "cancel" as const, pick })) },
  );
  const possible = (r: Request) => r.gpu <= capacity.gpus.filter((d) => r.gpuType === undefined || d.type === r.gpuType).length;

  function freeFits(admission: Admission<Entry>, running: Allocation[], r: Request): boolean {
    const used = new Set(running.flatMap((a) => a.gpus));
    const free = capacity.gpus.filter((d) => !used.has(d.index) && (r.gpuType === undefined || d.type === r.gpuType)).length;
    const { inUse } = admission;
    return inUse.cpu + r.cpu <= capacity.cpu + 1e-9 && inUse.memoryGiB + r.memoryGiB <= capacity.memoryGiB + 1e-9 && inUse.storageGiB + r.storageGiB <= (capacity.storageGiB as number) + 1e-9 && free >= r.gpu;
  }

  type Allocation = ReturnType<Admission<Entry>["pass"]>[number];

  it("never over-commits, gives each GPU to one request of its type, and leaves nothing waiting that fits (unless one holds a reservation)", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 120 }), fc.integer({ min: 1, max: 6 }), (ops, reserveAfter) => {
        const admission = new Admission<Entry>(capacity, reserveAfter);
        const running: Allocation[] = [];
        const waiting: Entry[] = [];
        let n = 0;
        for (const op of ops) {
          if (op.kind === "enqueue") {
            if (!possible(op.request)) continue;
            waiting.push(enqueue(admission, op.request, String(n++)));
          } else if (op.kind === "finish" && running.length > 0) {
            admission.release(running.splice(op.pick % running.length, 1)[0] as Allocation);
          } else if (op.kind === "cancel" && waiting.length > 0) {
            const entry = waiting.splice(op.pick % waiting.length, 1)[0] as Entry;
            expect(admission.remove(entry)).toBe(true);
          }
          for (const started of admission.pass()) {
            expect(started.entry.done).toBe(true);
            waiting.splice(waiting.indexOf(started.entry), 1);
            running.push(started);
            const r = started.request;
            expect(started.gpus).toHaveLength(r.gpu);
            for (const index of started.gpus) expect(r.gpuType === undefined || capacity.gpus[index]?.type === r.gpuType).toBe(true);
          }
          const gpus = running.flatMap((a) => a.gpus);
          expect(new Set(gpus).size).toBe(gpus.length);
          const sum = (of: (r: Request) => number) => running.reduce((total, a) => total + of(a.request), 0);
          expect(sum((r) => r.cpu)).toBeLessThanOrEqual(capacity.cpu + 1e-9);
          expect(sum((r) => r.memoryGiB)).toBeLessThanOrEqual(capacity.memoryGiB + 1e-9);
          expect(sum((r) => r.storageGiB)).toBeLessThanOrEqual((capacity.storageGiB as number) + 1e-9);
          expect(admission.size).toBe(waiting.length);
          const reserved = waiting.some((w) => w.bypassed >= reserveAfter);
          if (!reserved) for (const w of waiting) expect(freeFits(admission, running, w.request)).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("starves nothing: under a steady stream of small requests a large one starts, and everything ends up started", () => {
    fc.assert(
      fc.property(fc.array(requestArb, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 8 }), (stream, reserveAfter) => {
        const admission = new Admission<Entry>(capacity, reserveAfter);
        const running: Allocation[] = [];
        const startedNames = new Set<string>();
        const take = (list: Allocation[]) => {
          for (const a of list) {
            running.push(a);
            startedNames.add(a.entry.payload);
          }
        };
        take(admission.pass());
        const small = req(1, 1);
        enqueue(admission, small, "first"); // keeps the machine busy
        take(admission.pass());
        const large = enqueue(admission, req(8, 16, { storageGiB: 100 }), "large");
        let n = 0;
        // Each round one running request ends and new ones arrive: the large one must not wait for ever.
        for (let round = 0; round < stream.length + reserveAfter * 4 + 8 && !large.done; round++) {
          const next = stream[round % stream.length] as Request;
          if (possible(next)) enqueue(admission, next, `s${n++}`);
          enqueue(admission, small, `s${n++}`);
          if (running.length > 0) admission.release(running.shift() as Allocation);
          take(admission.pass());
        }
        expect(large.done).toBe(true);
        // And once the stream stops, everything left starts as the machine drains.
        for (let guard = 0; admission.size > 0; guard++) {
          expect(guard).toBeLessThan(10_000);
          if (running.length > 0) admission.release(running.shift() as Allocation);
          take(admission.pass());
        }
        expect(startedNames.size).toBe(n + 2);
      }),
      { numRuns: 200 },
    );
  });
});
