/**
 * The module that defined a task, read from the call stack when the decorator or wrapper is
 * applied. A worker process (process isolation, Slurm, Kubernetes) imports that module to find the
 * task again by name. V8's structured call sites are used, not a parse of the stack text.
 */
import { pathToFileURL } from "node:url";

function callSites(): NodeJS.CallSite[] {
  const original = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = 50;
    Error.prepareStackTrace = (_error, sites) => sites;
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder, callSites);
    return (holder.stack as NodeJS.CallSite[] | undefined) ?? [];
  } finally {
    Error.prepareStackTrace = original;
    Error.stackTraceLimit = limit;
  }
}

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

/** This package's own code: src/ when run from source, dist/ when installed. */
function ownRoot(file: string): string {
  const url = toUrl(file);
  const src = url.lastIndexOf("/src/");
  return src >= 0 ? url.slice(0, src + 5) : url.slice(0, url.lastIndexOf("/") + 1);
}

/** The file URL of the first caller outside taskfit, or undefined (a REPL, an eval). */
export function callerModule(): string | undefined {
  const sites = callSites();
  const own = sites[0]?.getFileName();
  if (own === undefined || own === null) return undefined;
  const root = ownRoot(own);
  for (const site of sites) {
    const file = site.getFileName();
    if (!file || file.startsWith("node:") || !(file.startsWith("/") || file.startsWith("file:"))) continue;
    const url = toUrl(file);
    if (!url.startsWith(root)) return moduleUrl(url);
  }
  return undefined;
}
