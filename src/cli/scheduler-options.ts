/**
 * `taskfit run --scheduler local|slurm|kubernetes` (and `plan --target`) and each one's options,
 * merged over the profile `--profile` (or `TASKFIT_PROFILE`) names, checked before anything runs:
 * a bad value is one clear error naming the option or the config file's key, never a default
 * silently used instead.
 */
import { findConfigFile, loadProfile, PROFILE_ENV, type ProfileSettings } from "../config/config-file.js";
import type { SchedulerFlags } from "./scheduler-flags.js";
import { SCHEDULERS, SETTING_SCHEDULERS, type SchedulerKind, type SchedulerSettings, type SettingKey } from "../config/settings.js";
import type { Capacity, Scheduler } from "../contract/scheduler.js";
import { ConfigurationError } from "../errors.js";
import { parseCpu, parseGiB, parseGpu, type Parsed } from "../resources/quantity.js";
import type { ResourceTotals } from "../reporting/usage.js";

export { SCHEDULERS, type SchedulerKind, type SchedulerSettings };

const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

const BARE_NUMBER = /^\s*-?\d+(\.\d+)?\s*$/;

function quantity(flag: string, text: string, parse: (value: unknown) => Parsed, bareNumber: boolean): number {
  // A bare number is cores or GPUs for --cpu and --gpus; --memory needs a unit, as "8" does in code.
  const value = bareNumber && BARE_NUMBER.test(text) ? Number(text) : text;
  const parsed = parse(value);
  if (!parsed.ok) throw new ConfigurationError({ field: flag, value: text, expected: parsed.expected });
  return parsed.value;
}

function pollMs(text: string): number {
  const ms = Number(text);
  if (!Number.isFinite(ms) || ms < 10) throw new ConfigurationError({ field: "--poll-ms", value: text, expected: "a number of milliseconds from 10 up" });
  return ms;
}

function arrayMaxSize(text: string): number {
  const size = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || size < 1) throw new ConfigurationError({ field: "--array-max-size", value: text, expected: "a whole number of calls from 1 up" });
  return size;
}

function workerCommand(text: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || parsed.some((part) => typeof part !== "string")) {
    throw new ConfigurationError({ field: "--worker-command", value: text, expected: 'a JSON array of strings, e.g. ["node","/app/dist/worker.js"]' });
  }
  return parsed as string[];
}

/** The options given on the command line, parsed; keys not given are absent. */
function parseFlags(flags: SchedulerFlags, given: (key: string) => boolean): ProfileSettings {
  const out: Record<string, unknown> = {};
  const text = (key: keyof SchedulerFlags) => (given(key) ? (flags[key] as string | undefined) : undefined);
  const set = (key: string, value: unknown) => {
    if (value !== undefined) out[key] = value;
  };
  const cpu = text("cpu");
  const memory = text("memory");
  const gpus = text("gpus");
  const poll = text("pollMs");
  const arraySize = text("arrayMaxSize");
  const worker = text("workerCommand");
  set("scheduler", text("scheduler"));
  if (cpu !== undefined) set("cpu", quantity("--cpu", cpu, parseCpu, true));
  if (memory !== undefined && BARE_NUMBER.test(memory)) {
    // As `memory: "8"` in code: a bare number is bytes to Kubernetes and GiB to a Latch user.
    throw new ConfigurationError({ field: "--memory", value: memory, expected: `a memory size with a unit, e.g. --memory ${memory.trim()}Gi (a number without one is refused, as "${memory.trim()}" is in code)` });
  }
  if (memory !== undefined) set("memory", quantity("--memory", memory, parseGiB, false));
  if (gpus !== undefined) set("gpus", quantity("--gpus", gpus, parseGpu, true));
  if (poll !== undefined) set("pollMs", pollMs(poll));
  if (arraySize !== undefined) set("arrayMaxSize", arrayMaxSize(arraySize));
  if (worker !== undefined) set("workerCommand", workerCommand(worker));
  for (const key of ["oversize", "gpuMatch", "isolation", "workDir", "partition", "account", "image", "namespace", "kubeconfig", "imageDir"] as const) set(key, text(key));
  return out as ProfileSettings;
}

