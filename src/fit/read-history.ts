/** Reads a history back (`taskfit fit DIR`): every line checked, a bad one named by file and line. */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { ConfigurationError } from "../errors.js";
import { HISTORY_FILE, HISTORY_VERSION, HistoryLine } from "./history-line.js";

export interface History {
  /** The file read. */
  readonly file: string;
  readonly lines: readonly HistoryLine[];
}

/** The history file of a `--record` directory, or the file itself when `path` is one. */
async function historyFile(path: string): Promise<string> {
  const absolute = resolve(path);
  let file = absolute;
  try {
    if ((await stat(absolute)).isDirectory()) file = join(absolute, HISTORY_FILE);
    await stat(file);
    return file;
  } catch (cause) {
    throw new ConfigurationError({
      field: "DIR",
      value: path,
      expected: `a directory recorded by \`taskfit run --record DIR\` (holding ${HISTORY_FILE}), or a history file: ${file} does not exist`,
      cause,
    });
  }
}

function parseLine(text: string, at: string): HistoryLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ConfigurationError({ file: at, value: text, expected: `one JSON object per line (${(cause as Error).message})`, cause });
  }
  const version = (value as { version?: unknown } | null)?.version;
  if (typeof value === "object" && value !== null && version !== HISTORY_VERSION) {
    throw new ConfigurationError({ file: at, field: "version", value: version, expected: `a history line of version ${HISTORY_VERSION}, the one this taskfit reads` });
  }
  const parsed = HistoryLine.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.map(String).join(".");
  throw new ConfigurationError({
    file: at,
    ...(field !== undefined && field !== "" && { field }),
    expected: `a history line (${issue?.message ?? "invalid"})`,
  });
}

/** Every line of the history at `path` (a `--record` directory or its file); blank lines are skipped. */
export async function readHistory(path: string): Promise<History> {
  const file = await historyFile(path);
  const lines: HistoryLine[] = [];
  const input = createInterface({ input: createReadStream(file, "utf8"), crlfDelay: Number.POSITIVE_INFINITY });
  let number = 0;
  for await (const text of input) {
    number++;
    if (text.trim() === "") continue;
    lines.push(parseLine(text, `${file}:${number}`));
  }
  if (lines.length === 0) {
    throw new ConfigurationError({ field: "DIR", value: path, expected: `a history with at least one attempt (${file} is empty: record one with \`taskfit run --record DIR\`)` });
  }
  return { file, lines };
}
