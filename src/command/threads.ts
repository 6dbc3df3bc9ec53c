/**
 * Thread counts for tools, from the CPUs a task was granted: OpenMP, BLAS and similar runtimes
 * otherwise start one thread per core of the machine, not of the allocation.
 */

/** The variables set, each to the granted CPUs (whole, at least 1). */
export const THREAD_VARIABLES = [
  "OMP_NUM_THREADS",
  "MKL_NUM_THREADS",
  "OPENBLAS_NUM_THREADS",
  "BLIS_NUM_THREADS",
  "VECLIB_MAXIMUM_THREADS",
  "NUMEXPR_NUM_THREADS",
  "NUMBA_NUM_THREADS",
  "RAYON_NUM_THREADS",
] as const;

/** Whole threads for a CPU grant: 0.5 cores still runs one thread. */
export function threadsFor(cpu: number): number {
  return Math.max(1, Math.floor(cpu + 1e-9));
}

/** Each thread variable set to `threads`, except those the caller's `env` sets itself. */
export function threadEnv(threads: number, callerEnv: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of THREAD_VARIABLES) if (!(name in callerEnv)) env[name] = String(threads);
  return env;
}
