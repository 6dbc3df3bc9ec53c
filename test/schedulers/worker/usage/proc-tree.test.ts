import { afterEach, describe, expect, it } from "vitest";
import { parseStat, ProcTree } from "../../../../src/schedulers/worker/usage/proc-tree.js";
import { FakeProc, statLine } from "../../../helpers/fake-proc.js";

describe("a /proc/PID/stat line", () => {
  it("is read from the last parenthesis: a command name may hold spaces and parentheses", () => {
    const line = statLine({ pid: 300, ppid: 200, comm: "my (odd) tool", utime: 7, stime: 3, cutime: 20, cstime: 5, rss: 1234 });
    expect(parseStat(line)).toEqual({ pid: 300, ppid: 200, cpuTicks: 10, childTicks: 25, rssPages: 1234 });
  });

  it("is undefined when it is not one", () => {
    expect(parseStat("")).toBeUndefined();
    expect(parseStat("12 (x) S")).toBeUndefined();
  });
});

describe("the worker's process tree", () => {
  let fake: FakeProc | undefined;
  afterEach(() => fake?.cleanup());

  // 100 is the worker: it started a shell (200) that started a tool (300); 400 and its child 500 are not its own.
  const machine = (childrenFiles: boolean) =>
    new FakeProc(childrenFiles).set(
      { pid: 1, ppid: 0, comm: "init" },
      { pid: 100, ppid: 1, comm: "node" },
      { pid: 200, ppid: 100, comm: "bash" },
      { pid: 300, ppid: 200, comm: "samtools sort" },
      { pid: 400, ppid: 1, comm: "sshd" },
      { pid: 500, ppid: 400, comm: "bash" },
    );

  it.each([
    ["the children files", true],
    ["a scan of every process (no children files)", false],
  ])("is the worker and its descendants, found by %s", (_, childrenFiles) => {
    fake = machine(childrenFiles);
    const pids = new ProcTree(100, fake.root).stats().map((s) => s.pid);
    expect(pids.sort()).toEqual([100, 200, 300]);
  });

  it("loses a process that ended between two reads, and nothing else", () => {
    fake = machine(true);
    const tree = new ProcTree(100, fake.root);
    expect(tree.stats()).toHaveLength(3);
    fake.remove(300);
    expect(tree.stats().map((s) => s.pid).sort()).toEqual([100, 200]);
  });

  it("is empty, and unavailable, where there is no /proc", () => {
    fake = new FakeProc();
    const tree = new ProcTree(100, fake.root);
    expect(tree.available()).toBe(false);
    expect(tree.stats()).toEqual([]);
  });
});
