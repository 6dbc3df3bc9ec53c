/**
 * Running Slurm's commands: always execFile with an argv array (never a shell), output captured,
 * and a failure returned as data so the adapter can report the command's own message.
 */
import { execFile } from "node:child_process";

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command; resolves with its exit code and output, also when it fails or is missing. */
export type RunCommand = (command: string, args: readonly string[]) => Promise<CommandResult>;

export const runCommand: RunCommand = (command, args) =>
  new Promise((resolve) => {
    execFile(command, [...args], { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 127;
      const text = error !== null && typeof error.code === "string" ? `${error.message}\n${stderr}` : stderr;
      resolve({ code, stdout: String(stdout), stderr: String(text) });
    });
  });
