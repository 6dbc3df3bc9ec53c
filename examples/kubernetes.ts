/**
 * The Job the seed's dynamic example would submit to Kubernetes, printed as YAML without a
 * cluster: `npm run example:kubernetes`. Requests equal limits; the arguments travel as JSON in the
 * TASKFIT_REQUEST environment variable.
 */
import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubernetesScheduler, planCall, TaskFile } from "taskfit";
import { myTask } from "./dynamic.js";

const dir = await mkdtemp(join(tmpdir(), "taskfit-k8s-example-"));
try {
  const files = await Promise.all(
    [300, 500, 700].map(async (mib, i) => {
      const path = join(dir, `reads_${i + 1}.fastq`);
      await writeFile(path, "");
      await truncate(path, mib * 1024 ** 2);
      return new TaskFile(path);
    }),
  );
  const kubernetes = new KubernetesScheduler({ image: "ghcr.io/example/pipeline:1.0", namespace: "pipelines" });
  console.log((await kubernetes.plan(await planCall(myTask, [files, 2]))).text);
} finally {
  await rm(dir, { recursive: true, force: true });
}
