/**
 * Checks a Job before it is submitted: kubernetes-models' schema (structure, quantity formats) and
 * the rules the schema misses (the API server enforces them, but a plan should fail the same way
 * without a cluster): GPUs whole with request = limit, requests <= limits, nothing negative,
 * DNS-1123 name, valid labels.
 */
import { SubmissionError } from "../../errors.js";
import { GPU_RESOURCE, type JobManifest } from "./manifest.js";

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

const SUFFIXES: Readonly<Record<string, number>> = { m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };

/** A Kubernetes quantity as a number (in base units), or NaN when it is not one. */
export function quantityValue(quantity: string): number {
  const match = /^(-?\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(quantity);
  if (!match) return Number.NaN;
  return Number(match[1]) * (SUFFIXES[match[2] ?? ""] as number);
}

/** The rules kubernetes-models' schema does not check; returns the problems found. */
export function taskfitRules(job: JobManifest): string[] {
  const problems: string[] = [];
  const { name } = job.metadata;
  if (name.length > 63 || !DNS_1123_LABEL.test(name)) problems.push(`metadata.name ${JSON.stringify(name)} is not a DNS-1123 label of at most 63 characters`);
  for (const [key, value] of Object.entries(job.metadata.labels)) {
    if (key.length > 253 || !LABEL_KEY.test(key)) problems.push(`label key ${JSON.stringify(key)} is not valid`);
    if (value.length > 63 || !LABEL_VALUE.test(value)) problems.push(`label ${key}=${JSON.stringify(value)} is not a valid label value`);
  }
  for (const [i, container] of job.spec.template.spec.containers.entries()) {
    const { requests, limits } = container.resources;
    for (const [resource, quantity] of [...Object.entries(requests), ...Object.entries(limits)]) {
      const value = quantityValue(quantity);
      if (!(value >= 0)) problems.push(`containers[${i}] ${resource} ${JSON.stringify(quantity)} is not a non-negative quantity`);
    }
    for (const resource of new Set([...Object.keys(requests), ...Object.keys(limits)])) {
      const request = requests[resource];
      const limit = limits[resource];
      if (request !== undefined && limit !== undefined && quantityValue(request) > quantityValue(limit)) {
        problems.push(`containers[${i}] ${resource} request ${request} is more than its limit ${limit}`);
      }
    }
    const gpuRequest = requests[GPU_RESOURCE];
    const gpuLimit = limits[GPU_RESOURCE];
    if (gpuRequest !== undefined || gpuLimit !== undefined) {
      if (gpuRequest !== gpuLimit) problems.push(`containers[${i}] ${GPU_RESOURCE} request ${gpuRequest} must equal its limit ${gpuLimit}`);
      if (!/^\d+$/.test(gpuLimit ?? "")) problems.push(`containers[${i}] ${GPU_RESOURCE} ${JSON.stringify(gpuLimit)} must be a whole number`);
    }
  }
  return problems;
}

/** Both checks; a SubmissionError listing every problem when there is one. */
export async function validateJob(job: JobManifest, task: string): Promise<void> {
  const problems = taskfitRules(job);
  let models: typeof import("kubernetes-models/batch/v1/Job");
  try {
    models = await import("kubernetes-models/batch/v1/Job");
  } catch (cause) {
    throw new SubmissionError({ task, scheduler: "Kubernetes", detail: "the optional peer dependency kubernetes-models@4 is not installed (npm install kubernetes-models@4.5.1)", cause });
  }
  try {
    new models.Job(job as never).validate();
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  }
  if (problems.length > 0) {
    throw new SubmissionError({ task, scheduler: "Kubernetes", detail: `the Job ${job.metadata.name} is not valid: ${problems.join("; ")}` });
  }
}
