import { afterEach, describe, expect, it, vi } from "vitest";
import { type ClampEvent, currentTask, customTask, LocalScheduler } from "../../../src/index.js";
import { ManualClock } from "../../helpers/manual-clock.js";

const machine = { cpu: 4, memoryGiB: 8, storageGiB: 50, gpus: 0 };
const sized = customTask({ cpu: (n: number) => n, memory: 1, storage: (n: number) => n * 10 })(async function sizedForClamp(n: number) {
  return currentTask()?.resources;
});

describe('oversize: "clamp" is never silent', () => {
  afterEach(() => vi.restoreAllMocks());

  it("records each lowered field in resources.clamped, and warns once per distinct clamping", async () => {
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    const local = new LocalScheduler({ capacity: machine, oversize: "clamp", clock: new ManualClock() });
    const run = sized.with({ scheduler: local });
    expect(await run(8)).toMatchObject({
      cpu: 4,
      storageGiB: 50,
      clamped: [
        { field: "cpu", key: "cpu", requested: 8, limit: 4, by: "oversize" },
        { field: "storageGiB", key: "storage", requested: 80, limit: 50, by: "oversize" },
      ],
    });
    await run(8);
    await run(16);
    const messages = warn.mock.calls.map(([message]) => String(message)).filter((m) => m.includes("sizedForClamp"));
    expect(messages).toEqual([
      "taskfit: task `sizedForClamp` is larger than the local machine; clamped (cpu 8 -> 4 (to the machine), storageGiB 80 -> 50 (to the machine))",
      "taskfit: task `sizedForClamp` is larger than the local machine; clamped (cpu 16 -> 4 (to the machine), storageGiB 160 -> 50 (to the machine))",
    ]);
    expect(await run(2)).toMatchObject({ cpu: 2, clamped: [] });
  });

  it("emits a clamped event per clamped attempt instead of the warning when someone listens", async () => {
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    const local = new LocalScheduler({ capacity: machine, oversize: "clamp", clock: new ManualClock() });
    const events: ClampEvent[] = [];
    local.on("clamped", (event) => events.push(event));
    await sized.with({ scheduler: local })(6);
    await sized.with({ scheduler: local })(6);
    expect(events).toEqual([
      { task: "sizedForClamp", attempt: 1, clamped: [{ field: "cpu", key: "cpu", requested: 6, limit: 4, by: "oversize" }, { field: "storageGiB", key: "storage", requested: 60, limit: 50, by: "oversize" }] },
      { task: "sizedForClamp", attempt: 1, clamped: [{ field: "cpu", key: "cpu", requested: 6, limit: 4, by: "oversize" }, { field: "storageGiB", key: "storage", requested: 60, limit: 50, by: "oversize" }] },
    ]);
    expect(warn).not.toHaveBeenCalled();
  });
});
