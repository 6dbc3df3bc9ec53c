#!/usr/bin/env bash
# Packs taskfit as npm would publish it, installs the tarball into an empty project, and imports its
# entries (taskfit, taskfit/report, taskfit/testing) from ESM and from CJS; attw checks that the
# types resolve under both, and scripts/public-types.ts that no public declaration names a type
# that no entry exports.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts=$(pwd)/scripts
npm run build --silent
# taskfit/worker is a script to bundle or run (no exports, no types), not a module to import.
npx attw --pack . --profile node16 --exclude-entrypoints ./worker
npx tsx "$scripts/public-types.ts" dist/index.d.ts dist/report.d.ts dist/testing.d.ts
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tarball=$(npm pack --silent --pack-destination "$tmp" | tail -n 1)

# What the tarball holds: the licence, and nothing that nothing uses. The command is ESM only
# (dist/cli.cjs is built but not shipped), the worker entry is dist/worker.js for both builds, and
# every source map carries the sources it points at. `name-HASH.js` files are the shared chunks
# and the command's parts it imports only when a command runs (code splitting); `name-HASH.d.ts`
# (and `.d.cts`) the declarations the typed entries share.
files=$(tar -tzf "$tmp/$tarball" | sed 's|^package/||' | sort)
entries=(dist/{index,report,testing}.{js,cjs,d.ts,d.cts})
for required in LICENSE README.md package.json "${entries[@]}" dist/cli.js dist/worker.js; do
  grep -qx "$required" <<<"$files" || { echo "the package lacks $required" >&2; exit 1; }
done
unexpected=$(grep -vxE 'LICENSE|README.md|package.json|dist/((index|report|testing)\.(js|cjs|d\.ts|d\.cts)|cli\.js|worker\.js|[a-z-]+-[A-Z0-9]{8}\.js|[a-z-]+-[A-Za-z0-9_-]{8}\.d\.c?ts)(\.map)?' <<<"$files" || true)
[[ -z "$unexpected" ]] || { echo "files in the package that nothing uses: $unexpected" >&2; exit 1; }
grep -q "MIT License" <(tar -xzOf "$tmp/$tarball" package/LICENSE) || { echo "LICENSE is not the MIT licence package.json names" >&2; exit 1; }
tar -xzf "$tmp/$tarball" -C "$tmp"
node -e '
  const fs = require("fs"), path = require("path");
  const dir = process.argv[1];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".map"))) {
    const map = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"));
    const missing = map.sources.filter((_, i) => typeof map.sourcesContent?.[i] !== "string");
    if (missing.length > 0) throw new Error(`${file} points at sources it does not carry: ${missing.join(", ")}`);
  }
' "$tmp/package/dist"
rm -rf "$tmp/package"
echo "package contents ok: $(wc -l <<<"$files") files, LICENSE, source maps with their sources"

cd "$tmp"
npm init -y >/dev/null
npm install --silent --no-audit --no-fund "./$tarball" >/dev/null
node --input-type=module -e '
  import { smallTask, PRESETS, resolveResources } from "taskfit";
  const t = smallTask(async function esm(x) { return x + 1; });
  const r = await resolveResources(t, [1]);
  if (r.cpu !== PRESETS.small_task.cpu || (await t(1)) !== 2) throw new Error("ESM import broken");
  console.log("ESM import ok");
'
node -e '
  const { customTask, resolveResources } = require("taskfit");
  const t = customTask(1, 2)(async function cjs(x) { return x * 2; });
  resolveResources(t, [1]).then(async (r) => {
    if (r.cpu !== 1 || r.memoryGiB !== 2 || (await t(2)) !== 4) throw new Error("CJS require broken");
    console.log("CJS require ok");
  });
