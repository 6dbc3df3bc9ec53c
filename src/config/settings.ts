/**
 * Where tasks run, as one parsed object: what a profile in `taskfit.config.ts` / `.json` says and
 * what `taskfit run`'s options say, checked the same way (make-scheduler.ts makes the scheduler).
 */
import * as z from "zod";
import { parseCpu, parseGiB, parseGpu, type Parsed } from "../resources/quantity.js";

export { SCHEDULERS, SETTING_SCHEDULERS, type SchedulerKind, type SettingKey } from "./scheduler-kinds.js";
import { SCHEDULERS, type SchedulerKind } from "./scheduler-kinds.js";

/** A quantity parsed by taskfit's own parser, so a profile and the code accept the same values. */
const quantity = (parse: (value: unknown) => Parsed, schema: z.ZodType<number | string>) =>
  schema.transform((value, context) => {
    const parsed = parse(value);
    if (parsed.ok) return parsed.value;
    context.addIssue({ code: "custom", message: parsed.expected });
    return z.NEVER;
  });

/** One profile: the options of `taskfit run`, in camelCase, with JSON values; parsed as the code parses them. */
export const ProfileSchema = z.strictObject({
  scheduler: z.enum(SCHEDULERS).optional(),
  /** local: cores to use */
  cpu: quantity(parseCpu, z.union([z.number(), z.string()])).optional(),
  /** local: memory to use: GiB as a number, or a string with a unit ("16Gi") */
  memory: quantity(parseGiB, z.union([z.number(), z.string()])).optional(),
  gpus: quantity(parseGpu, z.number()).optional(),
  oversize: z.enum(["error", "clamp"]).optional(),
  /** local: a GPU type served by that type only, or by any GPU with at least its VRAM */
  gpuMatch: z.enum(["type", "memory"]).optional(),
  isolation: z.enum(["none", "process"]).optional(),
  workDir: z.string().min(1).optional(),
  partition: z.string().min(1).optional(),
  account: z.string().min(1).optional(),
  image: z.string().min(1).optional(),
  namespace: z.string().min(1).optional(),
  kubeconfig: z.string().min(1).optional(),
  imageDir: z.string().min(1).optional(),
  workerCommand: z.array(z.string()).min(1).optional(),
  pollMs: z.number().min(10).optional(),
  /** slurm: the most calls one job array holds; 1 submits each call as a job of its own */
  arrayMaxSize: z.number().int().min(1).optional(),
});
export type Profile = z.infer<typeof ProfileSchema>;

export const ConfigSchema = z.strictObject({
  /** Named sets of scheduler options: `taskfit run --profile NAME`, or `TASKFIT_PROFILE=NAME`. */
  profiles: z.record(z.string(), ProfileSchema),
});

/** What `taskfit.config.ts` exports as default (or `taskfit.config.json` holds). */
export type TaskfitConfig = z.input<typeof ConfigSchema>;

/**
 * Settings with every value parsed (memory in GiB, cores, GPUs, milliseconds) and the scheduler
 * chosen: a profile's parsed type, so a setting is declared once, in ProfileSchema.
 */
export type SchedulerSettings = Readonly<Omit<Profile, "scheduler">> & { readonly scheduler: SchedulerKind };
