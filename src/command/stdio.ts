/**
 * Where a command's standard streams go: captured, inherited, discarded, or a file. A string that
 * is none of the three keywords is a file path (write `./capture` for a file named like one).
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { ConfigurationError } from "../errors.js";

export type Output = "capture" | "inherit" | "ignore" | string | { readonly path: string; readonly append?: boolean };
export type Input = "ignore" | "inherit" | string | { readonly path: string };

export type OpenedOutput = { readonly kind: "capture" | "inherit" | "ignore" } | { readonly kind: "file"; readonly fd: number; readonly path: string };

function pathOf(value: unknown, field: string): string {
  const path = typeof value === "string" ? value : typeof value === "object" && value !== null ? (value as { path?: unknown }).path : undefined;
  if (typeof path !== "string" || path.length === 0) {
    throw new ConfigurationError({ field, value, expected: `"capture", "inherit", "ignore", a file path, or { path } (a TaskFile too)` });
  }
  return path;
}

/** Opens a file destination now (truncated, or appended to): its fd is handed to the process. */
export function openOutput(output: Output, field: string): OpenedOutput {
  if (output === "capture" || output === "inherit" || output === "ignore") return { kind: output };
  const path = pathOf(output, field);
  const append = typeof output === "object" && output.append === true;
  return { kind: "file", fd: openSync(path, append ? "a" : "w"), path };
}

export function openInput(input: Input, field: string): "ignore" | "inherit" | number {
  if (input === "ignore" || input === "inherit") return input;
  return openSync(pathOf(input, field), "r");
}

export function closeFd(fd: unknown): void {
  if (typeof fd === "number") closeSync(fd);
}

/** The last `bytes` of a file, for an error message (a tool's stderr sent to a log file). */
export function fileTail(path: string, bytes: number): string {
  try {
    const size = statSync(path).size;
    const fd = openSync(path, "r");
    try {
      const buffer = Buffer.alloc(Math.min(bytes, size));
      readSync(fd, buffer, 0, buffer.length, size - buffer.length);
      return buffer.toString("utf8");
    } finally {
      closeSync(fd);
    }
  } catch {
    return "";
  }
}
