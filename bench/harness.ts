/**
 * Runs each contender in a child process of its own and collects the JSON it prints, so one
 * contender's side effects (taskfit's AsyncLocalStorage turns on async hooks for every promise in
 * the process) never slow another. Every child has a deadline and exits by itself.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Sizes scale with TASKFIT_BENCH_SCALE (default 1): 0.1 for a quick look while developing. */
export const SCALE = Number(process.env.TASKFIT_BENCH_SCALE ?? 1);
export const scaled = (n: number, least = 1) => Math.max(least, Math.round(n * SCALE));

const CHILD = fileURLToPath(new URL("./child.ts", import.meta.url));

export interface ChildOptions {
  /** unit: ms; the child is killed past it and the case reported as timed out */
  readonly deadlineMs?: number;
  /** Extra Node flags, e.g. --expose-gc. */
  readonly nodeArgs?: readonly string[];
}

/** Runs `module`'s exported case `name` with `params` in a fresh Node process; resolves with its JSON. */
export function inChild<T>(module: string, name: string, params: unknown, options: ChildOptions = {}): Promise<T> {
  const deadlineMs = options.deadlineMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...process.execArgv, CHILD, module, name, JSON.stringify(params), String(deadlineMs)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), deadlineMs + 5_000);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const last = out.trim().split("\n").at(-1) ?? "";
      if (code !== 0) return reject(new Error(`bench case ${module}:${name} ended ${signal ?? `with exit code ${code}`}`));
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`bench case ${module}:${name} printed no JSON result: ${last.slice(0, 200)}`));
      }
    });
  });
}

/**
 * Runs each contender's child once per round, the contenders in turn, `rounds` times: a busy
 * moment on the shared machine then hits every contender of that round alike, and the ratio of
 * two contenders is taken round by round (`medianRatio`), not from medians far apart in time.
 */
export async function interleaved<K extends string, T>(rounds: number, contenders: Record<K, () => Promise<T>>): Promise<Record<K, T[]>> {
  const keys = Object.keys(contenders) as K[];
  const results = Object.fromEntries(keys.map((key) => [key, [] as T[]])) as Record<K, T[]>;
  for (let round = 0; round < rounds; round++) {
    for (const key of keys) results[key].push(await contenders[key]());
  }
  return results;
}

/** The median over rounds of `a[i] / b[i]`. */
export function medianRatio(a: readonly number[], b: readonly number[]): number {
  return median(a.map((value, i) => value / (b[i] as number)));
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

export interface Timing {
  /** unit: ms of wall time */
  readonly ms: number;
  /** unit: ms of CPU time (user + system, every thread of the process: GC included) */
  readonly cpuMs: number;
}

/**
 * Wall and CPU time of `run`. On a shared machine the wall time of a contender swings with what
 * else runs; its CPU time is what it costs, and is what the dispatch ratios are taken from.
 */
export async function timedCpu(run: () => Promise<unknown> | unknown): Promise<Timing> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await run();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000 };
}

/** The median of each figure over rounds. */
export function medianTiming(timings: readonly Timing[]): Timing {
  return { ms: median(timings.map((t) => t.ms)), cpuMs: median(timings.map((t) => t.cpuMs)) };
}

export async function timed(run: () => Promise<unknown> | unknown): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

/** The case's result, or the reason it has none: one failed case leaves the other figures standing. */
export async function attempt<T>(run: Promise<T>): Promise<T | { failed: string }> {
  try {
    return await run;
  } catch (error) {
    return { failed: error instanceof Error ? error.message : String(error) };
  }
}

/** One figure: the ratio, its goal and whether it is met, with the measurements it comes from. */
export function ratioLine(label: string, ratio: number, goal: number, detail: string): string {
  const verdict = ratio <= goal ? "met" : "NOT met";
  return `   ${label}: ${ratio.toFixed(2)} (goal <= ${goal}, ${verdict})  [${detail}]`;
}

export function section(title: string, lines: readonly string[]): void {
  console.log(`\n${title}\n${lines.join("\n")}`);
}
