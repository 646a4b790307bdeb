/**
 * A minimal typed event emitter that runs in browsers (no Node `EventEmitter`).
 * Listeners run synchronously in subscription order. A listener that throws does not stop
 * the others: `emit` returns what was thrown so the caller decides how to report it.
 */

export type Listener<E> = (event: E) => void;

interface Entry<E> {
  readonly fn: Listener<E>;
}

export class Emitter<Events extends { [K in keyof Events]: unknown }> {
  private readonly listeners = new Map<keyof Events, Set<Entry<never>>>();

  /** Subscribes; the returned function unsubscribes (idempotent). */
  on<K extends keyof Events>(type: K, fn: Listener<Events[K]>): () => void {
    let set = this.listeners.get(type);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(type, set);
    }
    // A fresh entry per call, so the same function may subscribe twice.
    const entry: Entry<Events[K]> = { fn };
    set.add(entry as Entry<never>);
    return () => {
      set.delete(entry as Entry<never>);
    };
  }

  /** Subscribes for one event only. */
  once<K extends keyof Events>(type: K, fn: Listener<Events[K]>): () => void {
    const off = this.on(type, (event) => {
      off();
      fn(event);
    });
    return off;
  }

  /**
   * Calls the listeners of `type` that are subscribed now (subscriptions made during the
   * call take effect from the next one). Returns the errors listeners threw.
   */
  emit<K extends keyof Events>(type: K, event: Events[K]): unknown[] {
    const set = this.listeners.get(type);
    if (set === undefined || set.size === 0) return [];
    const errors: unknown[] = [];
    for (const entry of [...set] as Entry<Events[K]>[]) {
      if (!set.has(entry as Entry<never>)) continue;
      try {
        entry.fn(event);
      } catch (e) {
        errors.push(e);
      }
    }
    return errors;
  }

  listenerCount(type?: keyof Events): number {
    if (type !== undefined) return this.listeners.get(type)?.size ?? 0;
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  removeAll(type?: keyof Events): void {
    if (type === undefined) this.listeners.clear();
    else this.listeners.delete(type);
  }
}
