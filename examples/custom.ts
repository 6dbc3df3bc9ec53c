/**
 * The seed's custom example: `customTask(cpu, memory)` with fixed numbers, and the object form with
 * storage, a GPU and a quantity string.
 */
import { customTask } from "taskfit";

/** `@custom_task(4, 16)`: 4 cores, 16 GiB. */
export const sortReads = customTask(4, 16)(async function sortReads(reads: string[]) {
  return [...reads].sort();
});

/** The object form: 500 millicores, 512 MiB, 20 GiB of scratch, one L40S. */
export const embed = customTask({ cpu: "500m", memory: "512Mi", storage: 20, gpu: 1, gpuType: "l40s" })(
  async function embed(sentence: string) {
    return sentence.split(" ").length;
  },
);
