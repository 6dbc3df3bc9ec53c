/** The one fit check behind the LocalScheduler, Slurm and Kubernetes: a request against node sizes. */
import { describe, expect, it } from "vitest";
import { ONE_MIB_IN_GIB } from "../../src/resources/rounding.js";
import { type FitRequest, type NodeSize, shortfalls } from "../../src/schedulers/fit.js";

const request = (r: Partial<FitRequest>): FitRequest => ({ cpu: 1, memoryGiB: 1, gpu: 0, ...r });
const node = (n: Partial<NodeSize>): NodeSize => ({ cpu: 4, memoryGiB: 8, storageGiB: 100, gpus: 0, ...n });

describe("shortfalls", () => {
  it("is empty when one node holds the whole request", () => {
    expect(shortfalls(request({ cpu: 4, memoryGiB: 8 }), [node({})])).toEqual([]);
    expect(shortfalls(request({ cpu: 16, gpu: 2 }), [node({}), node({ cpu: 32, gpus: 2 })])).toEqual([]);
  });

  it("names each field no node has enough of, with the most any node has", () => {
    const nodes = [node({ cpu: 4, memoryGiB: 8 }), node({ cpu: 2, memoryGiB: 16 })];
    expect(shortfalls(request({ cpu: 6, memoryGiB: 32, storageGiB: 500, gpu: 1, gpuType: "a10g" }), nodes)).toEqual([
      { field: "cpu", requested: 6, available: 4 },
      { field: "memoryGiB", requested: 32, available: 16 },
      { field: "storageGiB", requested: 500, available: 100 },
      { field: "gpu (type a10g)", requested: 1, available: 0 },
    ]);
  });

  it("compares what the target grants (rounded up to its steps), and shows the rounded figure when only rounding makes it too big", () => {
    // 3.5 cores fit a 4-core node; Slurm asks for 4, which still fits.
    expect(shortfalls(request({ cpu: 3.5 }), [node({ cpu: 4 })], { cpu: 1 })).toEqual([]);
    // 1.0001 GiB asks 1025 MiB of a node with 1024.5 MiB: as asked it fits, as granted it does not.
    const halfMiBOver = 1 + 0.5 * ONE_MIB_IN_GIB;
    expect(shortfalls(request({ memoryGiB: 1.0001 }), [node({ memoryGiB: halfMiBOver })])).toEqual([]);
    expect(shortfalls(request({ memoryGiB: 1.0001 }), [node({ memoryGiB: halfMiBOver })], { gib: ONE_MIB_IN_GIB })).toEqual([
      { field: "memoryGiB", requested: 1025 * ONE_MIB_IN_GIB, available: 1 },
    ]);
    // Too big as asked: the figure asked for.
    expect(shortfalls(request({ cpu: 4.5 }), [node({ cpu: 4 })], { cpu: 1 })).toEqual([{ field: "cpu", requested: 4.5, available: 4 }]);
  });

  it("does not check storage on a node that does not say, nor when none is asked for", () => {
    expect(shortfalls(request({ storageGiB: 5000 }), [node({ storageGiB: undefined })])).toEqual([]);
    expect(shortfalls(request({}), [node({ storageGiB: 0 })])).toEqual([]);
  });

  it("says what the nodes with the GPUs lack when each figure is on some node but never with the GPUs", () => {
    const nodes = [node({ cpu: 64, memoryGiB: 256 }), node({ cpu: 8, memoryGiB: 32, gpus: 1 })];
    expect(shortfalls(request({ cpu: 16, memoryGiB: 16, gpu: 1, gpuType: "a10g" }), nodes)).toEqual([
      { field: "cpu on nodes with 1 gpu (type a10g)", requested: 16, available: 8 },
    ]);
  });

  it("says no one node has it all when every figure is on some node but never together", () => {
    const nodes = [node({ cpu: 8, memoryGiB: 4 }), node({ cpu: 2, memoryGiB: 64 })];
    expect(shortfalls(request({ cpu: 8, memoryGiB: 64 }), nodes)).toEqual([{ field: "one node with all of it", requested: "cpu 8, memoryGiB 64", available: "none" }]);
  });

  it("finds everything short on a target with no node (a partition nobody is in)", () => {
    expect(shortfalls(request({ cpu: 1, memoryGiB: 1 }), [])).toEqual([
      { field: "cpu", requested: 1, available: 0 },
      { field: "memoryGiB", requested: 1, available: 0 },
    ]);
  });

  it("shows a node's figures to three decimals", () => {
    expect(shortfalls(request({ memoryGiB: 8 }), [node({ memoryGiB: 7.7654321 })])).toEqual([{ field: "memoryGiB", requested: 8, available: 7.765 }]);
  });
});
