import { describe, expect, it } from "vitest";
import { callerModule, moduleUrl } from "../../src/task/caller.js";

function entry(): string | undefined {
  return callerModule(entry);
}

describe("the module a task was defined in", () => {
  it("is the code that called the public function, as a file URL", () => {
    expect(entry()).toBe(new URL(import.meta.url).href.replace(/\?.*$/, ""));
  });

  it("is undefined for code with no file: eval", () => {
    // eslint-disable-next-line no-eval
    expect((0, eval)("(function evalEntry(f) { return f(); })")(entry)).toBeUndefined();
  });

  it("drops the namespace tsx's tsImport adds, keeping the rest of the URL", () => {
    expect(moduleUrl("file:///work/p/tasks.ts?tsx-namespace=4249b348-0951")).toBe("file:///work/p/tasks.ts");
    expect(moduleUrl("file:///work/p/tasks.ts?v=2&tsx-namespace=abc")).toBe("file:///work/p/tasks.ts?v=2");
    expect(moduleUrl("file:///work/p/tasks.ts")).toBe("file:///work/p/tasks.ts");
  });
});
