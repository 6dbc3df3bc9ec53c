import { describe, expect, it } from "vitest";
import { WorkerProtocolError, type ResolvedResources } from "../../../src/index.js";
import { OUTCOME_MARKER, WORKER_PROTOCOL } from "../../../src/schedulers/worker/protocol.js";
import { lastReportIn, parseReport, parseRequest, readReport, readRequest, reportLine, withoutReports } from "../../../src/schedulers/worker/read.js";
import { workerRequest } from "../../../src/schedulers/worker/request.js";

const resources: ResolvedResources = { cpu: 2, memoryGiB: 4, gpu: 1, gpuType: "a10g", source: { kind: "preset", preset: "small_gpu_task", overridden: ["memoryGiB"] }, clamped: [] };
const request = workerRequest({ taskName: "align", task: { module: "file:///p/tasks.ts", name: "align", index: 0 }, args: ["a.fq", 3], attempt: 2 }, resources, [0]);
const usage = { peakMemoryGiB: 1.5, cpuSeconds: 3, wallSeconds: 4, method: "resident memory of the process tree summed from /proc every 200 ms" };

function thrown(run: () => unknown): WorkerProtocolError {
  try {
    run();
  } catch (error) {
    if (error instanceof WorkerProtocolError) return error;
    throw error;
  }
  throw new Error("expected a WorkerProtocolError");
}

describe("a request, where the worker reads it", () => {
  it("is the request the scheduler built, read back whole", () => {
    expect(request.protocol).toBe(WORKER_PROTOCOL);
    expect(parseRequest(JSON.stringify(request), "request file r.json")).toEqual(request);
  });

  it("of another protocol version is refused naming both versions and where it came from", () => {
    const error = thrown(() => readRequest({ ...request, protocol: 2 }, "request file r.json"));
    expect(error).toMatchObject({ code: "WORKER_PROTOCOL_MISMATCH", expected: WORKER_PROTOCOL, received: 2, from: "request file r.json" });
    expect(error.message).toBe(
      `Expected a worker request in taskfit's worker protocol ${WORKER_PROTOCOL}, got protocol \`2\` (number) from request file r.json: ` +
        "the scheduler's side and the worker run different versions of taskfit; install the same taskfit on both (in the image for Kubernetes, on the nodes for Slurm)",
    );
  });

  it("from a taskfit before protocol versions says it carried none", () => {
    const { protocol: _, ...old } = request;
    expect(thrown(() => readRequest(old, "the parent process (IPC)")).message).toMatch(/got one with no protocol version \(from a taskfit older than worker protocol versions\)/);
  });

  it("that does not fit this version says what was expected, where, and what arrived", () => {
    const error = thrown(() => readRequest({ ...request, attempt: 0, resources: { ...resources, cpu: "2" } }, "environment variable TASKFIT_REQUEST"));
    expect(error.message).toContain("from environment variable TASKFIT_REQUEST, got one that does not fit it: ");
    expect(error.message).toContain('expected number at `resources.cpu`, got `"2"` (string)');
    expect(error.message).toContain("expected more than 0 at `attempt`, got `0` (number)");
  });

  it("that is not JSON says so, quoting it", () => {
    expect(thrown(() => parseRequest("{nope", "request file r.json")).message).toContain('got one that does not fit it: text that is not JSON: "{nope"');
  });
});

describe("a report, where the scheduler reads it", () => {
  it("round-trips: a running report, a result, an error", () => {
    const reports = [
      { protocol: WORKER_PROTOCOL, kind: "running", usage },
      { protocol: WORKER_PROTOCOL, kind: "result", value: '{"value":1}', usage },
      { protocol: WORKER_PROTOCOL, kind: "error", error: { name: "RangeError", message: "bad", cause: { name: "Error", message: "deeper" } } },
    ] as const;
    for (const report of reports) expect(parseReport(JSON.stringify(report), "Slurm job 7")).toEqual(report);
  });

  it("of another version is a WorkerProtocolError with the worker's own error as cause", () => {
    const error = thrown(() => readReport({ protocol: 2, kind: "error", error: { name: "WorkerProtocolError", message: "Expected ... protocol 2, got protocol `1`" } }, "pod p"));
    expect(error).toMatchObject({ expected: WORKER_PROTOCOL, received: 2, from: "pod p", cause: { name: "WorkerProtocolError", message: "Expected ... protocol 2, got protocol `1`" } });
  });

  it("with a kind this version does not know names the kinds it knows", () => {
    expect(thrown(() => readReport({ protocol: WORKER_PROTOCOL, kind: "paused" }, "pod p")).message).toContain(
      'expected "running" or "result" or "error" at `kind`, got `"paused"` (string)',
    );
  });
});

describe("reports in a pod's log", () => {
  const log = ["reading input", reportLine({ protocol: WORKER_PROTOCOL, kind: "running", usage }), "sorting", reportLine({ protocol: WORKER_PROTOCOL, kind: "result", value: "2" }), ""].join("\n");

  it("the last marked line is the last report", () => {
    expect(lastReportIn(log, "pod p")).toEqual({ protocol: WORKER_PROTOCOL, kind: "result", value: "2" });
    expect(lastReportIn("no marker here", "pod p")).toBeUndefined();
    expect(lastReportIn(undefined, "pod p")).toBeUndefined();
  });

  it("a broken marked line is a protocol error, not silence", () => {
    expect(() => lastReportIn(`${OUTCOME_MARKER}{broken`, "pod p")).toThrow(WorkerProtocolError);
  });

  it("the task's own output is the log without them", () => {
    expect(withoutReports(log)).toBe("reading input\nsorting\n");
  });
});