'
# taskfit/report and taskfit/testing from both module systems: a run on a ManualClock, recorded
# and rendered; each entry's classes work with the core's scheduler.
cat > report-run.js <<'JS'
module.exports = async function reportRun({ customTask, LocalScheduler }, { RunRecorder, renderReport }, { ManualClock }) {
  const clock = new ManualClock();
  const scheduler = new LocalScheduler({ capacity: { cpu: 2, memoryGiB: 2, gpus: 0 }, clock });
  const recorder = new RunRecorder(scheduler);
  const step = customTask(1, 1)(async function reportedStep(x) {
    return x;
  });
  const results = await Promise.all([step.with({ scheduler })(1), step.with({ scheduler })(2)]);
  const html = renderReport({ title: "check", scheduler: "local", capacity: { cpu: 2, memoryGiB: 2, gpu: 0 }, recorder, startedAt: new Date(clock.now()) });
  const [summary] = recorder.summary();
  if (results.join() !== "1,2" || summary?.task !== "reportedStep" || summary.attempts !== 2 || !html.includes("reportedStep")) {
    throw new Error("report of a run: " + JSON.stringify({ results, summary }));
  }
};
JS
node --input-type=module -e '
  import { createRequire } from "node:module";
  import * as core from "taskfit";
  import * as report from "taskfit/report";
  import * as testing from "taskfit/testing";
  await createRequire(import.meta.url)("./report-run.js")(core, report, testing);
  console.log("ESM import of taskfit/report and taskfit/testing ok");
'
node -e '
  require("./report-run.js")(require("taskfit"), require("taskfit/report"), require("taskfit/testing")).then(() => console.log("CJS require of taskfit/report and taskfit/testing ok"));
'

# Process isolation from the installed package: the worker entry in dist/ must find a task defined
# by an ESM module and by a CommonJS one.
cat > tasks.mjs <<'JS'
import { currentTask, customTask } from "taskfit";
export const where = customTask(1, 0.25)(async function where(x) {
  return { x, pid: process.pid, attempt: currentTask()?.attempt };
});
JS
cat > tasks.cjs <<'JS'
const { customTask } = require("taskfit");
exports.double = customTask(1, 0.25)(async function double(x) { return { x: x * 2, pid: process.pid }; });
JS
node --input-type=module -e '
  import { LocalScheduler } from "taskfit";
  import { where } from "./tasks.mjs";
  import cjs from "./tasks.cjs";
  const scheduler = new LocalScheduler({ isolation: "process", capacity: { cpu: 1, memoryGiB: 1, gpus: 0 } });
  const a = await where.with({ scheduler })(5);
  const b = await cjs.double.with({ scheduler })(5);
  if (a.x !== 5 || a.pid === process.pid || a.attempt !== 1) throw new Error("ESM task in a child: " + JSON.stringify(a));
  if (b.x !== 10 || b.pid === process.pid) throw new Error("CJS task in a child: " + JSON.stringify(b));
  console.log("process isolation from the package ok");
'

# The installed `taskfit` command (ESM) running an ESM workflow, and a task of a CommonJS module:
# the module's copy of taskfit is dist/index.cjs, the command's is ESM, and retries must still see
# the task's error for what it is (errors match instanceof across copies).
cat > flow.mjs <<'JS'
import { where } from "./tasks.mjs";
export default async function flow(n) {
  return (await Promise.all([1, 2, 3].map((x) => where(x)))).length + n;
}
JS
cat > flaky.cjs <<'JS'
const { customTask } = require("taskfit");
let calls = 0;
exports.flaky = customTask({ cpu: 1, memory: 0.25, retries: 1 })(async function flaky() {
  calls += 1;
  if (calls === 1) throw new Error("first attempt fails");
  return calls;
});
JS
local=(--cpu 1 --memory 1Gi --gpus 0 --no-progress)
out=$(npx --no-install taskfit run flow.mjs --args '[10]' "${local[@]}")
[[ "$out" == "13" ]] || { echo "taskfit run of an ESM workflow from the package printed: $out" >&2; exit 1; }
npx --no-install taskfit run flaky.cjs flaky --json "${local[@]}" | node -e '
  const out = JSON.parse(require("fs").readFileSync(0, "utf8"));
  if (out.result !== 2 || out.attempts.error !== 1 || out.attempts.ok !== 1) throw new Error("retry of a CJS task under the ESM command: " + JSON.stringify(out));
