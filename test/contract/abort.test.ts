import { describe, expect, it, vi } from "vitest";
import { type AbortListener, listenForAbort, onAbort, stopListening } from "../../src/contract/abort.js";

describe("abort listeners", () => {
  it("tells each listener of the signal that aborted once, and only listeners still subscribed", () => {
    const first = new AbortController();
    const second = new AbortController();
    const told: string[] = [];
    const listener = (name: string): AbortListener => ({ signalAborted: () => told.push(name) });
    const a = listener("a on first");
    const b = listener("b on first");
    const c = listener("c on second");
    listenForAbort(first.signal, a);
    listenForAbort(first.signal, b);
    // Alternating signals: the cached last signal must never hand one signal's listeners to another.
    listenForAbort(second.signal, c);
    stopListening(first.signal, b);
    const callback = vi.fn();
    const unsubscribe = onAbort(second.signal, callback);
    first.abort();
    expect(told).toEqual(["a on first"]);
    unsubscribe();
    second.abort();
    expect(told).toEqual(["a on first", "c on second"]);
    expect(callback).not.toHaveBeenCalled();
    first.abort();
    expect(told).toHaveLength(2);
  });

  it("adds one event listener to a signal however many subscribe", () => {
    const controller = new AbortController();
    const add = vi.spyOn(controller.signal, "addEventListener");
    const listeners = Array.from({ length: 50 }, () => ({ signalAborted: vi.fn() }));
    for (const each of listeners) listenForAbort(controller.signal, each);
    expect(add).toHaveBeenCalledTimes(1);
    controller.abort();
    expect(listeners.every((each) => each.signalAborted.mock.calls.length === 1)).toBe(true);
  });
});
