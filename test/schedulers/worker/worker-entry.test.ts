/**
 * The worker entry as a cluster job runs it (`--request FILE --outcome FILE` on Slurm,
 * `--request-env NAME` in a pod): its answer and usage, through each channel, and its answer to a
 * request of another protocol version.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResolvedResources } from "../../../src/index.js";
import { getDefinition } from "../../../src/task/metadata.js";
import { WORKER_PROTOCOL, type WorkerReport } from "../../../src/schedulers/worker/protocol.js";
import { lastReportIn, parseReport } from "../../../src/schedulers/worker/read.js";
import { workerRequest } from "../../../src/schedulers/worker/request.js";
import { allocatesInChild } from "../../fixtures/measured-tasks.js";

const WORKER = fileURLToPath(new URL("../../../src/schedulers/worker.ts", import.meta.url));
const resources: ResolvedResources = { cpu: 1, memoryGiB: 1, gpu: 0, source: { kind: "custom", dynamic: [], overridden: [] }, clamped: [] };

/** Runs the worker entry from source with `args` and `env`; its exit code and stdout. */
function worker(args: readonly string[], env: Record<string, string> = {}): Promise<{ readonly code: number; readonly stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", WORKER, ...args], { env: { ...process.env, ...env } }, (error, stdout) => {
      resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout });
    });
  });
}

const definition = getDefinition(allocatesInChild);
const request = workerRequest({ taskName: "allocatesInChild", task: definition?.ref ?? { module: undefined, name: "", index: 0 }, args: [8, 300], attempt: 1 }, resources, []);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "taskfit-worker-entry-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("the worker entry as a Slurm job runs it", () => {
  it("answers in the outcome file with the result and the usage of its tree", async () => {
    await writeFile(join(dir, "ok.request.json"), JSON.stringify(request));
    const { code } = await worker(["--request", join(dir, "ok.request.json"), "--outcome", join(dir, "ok.outcome.json")]);
    expect(code).toBe(0);
    const report = parseReport(await readFile(join(dir, "ok.outcome.json"), "utf8"), "test");
    expect(report).toMatchObject({ protocol: WORKER_PROTOCOL, kind: "result", value: JSON.stringify({ value: "done" }) });
    expect(report.usage?.peakMemoryGiB).toBeGreaterThan(0);
    expect(report.usage?.wallSeconds).toBeGreaterThan(0);
  }, 60_000);

  it("answers a request of another protocol version with an error naming both versions, and exits 1", async () => {
    await writeFile(join(dir, "v9.request.json"), JSON.stringify({ ...request, protocol: 9 }));
    const { code } = await worker(["--request", join(dir, "v9.request.json"), "--outcome", join(dir, "v9.outcome.json")]);
    expect(code).toBe(1);
    const report = parseReport(await readFile(join(dir, "v9.outcome.json"), "utf8"), "test");
    expect(report.kind).toBe("error");
    const error = report.kind === "error" ? report.error : undefined;
    expect(error).toMatchObject({ name: "WorkerProtocolError", code: "WORKER_PROTOCOL_MISMATCH" });
    expect(error?.message).toContain(`Expected a worker request in taskfit's worker protocol ${WORKER_PROTOCOL}, got protocol \`9\` (number) from request file`);
  }, 60_000);
});

describe("the worker entry as a pod runs it", () => {
  it("reports on marked log lines, the answer last", async () => {
    const { code, stdout } = await worker(["--request-env", "TASKFIT_REQUEST"], { TASKFIT_REQUEST: JSON.stringify(request) });
    expect(code).toBe(0);
    const last: WorkerReport | undefined = lastReportIn(stdout, "test");
    expect(last).toMatchObject({ kind: "result", usage: { method: expect.stringMatching(/\/proc/) } });
  }, 60_000);

  it("answers a request with no protocol version (an older taskfit's) with the same clear error", async () => {
    const { protocol: _, ...old } = request;
    const { code, stdout } = await worker(["--request-env", "TASKFIT_REQUEST"], { TASKFIT_REQUEST: JSON.stringify(old) });
    expect(code).toBe(1);
    const last = lastReportIn(stdout, "test");
    expect(last?.kind === "error" && last.error.message).toMatch(/got one with no protocol version .* from environment variable TASKFIT_REQUEST/);
  }, 60_000);
});
