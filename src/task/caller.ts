/**
 * The module that defined a task, read from the call stack when the decorator or wrapper is
 * applied. A worker process (process isolation, Slurm, Kubernetes) imports that module to find the
 * task again by name. V8's structured call sites are used, not a parse of the stack text.
 *
 * taskfit's own frames are cut by function identity, not by path: `Error.captureStackTrace` omits
 * every frame down to the public function the user called (the decorator or wrapper), so the next
 * frame is the user's code wherever either lives — under a folder named `src` or `dist`, in a
 * monorepo or pnpm store, or in one bundle together with taskfit.
 */
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

type AnyFunction = (...args: never[]) => unknown;

function callSitesAbove(entry: AnyFunction): NodeJS.CallSite[] {
  const original = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = 20;
    Error.prepareStackTrace = (_error, sites) => sites;
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder, entry);
    return Array.isArray(holder.stack) ? (holder.stack as NodeJS.CallSite[]) : [];
  } finally {
    Error.prepareStackTrace = original;
    Error.stackTraceLimit = limit;
  }
}

/**
 * Decorator helpers that sit between the user's class and the decorator when a compiler imports
 * them instead of inlining them (`importHelpers`): the class is in the frame above.
 */
const HELPER_LIBRARIES = /\/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?(?:tslib|@swc\/helpers|@babel\/runtime)\//;

function toUrl(file: string): string {
  return file.startsWith("file:") ? file : pathToFileURL(file).href;
}

/**
 * The module's own URL, without what a loader added: tsx's `tsImport` (used by the `taskfit`
 * command) loads modules as `x.ts?tsx-namespace=<id>`, a URL no worker could import as the same module.
 */
export function moduleUrl(url: string): string {
  if (!url.includes("tsx-namespace=")) return url;
  const parsed = new URL(url);
  parsed.searchParams.delete("tsx-namespace");
  return parsed.href;
}

/**
 * The file URL of the code that called `entry` (the decorator or wrapper the user applied), or
 * undefined when that code has no file another process could import (a REPL, `eval`, `node -e`).
 */
export function callerModule(entry: AnyFunction): string | undefined {
  for (const site of callSitesAbove(entry)) {
    if (site.isEval()) return undefined;
    const file = site.getFileName();
    if (file === undefined || file === null || file.startsWith("node:")) continue;
    // "[eval]", "<anonymous>", "evalmachine.<anonymous>", "REPL12": code with no file to import.
    if (!file.startsWith("/") && !file.startsWith("file:")) return undefined;
    const url = toUrl(file);
    if (HELPER_LIBRARIES.test(url)) continue;
    // `node --input-type=module -e` names its code file:///cwd/[eval1]: a URL with no file behind it.
    return existsSync(fileURLToPath(moduleUrl(url))) ? moduleUrl(url) : undefined;
  }
  return undefined;
}
