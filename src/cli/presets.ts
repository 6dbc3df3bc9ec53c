/**
 * `taskfit presets`: the preset machines as a table, or as JSON. main.ts runs `taskfit presets` and
 * `taskfit presets --json` without loading the program (commander), so they start about as fast as Node.
 */
import { PRESETS } from "../resources/presets.js";
import { boxTable, colourTerminal, type OutputStream } from "./box-table.js";

const HEAD = ["preset", "cpu", "memory (GiB)", "gpus", "gpu type", "VRAM per GPU (GiB)"];

export function presetsText(json: boolean, stream: OutputStream = process.stdout): string {
  if (json) return JSON.stringify(PRESETS, null, 2);
  const rows = Object.entries(PRESETS).map(([name, p]) => [name, p.cpu, p.memoryGiB, p.gpu, p.gpuType ?? "", p.gpuMemoryGiB ?? ""]);
  return boxTable(HEAD, rows, colourTerminal(stream));
}
