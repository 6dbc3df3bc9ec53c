/**
 * The fifteen preset decorators, each usable four ways:
 *   @smallTask                 @smallTask({ retries: 2 })       (class methods)
 *   smallTask(fn)              smallTask({ retries: 2 })(fn)    (functions)
 * plus the Latch spellings (`small_task`, ...) so Latch code ports by search and replace.
 */
import { ResourceSpecError } from "../errors.js";
import { compilePreset } from "../resources/compile.js";
import type { PresetName } from "../resources/presets.js";
import type { TaskOptions } from "../resources/spec.js";
import { applyTaskDecorator, isApplication } from "./decorate.js";
import type { TaskDecorator } from "./types.js";

/**
 * A preset decorator. The options form comes after the decorator forms (an intersection keeps that
 * order), so an error on a decorated method is reported against the method forms first.
 */
export type PresetDecorator = TaskDecorator & {
  /** The preset with options: `smallTask({ retries: 2, timeout: "1h" })`. */
  (options?: TaskOptions): TaskDecorator;
  readonly preset: PresetName;
};

function presetDecorator(preset: PresetName): PresetDecorator {
  // Options as given: checked by compilePreset when the decorator is applied; the name is needed before.
  const withOptions = (options: unknown) => {
    const name = typeof options === "object" && options !== null && "name" in options ? options.name : undefined;
    if (name !== undefined && (typeof name !== "string" || name.length === 0)) {
      throw new ResourceSpecError({ field: "name", value: name, expected: "a task name as a non-empty string" });
    }
    const apply = (...args: unknown[]): unknown =>
      applyTaskDecorator(preset, name, (task) => compilePreset(preset, options, task), args, apply);
    return apply;
  };
  const decorator = (...args: unknown[]): unknown =>
    isApplication(args)
      ? applyTaskDecorator(preset, undefined, (task) => compilePreset(preset, undefined, task), args, decorator)
      : withOptions(args[0]);
  Object.defineProperty(decorator, "preset", { value: preset, enumerable: true });
  Object.defineProperty(decorator, "name", { value: preset });
  return decorator as unknown as PresetDecorator;
}

export const smallTask = presetDecorator("small_task");
export const mediumTask = presetDecorator("medium_task");
export const largeTask = presetDecorator("large_task");
export const smallGpuTask = presetDecorator("small_gpu_task");
export const largeGpuTask = presetDecorator("large_gpu_task");
export const v100x1Task = presetDecorator("v100_x1_task");
export const v100x4Task = presetDecorator("v100_x4_task");
export const v100x8Task = presetDecorator("v100_x8_task");
export const g6eXlargeTask = presetDecorator("g6e_xlarge_task");
export const g6e2xlargeTask = presetDecorator("g6e_2xlarge_task");
export const g6e4xlargeTask = presetDecorator("g6e_4xlarge_task");
export const g6e8xlargeTask = presetDecorator("g6e_8xlarge_task");
export const g6e12xlargeTask = presetDecorator("g6e_12xlarge_task");
export const g6e16xlargeTask = presetDecorator("g6e_16xlarge_task");
export const g6e24xlargeTask = presetDecorator("g6e_24xlarge_task");

/** The preset decorators keyed by their Latch names. */
export const PRESET_DECORATORS: Readonly<Record<PresetName, PresetDecorator>> = Object.freeze({
  small_task: smallTask,
  medium_task: mediumTask,
  large_task: largeTask,
  small_gpu_task: smallGpuTask,
  large_gpu_task: largeGpuTask,
  v100_x1_task: v100x1Task,
  v100_x4_task: v100x4Task,
  v100_x8_task: v100x8Task,
  g6e_xlarge_task: g6eXlargeTask,
  g6e_2xlarge_task: g6e2xlargeTask,
  g6e_4xlarge_task: g6e4xlargeTask,
  g6e_8xlarge_task: g6e8xlargeTask,
  g6e_12xlarge_task: g6e12xlargeTask,
  g6e_16xlarge_task: g6e16xlargeTask,
  g6e_24xlarge_task: g6e24xlargeTask,
});
