/**
 * Numbers that describe a call's arguments, for fitting resources to them: TaskFiles' total bytes
 * and count, numbers, string and array lengths, one level into plain objects. The names are
 * documented in history-line.ts. Files are stat'ed when the call is made, before the task can
 * change them.
 */
import { stat } from "node:fs/promises";
import { TaskFile } from "../task/file.js";
import type { ArgumentKind } from "./history-line.js";

export interface ArgumentFeatures {
  readonly features: Record<string, number>;
  readonly kinds: Record<string, ArgumentKind>;
  /** Features that could not be read, and why: `args[0].totalBytes: /data/a.fq: ENOENT`. */
  readonly errors: string[];
}

/** The path of a TaskFile, also one made by another copy of taskfit; undefined for anything else. */
function taskFilePath(value: unknown): string | undefined {
  if (value instanceof TaskFile) return value.path;
  if (typeof value !== "object" || value === null) return undefined;
  const json = typeof (value as { toJSON?: unknown }).toJSON === "function" ? (value as { toJSON: () => unknown }).toJSON() : value;
  return TaskFile.isJSON(json) ? json.path : undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function keyPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

export async function argumentFeatures(args: readonly unknown[]): Promise<ArgumentFeatures> {
  const out: ArgumentFeatures = { features: {}, kinds: {}, errors: [] };
  const sizes: Promise<void>[] = [];

  const files = (path: string, paths: readonly string[]) => {
    out.features[`${path}.count`] = paths.length;
    sizes.push(
      Promise.all(paths.map((file) => stat(file).then((s) => s.size))).then(
        (each) => {
          out.features[`${path}.totalBytes`] = each.reduce((sum, size) => sum + size, 0);
        },
        (error: NodeJS.ErrnoException) => {
          out.errors.push(`${path}.totalBytes: ${error.path ?? ""}: ${error.code ?? error.message}`);
        },
      ),
    );
  };

  const describe = (path: string, value: unknown, depth: number) => {
    const kind = (k: ArgumentKind) => {
      out.kinds[path] = k;
    };
    if (typeof value === "number") {
      kind("number");
      if (Number.isFinite(value)) out.features[path] = value;
      return;
    }
    if (typeof value === "string") {
      kind("string");
      out.features[`${path}.length`] = value.length;
      return;
    }
    if (typeof value === "boolean") return kind("boolean");
    const file = taskFilePath(value);
    if (file !== undefined) {
      kind("TaskFile");
      return files(path, [file]);
    }
    if (Array.isArray(value)) {
      const paths = value.map(taskFilePath);
      if (value.length > 0 && paths.every((p) => p !== undefined)) {
        kind("TaskFile[]");
        return files(path, paths as string[]);
      }
      kind("array");
      out.features[`${path}.length`] = value.length;
      // An empty list may be a list of files: it has none, of no size.
      if (value.length === 0) Object.assign(out.features, { [`${path}.count`]: 0, [`${path}.totalBytes`]: 0 });
      return;
    }
    if (isPlainObject(value)) {
      kind("object");
      if (depth === 0) for (const [key, inner] of Object.entries(value)) describe(keyPath(path, key), inner, depth + 1);
      return;
    }
    kind("other");
  };

  args.forEach((value, index) => describe(`args[${index}]`, value, 0));
  await Promise.all(sizes);
  return out;
}
