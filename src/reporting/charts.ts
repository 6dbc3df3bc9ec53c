/**
 * The report's two kinds of SVG: a resource chart (what was in use over time against the capacity,
 * so idle capacity shows as a hatched gap) and a timeline of attempts (waiting, then running).
 */
import { formatGiB } from "../resources/quantity.js";
import { describeClamping } from "../resources/limits.js";
import { callName } from "../resources/label.js";
import { failureLines } from "./failure.js";
import type { AttemptRecord } from "./run-recorder.js";
import { escapeHtml, formatDuration, formatNumber, palette, scale, ticks } from "./svg.js";
import type { UsagePoint } from "./usage.js";

export const WIDTH = 960;
const LEFT = 84;
const RIGHT = 24;

export interface TimeAxis {
  /** unit: ms on the recorder's clock */
  readonly from: number;
  readonly to: number;
  readonly x: (at: number) => number;
}

export function timeAxis(from: number, to: number): TimeAxis {
  return { from, to, x: scale(from, Math.max(to, from + 1), LEFT, WIDTH - RIGHT) };
}

function xTicks(axis: TimeAxis, top: number, bottom: number): string {
  const seconds = (axis.to - axis.from) / 1000;
  return ticks(seconds, 8)
    .map((s) => {
      const x = axis.x(axis.from + s * 1000).toFixed(1);
      return `<line class="grid" x1="${x}" x2="${x}" y1="${top}" y2="${bottom}"/><text class="tick" x="${x}" y="${bottom + 14}" text-anchor="middle">${formatNumber(s)} s</text>`;
    })
    .join("");
}

export interface ResourceChart {
  /** A resource, or `waiting`: the number of attempts queued and not yet started. */
  readonly resource: "cpu" | "memoryGiB" | "gpus" | "waiting";
  readonly label: string;
  readonly format: (value: number) => string;
  /** undefined: not known (a cluster that would not say); the chart then has no capacity line. */
  readonly capacity: number | undefined;
}

/** Usage as a filled step area; the capacity as a dashed line over a hatched "idle" band. */
export function resourceChart(chart: ResourceChart, points: readonly UsagePoint[], axis: TimeAxis): string {
  const height = 150;
  const top = 12;
  const bottom = height - 24;
  const peak = points.reduce((most, p) => Math.max(most, p[chart.resource]), 0);
  const yMax = Math.max(chart.capacity ?? 0, peak, 1e-9) * 1.12;
  const y = scale(0, yMax, bottom, top);
  const x0 = axis.x(axis.from);
  const x1 = axis.x(axis.to);
  let path = `M${x0.toFixed(1)},${bottom}`;
  for (const p of points) path += `H${axis.x(p.at).toFixed(1)}V${y(p[chart.resource]).toFixed(1)}`;
  path += `H${x1.toFixed(1)}V${bottom}Z`;
  const yTicks = ticks(yMax / 1.12, 4)
    .map((v) => `<line class="grid" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/><text class="tick" x="${LEFT - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${escapeHtml(chart.format(v))}</text>`)
    .join("");
  const capacity =
    chart.capacity === undefined
      ? ""
      : `<rect class="idle" x="${x0.toFixed(1)}" y="${y(chart.capacity).toFixed(1)}" width="${(x1 - x0).toFixed(1)}" height="${(bottom - y(chart.capacity)).toFixed(1)}"/>` +
        `<line class="capacity" x1="${x0.toFixed(1)}" x2="${x1.toFixed(1)}" y1="${y(chart.capacity).toFixed(1)}" y2="${y(chart.capacity).toFixed(1)}"/>` +
        `<text class="capacity-label" x="${(x1 - 4).toFixed(1)}" y="${(y(chart.capacity) - 4).toFixed(1)}" text-anchor="end">capacity ${escapeHtml(chart.format(chart.capacity))}</text>`;
  return (
    `<svg class="chart" data-resource="${chart.resource}" data-capacity="${chart.capacity ?? ""}" data-peak="${formatNumber(peak)}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${escapeHtml(chart.label)} in use over time">` +
    `<text class="axis-label" x="8" y="${top + 4}">${escapeHtml(chart.label)}</text>${yTicks}${xTicks(axis, top, bottom)}${capacity}` +
    `<path class="used" d="${path}"/></svg>`
  );
}

/** Above this many lanes, each attempt's wait is left out of the timeline (the waiting chart shows the queue). */
const MAX_LANES_WITH_WAITS = 40;

/**
 * Greedy lanes: each attempt goes to the first lane free for its span, from queueing (withWaits)
 * or from starting, to its end. Undefined when the waits need more than MAX_LANES_WITH_WAITS lanes.
 */
