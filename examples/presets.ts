/**
 * The seed's preset example: presets on functions and on class methods, the Latch spelling too.
 */
import { largeGpuTask, small_task, smallTask, v100x1Task } from "taskfit";

/** A function task: `smallTask(fn)`. */
export const countLines = smallTask(async function countLines(text: string) {
  return text.split("\n").length;
});

/** The Latch spelling, with options: `small_task({ retries: 2 })(fn)`. */
export const normalise = small_task({ retries: 2 })(async function normalise(text: string) {
  return text.trim().toLowerCase();
});

export class Models {
  constructor(readonly modelName: string) {}

  /** A method task keeps `this`. */
  @largeGpuTask
  async inference(batch: readonly number[]) {
    return `${this.modelName}: ${batch.length} items`;
  }

  @v100x1Task({ timeout: "2h" })
  async finetune(epochs: number) {
    return `${this.modelName} tuned for ${epochs} epochs`;
  }
}
