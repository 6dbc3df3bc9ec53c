/** Small helpers for drawing the report's SVG by hand: escaping, scales, axis ticks, durations. */

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text safe inside HTML/SVG content and attribute values (task names come from user code). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

/** A linear map from [d0, d1] to [r0, r1]; a zero-width domain maps to r0. */
export function scale(d0: number, d1: number, r0: number, r1: number): (value: number) => number {
  const span = d1 - d0;
  return (value) => (span === 0 ? r0 : r0 + ((value - d0) / span) * (r1 - r0));
}

/** Round numbers (1, 2 or 5 × 10^k) that split [0, max] into about `count` steps. */
export function ticks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0];
  const rough = max / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) as number);
  const out: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** unit of `ms`: milliseconds. "850 ms", "12.4 s", "3 min 05 s", "1 h 02 min". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${Number(s.toFixed(1))} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.round(s - m * 60)).padStart(2, "0")} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

/** A number without float noise: 0.30000000000000004 → "0.3". */
export function formatNumber(value: number): string {
  return String(Number(value.toFixed(3)));
}

/** A min-max pair as "2" when equal, else "1 - 2" (the separator differs between text and HTML). */
export function formatRange([low, high]: readonly [number, number], format: (n: number) => string, separator = " - "): string {
  return low === high ? format(low) : `${format(low)}${separator}${format(high)}`;
}

/** A colour per task, stable within a report, readable on white. */
export function palette(index: number): string {
  const hues = [212, 28, 140, 275, 350, 180, 52, 95, 310, 5];
  const hue = hues[index % hues.length] as number;
  const lightness = 42 + 10 * (Math.floor(index / hues.length) % 2);
  return `hsl(${hue} 62% ${lightness}%)`;
}
