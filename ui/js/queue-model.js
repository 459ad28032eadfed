// The open queue as the console holds it: every open event of the current queue (real or drill), kept by
// id, patched row by row from the change feed, sorted and filtered here so that a filter click or a live
// change never waits on the back end. No DOM in this module.

import { CATEGORY, OPEN_STATUSES, isOpenStatus } from './labels.js';

const NO_DEADLINE = Number.MAX_SAFE_INTEGER;

/**
 * Queue order, the same as the store's `urgency_at` index: overdue first (most overdue at the top), then
 * least time left, then events with no running clock (parked); ties by severity, then age, then id so that
 * the order is total and rows never swap places between two renders.
 */
export function compareQueueRows(a, b, now) {
  const aOverdue = a.due_at != null && a.due_at < now;
  const bOverdue = b.due_at != null && b.due_at < now;
  if (aOverdue !== bOverdue) return aOverdue ? -1 : 1;
  const aDue = a.due_at ?? NO_DEADLINE;
  const bDue = b.due_at ?? NO_DEADLINE;
  if (aDue !== bDue) return aDue - bDue;
  if (a.severity !== b.severity) return b.severity - a.severity;
  if (a.reported_at !== b.reported_at) return a.reported_at - b.reported_at;
  return a.id - b.id;
}

export function sortQueue(rows, now) {
  return rows.slice().sort((a, b) => compareQueueRows(a, b, now));
}

/** The empty filter: everything in the queue. */
export const NO_FILTER = Object.freeze({
  status: null,
  overdueOnly: false,
  category: null,
  minSeverity: null,
  gridPrefix: null,
  text: '',
});

/** `category` may be a full key or a group prefix such as `dispute` for every kind of dispute. */
function matchesCategory(rowCategory, wanted) {
  if (!wanted) return true;
  return rowCategory === wanted || rowCategory.startsWith(`${wanted}.`);
}

function matchesText(row, text) {
  const needle = text.trim().toLowerCase().replace(/^#/, '');
  if (!needle) return true;
  if (/^[0-9]+$/.test(needle) && String(row.id).startsWith(needle)) return true;
  const hay = [row.title, row.grid_name, row.village_name, CATEGORY[row.category], row.address, row.grid_code]
    .filter(Boolean)
    .join(' ')
    .toLowerCase();
  return hay.includes(needle);
}

export function matchesFilter(row, filter, now) {
  if (filter.status && row.status !== filter.status) return false;
  if (filter.overdueOnly && !(row.due_at != null && row.due_at < now)) return false;
  if (!matchesCategory(row.category, filter.category)) return false;
  if (filter.minSeverity && row.severity < filter.minSeverity) return false;
  if (filter.gridPrefix && !String(row.grid_code).startsWith(filter.gridPrefix)) return false;
  if (filter.text && !matchesText(row, filter.text)) return false;
  return true;
}

/**
 * Counts for the filter chips, taken over the rows that pass every filter but the status one, so that a
 * chip says how many rows clicking it would show.
 */
export function statusCounts(rows, filter, now) {
  const counts = { all: 0, overdue: 0 };
  for (const status of OPEN_STATUSES) counts[status] = 0;
  const loose = { ...filter, status: null, overdueOnly: false };
  for (const row of rows) {
    if (!matchesFilter(row, loose, now)) continue;
    counts.all += 1;
    counts[row.status] = (counts[row.status] ?? 0) + 1;
    if (row.due_at != null && row.due_at < now) counts.overdue += 1;
  }
  return counts;
}

/**
 * The queue's rows by id, with a cached sorted view. `apply` is how live changes come in: a row that is no
 * longer open (closed, merged, escalated, voided…) leaves the queue.
 */
export class QueueModel {
  constructor() {
    this.rows = new Map();
    this.sorted = null;
  }

  get size() {
    return this.rows.size;
  }

  get(id) {
    return this.rows.get(id);
  }

  replaceAll(rows) {
    this.rows = new Map();
    for (const row of rows) if (isOpenStatus(row.status)) this.rows.set(row.id, row);
    this.sorted = null;
  }

  /**
   * Upserts rows fetched after a change. Returns what happened, so the views can patch only what moved.
   * A row older than the one held (a lower version, from a fetch that crossed a newer one) is ignored.
   */
  apply(rows) {
    const added = [];
    const updated = [];
    const removed = [];
    for (const row of rows) {
      const held = this.rows.get(row.id);
      if (held && held.version > row.version) continue;
      if (!isOpenStatus(row.status)) {
        if (held) {
          this.rows.delete(row.id);
          removed.push(row.id);
        }
        continue;
      }
      this.rows.set(row.id, row);
      (held ? updated : added).push(row.id);
    }
    if (added.length || updated.length || removed.length) this.sorted = null;
    return { added, updated, removed };
  }

  remove(ids) {
    let any = false;
    for (const id of ids) any = this.rows.delete(id) || any;
    if (any) this.sorted = null;
  }

  /** Every row in queue order. */
  all(now) {
    if (!this.sorted) this.sorted = sortQueue([...this.rows.values()], now);
    return this.sorted;
  }

  /** The rows passing `filter`, in queue order. */
  view(filter, now) {
    const all = this.all(now);
    const loose = filter === NO_FILTER || Object.keys(NO_FILTER).every((k) => !filter[k]);
    return loose ? all : all.filter((row) => matchesFilter(row, filter, now));
  }

  /** Ids whose step became overdue between two instants: what the overdue alarm rings for. */
  newlyOverdue(since, now) {
    const ids = [];
    for (const row of this.rows.values()) {
      if (row.due_at != null && row.due_at >= since && row.due_at < now) ids.push(row.id);
    }
    return ids;
  }
}
