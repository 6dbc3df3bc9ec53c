/** taskfit's own version, from the package.json above this file (src/cli/ from source, dist/ installed). */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export function taskfitVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "taskfit" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // no package.json here: look further up
    }
    if (dirname(dir) === dir) return "unknown";
  }
}
