/**
 * One abort listener per AbortSignal, however many calls share it. A workflow that passes one
 * signal to a fan-out of a thousand calls would otherwise add a thousand listeners, and Node warns
 * (MaxListenersExceededWarning) past ten.
 *
 * The calls listening to a signal are kept in a list linked through the listeners themselves: a
 * queued call subscribes and unsubscribes with a few pointer writes, no set entry, no closure
 * (`taskfit run` gives every call of a run the same signal, and a million may wait at once).
 */
type Callback = () => void;

/** An object told when a signal aborts. The links are abort.ts's: set them `undefined`, never touch them. */
export interface AbortListener {
  signalAborted(): void;
  previousListener: AbortListener | undefined;
  nextListener: AbortListener | undefined;
}

/** In the order they subscribed: they are told in that order. */
interface Listeners {
  first: AbortListener | undefined;
  last: AbortListener | undefined;
}

const subscribers = new WeakMap<AbortSignal, Listeners>();
// The signal last used and its list: one WeakMap lookup fewer per call when a run shares one
// signal. Holds at most one signal.
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

function aborted(signal: AbortSignal, listeners: Listeners): void {
  // Head first until empty: a listener that another's handler unsubscribes is not told.
  for (let each = listeners.first; each !== undefined; each = listeners.first) {
    stopListening(signal, each);
    each.signalAborted();
  }
  subscribers.delete(signal);
  if (lastSignal === signal) lastSignal = lastListeners = undefined;
}

/** Tells `listener` once when `signal` aborts, until `stopListening`. A listener listens to one signal at a time. */
export function listenForAbort(signal: AbortSignal, listener: AbortListener): void {
  let listeners = listenersOf(signal);
  if (listeners === undefined) {
    const created: Listeners = { first: undefined, last: undefined };
    listeners = created;
    subscribers.set(signal, created);
    signal.addEventListener("abort", () => aborted(signal, created), { once: true });
  }
  listener.previousListener = listeners.last;
  listener.nextListener = undefined;
  if (listeners.last !== undefined) listeners.last.nextListener = listener;
  else listeners.first = listener;
  listeners.last = listener;
}

export function stopListening(signal: AbortSignal, listener: AbortListener): void {
  const { previousListener, nextListener } = listener;
  if (previousListener === undefined || nextListener === undefined) {
    // At an end of the list, or not listening (any more): the list says which.
    const listeners = listenersOf(signal);
    if (listeners === undefined) return;
    if (previousListener === undefined) {
      if (listeners.first !== listener) return;
      listeners.first = nextListener;
    }
    if (nextListener === undefined) {
      if (listeners.last !== listener) return;
      listeners.last = previousListener;
    }
  }
  if (previousListener !== undefined) previousListener.nextListener = nextListener;
  if (nextListener !== undefined) nextListener.previousListener = previousListener;
  listener.previousListener = listener.nextListener = undefined;
}

/** Calls `callback` once when `signal` aborts; returns the unsubscribe function. */
export function onAbort(signal: AbortSignal, callback: Callback): () => void {
  const listener: AbortListener = { signalAborted: callback, previousListener: undefined, nextListener: undefined };
  listenForAbort(signal, listener);
  return () => stopListening(signal, listener);
}
