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
  const t = customTask(4, 16)(async function cjs(x) { return x * 2; });
  resolveResources(t, [1]).then(async (r) => {
    if (r.cpu !== 4 || r.memoryGiB !== 16 || (await t(2)) !== 4) throw new Error("CJS require broken");
    console.log("CJS require ok");
  });
'
