import { describe, expect, it, vi } from "vitest";
import { type AbortListener, listenForAbort, onAbort, stopListening } from "../../src/contract/abort.js";

function listener(signalAborted: () => void): AbortListener {
  return { signalAborted, previousListener: undefined, nextListener: undefined };
}

describe("abort listeners", () => {
  it("tells each listener of the signal that aborted once, and only listeners still subscribed", () => {
    const first = new AbortController();
    const second = new AbortController();
    const told: string[] = [];
    const named = (name: string) => listener(() => told.push(name));
    const a = named("a on first");
    const b = named("b on first");
    const c = named("c on first");
    const d = named("d on second");
    listenForAbort(first.signal, a);
    listenForAbort(first.signal, b);
    // Alternating signals: the cached last signal must never hand one signal's listeners to another.
    listenForAbort(second.signal, d);
    listenForAbort(first.signal, c);
    stopListening(first.signal, b);
    stopListening(first.signal, b);
    const callback = vi.fn();
    const unsubscribe = onAbort(second.signal, callback);
    first.abort();
    expect(told).toEqual(["a on first", "c on first"]);
    unsubscribe();
    second.abort();
    expect(told).toContain("d on second");
    expect(callback).not.toHaveBeenCalled();
    first.abort();
    expect(told).toHaveLength(3);
  });

  it("unlinks the first, a middle and the last listener of a long list", () => {
    const controller = new AbortController();
    const told: number[] = [];
    const listeners = Array.from({ length: 6 }, (_, i) => listener(() => told.push(i)));
    for (const each of listeners) listenForAbort(controller.signal, each);
    for (const i of [0, 3, 5]) stopListening(controller.signal, listeners[i] as AbortListener);
    controller.abort();
    expect(told).toEqual([1, 2, 4]);
    expect(listeners.every((each) => each.previousListener === undefined && each.nextListener === undefined)).toBe(true);
  });

  it("does not tell a listener that another's handler unsubscribed during the abort", () => {
    const controller = new AbortController();
    const told: string[] = [];
    const quiet = listener(() => told.push("quiet"));
    const loud = listener(() => {
      told.push("loud");
      stopListening(controller.signal, quiet);
    });
    // Told in the order they subscribed.
    listenForAbort(controller.signal, loud);
    listenForAbort(controller.signal, quiet);
    controller.abort();
    expect(told).toEqual(["loud"]);
  });

  it("adds one event listener to a signal however many subscribe", () => {
    const controller = new AbortController();
    const add = vi.spyOn(controller.signal, "addEventListener");
    const listeners = Array.from({ length: 50 }, () => listener(vi.fn()));
    for (const each of listeners) listenForAbort(controller.signal, each);
    expect(add).toHaveBeenCalledTimes(1);
    controller.abort();
    expect(listeners.every((each) => vi.mocked(each.signalAborted).mock.calls.length === 1)).toBe(true);
  });
});
