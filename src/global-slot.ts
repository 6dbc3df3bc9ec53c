/**
 * One place for the process-wide state every copy of taskfit in a process must share (the
 * `taskfit` command's copy and the user's module's, ESM and CJS, a bundle's): kept on `globalThis`
 * under a registered symbol whose key carries the package's compatibility line, so two copies that
 * could not understand each other's state (another major version) keep theirs apart.
 */

/** The compatibility line: the major version, or `0.minor` before 1.0 (semver: each 0.x may break). */
export const COMPATIBILITY_LINE = "0.2";

/** The symbol a slot is kept under, e.g. `Symbol.for("taskfit@0.2:registry")`. */
export function slotKey(name: string): symbol {
  return Symbol.for(`taskfit@${COMPATIBILITY_LINE}:${name}`);
}

/** The value in the slot `name`, made by `init` by whichever copy of taskfit asks first. */
export function globalSlot<T>(name: string, init: () => T): T {
  const slots = globalThis as unknown as Record<symbol, T | undefined>;
  const key = slotKey(name);
  const existing = slots[key];
  if (existing !== undefined) return existing;
  const made = init();
  Object.defineProperty(globalThis, key, { value: made, writable: false, enumerable: false, configurable: false });
  return made;
}
