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
  it("starts requests of one shape in arrival order while they fit, and no further", () => {
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
    expect(started.map((s) => [s.entry.payload, s.gpus]).sort()).toEqual([
      ["a10g-pair", [0, 1]],
      ["v100", [2]],
    ]);
    admission.release(started.find((s) => s.entry.payload === "a10g-pair")!);
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

  it("among many sizes of memory, starts only what fits, the oldest first within a class (memory within 2^(1/4))", () => {
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

  it("starts the request that fills the free room best, not the oldest", () => {
    const admission = new Admission<Entry>(capacity);
    enqueue(admission, req(1, 1), "small");
    enqueue(admission, req(2, 2), "medium");
    enqueue(admission, req(7, 8), "large");
    // Oldest first would start small and medium and leave large waiting with 5 cores free.
    expect(names(admission.pass())).toEqual(["large", "small"]);
    expect(admission.inUse.cpu).toBe(8);
  });

  it("prefers the request heavy in the resource the waiting requests need most", () => {
    const pick = (memoryHeavyCount: number, cpuHeavyCount: number) => {
      const admission = new Admission<Entry>(capacity);
      enqueue(admission, req(4, 8), "hog");
      admission.pass(); // 4 cores and 8 GiB left
      enqueue(admission, req(4, 1), "cpu-heavy");
      enqueue(admission, req(1, 8), "memory-heavy");
      for (let i = 0; i < memoryHeavyCount; i++) enqueue(admission, req(1, 6), `more-memory-${i}`);
      for (let i = 0; i < cpuHeavyCount; i++) enqueue(admission, req(3, 1), `more-cpu-${i}`);
      return names(admission.pass())[0];
    };
    expect(pick(3, 0)).toBe("memory-heavy");
    expect(pick(0, 3)).toBe("cpu-heavy");
  });

  it("beside a reservation for GPUs, requests that do not compete for them keep starting in the room it leaves", () => {
    const admission = new Admission<Entry>(capacity, 1);
    enqueue(admission, req(1, 1, { gpu: 1, gpuType: "a10g" }), "holder");
    const [holder] = admission.pass(); // holds a10g 0; a10g 1 and v100 2 are free
    const pair = enqueue(admission, req(2, 2, { gpu: 2, gpuType: "a10g" }), "pair");
    enqueue(admission, req(2, 4), "cpu1");
    expect(names(admission.pass())).toEqual(["cpu1"]); // it passed the pair, which now reserves
    enqueue(admission, req(2, 4), "cpu2");
    enqueue(admission, req(2, 4), "cpu3");
    enqueue(admission, req(1, 1, { gpu: 1, gpuType: "a10g" }), "a10g-one");
    enqueue(admission, req(1, 1, { gpu: 1 }), "any-gpu");
    const beside = admission.pass();
    // 5 cores and 11 GiB free, the pair keeps 2 and 2 of them: cpu2 and any-gpu fit in the rest,
    // any-gpu on the v100 (the free a10g is the pair's); a10g-one would take the pair's device.
    expect(names(beside).sort()).toEqual(["any-gpu", "cpu2"]);
    expect(beside.find((s) => s.entry.payload === "any-gpu")?.gpus).toEqual([2]);
    expect(pair.done).toBe(false);
    admission.release(holder!);
    const next = admission.pass();
    expect(next.map((s) => [s.entry.payload, s.gpus])).toEqual([["pair", [0, 1]]]);
  });

  it("accepts a request that fits exactly despite float sums", () => {
    const admission = new Admission<Entry>({ ...capacity, cpu: 0.3 });
    enqueue(admission, req(0.1), "a");
    enqueue(admission, req(0.2), "b");
    expect(names(admission.pass()).sort()).toEqual(["a", "b"]);
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
  // Mostly small requests with a few large ones, arriving faster than they finish: the oldest is
  // often a large one that many pass.
  const crowdedOpArb: fc.Arbitrary<Op> = fc.oneof(
    { weight: 4, arbitrary: requestArb.map((request) => ({ kind: "enqueue" as const, request })) },
    { weight: 1, arbitrary: fc.constantFrom(req(8, 4), req(4, 12), req(2, 2, { gpu: 2, gpuType: "a10g" }), req(1, 2, { storageGiB: 100 })).map((request) => ({ kind: "enqueue" as const, request })) },
    { weight: 3, arbitrary: fc.nat().map((pick) => ({ kind: "finish" as const, pick })) },
    { weight: 1, arbitrary: fc.nat().map((pick) => ({ kind: "cancel" as const, pick })) },
  );
  const possible = (r: Request) => r.gpu <= capacity.gpus.filter((d) => r.gpuType === undefined || d.type === r.gpuType).length;

  function freeFits(admission: Admission<Entry>, running: Allocation[], r: Request): boolean {
    const used = new Set(running.flatMap((a) => a.gpus));
    const free = capacity.gpus.filter((d) => !used.has(d.index) && (r.gpuType === undefined || d.type === r.gpuType)).length;
    const { inUse } = admission;
    return inUse.cpu + r.cpu <= capacity.cpu + 1e-9 && inUse.memoryGiB + r.memoryGiB <= capacity.memoryGiB + 1e-9 && inUse.storageGiB + r.storageGiB <= (capacity.storageGiB as number) + 1e-9 && free >= r.gpu;
  }

  /** Fits in what is free beyond the reserved request, in each resource it has its share of. */
  function fitsBeside(admission: Admission<Entry>, held: Request, r: Request): boolean {
    const { inUse } = admission;
    const room = (free: number, need: number) => (free + 1e-9 >= need ? free - need : 0);
    return (
      r.cpu <= room(capacity.cpu - inUse.cpu, held.cpu) + 1e-9 &&
      r.memoryGiB <= room(capacity.memoryGiB - inUse.memoryGiB, held.memoryGiB) + 1e-9 &&
      r.storageGiB <= room((capacity.storageGiB as number) - inUse.storageGiB, held.storageGiB) + 1e-9
    );
  }

  type Allocation = ReturnType<Admission<Entry>["pass"]>[number];

  /** Applies an op to the admission and to the test's own lists; returns where a cancelled entry stood. */
  function apply(admission: Admission<Entry>, op: Op, running: Allocation[], waiting: Entry[]): number | undefined {
    if (op.kind === "enqueue") {
      if (possible(op.request)) waiting.push(enqueue(admission, op.request, "random"));
    } else if (op.kind === "finish" && running.length > 0) {
      admission.release(running.splice(op.pick % running.length, 1)[0] as Allocation);
    } else if (op.kind === "cancel" && waiting.length > 0) {
      const at = op.pick % waiting.length;
      expect(admission.remove(waiting.splice(at, 1)[0] as Entry)).toBe(true);
      return at;
    }
    return undefined;
  }

  it("never over-commits, gives each GPU to one request of its type, and leaves nothing waiting that fits (unless one holds a reservation)", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 120 }), fc.integer({ min: 1, max: 6 }), (ops, reserveAfter) => {
        const admission = new Admission<Entry>(capacity, reserveAfter);
        const running: Allocation[] = [];
        const waiting: Entry[] = [];
        for (const op of ops) {
          apply(admission, op, running, waiting);
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
          const reserved = waiting.find((w) => w.bypassed >= reserveAfter);
          for (const w of waiting) {
            if (reserved === undefined) expect(freeFits(admission, running, w.request)).toBe(false);
            // Beside a reservation, what fits in the room it leaves has started too (GPUs aside).
            else if (w !== reserved && w.request.gpu === 0) expect(fitsBeside(admission, reserved.request, w.request)).toBe(false);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("lets at most `reserveAfter` newer requests start while one is the oldest waiting; after that, nothing that starts delays it", () => {
    let guardedRuns = 0;
    fc.assert(
      fc.property(fc.array(crowdedOpArb, { minLength: 40, maxLength: 200 }), fc.integer({ min: 1, max: 4 }), (ops, reserveAfter) => {
        const admission = new Admission<Entry>(capacity, reserveAfter);
        const running: Allocation[] = [];
        const waiting: Entry[] = []; // arrival order: the first is the oldest
        let passedOldest = 0;
        // The oldest once `reserveAfter` passed it, and what was running at that moment.
        let guarded: { entry: Entry; before: Set<Allocation> } | undefined;
        for (const op of ops) {
          // The next oldest counts from nothing.
          if (apply(admission, op, running, waiting) === 0) {
            passedOldest = 0;
            guarded = undefined;
          }
          for (const started of admission.pass()) {
            const oldest = waiting[0];
            waiting.splice(waiting.indexOf(started.entry), 1);
            running.push(started);
            if (started.entry === oldest) {
              passedOldest = 0;
              guarded = undefined;
            } else if (oldest !== undefined && ++passedOldest === reserveAfter) {
              guarded = { entry: oldest, before: new Set(running) };
              guardedRuns++;
            }
          }
          if (guarded === undefined) continue;
          // What would be free had nothing started since it was passed `reserveAfter` times.
          const before = running.filter((a) => guarded!.before.has(a));
          const held = (of: (r: Request) => number) => before.reduce((total, a) => total + of(a.request), 0);
          const r = guarded.entry.request;
          const heldGpus = new Set(before.flatMap((a) => a.gpus));
          const gpusThen = capacity.gpus.filter((d) => !heldGpus.has(d.index) && (r.gpuType === undefined || d.type === r.gpuType)).length;
          const fitsThen =
            r.cpu <= capacity.cpu - held((x) => x.cpu) + 1e-9 &&
            r.memoryGiB <= capacity.memoryGiB - held((x) => x.memoryGiB) + 1e-9 &&
            r.storageGiB <= (capacity.storageGiB as number) - held((x) => x.storageGiB) + 1e-9 &&
            gpusThen >= r.gpu;
          expect(fitsThen, "the guarded request waits although it would have started had nothing started since").toBe(false);
        }
      }),
      { numRuns: 250 },
    );
    expect(guardedRuns).toBeGreaterThan(50); // the guarded path was exercised
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
