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
  CpuQuantitySchema,
  ByteQuantitySchema,
  DurationSchema,
  EscalationSchema,
  RetryPolicySchema,
  RETRYABLE_CODES,
  DEFAULT_RETRY_ON,
  CustomTaskSpecSchema,
  type ByteQuantity,
  type CpuQuantity,
  type CustomTaskSpec,
  type Duration,
  type Dynamic,
  type Escalation,
  type MaybePromise,
  type ResolvedResources,
  type ResourceField,
  type ResourceFn,
  type ResourceSource,
  type RetryPolicy,
  type RetryableCode,
  type TaskOptions,
} from "./resources/spec.js";
export { parseCpu, parseGiB, parseDurationSeconds, formatGiB } from "./resources/quantity.js";
export type { ResolveOptions } from "./resources/resolve.js";
export * from "./task/preset-decorators.js";
export * from "./task/latch-aliases.js";
export { customTask, type PositionalOptions } from "./task/custom-task.js";
export { resolveResources, asTask } from "./task/task.js";
export { tasksNamed, taskNames } from "./task/registry.js";
export { isMain } from "./task/is-main.js";
export { taskGroup, type TaskGroup, type TaskGroupOptions } from "./task/group.js";
export { TaskFile, reviveTaskFiles, type TaskFileJSON } from "./task/file.js";
export type { Task, TaskOf, TaskSpec, TaskDecorator, CallOverrides, ParamsFit, CheckSpec } from "./task/types.js";
export type { Invocation, Scheduler } from "./schedulers/scheduler.js";
export {
  LocalScheduler,
  Isolation,
  type LocalSchedulerOptions,
  type LocalSchedulerEvents,
  type SchedulerStats,
  type TaskEvent,
  type ClampEvent,
} from "./schedulers/local/local-scheduler.js";
export type { Capacity, CapacityOptions, CapacitySources, DetectedCapacity, GpuDevice } from "./schedulers/local/capacity.js";
export type { GpuMatch } from "./schedulers/local/gpu-match.js";
export type { OversizePolicy } from "./schedulers/local/oversize.js";
export type { Usage } from "./schedulers/local/admission.js";
export { currentTask, type RunningTask } from "./schedulers/context.js";
export { run, pipe, type CommandOptions, type CommandResult, type CommandSpec, type Input, type Output } from "./command/command.js";
export { THREAD_VARIABLES } from "./command/threads.js";
export { systemClock, type Clock } from "./schedulers/clock.js";
export { ManualClock } from "./schedulers/manual-clock.js";
export { getDefaultScheduler, setDefaultScheduler } from "./schedulers/default.js";
export type { TaskfitConfig } from "./config/settings.js";
export { withAbortSignal, type SignalledScheduler } from "./schedulers/with-abort-signal.js";
export {
  AttemptOutcome,
  RunRecorder,
  type AttemptRecord,
  type RecordableScheduler,
  type RunRecorderOptions,
  type TaskSummary,
} from "./reporting/run-recorder.js";
export { renderReport, type RunReportInput } from "./reporting/html-report.js";
export { peakUsage, usageOverTime, utilisation, type ResourceTotals, type UsagePoint } from "./reporting/usage.js";
export { SlurmScheduler, type SlurmSchedulerOptions, type SlurmSchedulerEvents } from "./schedulers/slurm/slurm-scheduler.js";
export {
  KubernetesScheduler,
  type KubernetesSchedulerOptions,
  type KubernetesSchedulerEvents,
} from "./schedulers/kubernetes/kubernetes-scheduler.js";
export type { JobManifest, Toleration } from "./schedulers/kubernetes/manifest.js";
