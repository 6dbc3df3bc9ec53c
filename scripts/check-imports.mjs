// The import graph of src/ (type imports included): fails on a cycle or on an import that points
// up the layers of docs/architecture.md, and prints the folder-to-folder import counts.
// Run: npm run check:imports
import madge from "madge";

/** Each top-level folder or file of src/ and its floor: an import may only point to a lower floor, or its own folder. */
const FLOORS = {
  "errors.ts": 0,
  // Imports nothing: errors.ts keys its brand with it.
  "global-slot.ts": -1,
  process: 0,
  resources: 1,
  contract: 2,
  task: 3,
  schedulers: 4,
  command: 5,
  config: 5,
  reporting: 5,
  fit: 5,
  cli: 6,
  "index.ts": 7,
  "report.ts": 7,
  "testing.ts": 7,
  "worker.ts": 7,
};

const graph = await madge("src", { fileExtensions: ["ts"], tsConfig: "tsconfig.json", detectiveOptions: { ts: { skipTypeImports: false } } });
const room = (file) => file.split("/")[0];
const problems = [];
for (const cycle of graph.circular()) problems.push(`cycle: ${cycle.join(" -> ")}`);
const counts = new Map();
for (const [file, imports] of Object.entries(graph.obj())) {
  for (const imported of imports) {
    const from = room(file);
    const to = room(imported);
    if (from === to) continue;
    if (!(from in FLOORS) || !(to in FLOORS)) problems.push(`${file}: not in a layer of scripts/check-imports.mjs (add it)`);
    else if (FLOORS[to] >= FLOORS[from]) problems.push(`${file} imports ${imported}: ${to} is not below ${from}`);
    counts.set(`${from} -> ${to}`, (counts.get(`${from} -> ${to}`) ?? 0) + 1);
  }
}
for (const [edge, count] of [...counts].sort()) console.log(`${edge.padEnd(28)} ${count}`);
if (problems.length > 0) {
  console.error([...new Set(problems)].join("\n"));
  process.exit(1);
}
console.log(`no cycle; every import points down the layers (${Object.keys(graph.obj()).length} files)`);
