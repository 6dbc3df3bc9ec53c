import { describe, expect, it } from "vitest";
import { type AttemptRef, currentTask, customTask, LocalScheduler, TaskfitError } from "../../../src/index.js";
import { flush, ManualClock } from "../../helpers/manual-clock.js";

/** mulberry32: a small seeded generator, so a failure reproduces. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const capacity = {
  cpu: 16,
  memoryGiB: 64,
  storageGiB: 200,
  gpus: [
    { index: 0, type: "a10g" as const },
    { index: 1, type: "a10g" as const },
    { index: 2, type: "l40s" as const },
  ],
};

describe("LocalScheduler under load", () => {
  it("stays within capacity and settles every call once, through failures, timeouts and cancellations", async () => {
    const rand = random(20261125);
    const clock = new ManualClock();
    const local = new LocalScheduler({ capacity, clock, reserveAfter: 8 });
    const violations: string[] = [];
    const open = new Map<string, string>();
    const check = (event: AttemptRef) => {
      const { inUse } = local.stats();
      if (inUse.cpu > capacity.cpu + 1e-9 || inUse.memoryGiB > capacity.memoryGiB + 1e-9) {
        violations.push(`over capacity at start of ${event.id}: ${JSON.stringify(inUse)}`);
      }
      if (inUse.storageGiB > capacity.storageGiB + 1e-9 || inUse.gpus > capacity.gpus.length) {
        violations.push(`storage/gpu over capacity at ${event.id}`);
      }
      if (open.has(event.id)) violations.push(`started twice: ${event.id}`);
      open.set(event.id, "running");
    };
    const close = (event: AttemptRef) => {
      if (!open.delete(event.id)) violations.push(`ended without start, or twice: ${event.id}`);
    };
    local.on("started", check);
    // A call cancelled while queued ends (finished, cancelled) without having started.
    local.on("finished", (event) => (event.end === "cancelled" && !open.has(event.id) ? undefined : close(event)));

    const gpuSeen = new Map<number, number>();
    const work = customTask({
      cpu: (r: Request) => r.cpu,
      memory: (r: Request) => r.memory,
      storage: (r: Request) => r.storage,
      gpu: (r: Request) => r.gpu,
    })(async function work(r: Request) {
      const { gpus, signal } = currentTask()!;
      for (const g of gpus) {
        if (gpuSeen.get(g)) violations.push(`gpu ${g} given twice`);
        gpuSeen.set(g, 1);
      }
      // A well-behaved task lets go of its devices when its signal aborts (timeout, cancel): the
      // scheduler hands them to the next task at once.
      let held = true;
      const letGo = () => {
        if (held) for (const g of gpus) gpuSeen.set(g, 0);
        held = false;
      };
      signal.addEventListener("abort", letGo, { once: true });
      await new Promise<void>((resolve) => clock.setTimeout(resolve, r.duration));
      letGo();
      if (r.fail) throw new Error(`planned failure ${r.id}`);
      return r.id;
    });

    interface Request {
      id: number;
      cpu: number;
      memory: number;
      storage: number;
      gpu: number;
      duration: number;
      fail: boolean;
    }
    const total = 3000;
    const settled = new Array<number>(total).fill(0);
    const outcomes = { ok: 0, failed: 0, timeout: 0, cancelled: 0 };
    const calls: Promise<void>[] = [];
    for (let id = 0; id < total; id++) {
      const request: Request = {
        id,
        cpu: Math.ceil(rand() * 16 * 1000) / 1000,
        memory: Math.ceil(rand() * 64),
        storage: Math.ceil(rand() * 50),
        gpu: rand() < 0.1 ? 1 + Math.floor(rand() * 2) : 0,
        duration: 1 + Math.floor(rand() * 1000),
        fail: rand() < 0.1,
      };
      const controller = new AbortController();
      if (rand() < 0.1) clock.setTimeout(() => controller.abort(), Math.floor(rand() * 20_000));
      const timeout = rand() < 0.1 ? Math.max(0.001, Math.floor(rand() * 1000) / 1000) : undefined;
      const call = work.with({ scheduler: local, signal: controller.signal, ...(timeout && { timeout }) })(request);
      calls.push(
        call.then(
          (value) => {
            settled[id]! += 1;
            if (value !== id) violations.push(`wrong result for ${id}: ${value}`);
            outcomes.ok++;
          },
          (error: unknown) => {
            settled[id]! += 1;
            if (!(error instanceof TaskfitError)) violations.push(`non-taskfit error for ${id}: ${String(error)}`);
            else if (error.code === "TASK_TIMEOUT") outcomes.timeout++;
            else if (error.code === "TASK_CANCELLED") outcomes.cancelled++;
            else outcomes.failed++;
          },
        ),
      );
    }
    for (let steps = 0; steps < 100_000; steps++) {
      await flush();
      if (!clock.runNext()) break;
    }
    await Promise.all(calls);
    expect(violations).toEqual([]);
    expect(settled.every((count) => count === 1)).toBe(true);
    expect(local.stats()).toMatchObject({ running: 0, queued: 0, inUse: { cpu: 0, storageGiB: 0, gpus: 0 } });
    expect(local.stats().inUse.memoryGiB).toBeCloseTo(0, 9);
    expect(open.size).toBe(0);
    // Every kind of ending happened, so the run exercised them all.
    expect(Object.values(outcomes).every((count) => count > 0)).toBe(true);
    expect(outcomes.ok + outcomes.failed + outcomes.timeout + outcomes.cancelled).toBe(total);
  }, 60_000);
});
