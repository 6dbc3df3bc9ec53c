/**
 * `taskfit`: declaring tasks and their resources, and running them (the schedulers). The run
 * report is `taskfit/report` (report.ts); test aids are `taskfit/testing` (testing.ts).
 */
export {
  ErrorCode,
  TaskfitError,
  ResourceSpecError,
  ResourceResolutionError,
  ResourceLimitError,
  UnschedulableError,
  TaskExecutionError,
  TaskTimeoutError,
  TaskCancelledError,
  OutOfMemoryError,
  SerializationError,
  TaskNotFoundError,
  SubmissionError,
  ConfigurationError,
  ModuleLoadError,
  WorkerProtocolError,
  type Shortfall,
  type FailureDetails,
} from "./errors.js";
export { PRESETS, PRESET_NAMES, GPU_CATALOGUE, GPU_TYPES, type Preset, type PresetName, type GpuType, type KnownGpuType } from "./resources/presets.js";
export { registerGpuType, gpuTypeInfo, gpuTypeOfModel, type GpuTypeInfo } from "./resources/gpu-types.js";
export { LIMITS, OverLimitPolicy, type Limits, type ClampRecord } from "./resources/limits.js";
export {
  RETRYABLE_CODES,
  DEFAULT_RETRY_ON,
  type CustomTaskSpec,
  type Dynamic,
  type Escalation,
  type MaybePromise,
  type ResolvedResources,
  type ResourceFields,
  type ResourceFn,
  type ResourceSource,
  type RetryPolicy,
  type RetryableCode,
  type TaskOptions,
} from "./resources/spec.js";
export { formatGiB, type ByteQuantity, type CpuQuantity, type Duration } from "./resources/quantity.js";
export type {
  LimitedField,
  RequiredResourceKey,
  ResourceField,
  ResourceFieldTable,
  ResourceInput,
  ResourceKey,
} from "./resources/fields.js";
export type { ResolveOptions } from "./resources/resolve.js";
export {
  smallTask,
  mediumTask,
  largeTask,
  smallGpuTask,
  largeGpuTask,
  v100x1Task,
  v100x4Task,
  v100x8Task,
  g6eXlargeTask,
  g6e2xlargeTask,
  g6e4xlargeTask,
  g6e8xlargeTask,
  g6e12xlargeTask,
  g6e16xlargeTask,
  g6e24xlargeTask,
  type PresetDecorator,
} from "./task/preset-decorators.js";
export * from "./task/latch-aliases.js";
export { customTask, type NoExtraKeys, type OptionKeys, type PositionalOptions } from "./task/custom-task.js";
export { resolveResources, asTask, planCall } from "./task/task.js";
export { isMain } from "./task/is-main.js";
export { taskGroup, type TaskGroup, type TaskGroupOptions } from "./task/group.js";
export { TaskFile, reviveTaskFiles, totalGiB, type TaskFileJSON } from "./task/file.js";
export type { DeclaredFunction, TaskSpec } from "./task/declared-spec.js";
export { TASK_METADATA_KEY, type TaskMetadata } from "./task/metadata.js";
export type {
  Task,
  TaskOf,
  TaskDecorator,
  CallOverrides,
  // The compile-time checks of a task's spec and methods: they appear in the types above and in
  // the compiler's messages, so they can be named.
  AnyFunction,
  CheckAsync,
  CheckSpec,
  ExtraParameterKeys,
  FirstMismatch,
  MisfitKeys,
  ParamsFit,
} from "./task/types.js";
export {
  AttemptEnd,
  type AttemptEventName,
  type AttemptEvents,
  type AttemptRef,
  type Capacity,
  type ClampEvent,
  type FinishedEvent,
  type Invocation,
  type MeasuredUsage,
  type Plan,
  type PlannedCall,
  type QueuedEvent,
  type Scheduler,
  type StartedEvent,
  type TaskLimit,
  type TaskRef,
  type WaitingEvent,
} from "./contract/scheduler.js";
export { LocalScheduler, Isolation, type LocalSchedulerOptions, type SchedulerStats } from "./schedulers/local/local-scheduler.js";
export type { MachineCapacity, CapacityOptions, CapacitySources, DetectedCapacity, GpuDevice } from "./schedulers/local/capacity.js";
export type { GpuMatch } from "./schedulers/local/gpu-match.js";
export type { OversizePolicy } from "./schedulers/local/oversize.js";
export type { Usage } from "./schedulers/local/admission.js";
export { currentTask, type RunningTask } from "./contract/running-task.js";
export { run, pipe, type CommandOptions, type CommandResult, type CommandSpec, type Input, type Output } from "./command/command.js";
export { THREAD_VARIABLES } from "./command/threads.js";
export { systemClock, type Clock } from "./contract/clock.js";
export { getDefaultScheduler, setDefaultScheduler } from "./config/default-scheduler.js";
export type { TaskfitConfig } from "./config/settings.js";
export { withAbortSignal, type SignalledScheduler } from "./contract/with-abort-signal.js";
export { SlurmScheduler, type SlurmSchedulerOptions } from "./schedulers/slurm/slurm-scheduler.js";
export { KubernetesScheduler, type KubernetesSchedulerOptions } from "./schedulers/kubernetes/kubernetes-scheduler.js";
export type { JobManifest, NodeAffinity, PodSpec, Toleration } from "./schedulers/kubernetes/manifest.js";
