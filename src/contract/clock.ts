/**
 * Time, injectable: schedulers read the time and set timers only through a Clock, so tests drive
 * timeouts and wait times by hand instead of sleeping.
 */
export interface Clock {
  /** unit: milliseconds */
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => {
    const timer = setTimeout(callback, ms);
    // A pending timeout must not keep the process alive on its own.
    timer.unref?.();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
