import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  customTask,
  LocalScheduler,
  pipe,
  ConfigurationError,
  run,
  TaskCancelledError,
  TaskExecutionError,
  TaskFile,
  THREAD_VARIABLES,
} from "../../src/index.js";
import { isRunning, until } from "../helpers/processes.js";

const local = () => new LocalScheduler({ capacity: { cpu: 4, memoryGiB: 4, gpus: [] } });
const scratch = () => mkdtemp(join(tmpdir(), "taskfit-command-"));

describe("run", () => {
  it("passes each argument as it is, with no shell, and captures stdout", async () => {
    const nasty = "$(touch /tmp/taskfit-run-pwned) ; `id` | > *";
    const result = await run("printf", ["%s|%s", nasty, "two words"]);
    expect(result).toEqual({ command: `printf '%s|%s' '${nasty}' 'two words'`, stdout: `${nasty}|two words`, stderr: "", dryRun: false });
    expect(existsSync("/tmp/taskfit-run-pwned")).toBe(false);
  });

  it("writes stdout to a file (a path or a TaskFile), reads stdin from one, and captures stderr when asked", async () => {
    const dir = await scratch();
    await writeFile(join(dir, "in.txt"), "b\na\n");
    await run("sort", [], { stdin: join(dir, "in.txt"), stdout: join(dir, "out.txt") });
    expect(await readFile(join(dir, "out.txt"), "utf8")).toBe("a\nb\n");
    await run("echo", ["more"], { stdout: { path: new TaskFile(join(dir, "out.txt")).path, append: true } });
    expect(await readFile(join(dir, "out.txt"), "utf8")).toBe("a\nb\nmore\n");
    expect((await run("sh", ["-c", "echo to-stderr >&2"], { stderr: "capture" })).stderr).toBe("to-stderr\n");
    expect((await run("cat", [], { input: "typed in" })).stdout).toBe("typed in");
  });

  it("turns a non-zero exit into TaskExecutionError with the command, the exit code and the tail of stderr", async () => {
    const error = await run("sh", ["-c", "echo 'reference not indexed' >&2; exit 3"], { stderr: "ignore" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskExecutionError);
    const failure = error as TaskExecutionError;
    expect(failure.exitCode).toBe(3);
    expect(failure.stderrTail).toBe("reference not indexed");
    expect(failure.message).toContain("command `sh -c 'echo '\\''reference not indexed'\\'' >&2; exit 3'` ended with exit code 3");
  });

  it("names the signal that killed a command, and a program that cannot start", async () => {
    await expect(run("sh", ["-c", "kill -SEGV $$"])).rejects.toThrow(/command `sh -c 'kill -SEGV \$\$'` was killed by SIGSEGV/);
    await expect(run("no-such-tool-taskfit", ["x"])).rejects.toThrow(/command `no-such-tool-taskfit x` could not start: spawn no-such-tool-taskfit ENOENT/);
  });

  it("refuses arguments that are not strings, rather than coerce them", async () => {
    await expect(run("echo", [4 as unknown as string])).rejects.toBeInstanceOf(ConfigurationError);
    await expect(run("echo a | cat", ["x"], { shell: true })).rejects.toThrow(/no arguments with shell: true/);
  });

  it("runs a command line through a shell only when asked", async () => {
    expect((await run("echo a b | tr ' ' '\\n' | sort -r", [], { shell: true })).stdout).toBe("b\na\n");
    await expect(run("exit 4", [], { shell: true })).rejects.toMatchObject({ exitCode: 4 });
  });

  it("fails, never cuts short, when captured stdout is over maxBuffer", async () => {
    await expect(run("head", ["-c", "5000", "/dev/zero"], { maxBuffer: 1000 })).rejects.toThrow(/printed more than maxBuffer \(1000 bytes\)/);
  });

  it("prints the command line instead of running it in a dry run (option or TASKFIT_DRY_RUN=1)", async () => {
    const dir = await scratch();
    const result = await run("touch", [join(dir, "made")], { dryRun: true });
    expect(result).toMatchObject({ dryRun: true, command: `touch ${join(dir, "made")}` });
    process.env.TASKFIT_DRY_RUN = "1";
    try {
      await pipe([["touch", [join(dir, "made")]], ["cat"]]);
    } finally {
      delete process.env.TASKFIT_DRY_RUN;
    }
    expect(existsSync(join(dir, "made"))).toBe(false);
  });
});

describe("pipe", () => {
  it("connects stdout to stdin (bwa mem ... | samtools sort, in small)", async () => {
    expect((await pipe([["printf", ["c\\na\\nb\\n"]], ["sort"], ["head", ["-n", "2"]]])).stdout).toBe("a\nb\n");
    const dir = await scratch();
    await pipe([["seq", ["3"]], ["tac"]], { stdout: join(dir, "out") });
    expect(await readFile(join(dir, "out"), "utf8")).toBe("3\n2\n1\n");
  });

  it("fails as pipefail does, naming the last command that failed, not one that only lost its reader", async () => {
    const first = await pipe([["sh", ["-c", "echo bad input >&2; exit 2"]], ["cat"]], { stderr: "ignore" }).catch((e: unknown) => e);
    expect(first).toMatchObject({ exitCode: 2, stderrTail: "bad input" });
    expect((first as Error).message).toMatch(/command `sh -c 'echo bad input >&2; exit 2'` \(1st of `sh .* \| cat`\) ended with exit code 2/);
    // `yes` fails only because the second command stopped reading: the cause is the second.
    const second = await pipe([["yes"], ["sh", ["-c", "head -c 1 >/dev/null; exit 5"]]]).catch((e: unknown) => e);
    expect((second as Error).message).toMatch(/\(2nd of `yes \| sh/);
    expect(second).toMatchObject({ exitCode: 5 });
  });
});

describe("inside a task", () => {
  it("sets OMP_NUM_THREADS and the like to the task's CPUs, unless the caller sets one", async () => {
    const show = `echo ${THREAD_VARIABLES.map((name) => `$${name}`).join(" ")}`;
    const threads = customTask({ cpu: 3, memory: 1 })(async function threads(env: Record<string, string>) {
      return (await run("sh", ["-c", show], { env })).stdout.trim().split(" ");
    });
    const all = await threads.with({ scheduler: local() })({});
    expect(all).toEqual(THREAD_VARIABLES.map(() => "3"));
    const mine = await threads.with({ scheduler: local(), cpu: 1.5 })({ OMP_NUM_THREADS: "8" });
    expect(mine).toEqual(THREAD_VARIABLES.map((name) => (name === "OMP_NUM_THREADS" ? "8" : "1")));
  });

  it("stops the whole process tree when the task is cancelled, and says cancelled", async () => {
    const dir = await scratch();
    const pidFile = join(dir, "pid");
    const tree = customTask({ cpu: 1, memory: 1 })(async function tree() {
      // A grandchild: the shell starts `sleep` and waits for it.
      await run("sh", ["-c", `sleep 60 & echo $! > ${pidFile}; wait`]);
    });
    const controller = new AbortController();
    const call = tree.with({ scheduler: local(), signal: controller.signal })().catch((e: unknown) => e);
    await until(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim().length > 0, "the tool to start");
    const pid = Number(readFileSync(pidFile, "utf8"));
    expect(isRunning(pid)).toBe(true);
    controller.abort(new Error("user pressed stop"));
    expect(await call).toBeInstanceOf(TaskCancelledError);
    await until(() => !isRunning(pid), "the grandchild to be gone", 10_000);
  });
});
