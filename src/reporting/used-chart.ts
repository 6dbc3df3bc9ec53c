/**
 * The report's "used against requested" view: per task, the memory and cores its attempts asked
 * for as a pale bar, what they used drawn inside it; the gap is what was reserved and never used.
 */
import { callName } from "../resources/label.js";
import { formatGiB } from "../resources/quantity.js";
import type { TaskSummary } from "./run-recorder.js";
import { escapeHtml, formatNumber } from "./svg.js";
import { NOT_MEASURED_NOTE } from "./used.js";

const WIDTH = 960;
const LABEL = 130;
const BAR = 230;
/** Room right of a bar for its figures. */
const FIGURES = 200;
const ROW = 26;

/** A size as a person reads it on a bar: whole MiB under a GiB, else GiB to two places. */
const size = (gib: number) => (gib < 1 ? `${Math.round(gib * 1024)} MiB` : `${Number(gib.toFixed(2))} GiB`);

/** Two bars, memory then CPU, from LABEL; each scaled to its own request. */
function row(t: TaskSummary, y: number, colour: string): string {
  const used = t.used;
  if (used === undefined) return "";
  const requestedGiB = t.memoryGiB[1];
  const requestedCores = t.cpu[1];
  const usedCores = used.cpuEfficiency * requestedCores;
  const bar = (x: number, share: number, label: string, kind: string) => {
    const inner = Math.min(1, share) * BAR;
    return (
      `<rect class="requested" x="${x}" y="${y}" width="${BAR}" height="${ROW - 8}" fill="${colour}" opacity="0.22"/>` +
      `<rect class="used-part" data-kind="${kind}" x="${x}" y="${y}" width="${inner.toFixed(1)}" height="${ROW - 8}" fill="${colour}"/>` +
      `<text class="tick" x="${x + BAR + 6}" y="${y + ROW - 12}">${escapeHtml(label)}</text>`
    );
  };
  const memoryLabel = `${size(used.peakMemoryGiB)} of ${size(requestedGiB)} (${Math.round(used.memoryShare * 100)}%)`;
  const cpuLabel = `${Math.round(used.cpuEfficiency * 100)}% of ${formatNumber(requestedCores)} core${requestedCores === 1 ? "" : "s"}`;
  const memoryTitle = `${formatGiB(used.peakMemoryGiB)} of ${formatGiB(requestedGiB)} (${Math.round(used.memoryShare * 100)}%)`;
  const cpuTitle = `${formatNumber(usedCores)} of ${formatNumber(requestedCores)} cores (${Math.round(used.cpuEfficiency * 100)}%)`;
  const title = `${callName(t.task, t.label)}: peak memory ${memoryTitle}; CPU ${cpuTitle} busy on average; ${used.measured} of ${t.attempts} attempts measured`;
  return (
    `<g class="used-row" data-task="${escapeHtml(t.task)}"><title>${escapeHtml(title)}</title>` +
    `<text class="tick" x="0" y="${y + ROW - 12}">${escapeHtml(callName(t.task, t.label))}</text>` +
    bar(LABEL, used.memoryShare, memoryLabel, "memory") +
    bar(LABEL + BAR + FIGURES, used.cpuEfficiency, cpuLabel, "cpu") +
    "</g>"
  );
}

export function usedAgainstRequested(summary: readonly TaskSummary[], colours: ReadonlyMap<string, string>): string {
  const measured = summary.filter((t) => t.used !== undefined);
  if (measured.length === 0) return `<p class="sub not-measured">${escapeHtml(NOT_MEASURED_NOTE)}.</p>`;
  const height = 22 + measured.length * ROW;
  const heads =
    `<text class="axis-label" x="${LABEL}" y="14">peak memory / memory requested</text>` +
    `<text class="axis-label" x="${LABEL + BAR + FIGURES}" y="14">CPU busy / cores requested</text>`;
  const rows = measured.map((t, i) => row(t, 22 + i * ROW, colours.get(t.task) ?? "#4a86d8")).join("");
  return `<svg class="used-chart" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="used against requested, per task">${heads}${rows}</svg>`;
}
