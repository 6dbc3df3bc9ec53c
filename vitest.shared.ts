/**
 * vitest 4 transforms TypeScript with oxc, which does not lower TC39 standard decorators (Node 20
 * then fails to parse them). This plugin runs esbuild first, in the decorator mode each config asks.
 */
import { transform } from "esbuild";
import type { Plugin } from "vite";

export function decorators(mode: "tc39" | "legacy"): Plugin {
  return {
    name: `taskfit:decorators-${mode}`,
    enforce: "pre",
    async transform(code, id) {
      if (!/\.[cm]?ts$/.test(id) || id.includes("/node_modules/")) return null;
      const result = await transform(code, {
        loader: "ts",
        target: "es2022",
        format: "esm",
        sourcemap: true,
        // esbuild renames a function expression that shadows its binding (`const f = wrap(function f…)`
        // becomes `f2`); keepNames keeps `.name`, which is the task name.
        keepNames: true,
        sourcefile: id,
        tsconfigRaw: { compilerOptions: { experimentalDecorators: mode === "legacy" } },
      });
      return { code: result.code, map: result.map };
    },
  };
}
