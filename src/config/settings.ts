/**
 * Where tasks run, as one parsed object: what a profile in `taskfit.config.ts` / `.json` says and
 * what `taskfit run`'s options say, checked the same way, and the scheduler made from it.
 */
import { z } from "zod";
import type { Scheduler } from "../contract/scheduler.js";
import { ConfigurationError } from "../errors.js";
import { parseCpu, parseGiB, parseGpu, type Parsed } from "../resources/quantity.js";
import { KubernetesScheduler } from "../schedulers/kubernetes/kubernetes-scheduler.js";
import { LocalScheduler } from "../schedulers/local/local-scheduler.js";
import { SlurmScheduler } from "../schedulers/slurm/slurm-scheduler.js";

export const SCHEDULERS = ["local", "slurm", "kubernetes"] as const;
export type SchedulerKind = (typeof SCHEDULERS)[number];

/** Which scheduler each setting belongs to. */
export const SETTING_SCHEDULERS = {
  cpu: ["local"],
  memory: ["local"],
  gpus: ["local"],
  oversize: ["local"],
  gpuMatch: ["local"],
  isolation: ["local"],
  workDir: ["slurm"],
  partition: ["slurm"],
  account: ["slurm"],
  image: ["kubernetes"],
  namespace: ["kubernetes"],
  kubeconfig: ["kubernetes"],
  imageDir: ["kubernetes"],
  workerCommand: ["kubernetes"],
  pollMs: ["slurm", "kubernetes"],
} as const satisfies Record<string, readonly SchedulerKind[]>;
export type SettingKey = keyof typeof SETTING_SCHEDULERS;

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

/** The scheduler the settings describe. */
export function makeScheduler(settings: SchedulerSettings): Scheduler {
  const poll = settings.pollMs === undefined ? {} : { pollIntervalMs: settings.pollMs };
  if (settings.scheduler === "slurm") {
    return new SlurmScheduler({
      workDir: settings.workDir ?? "./taskfit-jobs",
      ...(settings.partition !== undefined && { partition: settings.partition }),
      ...(settings.account !== undefined && { account: settings.account }),
      ...poll,
    });
  }
  if (settings.scheduler === "kubernetes") {
    if (settings.image === undefined) throw new ConfigurationError({ field: "image", expected: "the container image to run tasks in, for the kubernetes scheduler" });
    return new KubernetesScheduler({
      image: settings.image,
      namespace: settings.namespace ?? "default",
      ...(settings.kubeconfig !== undefined && { kubeconfig: settings.kubeconfig }),
      modulePaths: { local: process.cwd(), image: settings.imageDir ?? "/app" },
      ...(settings.workerCommand !== undefined && { workerCommand: settings.workerCommand }),
      ...poll,
    });
  }
  return new LocalScheduler({
    capacity: {
      ...(settings.cpu !== undefined && { cpu: settings.cpu }),
      ...(settings.memory !== undefined && { memoryGiB: settings.memory }),
      ...(settings.gpus !== undefined && { gpus: settings.gpus }),
    },
    oversize: settings.oversize ?? "error",
    gpuMatch: settings.gpuMatch ?? "type",
    isolation: settings.isolation ?? "none",
  });
}