'
# A failure policy and a label from the package: an OutOfMemoryError thrown by a CommonJS task in a
# child process comes back as one (another copy of taskfit made it) and escalates; the label shows.
cat > oom.cjs <<'JS'
const { currentTask, customTask, OutOfMemoryError } = require("taskfit");
exports.align = customTask({ cpu: 1, memory: 0.25, label: (sample) => sample, retries: { count: 2, on: ["OUT_OF_MEMORY"], escalate: { memory: 2 } } })(
  async function align(sample) {
    const { memoryGiB } = currentTask().resources;
    if (memoryGiB < 1) throw new OutOfMemoryError({ task: "align", memoryGiB, detail: "bwa was OOM-killed" });
    return memoryGiB;
  },
);
JS
npx --no-install taskfit run oom.cjs align --args '["s3"]' --isolation process --json "${local[@]}" | node -e '
  const out = JSON.parse(require("fs").readFileSync(0, "utf8"));
  if (out.result !== 1 || out.attempts.error !== 2 || out.tasks.length !== 1 || out.tasks[0].label !== "s3") throw new Error("escalation of a labelled CJS task in a child process: " + JSON.stringify(out));
'
# taskfit presets answers without the program (main.ts): its table and JSON from the installed files.
npx --no-install taskfit presets | grep -q "^│ small_task " || { echo "taskfit presets from the package printed no table" >&2; exit 1; }
npx --no-install taskfit presets --json | node -e 'if (JSON.parse(require("fs").readFileSync(0, "utf8")).small_task.cpu !== 2) throw new Error("taskfit presets --json from the package")'
echo "taskfit command from the package ok ($(npx --no-install taskfit --version))"

# run/pipe and the cancellation of a failed run, from the package: the command (ESM) opens the
# task group, a CommonJS module's tasks join it; the failed run leaves no tool running behind.
cat > tools.cjs <<'JS'
const { existsSync } = require("node:fs");
const { customTask, pipe, run } = require("taskfit");
exports.lines = customTask(1, 0.25)(async function lines() {
  return (await pipe([["printf", ["a\\nb\\n"]], ["wc", ["-l"]]])).stdout.trim();
});
exports.slow = customTask(1, 0.25)(async function slow(dir) {
  await run("sh", ["-c", 'sleep 20 & echo $! > "$0/pid"; wait $!; echo late > "$0/late"', dir]);
});
exports.breaks = customTask(1, 0.25)(async function breaks(dir) {
  while (!existsSync(`${dir}/pid`)) await new Promise((resolve) => setTimeout(resolve, 50));
  throw new Error("bad sample sheet");
});
JS
cat > failing.mjs <<'JS'
import tools from "./tools.cjs";
export default async function failing(dir) {
  return Promise.all([tools.slow(dir), tools.breaks(dir)]);
}
JS
out=$(npx --no-install taskfit run tools.cjs lines "${local[@]}")
[[ "$out" == '"2"' ]] || { echo "pipe() in a CJS task printed: $out" >&2; exit 1; }
mkdir work
code=0
# Two cores: both tasks run at once.
npx --no-install taskfit run failing.mjs --args "[\"$tmp/work\"]" --json --cpu 2 --memory 1Gi --gpus 0 --no-progress > failed.json || code=$?
[[ $code -eq 1 ]] || { echo "a failed run exited $code, not 1" >&2; exit 1; }
node -e '
  const out = JSON.parse(require("fs").readFileSync("failed.json", "utf8"));
  if (out.attempts.error !== 1 || out.attempts.cancelled !== 1) throw new Error("a failed run: " + JSON.stringify(out.attempts));
'
sleep 1 # the kernel reaps the stopped tool
if kill -0 "$(cat work/pid)" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$(cat work/pid)/status"; then
  echo "the tool of the cancelled task is still running" >&2; exit 1
fi
[[ ! -e work/late ]] || { echo "the cancelled task's tool wrote its file" >&2; exit 1; }
echo "run/pipe and the cancellation of a failed run from the package ok"
# A TypeScript module where tsx is not installed: one line that says how to install it.
cat > needs-tsx.ts <<'TS'
export default async function flow(): Promise<number> { return 1; }
TS
set +e
out=$(npx --no-install taskfit run needs-tsx.ts 2>&1)
rc=$?
set -e
expected="taskfit: MODULE_LOAD_FAILED: Could not load needs-tsx.ts: a TypeScript module needs tsx, which is not installed: npm install --save-dev tsx (or run the compiled .js)"
[[ $rc == 1 && "$out" == "$expected" ]] || { echo "taskfit run of a .ts module without tsx (exit $rc) printed: $out" >&2; exit 1; }
echo "a .ts module without tsx: one clear line, exit 1"

# The lowest TypeScript the published types compile with (the README states it), with
# skipLibCheck false, in both decorator modes.
bash "$scripts/check-types.sh" "$tmp"
