#!/usr/bin/env node
/**
 * The `taskfit` command's entry. `taskfit --version` answers from package.json alone; any other
 * command loads the program (program.ts), whose actions load only what they use.
 */
import { taskfitVersion } from "./version.js";

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  process.stdout.write(`${taskfitVersion()}\n`);
} else {
  void import("./program.js").then(({ main }) => main(process.argv));
}
