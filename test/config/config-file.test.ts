/** Profiles in taskfit.config.ts / .json, for the command line and for getDefaultScheduler(). */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ConfigurationError, getDefaultScheduler, LocalScheduler, SlurmScheduler } from "../../src/index.js";
import { findConfigFile, loadProfile } from "../../src/config/config-file.js";
import { slotKey } from "../../src/global-slot.js";

let project: string;
let nested: string;

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), "taskfit-config-"));
  nested = join(project, "a", "b");
  await mkdir(nested, { recursive: true });
  await writeFile(
    join(project, "taskfit.config.ts"),
    `import type { TaskfitConfig } from "taskfit";
const gib: number = 3;
export default {
  profiles: {
    local: { cpu: "1500m", memory: gib, gpus: 0 },
    cluster: { scheduler: "slurm", partition: "debug", workDir: "/shared/jobs", pollMs: 250 },
  },
} satisfies TaskfitConfig;
`,
  );
});

// getDefaultScheduler keeps its scheduler on globalThis: start each test from none.
const slot = () => (globalThis as Record<symbol, { scheduler: unknown }>)[slotKey("defaultScheduler")] as { scheduler: unknown };
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  slot().scheduler = undefined;
});

describe("finding the config", () => {
  it("is the nearest taskfit.config.ts or .json from the directory up", async () => {
    expect(findConfigFile(nested)).toBe(join(project, "taskfit.config.ts"));
    await writeFile(join(project, "a", "taskfit.config.json"), JSON.stringify({ profiles: {} }));
    expect(findConfigFile(nested)).toBe(join(project, "a", "taskfit.config.json"));
    expect(findConfigFile(join(tmpdir(), "..", ".."))).toBeUndefined();
  });
});

describe("a TypeScript config", () => {
  it("is loaded (through tsx) and parsed as the code parses values", () => {
    const file = join(project, "taskfit.config.ts");
    expect(loadProfile(file, "local")).toEqual({ cpu: 1.5, memory: 3, gpus: 0 });
    expect(loadProfile(file, "cluster")).toEqual({ scheduler: "slurm", partition: "debug", workDir: "/shared/jobs", pollMs: 250 });
  });
});

describe("TASKFIT_PROFILE and getDefaultScheduler()", () => {
  it("is looked for from the working directory by default", () => {
    vi.spyOn(process, "cwd").mockReturnValue(nested);
    vi.stubEnv("TASKFIT_PROFILE", "cluster");
    expect(findConfigFile()).toBe(join(project, "a", "taskfit.config.json"));
  });

  it("a Slurm profile gives a SlurmScheduler; a local one a LocalScheduler of that size", async () => {
    const dir = await mkdtemp(join(tmpdir(), "taskfit-config-env-"));
    await writeFile(join(dir, "taskfit.config.json"), JSON.stringify({ profiles: { cluster: { scheduler: "slurm", partition: "debug" }, small: { cpu: 1, memory: "2Gi", gpus: 0 } } }));
    vi.spyOn(process, "cwd").mockReturnValue(dir);
    vi.stubEnv("TASKFIT_PROFILE", "cluster");
    expect(getDefaultScheduler()).toBeInstanceOf(SlurmScheduler);
    slot().scheduler = undefined;
    vi.stubEnv("TASKFIT_PROFILE", "small");
    const local = getDefaultScheduler();
    expect(local).toBeInstanceOf(LocalScheduler);
    expect((local as LocalScheduler).stats().capacity).toMatchObject({ cpu: 1, memoryGiB: 2 });
  });

  it("without the variable it is the machine's LocalScheduler; a profile it cannot find is an error", async () => {
    vi.stubEnv("TASKFIT_PROFILE", "");
    expect(getDefaultScheduler()).toBeInstanceOf(LocalScheduler);
    slot().scheduler = undefined;
    const empty = await mkdtemp(join(tmpdir(), "taskfit-config-none-"));
    vi.spyOn(process, "cwd").mockReturnValue(empty);
    vi.stubEnv("TASKFIT_PROFILE", "cluster");
    expect(() => getDefaultScheduler()).toThrow(ConfigurationError);
    expect(() => getDefaultScheduler()).toThrow(/taskfit.config.ts or taskfit.config.json in .* or a directory above it.*field `TASKFIT_PROFILE`/);
  });
});
