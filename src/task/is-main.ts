/**
 * `isMain(import.meta)`: whether this module is the program being run (`node flow.js`,
 * `tsx flow.ts`), as Python's `if __name__ == "__main__"`. False when the module is imported: by
 * a taskfit worker (process isolation, a Slurm job, a pod), a test, or the `taskfit` command. A
 * one-file workflow puts its top-level calls under it, so importing the module runs nothing.
 */
import { realpathSync } from "node:fs";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigurationError } from "../errors.js";
import { isWorkerProcess } from "./worker-guard.js";

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** `meta` is the module's `import.meta`, or (CommonJS) its `__filename` or file URL. */
export function isMain(meta: { readonly url: string } | string): boolean {
  const url = typeof meta === "string" ? meta : typeof meta === "object" && meta !== null ? meta.url : undefined;
  if (typeof url !== "string") {
    throw new ConfigurationError({ field: "isMain", value: meta, expected: "the module's `import.meta` (ESM) or `__filename` (CommonJS)" });
  }
  if (isWorkerProcess()) return false;
  const entry = process.argv[1];
  if (entry === undefined || entry === "") return false;
  const file = realPath(url.startsWith("file:") ? fileURLToPath(url) : url);
  const main = realPath(entry);
  // `node flow` runs flow.js: the entry may lack the extension.
  return file === main || (extname(main) === "" && file.slice(0, -extname(file).length) === main);
}
