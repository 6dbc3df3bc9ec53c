/**
 * TaskFile: the LatchFile counterpart. A local path whose size a resource function can read
 * synchronously (`file.size()`, as the seed's example does), and which survives JSON: a task's
 * arguments travel to worker processes as JSON and revive to TaskFiles there.
 */
import { statSync } from "node:fs";
import { basename, resolve } from "node:path";
import { ConfigurationError } from "../errors.js";

/** The JSON form of a TaskFile: `{ "$taskfit": "TaskFile", "path": "/abs/path" }`. */
export interface TaskFileJSON {
  readonly $taskfit: "TaskFile";
  readonly path: string;
}

export class TaskFile {
  /** Absolute path on this machine. */
  readonly path: string;

  constructor(path: string) {
    if (typeof path !== "string" || path.length === 0) {
      throw new ConfigurationError({ field: "path", value: path, expected: "a TaskFile path as a non-empty string" });
    }
    this.path = resolve(path);
  }

  /** The file's name, without its directory. */
  get name(): string {
    return basename(this.path);
  }

  /** Logical size in bytes (synchronous). Throws the fs error (ENOENT, ...) when the file is missing. */
  size(): number {
    return statSync(this.path).size;
  }

  toJSON(): TaskFileJSON {
    return { $taskfit: "TaskFile", path: this.path };
  }

  toString(): string {
    return this.path;
  }

  static isJSON(value: unknown): value is TaskFileJSON {
    return (
      typeof value === "object" &&
      value !== null &&
      (value as { $taskfit?: unknown }).$taskfit === "TaskFile" &&
      typeof (value as { path?: unknown }).path === "string"
    );
  }

  static fromJSON(value: TaskFileJSON): TaskFile {
    return new TaskFile(value.path);
  }
}

/** A `JSON.parse` reviver that turns TaskFile JSON forms back into TaskFiles. */
export function reviveTaskFiles(_key: string, value: unknown): unknown {
  return TaskFile.isJSON(value) ? TaskFile.fromJSON(value) : value;
}

const GIB = 1024 ** 3;

/**
 * The total size of a file or files in GiB: what a memory or storage function of input files is
 * written in (`memory: (files: TaskFile[]) => 0.5 + 1.8 * totalGiB(files)`, as `taskfit fit` prints).
 * Reads the sizes now (synchronously); throws the fs error for a missing file.
 */
export function totalGiB(files: TaskFile | readonly TaskFile[]): number {
  // Not `instanceof TaskFile`: a file made by another copy of taskfit (ESM and CJS builds) counts too.
  const list: readonly TaskFile[] = Array.isArray(files) ? files : [files as TaskFile];
  let bytes = 0;
  for (const file of list) {
    if (typeof (file as { size?: unknown } | null)?.size !== "function") {
      throw new ConfigurationError({ field: "totalGiB", value: file, expected: "a TaskFile or an array of TaskFiles" });
    }
    bytes += file.size();
  }
  return bytes / GIB;
}
