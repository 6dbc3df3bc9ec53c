/** boxTable draws what cli-table3 draws by default, plain and coloured, for cells of printable ASCII. */
import { createRequire } from "node:module";
import Table from "cli-table3";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { boxTable, type BoxCell, colourTerminal } from "../../src/cli/box-table.js";
import { presetsText } from "../../src/cli/presets.js";
import { PRESETS } from "../../src/resources/presets.js";

// The copy of @colors/colors that cli-table3 itself loads: enabled, it colours as on a terminal.
const require = createRequire(import.meta.url);
const colors = createRequire(require.resolve("cli-table3"))("@colors/colors/safe") as { enable(): void; disable(): void };
beforeAll(() => colors.enable());
afterAll(() => colors.disable());

function cliTable3(head: string[], rows: readonly (readonly BoxCell[])[], colour: boolean): string {
  const table = new Table({ head, ...(colour ? {} : { style: { head: [], border: [] } }) });
  table.push(...rows.map((row) => [...row]));
  return table.toString();
}

const PRESET_HEAD = ["preset", "cpu", "memory (GiB)", "gpus", "gpu type", "VRAM per GPU (GiB)"];
const presetRows = Object.entries(PRESETS).map(([name, p]) => [name, p.cpu, p.memoryGiB, p.gpu, p.gpuType ?? "", p.gpuMemoryGiB ?? ""]);

describe("boxTable", () => {
  it("draws the presets as cli-table3 does, plain and coloured", () => {
    for (const colour of [false, true]) expect(boxTable(PRESET_HEAD, presetRows, colour)).toBe(cliTable3(PRESET_HEAD, presetRows, colour));
    expect(boxTable(PRESET_HEAD, presetRows, true)).toContain("\x1b[31m preset ");
  });

  it("draws a head alone, empty cells and numbers as cli-table3 does", () => {
    const cases: [string[], BoxCell[][]][] = [
      [["only"], []],
      [["a", ""], [["", ""]]],
      [["n"], [[0], [1.5], [-3], [1e21]]],
      [["wide heading", "x"], [["a", "a much longer cell"]]],
    ];
    for (const [head, rows] of cases) {
      for (const colour of [false, true]) expect(boxTable(head, rows, colour)).toBe(cliTable3(head, rows, colour));
    }
  });

  it("matches cli-table3 on any head and rows of printable ASCII", () => {
    const cell = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.double({ noNaN: true }));
    const table = fc.integer({ min: 1, max: 5 }).chain((columns) =>
      fc.tuple(fc.array(fc.string({ maxLength: 12 }), { minLength: columns, maxLength: columns }), fc.array(fc.array(cell, { minLength: columns, maxLength: columns }), { maxLength: 6 }), fc.boolean()),
    );
    fc.assert(fc.property(table, ([head, rows, colour]) => boxTable(head, rows, colour) === cliTable3(head, rows, colour)));
  });
});

describe("colourTerminal", () => {
  it("colours only a terminal that takes colours", () => {
    expect(colourTerminal({})).toBe(false);
    expect(colourTerminal({ isTTY: false })).toBe(false);
    expect(colourTerminal({ isTTY: true, hasColors: () => false })).toBe(false);
    expect(colourTerminal({ isTTY: true, hasColors: () => true })).toBe(true);
  });
});

describe("presetsText", () => {
  it("is the presets' table for a pipe, coloured for a colour terminal, and the presets as JSON", () => {
    expect(presetsText(false, {})).toBe(cliTable3(PRESET_HEAD, presetRows, false));
    expect(presetsText(false, { isTTY: true, hasColors: () => true })).toBe(cliTable3(PRESET_HEAD, presetRows, true));
    expect(JSON.parse(presetsText(true, {}))).toEqual(JSON.parse(JSON.stringify(PRESETS)));
  });
});
