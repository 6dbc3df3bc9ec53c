/** A throwaway project outside the repository, laid out as users lay theirs out. */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export interface Project {
  /** Where the user's code and package.json are, and where commands run. */
  readonly dir: string;
  write(file: string, text: string): string;
  run(command: string, args: readonly string[], env?: Record<string, string>): { status: number | null; stdout: string; stderr: string };
}

export type Layout = "plain" | "monorepo" | "pnpm";

function installInto(template: string, dir: string): void {
  mkdirSync(dir, { recursive: true });
  cpSync(join(template, "node_modules"), join(dir, "node_modules"), { recursive: true, verbatimSymlinks: true });
}

/**
 * `plain`: an npm project at `at`. `monorepo`: npm workspaces, taskfit hoisted to the root's
 * node_modules, the code in `at/packages/flow`. `pnpm`: taskfit's real files in
 * node_modules/.pnpm/taskfit@<v>/node_modules/taskfit behind a symlink, as pnpm installs it.
 */
export function makeProject(template: string, at: string, layout: Layout): Project {
  let dir = at;
  if (layout === "monorepo") {
    installInto(template, at);
    writeFileSync(join(at, "package.json"), JSON.stringify({ name: "mono", private: true, workspaces: ["packages/*"] }));
    dir = join(at, "packages", "flow");
    mkdirSync(dir, { recursive: true });
  } else {
    installInto(template, at);
  }
  if (layout === "pnpm") {
    const store = join(at, "node_modules", ".pnpm", "taskfit@0.1.0", "node_modules", "taskfit");
    mkdirSync(dirname(store), { recursive: true });
    renameSync(join(at, "node_modules", "taskfit"), store);
    symlinkSync(join(".pnpm", "taskfit@0.1.0", "node_modules", "taskfit"), join(at, "node_modules", "taskfit"));
  }
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "flow", private: true, type: "module" }));
  const bin = join(at, "node_modules", ".bin");
  return {
    dir,
    write(file, text) {
      const path = join(dir, file);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      return path;
    },
    run(command, args, env = {}) {
      const result = spawnSync(command, args, {
        cwd: dir,
        encoding: "utf8",
        timeout: 120_000,
        env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}`, NODE_OPTIONS: "", ...env },
      });
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    },
  };
}
