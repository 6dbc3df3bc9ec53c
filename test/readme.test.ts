/** The README's "Coming from Latch" section: each deliberate difference, Latch and taskfit side by side. */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";

describe("README: Coming from Latch", () => {
  it("has a row for each deliberate difference, with Latch's behaviour and taskfit's", async () => {
    const readme = await readFile("README.md", "utf8");
    const start = readme.indexOf("## Coming from Latch");
    expect(start).toBeGreaterThan(0);
    const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
    expect(section).toContain("| | Latch | taskfit |");
    const rows = section.split("\n").filter((line) => line.startsWith("| ") && !line.startsWith("| |"));
    for (const topic of [/by name.*by position/, /Defaults of the task's parameters/, /`int\(\)`.*never rounded down/, /storage of 0/, /over the limits.*truncated.*refused/, /500 GiB/, /Presets/, /unit strings/]) {
      const row = rows.find((line) => topic.test(line));
      expect(row, String(topic)).toBeDefined();
      // Three cells: the point, Latch's behaviour, taskfit's.
      expect(row?.split(" | ").length).toBeGreaterThanOrEqual(3);
    }
    expect(section).toMatch(/no such check where they cannot be read: minified code/);
  });
});
