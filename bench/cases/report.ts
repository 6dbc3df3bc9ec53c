/**
 * The HTML run report for a run of `count` attempts: render time, and JSON.stringify of the same
 * records measured the same way as a reference for what merely writing that much text costs.
 * The attempts are a seeded fan-out that queues on 16 cores, so the timeline needs many lanes.
 */
import type { ResolvedResources } from "taskfit";
import { RunRecorder, renderReport } from "taskfit/report";
import { ManualClock } from "taskfit/testing";
import { median } from "../harness.js";


/** A deterministic run: tasks of 1-4 cores started as soon as 16 cores allow, in queue order. */
function recordedRun(count: number): RunRecorder {
  const recorder = new RunRecorder(undefined, { clock: new ManualClock() });
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const freeAt = Array.from({ length: 16 }, () => 0); // when each core is next free
  for (let i = 0; i < count; i++) {
    const cpu = 1 + Math.floor(random() * 4);
    const resources: ResolvedResources = { cpu, memoryGiB: cpu * 2, gpu: 0, source: { kind: "custom", dynamic: [], overridden: [] }, clamped: [] };
    const queuedAt = Math.floor(i / 50) * 10;
    freeAt.sort((a, b) => a - b);
    const start = Math.max(queuedAt, freeAt[cpu - 1] as number);
    const end = start + 50 + Math.floor(random() * 500);
    for (let c = 0; c < cpu; c++) freeAt[c] = end;
    recorder.queued({ id: String(i), task: `task${i % 7}`, attempt: 1, resources }, queuedAt);
    recorder.started(String(i), {}, start);
    recorder.finished(String(i), random() > 0.02, end);
  }
  return recorder;
}

function time(run: () => unknown, repeats: number): number {
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  return median(times);
}

export async function report(params: { readonly count: number; readonly repeats: number }): Promise<{ renderMs: number; jsonMs: number; bytes: number }> {
  const recorder = recordedRun(params.count);
  const render = () => renderReport({ title: "bench", scheduler: "16 cores", capacity: { cpu: 16, memoryGiB: 128, gpus: 0 }, recorder, startedAt: new Date(0) });
  const bytes = render().length; // also the warm-up
  const renderMs = time(render, params.repeats);
  const jsonMs = time(() => JSON.stringify([...recorder.attempts.values()]), params.repeats);
  return { renderMs, jsonMs, bytes };
}
