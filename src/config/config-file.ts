/**
 * `taskfit.config.ts` or `taskfit.config.json`, found from the working directory upward, with named
 * profiles of scheduler options (as Nextflow's `-profile` and Snakemake's profiles): chosen by
 * `taskfit run --profile NAME`, or by `TASKFIT_PROFILE=NAME` for `getDefaultScheduler()`. Loaded
 * synchronously, so the default scheduler can be made on the first task call.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import type { z } from "zod";
import { ConfigurationError } from "../errors.js";
import { ConfigSchema, SETTING_SCHEDULERS, type SchedulerKind, type SchedulerSettings, type SettingKey } from "./settings.js";

export const CONFIG_FILES = ["taskfit.config.ts", "taskfit.config.json"] as const;

/** The nearest config file in `from` or a directory above it; undefined when there is none. */
export function findConfigFile(from: string = process.cwd()): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const found = CONFIG_FILES.map((name) => join(dir, name)).filter((path) => existsSync(path));
    if (found.length > 1) {
      throw new ConfigurationError({ file: found.join(" and "), expected: "one taskfit config file per directory, not both .ts and .json" });
    }
    if (found[0] !== undefined) return found[0];
    if (dirname(dir) === dir) return undefined;
  }
}

function readConfig(file: string): unknown {
  if (file.endsWith(".json")) {
    try {
      return JSON.parse(readFileSync(file, "utf8"));
    } catch (cause) {
      throw new ConfigurationError({ file, expected: `JSON (${(cause as Error).message})`, cause });
    }
  }
  let tsx: { require: (id: string, from: string) => unknown };
  try {
    tsx = createRequire(import.meta.url)("tsx/cjs/api") as typeof tsx;
  } catch (cause) {
    throw new ConfigurationError({ file, expected: "tsx to load a TypeScript config: npm install --save-dev tsx (or write taskfit.config.json)", cause });
  }
  let loaded: unknown;
  try {
    loaded = tsx.require(file, import.meta.url);
  } catch (cause) {
    throw new ConfigurationError({ file, expected: `a config module that imports without error (it threw: ${(cause as Error).message?.split("\n")[0]})`, cause });
  }
  const exports = loaded as { default?: unknown; __esModule?: boolean };
  return typeof exports === "object" && exports !== null && "default" in exports ? exports.default : loaded;
}

function fromZod(error: z.ZodError, file: string, input: unknown): ConfigurationError {
  const issue = error.issues[0];
  const path = (issue?.path ?? []).map(String);
  if (issue?.code === "unrecognized_keys") {
    const key = [...path, String(issue.keys[0])].join(".");
    const known = path.length === 0 ? ["profiles"] : ["scheduler", ...Object.keys(SETTING_SCHEDULERS)];
    return new ConfigurationError({ file, field: key, expected: `a key among ${known.map((k) => `\`${k}\``).join(", ")} (unknown keys are not ignored)` });
  }
  let value: unknown = input;
  for (const key of path) value = (value as Record<string, unknown> | undefined)?.[key];
  const expected = path.length === 0 ? "an object with `profiles`: { NAME: { scheduler, ... } }" : (issue?.message ?? "a valid value");
  return new ConfigurationError({ file, field: path.join(".") || undefined, value, expected });
}

export type ProfileSettings = Omit<SchedulerSettings, "scheduler"> & { scheduler?: SchedulerKind };

/** The profile `name` of the config `file`, parsed and checked; errors name the file and the key. */
export function loadProfile(file: string, name: string): ProfileSettings {
  const input = readConfig(file);
  const parsed = ConfigSchema.safeParse(input);
  if (!parsed.success) throw fromZod(parsed.error, file, input);
  const profile = parsed.data.profiles[name];
  if (profile === undefined) {
    const names = Object.keys(parsed.data.profiles);
    throw new ConfigurationError({
      file,
      field: `profiles.${name}`,
      expected: `a profile named "${name}" (profiles there: ${names.length > 0 ? names.join(", ") : "none"})`,
    });
  }
  const scheduler = profile.scheduler ?? "local";
  for (const key of Object.keys(profile) as (SettingKey | "scheduler")[]) {
    if (key === "scheduler" || (SETTING_SCHEDULERS[key] as readonly string[]).includes(scheduler)) continue;
    throw new ConfigurationError({
      file,
      field: `profiles.${name}.${key}`,
      value: profile[key],
      expected: `\`${key}\` only in a profile for ${SETTING_SCHEDULERS[key].join(" or ")} (this one's scheduler is ${scheduler})`,
    });
  }
  if (scheduler === "kubernetes" && profile.image === undefined) {
    throw new ConfigurationError({ file, field: `profiles.${name}.image`, expected: "the container image to run tasks in, for a kubernetes profile" });
  }
  return profile;
}

/** The environment variable that picks a profile for `getDefaultScheduler()`. */
export { PROFILE_ENV } from "./scheduler-kinds.js";
import { PROFILE_ENV } from "./scheduler-kinds.js";
