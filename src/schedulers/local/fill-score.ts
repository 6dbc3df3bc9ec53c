/**
 * Which waiting request fills the free room best: admission starts the best-scoring request that
 * fits, again and again. Durations are unknown, so the score looks only at sizes:
 *
 *   score = sum over resources of  (its share of the machine) x (the free share) x weight
 *
 * The first two factors prefer large requests while there is room for them, and the request that
 * matches the shape of the room (few cores left and much memory: a memory-heavy request), which
 * leaves small requests to fill gaps and the end of a batch. The weight is how much of that
 * resource the waiting requests ask for, relative to the most-asked resource, cubed: the resource
 * that will run out first (the bottleneck) counts, one that is plentiful (GPUs when few tasks want
 * them) hardly does. An alignment score of this kind is Tetris's (Grandl et al., SIGCOMM 2014);
 * measured on the packing bench (bench/cases/packing.ts, `npm run bench -- packing`).
 */
/** What a request may take now, per resource (GPUs apart: devices are counted by type). */
export interface Room {
  cpu: number;
  memoryGiB: number;
  /** Infinity when storage is not accounted. */
  storageGiB: number;
}

/** The machine's totals the score divides by; `storageGiB` undefined when not accounted. */
export interface Totals {
  readonly cpu: number;
  readonly memoryGiB: number;
  readonly storageGiB: number | undefined;
  readonly gpus: number;
}

/** Amounts per resource: a request's, the waiting requests' total, or the weights. */
export interface Amounts {
  readonly cpu: number;
  readonly memoryGiB: number;
  readonly storageGiB: number;
  readonly gpus: number;
}

/** Per resource, the waiting demand as a share of the machine, over the largest such share, cubed. */
export function weightsOf(waiting: Amounts, totals: Totals): Amounts {
  const cpu = waiting.cpu / totals.cpu;
  const memoryGiB = waiting.memoryGiB / totals.memoryGiB;
  const storageGiB = totals.storageGiB ? waiting.storageGiB / totals.storageGiB : 0;
  const gpus = totals.gpus > 0 ? waiting.gpus / totals.gpus : 0;
  const most = Math.max(cpu, memoryGiB, storageGiB, gpus);
  if (!(most > 0)) return { cpu: 0, memoryGiB: 0, storageGiB: 0, gpus: 0 };
  return { cpu: cubed(cpu / most), memoryGiB: cubed(memoryGiB / most), storageGiB: cubed(storageGiB / most), gpus: cubed(gpus / most) };
}

// Cubed: the bottleneck dominates without the others dropping out (squares and fourth powers
// measured within noise of it; the first power and the eighth worse).
function cubed(ratio: number): number {
  return ratio * ratio * ratio;
}

export function fillScore(request: { readonly cpu: number; readonly memoryGiB: number; readonly storageGiB: number; readonly gpu: number }, room: Room, freeGpus: number, totals: Totals, weights: Amounts): number {
  let score =
    (request.cpu / totals.cpu) * (room.cpu / totals.cpu) * weights.cpu +
    (request.memoryGiB / totals.memoryGiB) * (room.memoryGiB / totals.memoryGiB) * weights.memoryGiB;
  if (totals.storageGiB) score += (request.storageGiB / totals.storageGiB) * (room.storageGiB / totals.storageGiB) * weights.storageGiB;
  if (request.gpu > 0) score += (request.gpu / totals.gpus) * (freeGpus / totals.gpus) * weights.gpus;
  return score;
}
