/** `npm run bench`: every benchmark, each printing ratios against a baseline measured in the same run. */
import { benchLocal } from "./local.js";
import { benchReport } from "./report.js";
import { benchResolve } from "./resolve.js";
import { benchSlurm } from "./slurm.js";

await benchResolve();
await benchLocal();
await benchSlurm();
await benchReport();
