/**
 * A table drawn the way cli-table3 draws one by default (a box, a rule under every row, one space
 * of padding; on a colour terminal the head red and the borders grey), for cells of printable ASCII
 * only: widths are counted in characters. `taskfit presets` draws with it because loading and laying
 * out cli-table3 (string-width's emoji pattern, the span layout) takes longer than Node takes to start.
 */

/** One cell: a string or a number, shown as `String(value)` like cli-table3 does. */
export type BoxCell = string | number;

const grey = (text: string) => `\x1b[90m${text}\x1b[39m`;
const red = (text: string) => `\x1b[31m${text}\x1b[39m`;
const plain = (text: string) => text;

/** What colourTerminal looks at: a pipe or a file has no hasColors. */
export interface OutputStream {
  readonly isTTY?: boolean;
  hasColors?(): boolean;
}

/** Whether a table for this stream is coloured: a terminal that takes colours (Node reads NO_COLOR, FORCE_COLOR, TERM). */
export function colourTerminal(stream: OutputStream): boolean {
  return stream.isTTY === true && stream.hasColors?.() === true;
}

export function boxTable(head: readonly string[], rows: readonly (readonly BoxCell[])[], colour: boolean): string {
  const border = colour ? grey : plain;
  const heading = colour ? red : plain;
  const widths = head.map((title, i) => Math.max(title.length, ...rows.map((row) => String(row[i] ?? "").length)));
  // cli-table3 paints each column's stretch of a rule on its own, the right corner with the last.
  const rule = (left: string, middle: string, right: string) =>
    widths.map((width, i) => border(`${i === 0 ? left : middle}${"─".repeat(width + 2)}${i === widths.length - 1 ? right : ""}`)).join("");
  const line = (cells: readonly BoxCell[], paint: (text: string) => string) =>
    `${widths.map((width, i) => `${border("│")}${paint(` ${String(cells[i] ?? "").padEnd(width)} `)}`).join("")}${border("│")}`;
  return [rule("┌", "┬", "┐"), line(head, heading), ...rows.flatMap((row) => [rule("├", "┼", "┤"), line(row, plain)]), rule("└", "┴", "┘")].join("\n");
}
