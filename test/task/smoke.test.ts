import { describe, expect, it } from "vitest";
import { smallTask, resolveResources } from "../../src/index.js";

class K {
  factor = 3;
  @smallTask
  async times(x: number) {
    return x * this.factor;
  }
}

describe("smoke", () => {
  it("keeps this", async () => {
    const k = new K();
    expect(await k.times(2)).toBe(6);
    expect((await resolveResources(k.times, [1])).cpu).toBe(2);
  });
});
