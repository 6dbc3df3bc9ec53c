/** Hand-made resources and attempt records for the reporting tests. */
import type { ResolvedResources } from "../../src/index.js";
import { RunRecorder } from "../../src/report.js";
import { ManualClock } from "../../src/testing.js";

export function resources(cpu: number, memoryGiB: number, gpu = 0): ResolvedResources {
  return { cpu, memoryGiB, storageGiB: undefined, gpu, gpuType: undefined, source: { kind: "custom", dynamic: [], overridden: [] }, clamped: [] } as ResolvedResources;
}

export interface Span {
  readonly task: string;
  readonly cpu: number;
  readonly memoryGiB: number;
  readonly gpu?: number;
  /** unit: ms */
  readonly queued: number;
  readonly start?: number;
  readonly end?: number;
  readonly ok?: boolean;
  readonly label?: string;
  /** What a failed attempt threw. */
  readonly error?: unknown;
}

/** A recorder holding these attempts, fed through its public methods on a manual clock. */
export function recorderOf(spans: readonly Span[]): RunRecorder {
  const recorder = new RunRecorder(undefined, { clock: new ManualClock() });
  spans.forEach((s, i) => {
    const id = String(i);
    recorder.queued({ id, task: s.task, label: s.label, attempt: 1, resources: resources(s.cpu, s.memoryGiB, s.gpu) }, s.queued);
    if (s.start !== undefined) recorder.started(id, {}, s.start);
    if (s.end !== undefined) recorder.finished(id, s.ok ?? true, s.end, s.error);
  });
  return recorder;
}
