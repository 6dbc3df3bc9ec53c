#!/usr/bin/env node
/**
 * The `taskfit` command's entry. `taskfit --version`, `taskfit presets` and `taskfit presets --json`
 * answer without loading the program (commander takes about a tenth of Node's start-up to load, and
 * these are the commands people type to look); any other command line, their --help and their
 * errors among them, goes to the program (program.ts), whose actions load only what they use.
 */
import { presetsText } from "./presets.js";
import { taskfitVersion } from "./version.js";

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  process.stdout.write(`${taskfitVersion()}\n`);
} else if (args[0] === "presets" && (args.length === 1 || (args.length === 2 && args[1] === "--json"))) {
  process.stdout.write(`${presetsText(args.length === 2)}\n`);
} else {
  void import("./program.js").then(({ main }) => main(process.argv));
}
