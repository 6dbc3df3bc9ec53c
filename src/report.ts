/**
 * `taskfit/report`: what a run did, for scripts of your own: a RunRecorder collects any
 * scheduler's attempts, renderReport makes the HTML report that `taskfit run --report` writes.
 */
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
export { describeFailure, failureLines, type FailureSummary } from "./reporting/failure.js";
export { usedSummary, type UsedSummary } from "./reporting/used.js";
