import { describe, expect, it } from "vitest";
import { makeScheduler } from "../../src/config/make-scheduler.js";
import { ConfigurationError } from "../../src/errors.js";

describe("makeScheduler", () => {
  it("hands a profile's arrayMaxSize to the SlurmScheduler, which checks it", () => {
    const made = () => makeScheduler({ scheduler: "slurm", workDir: "/tmp/taskfit-jobs-test", arrayMaxSize: 0 });
    expect(made).toThrow(ConfigurationError);
    expect(made).toThrow(/arrayMaxSize/);
    expect(makeScheduler({ scheduler: "slurm", workDir: "/tmp/taskfit-jobs-test", arrayMaxSize: 1 }).name).toMatch(/slurm/i);
  });
});
