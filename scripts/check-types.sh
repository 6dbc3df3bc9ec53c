#!/usr/bin/env bash
# The published types under the lowest TypeScript the README states (5.4), with skipLibCheck false,
# under TC39 decorators and experimentalDecorators. Usage: check-types.sh DIR, where DIR is a
# project with the packed taskfit installed.
set -euo pipefail
LOWEST=5.4
cd "$1"
npm install --silent --no-audit --no-fund "typescript@~$LOWEST.0" "@types/node@20" >/dev/null
cat > uses-types.ts <<'TS'
import { customTask, smallTask, TaskFile, resolveResources, type ResolvedResources, type TaskfitConfig, type TaskSpec } from "taskfit";
import { RunRecorder } from "taskfit/report";
import { ManualClock } from "taskfit/testing";

const allocateCpu = (files: TaskFile[]) => Math.min(8, files.length);
export const myTask = customTask({ cpu: allocateCpu, memory: 8, storage_gib: (files: TaskFile[]) => files.length })(
  async function myTask(files: TaskFile[], count: number) {
    return files.length * count;
  },
);
export class Models {
  @smallTask async clean(text: string) {
    return text.trim();
  }
}
export const resolved: Promise<ResolvedResources> = resolveResources(myTask, [[new TaskFile("a.fq")], 3]);
export const config = { profiles: { cluster: { scheduler: "slurm", partition: "debug" } } } satisfies TaskfitConfig;
export const spec: TaskSpec = myTask.spec;
export const recorder = new RunRecorder(undefined, { clock: new ManualClock() });
TS
for decorators in false true; do
  cat > tsconfig.json <<JSON
{ "compilerOptions": { "strict": true, "module": "NodeNext", "moduleResolution": "NodeNext", "target": "ES2022",
  "lib": ["ES2023", "esnext.decorators"], "types": ["node"], "skipLibCheck": false, "noEmit": true,
  "experimentalDecorators": $decorators }, "files": ["uses-types.ts"] }
JSON
  npx --no-install tsc -p tsconfig.json || { echo "the published types do not compile under TypeScript $LOWEST (skipLibCheck false, experimentalDecorators $decorators)" >&2; exit 1; }
done
echo "types ok under TypeScript $(npx --no-install tsc --version | cut -d' ' -f2) with skipLibCheck false, both decorator modes"
