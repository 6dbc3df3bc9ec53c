/**
 * How a worker's reports reach the scheduler, one channel per way a worker is started: the IPC
 * channel (process isolation), the outcome file (Slurm: each report written whole, then renamed
 * into place, so the file always holds the last one), the pod's log (Kubernetes: one marked line
 * per report, and the answer in the termination message too when it fits).
 */
import { rename, writeFile } from "node:fs/promises";
import type { WorkerReport } from "./protocol.js";
import { reportLine } from "./read.js";

export interface ReportChannel {
  /** Sends a report; reports arrive in the order sent. Never rejects: a scheduler that stopped listening is no error here. */
  send(report: WorkerReport): Promise<void>;
}

/** Process isolation: the parent's IPC channel. */
export function ipcChannel(): ReportChannel {
  return {
    send: (report) =>
      new Promise((resolve) => {
        if (process.send === undefined) return resolve();
        try {
          process.send(report, () => resolve());
        } catch {
          // The channel closed: the parent is gone.
          resolve();
        }
      }),
  };
}

/** Slurm: the outcome file (mode 0600), replaced whole by each report, one write at a time. */
export function fileChannel(path: string): ReportChannel {
  let last: Promise<void> = Promise.resolve();
  return {
    send(report) {
      const partial = `${path}.partial`;
      last = last.then(async () => {
        try {
          await writeFile(partial, JSON.stringify(report), { mode: 0o600 });
          await rename(partial, path);
        } catch (error) {
          // A running report that cannot be written is lost; the answer's failure must show.
          if (report.kind !== "running") console.error(`taskfit worker: could not write the outcome file ${path}: ${String(error)}`);
        }
      });
      return last;
    },
  };
}

/** Kubernetes keeps at most 4096 bytes of a container's termination message. */
const TERMINATION_MESSAGE_LIMIT = 4096;

/** Kubernetes: a marked line in the log per report; the answer also as the termination message when it fits. */
export function logChannel(): ReportChannel {
  return {
    async send(report) {
      const line = reportLine(report);
      // On a line of its own, whatever the task printed last.
      await new Promise<void>((resolve) => process.stdout.write(`\n${line}\n`, () => resolve()));
      if (report.kind !== "running" && Buffer.byteLength(line) <= TERMINATION_MESSAGE_LIMIT) {
        // Only where Kubernetes mounted it ("r+" never creates the file elsewhere).
        await writeFile("/dev/termination-log", line, { flag: "r+" }).catch(() => undefined);
      }
    },
  };
}
