/**
 * A self-contained HTML report of a run: headline figures (how busy each resource was against the
 * capacity), a chart per resource over time, the timeline of attempts and the per-task summary.
 * No scripts, fonts or images from elsewhere: it opens offline and can be mailed as one file.
 */
import { callName } from "../resources/label.js";
import { formatGiB } from "../resources/quantity.js";
import { type FailureSummary, failureLines } from "./failure.js";
import { attemptTimeline, type ResourceChart, resourceChart, taskColours, timeAxis, timelineLanes } from "./charts.js";
import type { AttemptRecord, RunRecorder, TaskSummary } from "./run-recorder.js";
import { escapeHtml, formatDuration, formatNumber, formatRange } from "./svg.js";
import { measureRun, type ResourceTotals } from "./usage.js";
import { usedAgainstRequested } from "./used-chart.js";

export interface RunReportInput {
  /** The heading, e.g. the command that ran. */
  readonly title: string;
  /** Where it ran, e.g. "the local machine (2 cores, 23.5 GiB)" or "Slurm". */
  readonly scheduler: string;
  /** What the machine or cluster offers; undefined when unknown (no capacity lines). */
  readonly capacity: ResourceTotals | undefined;
  /** Where each capacity figure came from (a LocalScheduler's `stats().capacity.sources`), e.g. `{ memoryGiB: "cgroup v1 limit 2 GiB" }`. */
  readonly capacitySources?: Readonly<Record<string, string>> | undefined;
  readonly recorder: RunRecorder;
  /** Wall-clock time of the run's start, shown in the heading. */
  readonly startedAt: Date;
  /** How the run ended, when it failed (see failure.ts). */
  readonly error?: FailureSummary;
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"DejaVu Sans",sans-serif;color:#1d2433;margin:24px auto;max-width:1000px;padding:0 16px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}.sub{color:#5b6475;margin:0 0 16px}
.cards{display:flex;flex-wrap:wrap;gap:12px}.card{border:1px solid #dde2ea;border-radius:8px;padding:10px 14px;min-width:150px}
.card b{display:block;font-size:20px}.card span{color:#5b6475;font-size:12px}
.failed{background:#fdecec;border:1px solid #f3b7b7;border-radius:8px;padding:10px 14px;margin:12px 0}.failed pre{margin:8px 0 0;white-space:pre-wrap;font-size:12px}
svg{display:block;margin:6px 0;max-width:100%;height:auto}.grid{stroke:#eef1f5}.tick{font-size:11px;fill:#5b6475}
.axis-label{font-size:12px;font-weight:600;fill:#1d2433}.used{fill:#4a86d8}
.chart[data-resource=waiting] .used{fill:#d9a441}.idle{fill:url(#idle)}.capacity{stroke:#c0392b;stroke-width:1.5;stroke-dasharray:6 4}.capacity-label{font-size:11px;fill:#c0392b}
.wait{opacity:.22}.attempt[data-clamped=true] .run{stroke:#8e44ad;stroke-width:2}.clamped{background:#f6effa;border:1px solid #d7bde2;border-radius:8px;padding:10px 14px;margin:12px 0}.attempt[data-outcome=error] .run{fill:#d64545}.attempt[data-outcome=cancelled] .run{fill:#9aa0a6}
.legend{display:flex;flex-wrap:wrap;gap:12px;font-size:12px;color:#5b6475}.legend i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:4px;vertical-align:-2px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eef1f5}th{color:#5b6475;font-weight:600}
td.n{text-align:right;font-variant-numeric:tabular-nums}footer{margin-top:28px;color:#8a92a3;font-size:12px}`;

const PATTERN = `<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs><pattern id="idle" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="#fbf3f2"/><line x1="0" y1="0" x2="0" y2="8" stroke="#efc9c4" stroke-width="3"/></pattern></defs></svg>`;

const percent = (share: number | undefined) => (share === undefined ? "–" : `${Math.round(share * 100)}%`);
const cores = (n: number) => `${formatNumber(n)} cores`;

function card(value: string, label: string): string {
  return `<div class="card"><b>${escapeHtml(value)}</b><span>${escapeHtml(label)}</span></div>`;
}

/** The failure as the command prints it: headline, where it ran, the log, stderr's last lines. */
function failedBox(failure: FailureSummary): string {
  const [headline, ...details] = failureLines(failure);
  const more = details.length === 0 ? "" : `<pre>${escapeHtml(details.join("\n"))}</pre>`;
  return `<div class="failed" role="alert"><b>The run failed:</b> ${escapeHtml(headline as string)}${more}</div>`;
}

function summaryTable(summary: readonly TaskSummary[], colours: ReadonlyMap<string, string>): string {
  const range = (pair: readonly [number, number], format: (n: number) => string) => formatRange(pair, format, " – ");
  const rows = summary
    .map(
      (t) =>
        `<tr><td><i style="display:inline-block;width:10px;height:10px;border-radius:2px;background:${colours.get(t.task)}"></i> ${escapeHtml(callName(t.task, t.label))}</td>` +
        `<td class="n">${t.attempts}</td><td class="n">${t.failed}</td><td class="n">${t.clamped}</td><td class="n">${range(t.cpu, formatNumber)}</td><td class="n">${range(t.memoryGiB, formatGiB)}</td>` +
        `<td class="n">${t.gpu}</td><td class="n">${formatDuration(t.meanWait)}</td><td class="n">${formatDuration(t.meanRun)}</td></tr>`,
    )
    .join("");
  return `<table class="summary"><thead><tr><th>task</th><th>attempts</th><th>failed</th><th>clamped</th><th>cpu</th><th>memory</th><th>gpu</th><th>mean wait</th><th>mean run</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** Every distinct clamping, per task: a request lowered is never silent. */
function clampNotes(summary: readonly TaskSummary[]): string {
  const items = summary.flatMap((t) => t.clampings.map((what) => `<li><b>${escapeHtml(t.task)}</b>: ${escapeHtml(what)}</li>`));
  if (items.length === 0) return "";
  const attempts = summary.reduce((sum, t) => sum + t.clamped, 0);
  return `<div class="clamped" role="note"><b>${attempts} attempt${attempts === 1 ? " was" : "s were"} clamped</b> (ran with less than asked for; outlined in the timeline):<ul>${items.join("")}</ul></div>`;
}

function sourcesLine(sources: Readonly<Record<string, string>> | undefined): string {
  if (sources === undefined) return "";
  const parts = Object.entries(sources).map(([field, source]) => `${escapeHtml(field)}: ${escapeHtml(source)}`);
  return `<p class="sub capacity-sources">Capacity from ${parts.join(" · ")}</p>`;
}

export function renderReport(input: RunReportInput): string {
  const records: AttemptRecord[] = [...input.recorder.attempts.values()];
  const capacity = input.capacity;
  const { from: start, to: end, points, peak, busy } = measureRun(records, capacity);
  const counts = input.recorder.counts();
  const axis = timeAxis(start, end);
  const colours = taskColours(records);

  const charts: ResourceChart[] = [
    { resource: "cpu", label: "CPU (cores)", format: formatNumber, capacity: capacity?.cpu },
    { resource: "memoryGiB", label: "memory", format: (v) => (v === 0 ? "0" : formatGiB(v)), capacity: capacity?.memoryGiB },
  ];
  if ((capacity?.gpus ?? 0) > 0 || peak.gpus > 0) charts.push({ resource: "gpus", label: "GPUs", format: formatNumber, capacity: capacity?.gpus });
  const queue: ResourceChart = { resource: "waiting", label: "waiting", format: formatNumber, capacity: undefined };
  const queued = points.some((p) => p.waiting > 0);
  const lanes = timelineLanes(records, end);

  const cards = [
    card(formatDuration(end - start), "wall time"),
    card(`${counts.ok} / ${records.length}`, `attempts ok${counts.error > 0 ? `, ${counts.error} failed` : ""}${counts.cancelled > 0 ? `, ${counts.cancelled} cancelled` : ""}`),
    card(percent(busy?.cpu), capacity === undefined ? "CPU busy (capacity unknown)" : `CPU busy of ${cores(capacity.cpu)} · peak ${formatNumber(peak.cpu)}`),
    card(percent(busy?.memoryGiB), capacity === undefined ? "memory busy" : `memory busy of ${formatGiB(capacity.memoryGiB)} · peak ${formatGiB(peak.memoryGiB)}`),
  ];
  if (charts.some((c) => c.resource === "gpus")) cards.push(card(percent(busy?.gpus), `GPUs busy of ${capacity?.gpus ?? "?"} · peak ${peak.gpus}`));
  const summary = input.recorder.summary();
  const legend = [...colours].map(([task, colour]) => `<span><i style="background:${colour}"></i>${escapeHtml(task)}</span>`).join("");

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(input.title)} · taskfit report</title><style>${STYLE}</style></head>
<body>${PATTERN}
<h1>${escapeHtml(input.title)}</h1>
<p class="sub">on ${escapeHtml(input.scheduler)} · started ${escapeHtml(input.startedAt.toISOString())}</p>
${sourcesLine(input.capacitySources)}
${input.error === undefined ? "" : failedBox(input.error)}
${clampNotes(summary)}
<div class="cards">${cards.join("")}</div>
<h2>Resources in use against capacity</h2>
<p class="sub">Blue is what running tasks held; the hatched band below the dashed capacity line is capacity nobody used.</p>
${charts.map((chart) => resourceChart(chart, points, axis)).join("\n")}
${queued ? `<p class="sub">Attempts queued, waiting for room:</p>${resourceChart(queue, points, axis)}` : ""}
<h2>Attempts</h2>
<p class="sub">${lanes.withWaits ? "Pale: queued, waiting for room; solid" : "Solid"}: running; red: failed; grey: cancelled. Hover a bar for its request and wait.</p>
<div class="legend">${legend}</div>
${attemptTimeline(lanes, axis, colours)}
<h2>What tasks used</h2>
<p class="sub">Pale: what each task asked for (its largest request); solid: what its attempts used, as their workers measured it over the whole process tree. Hover a row for the figures; hover an attempt above for its own.</p>
${usedAgainstRequested(summary, colours)}
<h2>Per task</h2>
${summaryTable(summary, colours)}
<footer>Made by taskfit. Times are relative to the first task queued.</footer>
</body></html>
`;
}
