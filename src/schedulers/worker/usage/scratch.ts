/** How much a task's scratch directory holds on disk now. */
import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";

/**
 * unit: bytes; the disk space the files under `dir` take (allocated blocks, as `du` counts and
 * ephemeral-storage limits count), symbolic links not followed. Files that vanish during the walk
 * (a task cleaning up) are skipped; a missing directory holds 0.
 */
export function directoryBytes(dir: string): number {
  let total = 0;
  const pending = [dir];
  for (let at = pending.pop(); at !== undefined; at = pending.pop()) {
    let entries;
    try {
      entries = readdirSync(at, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) pending.push(path);
      try {
        total += lstatSync(path).blocks * 512;
      } catch {
        // gone since the listing
      }
    }
  }
  return total;
}
