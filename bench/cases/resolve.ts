/**
 * resolveResources in a plain awaited loop (no benchmark harness between calls) against the
 * hand-written equivalent a user would otherwise write, interleaved in one process.
 */
import { customTask, resolveResources } from "taskfit";
import { median, timed } from "../harness.js";

interface FileLike {
  size(): number;
}
const files: FileLike[] = Array.from({ length: 12 }, (_, i) => ({ size: () => (i + 1) * 1024 ** 2 }));
const allocateCpu = (fs: FileLike[]) => Math.min(8, fs.length);
const allocateStorage = (fs: FileLike[]) => (1.5 * fs.reduce((total, f) => total + f.size(), 0)) / 1024 ** 3;

const staticCustom = customTask({ cpu: 8, memory: "16Gi", storage: 100 })(async function staticCustom(_files: FileLike[], _count: number) {});
const dynamic = customTask({ cpu: allocateCpu, memory: 8, storage_gib: allocateStorage })(async function dynamic(_files: FileLike[], _count: number) {});
const args: [FileLike[], number] = [files, 3];

const CONSTANT = Object.freeze({ cpu: 8, memoryGiB: 16, storageGiB: 100, gpu: 0 });

/** What a user would write by hand: call the functions, check the numbers, round up. */
async function handWritten(fs: FileLike[]): Promise<{ cpu: number; memoryGiB: number; storageGiB: number; gpu: number }> {
  const cpu = allocateCpu(fs);
  const storageGiB = allocateStorage(fs);
  if (!(cpu > 0) || !(storageGiB > 0)) throw new Error("bad resources");
  return { cpu: Math.ceil(cpu * 1000) / 1000, memoryGiB: 8, storageGiB: Math.ceil(storageGiB * 1024 ** 3) / 1024 ** 3, gpu: 0 };
}

async function constant(): Promise<typeof CONSTANT> {
  return CONSTANT;
}

export async function resolution(params: { readonly count: number; readonly rounds: number }): Promise<Record<string, number>> {
  const loop = (one: () => Promise<unknown>) => async () => {
    for (let i = 0; i < params.count; i++) await one();
  };
  const contenders = {
    handWritten: loop(() => handWritten(files)),
    dynamic: loop(() => resolveResources(dynamic, args)),
    constant: loop(constant),
    static: loop(() => resolveResources(staticCustom, args)),
  };
  const times: Record<string, number[]> = { handWritten: [], dynamic: [], constant: [], static: [] };
  for (const run of Object.values(contenders)) await run(); // warm up
  for (let round = 0; round < params.rounds; round++) {
    for (const [name, run] of Object.entries(contenders)) times[name]?.push(await timed(run));
  }
  return Object.fromEntries(Object.entries(times).map(([name, list]) => [name, (median(list) * 1e6) / params.count]));
}
