/**
 * The HTML run report, for runs of growing size: render time for 20,000 attempts / for 2,000
 * (linear would be 10), with JSON.stringify of the same records measured the same way as a
 * reference for what merely writing that much text costs. The attempts are a seeded fan-out that
 * queues on 16 cores, so the timeline needs many lanes.
 */
import { ManualClock, RunRecorder, renderReport, type ResolvedResources } from "taskfit";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** A deterministic run: tasks of 1-4 cores started as soon as 16 cores allow, in queue order. */
function recordedRun(count: number): RunRecorder {
  const recorder = new RunRecorder(undefined, { clock: new ManualClock() });
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const freeAt = Array.from({ length: 16 }, () => 0); // when each core is next free
  for (let i = 0; i < count; i++) {
    const cpu = 1 + Math.floor(random() * 4);
    const resources = { cpu, memoryGiB: cpu * 2, storageGiB: undefined, gpu: 0, gpuType: undefined, source: { kind: "custom", dynamic: [], overridden: [] }, clamped: [] } as unknown as ResolvedResources;
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

export async function benchReport(): Promise<void> {
  const small = recordedRun(2_000);
  const large = recordedRun(20_000);
  const render = (recorder: RunRecorder) => () => renderReport({ title: "bench", scheduler: "16 cores", capacity: { cpu: 16, memoryGiB: 128, gpus: 0 }, recorder, startedAt: new Date(0) });
  const json = (recorder: RunRecorder) => () => JSON.stringify([...recorder.attempts.values()]);
  render(small)(); // warm up
  const renderSmall = time(render(small), 5);
  const renderLarge = time(render(large), 5);
  const jsonSmall = time(json(small), 5);
  const jsonLarge = time(json(large), 5);
  const size = render(large)().length;
  console.log("\nHTML run report (median of 5)");
  console.log(`   20,000 attempts ${renderLarge.toFixed(0)} ms / 2,000 attempts ${renderSmall.toFixed(1)} ms = ${(renderLarge / renderSmall).toFixed(2)} (linear: 10)`);
  console.log(`   for reference, JSON.stringify of the same records: ${(jsonLarge / jsonSmall).toFixed(2)}; rendering costs ${(renderLarge / jsonLarge).toFixed(1)} x stringifying them`);
  console.log(`   report size for 20,000 attempts: ${(size / 1024 ** 2).toFixed(1)} MiB`);
}
