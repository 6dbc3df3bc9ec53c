/**
 * A live progress line for a LocalScheduler run (cli-progress) and a summary table at the end
 * (cli-table3), both drawn from a RunRecorder.
 */
import Table from "cli-table3";
import cliProgress from "cli-progress";
import { formatGiB, type LocalScheduler, RunRecorder } from "taskfit";

export interface Progress {
  readonly recorder: RunRecorder;
  stop(): void;
}

export function showProgress(scheduler: LocalScheduler): Progress {
  const recorder = new RunRecorder(scheduler);
  const { capacity } = scheduler;
  const bar = new cliProgress.SingleBar(
    {
      format: "{bar} {value}/{total} done | {running} running, {queued} queued | cpu {cpu}/{cpuCap} | memory {mem}/{memCap}",
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(0, 0, { running: 0, queued: 0, cpu: 0, cpuCap: capacity.cpu, mem: "0", memCap: formatGiB(capacity.memoryGiB) });
  recorder.onChange(() => {
    const counts = recorder.counts();
    const { inUse } = scheduler.stats();
    bar.setTotal(recorder.attempts.size);
    bar.update(counts.ok + counts.error, {
      running: counts.running,
      queued: counts.queued,
      cpu: Number(inUse.cpu.toFixed(3)),
      mem: formatGiB(Math.max(0, inUse.memoryGiB)),
    });
  });
  return { recorder, stop: () => bar.stop() };
}

const ms = (value: number) => `${Math.round(value)} ms`;
const range = ([low, high]: readonly [number, number], format: (n: number) => string) =>
  low === high ? format(low) : `${format(low)} - ${format(high)}`;

export function printSummary(scheduler: LocalScheduler, recorder: RunRecorder): void {
  const table = new Table({ head: ["task", "attempts", "failed", "cpu", "memory", "gpu", "mean wait", "mean run"] });
  for (const row of recorder.summary()) {
    table.push([
      row.task,
      row.attempts,
      row.failed,
      range(row.cpu, String),
      range(row.memoryGiB, formatGiB),
      row.gpu,
      ms(row.meanWait),
      ms(row.meanRun),
    ]);
  }
  console.log(table.toString());
  const { peak, capacity } = scheduler.stats();
  console.log(
    `peak use: ${Number(peak.cpu.toFixed(3))} of ${capacity.cpu} cores, ${formatGiB(peak.memoryGiB)} of ${formatGiB(capacity.memoryGiB)}, ${peak.gpus} of ${capacity.gpus.length} GPUs`,
  );
}
