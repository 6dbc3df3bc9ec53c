/** `taskfit --version` and `taskfit presets` start-up against `node -e 0`, each a fresh process. */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { median, ratioLine, section, timed } from "./harness.js";

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

export async function benchCli(): Promise<void> {
  // Start-up is a few tens of ms and the machine is shared: 15 interleaved runs keep one busy moment from deciding the median.
  const runs = 15;
  const times = { node: [] as number[], version: [] as number[], presets: [] as number[] };
  const argv = { node: ["-e", "0"], version: [CLI, "--version"], presets: [CLI, "presets"] };
  for (let i = 0; i < runs; i++) {
    // Interleaved, so a busy moment on the machine hits every contender alike.
    for (const key of ["node", "version", "presets"] as const) times[key].push(await timed(() => execFileSync(process.execPath, argv[key], { stdio: "ignore" })));
  }
  const node = median(times.node);
  section(`CLI start-up, fresh processes (median of ${runs})`, [
    ratioLine("taskfit --version / node -e 0", median(times.version) / node, 1.3, `${median(times.version).toFixed(0)} ms vs ${node.toFixed(0)} ms`),
    ratioLine("taskfit presets / node -e 0", median(times.presets) / node, 1.3, `${median(times.presets).toFixed(0)} ms`),
  ]);
}
