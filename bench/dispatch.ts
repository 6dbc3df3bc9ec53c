/**
 * Dispatch of no-op tasks, each contender in its own process: the semaphore floor, p-queue,
 * taskfit's library path and the `taskfit run` wiring; heap per queued call; many request shapes.
 */
import { attempt, inChild, interleaved, median, medianRatio, ratioLine, scaled, section } from "./harness.js";

type Ms = { ms: number };
type Timing = { ms: number; cpuMs: number };
type Memory = { bytesPerCall: number; heapMiB?: number; ms?: number };

export async function benchDispatch(): Promise<void> {
  const rounds = 5;
  // Each child warms up, then times one batch; the rounds interleave the contenders.
  const params = { count: scaled(100_000, 1000), concurrency: 8, rounds: 1 };
  const runs = await interleaved(rounds, {
    floor: () => inChild<Timing>("baselines", "semaphoreDispatch", params),
    pqueue: () => inChild<Timing>("baselines", "pqueueDispatch", params),
    library: () => inChild<Timing>("dispatch", "libraryDispatch", params),
    run: () => inChild<Timing>("dispatch", "runDispatch", params),
  });
  const cpu = (key: keyof typeof runs) => runs[key].map((t) => t.cpuMs);
  const wall = (key: keyof typeof runs) => runs[key].map((t) => t.ms);
  const per = (ms: readonly number[]) => `${((median(ms) * 1000) / params.count).toFixed(2)} us`;
  const detail = (key: keyof typeof runs, name: string) => `${name} ${per(cpu(key))} CPU, ${per(wall(key))} wall per task`;
  section(
    `Dispatch, ${params.count.toLocaleString("en")} no-op tasks at concurrency ${params.concurrency}, each contender in its own process, ${rounds} rounds taken in turn (CPU time; median of the round-by-round ratios)`,
    [
      ratioLine("library path / p-queue", medianRatio(cpu("library"), cpu("pqueue")), 1.2, `${detail("library", "taskfit")}; ${detail("pqueue", "p-queue")}`),
      ratioLine("library path / semaphore floor", medianRatio(cpu("library"), cpu("floor")), 2, detail("floor", "floor")),
      ratioLine("`taskfit run` wiring (RunRecorder + withAbortSignal) / library path", medianRatio(cpu("run"), cpu("library")), 1.5, detail("run", "run wiring")),
      `   for reference, p-queue / semaphore floor: ${medianRatio(cpu("pqueue"), cpu("floor")).toFixed(2)}; the same ratios in wall time: library / p-queue ${medianRatio(wall("library"), wall("pqueue")).toFixed(2)}, library / floor ${medianRatio(wall("library"), wall("floor")).toFixed(2)}, run / library ${medianRatio(wall("run"), wall("library")).toFixed(2)}`,
    ],
  );

  const queued = { count: scaled(200_000, 1000) };
  const gc = { nodeArgs: ["--expose-gc"] };
  const pqueueHeap = await inChild<Memory>("baselines", "pqueueMemory", queued, gc);
  const libraryHeap = await inChild<Memory>("dispatch", "libraryMemory", queued, gc);
  const runHeap = await inChild<Required<Memory>>("dispatch", "runMemory", queued, gc);
  // 1,000,000 queued calls take minutes and GiBs on a shared 2-core machine: measured when
  // TASKFIT_BENCH_MILLION=1, else projected from the figure above (heap grows linearly with calls).
  const million = { count: scaled(1_000_000, 1000) };
  const runMillion =
    process.env.TASKFIT_BENCH_MILLION === "1"
      ? await attempt(inChild<Required<Memory>>("dispatch", "runMemory", million, { nodeArgs: ["--expose-gc", "--max-old-space-size=4096"], deadlineMs: 600_000 }))
      : undefined;
  const bytes = (m: Memory) => `${Math.round(m.bytesPerCall)} B`;
  const millionLine = (): string => {
    const label = `${million.count.toLocaleString("en")} queued calls through the \`taskfit run\` wiring, heap / 1 GiB`;
    if (runMillion === undefined) {
      const projected = runHeap.bytesPerCall * million.count;
      return ratioLine(`${label} (projected from ${queued.count.toLocaleString("en")}; TASKFIT_BENCH_MILLION=1 measures it)`, projected / 1024 ** 3, 1, `${(projected / 1024 ** 2).toFixed(0)} MiB`);
    }
    if ("failed" in runMillion) return `   ${label}: did not finish (${runMillion.failed})`;
    return ratioLine(label, runMillion.heapMiB / 1024, 1, `${runMillion.heapMiB.toFixed(0)} MiB, ${bytes(runMillion)} per call, queued in ${(runMillion.ms / 1000).toFixed(1)} s`);
  };
  section(`Heap per queued call, ${queued.count.toLocaleString("en")} calls waiting behind one that holds the machine`, [
    ratioLine("library path / p-queue", libraryHeap.bytesPerCall / pqueueHeap.bytesPerCall, 1, `taskfit ${bytes(libraryHeap)}, p-queue ${bytes(pqueueHeap)}`),
    ratioLine("`taskfit run` wiring / p-queue", runHeap.bytesPerCall / pqueueHeap.bytesPerCall, 1, `run wiring ${bytes(runHeap)}`),
    millionLine(),
  ]);

  const shape = { count: scaled(10_000, 500), rounds: 3 };
  const one = await inChild<Ms>("dispatch", "shapes", { ...shape, distinct: false });
  const many = await inChild<Ms>("dispatch", "shapes", { ...shape, distinct: true });
  section(`Admission, ${shape.count.toLocaleString("en")} calls of a dynamic task on 4 cores (median of ${shape.rounds})`, [
    ratioLine(`${shape.count.toLocaleString("en")} distinct request shapes / one shape`, many.ms / one.ms, 2, `${many.ms.toFixed(0)} ms vs ${one.ms.toFixed(0)} ms`),
  ]);
}
