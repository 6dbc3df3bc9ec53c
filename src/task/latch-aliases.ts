/** The Latch SDK's spellings, so `from latch.resources.tasks import small_task` ports by search and replace. */
export {
  smallTask as small_task,
  mediumTask as medium_task,
  largeTask as large_task,
  smallGpuTask as small_gpu_task,
  largeGpuTask as large_gpu_task,
  v100x1Task as v100_x1_task,
  v100x4Task as v100_x4_task,
  v100x8Task as v100_x8_task,
  g6eXlargeTask as g6e_xlarge_task,
  g6e2xlargeTask as g6e_2xlarge_task,
  g6e4xlargeTask as g6e_4xlarge_task,
  g6e8xlargeTask as g6e_8xlarge_task,
  g6e12xlargeTask as g6e_12xlarge_task,
  g6e16xlargeTask as g6e_16xlarge_task,
  g6e24xlargeTask as g6e_24xlarge_task,
} from "./preset-decorators.js";
export { customTask as custom_task } from "./custom-task.js";
