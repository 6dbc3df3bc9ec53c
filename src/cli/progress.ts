/**
 * Live progress for `taskfit run`, on stderr so stdout stays the result. On a terminal: one line
 * redrawn in place (queued / running / done, resources in use against capacity). Elsewhere (CI,
 * a pipe, a log file): a line per attempt as it ends, as Nextflow does without ANSI.
 */
import cliProgress from "cli-progress";
import { callName } from "../resources/label.js";
import { formatGiB } from "../resources/quantity.js";
import type { AttemptRecord, RunRecorder } from "../reporting/run-recorder.js";
import { formatDuration, formatNumber } from "../reporting/svg.js";
import type { ResourceTotals } from "../reporting/usage.js";

export interface Progress {
  stop(): void;
}

export interface ProgressOptions {
  readonly stream: NodeJS.WriteStream;
  /** What the machine or cluster offers; undefined shows use without "of …". */
  readonly capacity: ResourceTotals | undefined;
  /** A live bar (true on a terminal) or a line per ended attempt. */
  readonly live: boolean;
}

const of = (value: string, cap: string | undefined) => (cap === undefined ? value : `${value}/${cap}`);

export function showProgress(recorder: RunRecorder, options: ProgressOptions): Progress {
  return options.live ? liveBar(recorder, options) : endedLines(recorder, options);
}

function liveBar(recorder: RunRecorder, { stream, capacity }: ProgressOptions): Progress {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: "{bar} {value}/{total} done | {running} running, {queued} queued{failed}{cancelled} | cpu {cpu} | memory {memory}{gpu}",
      hideCursor: true,
      barsize: 24,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  const values = () => {
    const counts = recorder.counts();
    const use = recorder.inUse();
    return {
      running: counts.running,
      queued: counts.queued,
      failed: counts.error > 0 ? `, ${counts.error} failed` : "",
      cancelled: counts.cancelled > 0 ? `, ${counts.cancelled} cancelled` : "",
      cpu: of(formatNumber(use.cpu), capacity && formatNumber(capacity.cpu)),
      memory: of(use.memoryGiB === 0 ? "0" : formatGiB(use.memoryGiB), capacity && formatGiB(capacity.memoryGiB)),
      gpu: (capacity?.gpus ?? 0) > 0 || use.gpus > 0 ? ` | gpu ${of(String(use.gpus), capacity && String(capacity.gpus))}` : "",
      done: counts.ok + counts.error + counts.cancelled,
    };
  };
  // A total of 0 would draw a full bar before anything is queued.
  bar.start(1, 0, values());
  recorder.onChange(() => {
    const v = values();
    bar.setTotal(recorder.attempts.size);
    bar.update(v.done, v);
  });
  return { stop: () => bar.stop() };
}

function describe(record: AttemptRecord): string {
  const r = record.resources;
  const held = `${formatNumber(r.cpu)} cpu, ${formatGiB(r.memoryGiB)}${r.gpu > 0 ? `, ${r.gpu} gpu` : ""}${r.clamped.length > 0 ? " (clamped)" : ""}`;
  const ran = record.startedAt === undefined ? "never started" : `waited ${formatDuration(record.startedAt - record.queuedAt)}, ran ${formatDuration((record.finishedAt ?? record.startedAt) - record.startedAt)}`;
  return `${callName(record.task, record.label)} (attempt ${record.attempt}) ${held} · ${ran}${record.where === undefined ? "" : ` on ${record.where}`}`;
}

function endedLines(recorder: RunRecorder, { stream }: ProgressOptions): Progress {
  let ended = 0;
  recorder.onChange((record) => {
    if (record.finishedAt === undefined) return;
    ended++;
    const total = String(recorder.attempts.size);
    stream.write(`[${String(ended).padStart(total.length)}/${total}] ${record.outcome.padEnd(5)} ${describe(record)}\n`);
  });
  return { stop: () => undefined };
}
