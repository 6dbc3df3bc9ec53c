// Without reflect-metadata (this file never loads it; vitest runs each file in its own process):
// taskfit neither needs nor loads a polyfill, and tasks work as ever.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import * as taskfit from "../../src/index.js";

describe("without reflect-metadata", () => {
  it("taskfit loads no polyfill: Reflect has no metadata functions after importing all of it", () => {
    expect(Object.keys(taskfit).length).toBeGreaterThan(0);
    expect("defineMetadata" in Reflect).toBe(false);
    expect("getMetadata" in Reflect).toBe(false);
  });

  it("defines and runs tasks, decorated methods too, and keeps their spec", async () => {
    const double = taskfit.customTask(1, 1)(async function double(x: number) {
      return x * 2;
    });
    class Models {
      @taskfit.smallTask async clean(text: string) {
        return text.trim();
      }
    }
    expect(await double.resolve(1)).toMatchObject({ cpu: 1, memoryGiB: 1 });
    expect(double.spec).toMatchObject({ cpu: 1, memoryGiB: 1, preset: null });
    expect(taskfit.asTask(Models.prototype.clean).spec.preset).toBe("small_task");
    expect("defineMetadata" in Reflect).toBe(false);
  });

  it("is not a dependency of the package, only of its tests", async () => {
    const pkg = JSON.parse(await readFile("package.json", "utf8")) as Record<string, Record<string, string> | undefined>;
    expect(pkg.dependencies?.["reflect-metadata"]).toBeUndefined();
    expect(pkg.peerDependencies?.["reflect-metadata"]).toBeUndefined();
    expect(pkg.devDependencies?.["reflect-metadata"]).toBeDefined();
  });
});
