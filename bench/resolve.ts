/**
 * resolveResources for a preset, a static custom spec and a dynamic spec, against a direct call of
 * the same resource functions (awaited, since resolution returns a Promise). Ratios are what to
 * read: this machine is shared, absolute times move.
 */
import { Bench } from "tinybench";
import { customTask, resolveResources, smallTask } from "taskfit";

interface FileLike {
  size(): number;
}
const files: FileLike[] = Array.from({ length: 12 }, (_, i) => ({ size: () => (i + 1) * 1024 ** 2 }));
const allocateCpu = (fs: FileLike[]) => Math.min(8, fs.length);
const allocateStorage = (fs: FileLike[]) => (1.5 * fs.reduce((total, f) => total + f.size(), 0)) / 1024 ** 3;

const preset = smallTask(async function preset(_files: FileLike[], _count: number) {});
const staticCustom = customTask({ cpu: 8, memory: "16Gi", storage: 100 })(async function staticCustom(
  _files: FileLike[],
  _count: number,
) {});
const dynamic = customTask({ cpu: allocateCpu, memory: 8, storage_gib: allocateStorage })(async function dynamic(
  _files: FileLike[],
  _count: number,
) {});
const args: [FileLike[], number] = [files, 3];

export async function benchResolve(): Promise<void> {
  const bench = new Bench({ time: 500, warmup: true });
  bench
    .add("baseline: direct call of the resource functions", async () => {
      await Promise.resolve({ cpu: allocateCpu(files), storage: allocateStorage(files) });
    })
    .add("resolveResources: preset (small_task)", async () => {
      await resolveResources(preset, args);
    })
    .add("resolveResources: static custom spec", async () => {
      await resolveResources(staticCustom, args);
    })
    .add("resolveResources: dynamic spec (cpu, storage functions)", async () => {
      await resolveResources(dynamic, args);
    });
  await bench.run();
  const base = bench.tasks[0]?.result;
  const baseNs = base && "latency" in base ? base.latency.mean * 1e6 : Number.NaN;
  console.log("\nresolveResources vs a direct call of the same resource functions");
  console.table(
    bench.tasks.map((task) => {
      const r = task.result;
      const ns = r && "latency" in r ? r.latency.mean * 1e6 : Number.NaN;
      return { case: task.name, "ns/op": Math.round(ns), "x baseline": (ns / baseNs).toFixed(2) };
    }),
  );
}
