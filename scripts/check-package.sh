#!/usr/bin/env bash
# Packs taskfit as npm would publish it, installs the tarball into an empty project, and imports it
# from ESM and from CJS; attw checks that the types resolve under both.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
npx attw --pack . --profile node16
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tarball=$(npm pack --silent --pack-destination "$tmp" | tail -n 1)
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
echo "taskfit command from the package ok ($(npx --no-install taskfit --version))"