/**
 * The settings for a run or a plan: the command line's options over the profile's. `target` is
 * plan's --target. An option given for another scheduler is an error, not silently ignored.
 */
export function schedulerSettings(flags: SchedulerFlags, given: (key: string) => boolean, target?: SchedulerKind): SchedulerSettings {
  const name = flags.profile ?? (process.env[PROFILE_ENV] || undefined);
  let profile: ProfileSettings = {};
  if (name !== undefined) {
    const file = findConfigFile();
    if (file === undefined) {
      throw new ConfigurationError({
        field: flags.profile !== undefined ? "--profile" : PROFILE_ENV,
        value: name,
        expected: `a taskfit.config.ts or taskfit.config.json in ${process.cwd()} or a directory above it, with that profile`,
      });
    }
    profile = loadProfile(file, name);
  }
  const cli = parseFlags(flags, given);
  const scheduler = target ?? cli.scheduler ?? profile.scheduler ?? "local";
  const profileScheduler = profile.scheduler ?? "local";
  if (name !== undefined && profileScheduler !== scheduler && flags.profile !== undefined) {
    throw new ConfigurationError({
      field: target === undefined ? "--scheduler" : "--target",
      value: scheduler,
      expected: `the scheduler of profile ${name} (${profileScheduler}), or no --profile`,
    });
  }
  // A profile from $TASKFIT_PROFILE for another scheduler than the one chosen here does not apply.
  const base = profileScheduler === scheduler ? profile : {};
  for (const key of Object.keys(cli) as (SettingKey | "scheduler")[]) {
    if (key === "scheduler" || (SETTING_SCHEDULERS[key] as readonly string[]).includes(scheduler)) continue;
    throw new ConfigurationError({
      field: flagName(key),
      value: flags[key],
      expected: `${flagName(key)} only for ${SETTING_SCHEDULERS[key].join(" or ")} (it has no effect on ${scheduler})`,
    });
  }
  return { ...base, ...cli, scheduler };
}

/** What the machine or cluster holds, for progress and the report; undefined when it will not say (no permission to list nodes). */
export async function targetCapacity(scheduler: Scheduler): Promise<Capacity | undefined> {
  try {
    return await scheduler.capacity();
  } catch {
    return undefined;
  }
}

/** The totals of a capacity, as progress, the summary and the report show them. */
export function totals(capacity: Capacity | undefined): ResourceTotals | undefined {
  return capacity === undefined ? undefined : { cpu: capacity.cpu, memoryGiB: capacity.memoryGiB, gpus: capacity.gpus };
}

/** "the local machine (2 cores, 23.5 GiB)", "Slurm (partition debug)", "Kubernetes (namespace ml)". */
export function describeScheduler(settings: SchedulerSettings, capacity: ResourceTotals | undefined): string {
  const size = capacity === undefined ? "" : ` (${Number(capacity.cpu.toFixed(3))} cores, ${Number(capacity.memoryGiB.toFixed(1))} GiB${capacity.gpus > 0 ? `, ${capacity.gpus} GPUs` : ""})`;
  if (settings.scheduler === "local") return `the local machine${size}`;
  if (settings.scheduler === "slurm") return `Slurm${settings.partition === undefined ? "" : ` partition ${settings.partition}`}${size}`;
  return `Kubernetes namespace ${settings.namespace ?? "default"}${size}`;
}

/** Where each figure of the capacity came from (cgroups, Slurm, the host), when the scheduler says. */
export function capacitySources(capacity: Capacity | undefined): Readonly<Record<string, string>> | undefined {
  return capacity === undefined || Object.keys(capacity.sources).length === 0 ? undefined : capacity.sources;
}
