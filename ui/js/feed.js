// The change feed as the console reads it. The back end sends batches `{ entries, resync }` over a Tauri
// Channel (docs/ipc.md); this module sorts a batch into what each view has to fetch again, and notices a
// gap in the sequence numbers, after which the views must resync rather than trust their patches.

/** Every kind of entity the feed names: `store::FeedEntity` (a Rust test keeps the two lists equal). */
export const FEED_ENTITIES = ['event', 'alert', 'task', 'worker', 'station', 'setting', 'register', 'grid', 'camera', 'roster', 'quarantine', 'nvr', 'account', 'callup', 'drill', 'zero_report', 'broker_login'];

/**
 * What a batch asks the views to refresh. Entries are `{ seq, at, kind, key, action, version }` with
 * `kind` one of `FEED_ENTITIES`.
 */
export function routeBatch(entries) {
  const route = {
    eventIds: new Set(),
    alerts: false,
    workerIds: new Set(),
    health: false,
    mode: false,
    registers: false,
    seeded: false,
  };
  for (const e of entries) {
    switch (e.kind) {
      case 'event':
        if (e.action === 'seeded') route.seeded = true;
        else route.eventIds.add(Number(e.key));
        break;
      case 'alert':
      case 'camera':
        route.alerts = true;
        break;
      case 'worker':
        route.workerIds.add(String(e.key));
        break;
      case 'task':
      case 'nvr':
      case 'station':
      case 'quarantine':
        route.health = true;
        break;
      case 'setting':
        route.health = true;
        if (e.key === 'mode') route.mode = true;
        break;
      case 'drill':
        // A drill started, paused or ended: the status bar's banner (each inject is not news to it).
        if (e.action !== 'injected') route.health = true;
        break;
      case 'register':
      case 'grid':
        route.registers = true;
        break;
      default:
        break;
    }
  }
  return route;
}

/**
 * Tracks the last sequence number applied. `accept(entries)` returns the entries not seen yet and whether a
 * gap lies before them (entries lost between the subscribe and now, or dropped by a reconnect).
 */
export class FeedCursor {
  constructor(head) {
    this.head = head;
  }

  accept(entries) {
    const fresh = entries.filter((e) => e.seq > this.head).sort((a, b) => a.seq - b.seq);
    let gap = false;
    let expected = this.head + 1;
    for (const e of fresh) {
      if (e.seq !== expected) gap = true;
      expected = e.seq + 1;
    }
    if (fresh.length) this.head = fresh[fresh.length - 1].seq;
    return { fresh, gap };
  }
}
