/**
 * `taskfit run` prints each distinct clamping of a request as it is queued, on stderr. Node's own
 * process warnings cannot be relied on here: they are printed on a later tick, and a run whose
 * tasks finish within one chain of promises ends (process.exit) before that tick comes.
 */
import { describeClamping } from "../resources/limits.js";
import type { RunRecorder } from "../reporting/run-recorder.js";

export function printClampings(recorder: RunRecorder, stream: NodeJS.WritableStream, live: boolean): void {
  const printed = new Set<string>();
  recorder.onChange((record) => {
    if (record.outcome !== "queued" || record.resources.clamped.length === 0) return;
    const what = describeClamping(record.resources.clamped);
    const key = `${record.task}\u0000${what}`;
    if (printed.has(key)) return;
    printed.add(key);
    // On a terminal the progress bar owns the last line: clear it first; it redraws on the next change.
    stream.write(`${live ? "\r\x1b[2K" : ""}taskfit: warning: task \`${record.task}\` (attempt ${record.attempt}) clamped: ${what}\n`);
  });
}
