// The task the Slurm bench runs, in plain JavaScript so that each job's worker needs no TypeScript loader.
import { customTask } from "taskfit";

export const benchNoop = customTask({ cpu: 1, memory: "128Mi" })(async function benchNoop(i) {
  return i;
});
