import { chmod, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { currentTask, customTask, LocalScheduler, registerGpuType, smallGpuTask, UnschedulableError, v100x1Task } from "../../../src/index.js";
import { detectGpus, parseNvidiaSmi } from "../../../src/schedulers/local/capacity.js";
import { ManualClock } from "../../helpers/manual-clock.js";

/** A stand-in for `nvidia-smi` on PATH: answers the query taskfit makes, with units unless asked for none, as the real one does. */
async function fakeNvidiaSmi(lines: readonly string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "taskfit-nvidia-smi-"));
  const withUnits = lines.map((line) => line.replace(/(\d+)$/, "$1 MiB"));
  const script = `#!/bin/sh
case "$*" in
  *--query-gpu=index,name,memory.total*nounits*) printf '%s\\n' ${lines.map((l) => `'${l}'`).join(" ")} ;;
  *--query-gpu=index,name,memory.total*) printf '%s\\n' ${withUnits.map((l) => `'${l}'`).join(" ")} ;;
  *) echo "fake nvidia-smi: unexpected arguments $*" >&2; exit 2 ;;
esac
`;
  await writeFile(join(dir, "nvidia-smi"), script);
  await chmod(join(dir, "nvidia-smi"), 0o755);
  return dir;
}

describe("GPUs from nvidia-smi", () => {
  const savedPath = process.env.PATH;
  let fakeDir: string;

  beforeAll(async () => {
    fakeDir = await fakeNvidiaSmi(["0, NVIDIA H100 80GB HBM3, 81559"]);
    process.env.PATH = `${fakeDir}:${savedPath}`;
  });
  afterAll(() => {
    process.env.PATH = savedPath;
  });

  it("learns each device's type and VRAM", () => {
    expect(detectGpus()).toEqual([{ index: 0, model: "NVIDIA H100 80GB HBM3", type: "h100", memoryGiB: 81559 / 1024 }]);
    const local = new LocalScheduler();
    expect(local.stats().capacity.gpus).toEqual([{ index: 0, model: "NVIDIA H100 80GB HBM3", type: "h100", memoryGiB: 81559 / 1024 }]);
    expect(local.stats().capacity.sources.gpus).toBe("nvidia-smi: 0: NVIDIA H100 80GB HBM3 79.647 GiB");
  });

  it("runs an h100 task on it, and refuses smallGpuTask (an A10G) by default: exact type", async () => {
    const local = new LocalScheduler({ clock: new ManualClock() });
    const onH100 = customTask({ cpu: 1, memory: 1, gpu: 1, gpuType: "h100" })(async function onH100() {
      return currentTask()?.gpus;
    });
    expect(await onH100.with({ scheduler: local })()).toEqual([0]);
    const small = smallGpuTask({ name: "smallOnH100" })(async () => currentTask()?.gpus);
    await expect(small.with({ scheduler: local, cpu: 1, memory: 1 })()).rejects.toThrow(/gpu \(type a10g\): requested 1, at most 0/);
  });

  it('runs smallGpuTask on the H100 with gpuMatch: "memory" (any GPU with at least the preset\'s VRAM)', async () => {
    const local = new LocalScheduler({ gpuMatch: "memory", clock: new ManualClock() });
    const small = smallGpuTask({ name: "smallAnyGpu" })(async () => currentTask()?.gpus);
    expect(await small.with({ scheduler: local, cpu: 1, memory: 1 })()).toEqual([0]);
  });

  it("parses several devices, and a device whose memory is not a number has no VRAM", () => {
    expect(parseNvidiaSmi("0, NVIDIA A10G, 23028\n1, Tesla V100-SXM2-16GB, 16384\n2, NVIDIA GeForce RTX 4090, [N/A]\n")).toEqual([
      { index: 0, model: "NVIDIA A10G", type: "a10g", memoryGiB: 23028 / 1024 },
      { index: 1, model: "Tesla V100-SXM2-16GB", type: "v100", memoryGiB: 16 },
      { index: 2, model: "NVIDIA GeForce RTX 4090", type: "rtx-4090" },
    ]);
  });
});

describe("matching GPUs by VRAM", () => {
  const h100 = { index: 0, type: "h100", memoryGiB: 79.6 };
  const a10g = { index: 1, type: "a10g", memoryGiB: 22.5 };
  const v100 = { index: 2, type: "v100", memoryGiB: 16 };
  const machine = { cpu: 8, memoryGiB: 64, storageGiB: 100, gpus: [h100, a10g, v100] };

  it("gives a request its exact type first, keeping larger GPUs for what only they can run", async () => {
    const local = new LocalScheduler({ capacity: machine, gpuMatch: "memory", clock: new ManualClock() });
    const small = smallGpuTask({ name: "smallFirst" })(async () => currentTask()?.gpus);
    expect(await small.with({ scheduler: local, cpu: 1, memory: 1 })()).toEqual([1]);
  });

  it("never takes a GPU smaller than the type asks for, and knows registered types' VRAM", async () => {
    const local = new LocalScheduler({ capacity: { ...machine, gpus: [v100] }, gpuMatch: "memory", clock: new ManualClock() });
    const l40s = customTask({ cpu: 1, memory: 1, gpu: 1, gpuType: "l40s" })(async function needsL40s() {});
    await expect(l40s.with({ scheduler: local })()).rejects.toBeInstanceOf(UnschedulableError);
    // An unregistered type has no known VRAM: only its own type serves it.
    const big = new LocalScheduler({ capacity: { ...machine, gpus: [h100] }, gpuMatch: "memory", clock: new ManualClock() });
    const b100 = customTask({ cpu: 1, memory: 1, gpu: 1, gpuType: "b100" })(async function needsB100() {});
    await expect(b100.with({ scheduler: big })()).rejects.toBeInstanceOf(UnschedulableError);
    registerGpuType("l40", { memoryGiB: 48 });
    const l40 = customTask({ cpu: 1, memory: 1, gpu: 1, gpuType: "l40" })(async function needsL40() {
      return currentTask()?.gpus;
    });
    expect(await l40.with({ scheduler: big })()).toEqual([0]);
  });

  it("refuses an unknown gpuMatch", () => {
    expect(() => new LocalScheduler({ capacity: machine, gpuMatch: "vram" as never })).toThrow(/gpuMatch.*"type", "memory"|"type", "memory".*gpuMatch/);
  });
});

describe("clamping never removes GPUs", () => {
  it('is an UnschedulableError for a GPU shortfall even with oversize: "clamp", and no task runs without its GPU', async () => {
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    const local = new LocalScheduler({ capacity: { cpu: 4, memoryGiB: 8, gpus: 0 }, oversize: "clamp", clock: new ManualClock() });
    let ran = false;
    const task = v100x1Task({ name: "needsV100" })(async () => {
      ran = true;
    });
    const error = await task.with({ scheduler: local })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnschedulableError);
    expect((error as Error).message).toMatch(/gpu \(type v100\): requested 1, at most 0/);
    expect(ran).toBe(false);
    warn.mockRestore();
  });

  it("still clamps CPU and memory when the GPUs are there", async () => {
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    const local = new LocalScheduler({ capacity: { cpu: 4, memoryGiB: 8, gpus: [{ index: 0, type: "v100" }] }, oversize: "clamp", clock: new ManualClock() });
    const task = v100x1Task({ name: "clampedV100" })(async () => currentTask()?.resources);
    expect(await task.with({ scheduler: local })()).toMatchObject({ cpu: 4, memoryGiB: 8, gpu: 1, gpuType: "v100" });
    warn.mockRestore();
  });
});
