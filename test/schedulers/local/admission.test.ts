import { describe, expect, it } from "vitest";
import { Admission, type Queued, type Request } from "../../../src/schedulers/local/admission.js";
import type { Capacity } from "../../../src/index.js";

const capacity: Capacity = {
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

  it("accepts a request that fits exactly despite float sums", () => {
    const admission = new Admission<Entry>({ ...capacity, cpu: 0.3 });
    enqueue(admission, req(0.1), "a");
    enqueue(admission, req(0.2), "b");
    expect(names(admission.pass())).toEqual(["a", "b"]);
  });
});