function lanes(records: readonly AttemptRecord[], end: number, withWaits: boolean): Map<AttemptRecord, number> | undefined {
  const from = (r: AttemptRecord) => (withWaits ? r.queuedAt : (r.startedAt as number));
  const laneEnds: number[] = [];
  const lane = new Map<AttemptRecord, number>();
  const drawn = withWaits ? records : records.filter((r) => r.startedAt !== undefined);
  for (const record of [...drawn].sort((a, b) => from(a) - from(b))) {
    let index = laneEnds.findIndex((free) => free <= from(record));
    if (index === -1) {
      if (withWaits && laneEnds.length === MAX_LANES_WITH_WAITS) return undefined;
      index = laneEnds.push(0) - 1;
    }
    laneEnds[index] = record.finishedAt ?? end;
    lane.set(record, index);
  }
  return lane;
}

/** The timeline's lanes, and whether the waits are drawn in them. */
export function timelineLanes(records: readonly AttemptRecord[], end: number): { lane: Map<AttemptRecord, number>; withWaits: boolean } {
  const withWaits = lanes(records, end, true);
  return withWaits !== undefined ? { lane: withWaits, withWaits: true } : { lane: lanes(records, end, false) as Map<AttemptRecord, number>, withWaits: false };
}

/** One bar per attempt: a pale stretch while it waited (when there is room), a solid one while it ran, red when it failed. */
/** A tooltip shows the last few lines of a failed attempt's stderr; the run's error box shows more. */
const TOOLTIP_STDERR_LINES = 8;

export function attemptTimeline(
  { lane, withWaits }: ReturnType<typeof timelineLanes>,
  axis: TimeAxis,
  colours: ReadonlyMap<string, string>,
): string {
  let count = 1;
  for (const l of lane.values()) count = Math.max(count, l + 1);
  const row = Math.max(3, Math.min(16, Math.floor(560 / count)));
  const top = 8;
  const bottom = top + count * row;
  const bars = [...lane]
    .map(([r, index]) => {
      const y = top + index * row;
      const h = Math.max(2, row - 2);
      const colour = colours.get(r.task) as string;
      const start = r.startedAt ?? r.finishedAt ?? axis.to;
      const end = r.finishedAt ?? axis.to;
      const wait = withWaits ? `<rect class="wait" x="${axis.x(r.queuedAt).toFixed(1)}" y="${y}" width="${Math.max(0, axis.x(start) - axis.x(r.queuedAt)).toFixed(1)}" height="${h}" fill="${colour}"/>` : "";
      const run = r.startedAt === undefined ? "" : `<rect class="run" x="${axis.x(start).toFixed(1)}" y="${y}" width="${Math.max(1, axis.x(end) - axis.x(start)).toFixed(1)}" height="${h}" fill="${colour}"/>`;
      const clamped = r.resources.clamped.length > 0;
      const held = `${formatNumber(r.resources.cpu)} cpu, ${formatNumber(r.resources.memoryGiB)} GiB${r.resources.gpu > 0 ? `, ${r.resources.gpu} gpu` : ""}${clamped ? ` (clamped: ${describeClamping(r.resources.clamped)})` : ""}`;
      const timing = r.startedAt === undefined ? "never started" : `waited ${formatDuration(start - r.queuedAt)}, ran ${formatDuration(end - start)}`;
      const failed = r.failure === undefined ? "" : `\n${failureLines(r.failure, TOOLTIP_STDERR_LINES).join("\n")}`;
      const used = r.usage === undefined ? "" : `\nused: peak ${formatGiB(r.usage.peakMemoryGiB)} of ${formatGiB(r.resources.memoryGiB)}, ${formatNumber(r.usage.cpuSeconds / Math.max(r.usage.wallSeconds, 1e-9))} of ${formatNumber(r.resources.cpu)} cores busy on average, ${formatDuration(r.usage.wallSeconds * 1000)}`;
      const title = `${callName(r.task, r.label)} (attempt ${r.attempt}, ${r.outcome}): ${held}; ${timing}${r.where === undefined ? "" : ` on ${r.where}`}${used}${failed}`;
      const label = r.label === undefined ? "" : ` data-label="${escapeHtml(r.label)}"`;
      return `<g class="attempt" data-task="${escapeHtml(r.task)}"${label} data-outcome="${r.outcome}"${clamped ? ' data-clamped="true"' : ""}><title>${escapeHtml(title)}</title>${wait}${run}</g>`;
    })
    .join("");
  const height = bottom + 24;
  return (
    `<svg class="timeline" data-waits="${withWaits}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="attempts over time">` +
    `<text class="axis-label" x="8" y="${top + 10}">attempts</text>${xTicks(axis, top, bottom)}${bars}</svg>`
  );
}

export function taskColours(records: Iterable<AttemptRecord>): Map<string, string> {
  const colours = new Map<string, string>();
  for (const r of records) if (!colours.has(r.task)) colours.set(r.task, palette(colours.size));
  return colours;
}
