/**
 * One abort listener per AbortSignal, however many calls share it. A workflow that passes one
 * signal to a fan-out of a thousand calls would otherwise add a thousand listeners, and Node warns
 * (MaxListenersExceededWarning) past ten.
 */
type Callback = () => void;

/**
 * An object told when a signal aborts: what a queued call registers itself as, so that a call
 * waiting on `taskfit run`'s signal costs a set entry, not a closure and its unsubscribe closure.
 */
export interface AbortListener {
  signalAborted(): void;
}

type Listeners = Set<Callback | AbortListener>;

const subscribers = new WeakMap<AbortSignal, Listeners>();
// The signal last used and its listeners: `taskfit run` gives every call the same signal, and a
// WeakMap lookup per subscription is a measurable share of dispatch. Holds at most one signal.
let lastSignal: AbortSignal | undefined;
let lastListeners: Listeners | undefined;

function listenersOf(signal: AbortSignal): Listeners | undefined {
  if (signal === lastSignal) return lastListeners;
  const listeners = subscribers.get(signal);
  if (listeners !== undefined) {
    lastSignal = signal;
    lastListeners = listeners;
  }
  return listeners;
}

/** Tells `listener` once when `signal` aborts, until `stopListening`. */
export function listenForAbort(signal: AbortSignal, listener: Callback | AbortListener): void {
  let set = listenersOf(signal);
  if (set === undefined) {
    const created: Listeners = new Set();
    set = created;
    subscribers.set(signal, created);
    signal.addEventListener(
      "abort",
      () => {
        subscribers.delete(signal);
        if (lastSignal === signal) lastSignal = lastListeners = undefined;
        for (const each of created) {
          if (typeof each === "function") each();
          else each.signalAborted();
        }
      },
      { once: true },
    );
  }
  set.add(listener);
}

export function stopListening(signal: AbortSignal, listener: Callback | AbortListener): void {
  listenersOf(signal)?.delete(listener);
}

/** Calls `callback` once when `signal` aborts; returns the unsubscribe function. */
export function onAbort(signal: AbortSignal, callback: Callback): () => void {
  listenForAbort(signal, callback);
  return () => stopListening(signal, callback);
}
