/**
 * `taskfit run --record DIR`: appends one JSON line per attempt to DIR/history.jsonl (the format
 * is in history-line.ts). Lines are appended one write at a time, in the order attempts end, so
 * several runs may record into one directory.
 *
 *     const history = await HistoryWriter.open(dir, { inProcess: isolation === "none" });
 *     setDefaultScheduler(history.record(scheduler)); // every attempt through it is recorded
 *     ...
 *     await history.close(); // the last lines written; throws when one could not be
 */
import { appendFile, mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Scheduler } from "../contract/scheduler.js";
import { ConfigurationError } from "../errors.js";
import { type AttemptFacts, attemptLine } from "./attempt-line.js";
import { HISTORY_FILE, type HistoryLine } from "./history-line.js";
import { RecordingScheduler } from "./recording-scheduler.js";

export interface HistoryWriterOptions {
  /** Names the run in every line it writes. @default the time the writer was opened and this process's id */
  readonly run?: string;
  /** The time written in each line. @default () => new Date() */
  readonly now?: () => Date;
  /** Attempts run in this process (`isolation: "none"`) and are never measured: each line says so. @default false */
  readonly inProcess?: boolean;
}

export class HistoryWriter {
  /** The history file, absolute. */
  readonly file: string;
  readonly run: string;
  private readonly recorders: RecordingScheduler[] = [];
  private tail: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;

  private constructor(
    dir: string,
    private readonly options: HistoryWriterOptions,
  ) {
    this.file = join(resolve(dir), HISTORY_FILE);
    this.run = options.run ?? `${(options.now ?? (() => new Date()))().toISOString()}-${process.pid}`;
  }

  /** Makes the directory when it is missing, and checks that the history file can be appended to. */
  static async open(dir: string, options: HistoryWriterOptions = {}): Promise<HistoryWriter> {
    const writer = new HistoryWriter(dir, options);
    try {
      await mkdir(resolve(dir), { recursive: true });
      await appendFile(writer.file, "");
    } catch (cause) {
      const reason = (cause as NodeJS.ErrnoException).code ?? String(cause);
      throw new ConfigurationError({ field: "--record", value: dir, expected: `a directory the history can be written in (${writer.file}: ${reason})`, cause });
    }
    return writer;
  }

  /** `scheduler`, recording every attempt run through it. */
  record(scheduler: Scheduler): Scheduler {
    const recorder = new RecordingScheduler(scheduler, (facts) => this.attempt(facts), {
      run: this.run,
      ...(this.options.now !== undefined && { now: this.options.now }),
      ...(this.options.inProcess !== undefined && { inProcess: this.options.inProcess }),
    });
    this.recorders.push(recorder);
    return recorder;
  }

  /** Appends one attempt's line. */
  attempt(facts: AttemptFacts): void {
    this.append(attemptLine(facts));
  }

  append(line: HistoryLine): void {
    const text = `${JSON.stringify(line)}\n`;
    this.tail = this.tail.then(() =>
      appendFile(this.file, text).catch((error: unknown) => {
        this.failure ??= { error };
      }),
    );
  }

  /** Waits for every attempt that has ended to be written; throws the first write that failed. */
  async close(): Promise<void> {
    await Promise.all(this.recorders.map((r) => r.idle()));
    await this.tail;
    if (this.failure !== undefined) throw this.failure.error;
  }
}
