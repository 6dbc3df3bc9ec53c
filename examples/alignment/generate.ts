/**
 * Tiny, seeded inputs for the alignment example: a random reference of two contigs and, per
 * sample, single-end reads drawn from it with a few substitutions. Same seed, same files.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { TaskFile } from "taskfit";

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BASES = "ACGT";
const COMPLEMENT: Record<string, string> = { A: "T", C: "G", G: "C", T: "A" };

export interface Inputs {
  readonly reference: TaskFile;
  readonly reads: readonly TaskFile[];
}

export interface InputShape {
  readonly samples: number;
  readonly readsPerSample: number;
  readonly readLength: number;
  readonly seed: number;
}

export const DEFAULT_SHAPE: InputShape = { samples: 4, readsPerSample: 400, readLength: 100, seed: 17 };

/** Writes `reference.fa` and `s1.fq`, `s2.fq`, ... into `dir`. */
export async function generateInputs(dir: string, shape: InputShape = DEFAULT_SHAPE): Promise<Inputs> {
  const rand = random(shape.seed);
  const base = () => BASES[Math.floor(rand() * 4)] as string;
  const contigs = [
    ["chr1", 8000],
    ["chr2", 4000],
  ].map(([name, length]) => ({ name: name as string, sequence: Array.from({ length: length as number }, base).join("") }));
  await mkdir(dir, { recursive: true });
  const reference = join(dir, "reference.fa");
  const wrap = (sequence: string) => sequence.match(/.{1,60}/g)?.join("\n") ?? "";
  await writeFile(reference, contigs.map((c) => `>${c.name}\n${wrap(c.sequence)}\n`).join(""));
  const reads: TaskFile[] = [];
  for (let s = 1; s <= shape.samples; s++) {
    const records: string[] = [];
    for (let r = 0; r < shape.readsPerSample; r++) {
      const contig = contigs[Math.floor(rand() * contigs.length)] as (typeof contigs)[number];
      const start = Math.floor(rand() * (contig.sequence.length - shape.readLength));
      let read = [...contig.sequence.slice(start, start + shape.readLength)].map((b) => (rand() < 0.01 ? base() : b)).join("");
      if (rand() < 0.5) read = [...read].reverse().map((b) => COMPLEMENT[b] as string).join("");
      records.push(`@s${s}_r${r}\n${read}\n+\n${"I".repeat(shape.readLength)}\n`);
    }
    const path = join(dir, `s${s}.fq`);
    await writeFile(path, records.join(""));
    reads.push(new TaskFile(path));
  }
  return { reference: new TaskFile(reference), reads };
}
