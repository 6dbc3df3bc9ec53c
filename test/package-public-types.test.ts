/** The check that no public declaration names a type the package does not export (scripts/public-types.ts). */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { checkPublicTypes } from "../scripts/public-types.js";

const fixture = (name: string) => resolve("test/fixtures/public-types", name);

describe("checkPublicTypes", () => {
  const { exports, unexported } = checkPublicTypes([fixture("entry.d.ts"), fixture("other-entry.d.ts")]);
  const found = unexported.map((r) => `${r.exported} -> ${r.type}`).sort();

  it("lists each exported declaration's reference to a type no entry exports", () => {
    expect(found).toEqual([
      "Derived -> Base", // a base class
      "Shown -> Hidden", // a property
      "returnsTypeofValue -> hiddenValue", // `typeof` a value that is not exported
      "takesHidden -> Hidden", // a parameter
    ]);
    expect(unexported.find((r) => r.type === "Base")?.at).toMatch(/entry\.d\.ts:\d+$/);
  });

  it("takes a type exported by another entry, a type parameter, and `typeof` as a type argument", () => {
    expect(found.some((line) => /Shared|-> T$|FromValue/.test(line))).toBe(false);
  });

  it("counts each entry's exported names", () => {
    expect(exports.get(fixture("entry.d.ts"))).toEqual(["Derived", "FromValue", "Shown", "returnsShown", "returnsTypeofValue", "takesHidden"]);
    expect(exports.get(fixture("other-entry.d.ts"))).toEqual(["Computed", "Shared"]);
  });
});
