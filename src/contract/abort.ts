/**
 * One abort listener per AbortSignal, however many calls share it. A workflow that passes one
 * signal to a fan-out of a thousand calls would otherwise add a thousand listeners, and Node warns
 * (MaxListenersExceededWarning) past ten.
 */
type Callback = () => void;

const subscribers = new WeakMap<AbortSignal, Set<Callback>>();

/** Calls `callback` once when `signal` aborts; returns the unsubscribe function. */
export function onAbort(signal: AbortSignal, callback: Callback): () => void {
  let set = subscribers.get(signal);
  if (set === undefined) {
    const created = new Set<Callback>();
    set = created;
    subscribers.set(signal, created);
    signal.addEventListener(
      "abort",
      () => {
        subscribers.delete(signal);
        for (const each of created) each();
      },
      { once: true },
    );
  }
  set.add(callback);
  const registered = set;
  return () => {
    registered.delete(callback);
  };
}
