// The roster desk's state without the DOM: weeks of a roster, pending manual changes laid over the stored
// cells, rule breaks and coverage by cell, and a re-plan's diff. The view (roster-view.js) renders it.

/** Splits a roster's days (YYYY-MM-DD, consecutive) into weeks of day indices. */
export function weeksOf(days) {
  const weeks = [];
  for (let i = 0; i < days.length; i += 7) weeks.push(days.slice(i, i + 7).map((_, k) => i + k));
  return weeks;
}

/** The week holding `day` (YYYY-MM-DD), or the first week when the roster does not cover it. */
export function weekOfDay(days, day) {
  const i = days.indexOf(day);
  return i < 0 ? 0 : Math.floor(i / 7);
}

const cellKey = (workerId, day) => `${workerId}|${day}`;

export class RosterDraft {
  /** `desk`: the `roster_desk` result with a roster. */
  constructor(desk) {
    this.desk = desk;
    this.days = desk.roster.days;
    this.dayIndex = new Map(this.days.map((d, i) => [d, i]));
    this.workers = desk.workers;
    this.workerIndex = new Map(this.workers.map((w, i) => [w.id, i]));
    /** Pending changes: key → shift code, or null for a day off. */
    this.pending = new Map();
    this.check = { breaks: desk.breaks, new_breaks: [], coverage: desk.coverage, objective: desk.roster.objective };
  }

  stored(workerId, day) {
    const w = this.workerIndex.get(workerId);
    const d = this.dayIndex.get(day);
    if (w == null || d == null) return null;
    return this.workers[w].cells[d] ?? null;
  }

  /** The cell as the officer sees it: a pending change, else the stored value. */
  value(workerId, day) {
    const key = cellKey(workerId, day);
    return this.pending.has(key) ? this.pending.get(key) : this.stored(workerId, day);
  }

  isChanged(workerId, day) {
    return this.pending.has(cellKey(workerId, day));
  }

  /** Sets a cell; setting it back to the stored value drops the change. Returns whether anything changed. */
  set(workerId, day, code) {
    const value = code || null;
    const key = cellKey(workerId, day);
    const before = this.value(workerId, day);
    if (value === this.stored(workerId, day)) this.pending.delete(key);
    else this.pending.set(key, value);
    return before !== value;
  }

  discard() {
    this.pending.clear();
    this.check = { breaks: this.desk.breaks, new_breaks: [], coverage: this.desk.coverage, objective: this.desk.roster.objective };
  }

  /** The pending changes as the `roster_check` / `roster_save` commands take them, in a stable order. */
  cells() {
    return [...this.pending.entries()]
      .map(([key, shift_code]) => {
        const [worker_id, day] = key.split('|');
        return { worker_id, day, shift_code };
      })
      .sort((a, b) => (this.workerIndex.get(a.worker_id) - this.workerIndex.get(b.worker_id)) || a.day.localeCompare(b.day));
  }

  get changeCount() {
    return this.pending.size;
  }

  /** Rule breaks by cell (`worker|day`) and, for rules over a whole period, by worker. */
  breaksIndex() {
    const byCell = new Map();
    const byWorker = new Map();
    for (const b of this.check.breaks ?? []) {
      const map = b.day ? byCell : byWorker;
      const key = b.day ? cellKey(b.worker_id, b.day) : b.worker_id;
      if (!map.has(key)) map.set(key, []);
      map.get(key).push(b.text);
    }
    return { byCell, byWorker };
  }

  /** Coverage gaps by `area_code|day`, each `{ shift_code, required, assigned }`. */
  gapsIndex() {
    const out = new Map();
    for (const g of this.check.coverage?.gaps ?? []) {
      const key = `${g.area_code}|${g.day}`;
      if (!out.has(key)) out.set(key, []);
      out.get(key).push(g);
    }
    return out;
  }

  /**
   * Whether the pending changes may be saved: some, and none breaks a hard rule the stored roster kept
   * (a break it already had — someone added to the register since — may stay while other cells change).
   */
  get canSave() {
    const added = this.check.new_breaks ?? this.check.breaks ?? [];
    return this.pending.size > 0 && added.length === 0;
  }

  /** Breaks the roster already had as stored. */
  get oldBreaks() {
    return (this.check.breaks?.length ?? 0) - (this.check.new_breaks?.length ?? 0);
  }
}

/** Shifts worked and hours in a set of days of one worker's row (`cells` as the view shows them). */
export function rowTotals(cells, shiftTypes) {
  const length = new Map(shiftTypes.map((s) => [s.code, s.length_minutes]));
  let shifts = 0;
  let minutes = 0;
  for (const c of cells) {
    if (!c) continue;
    shifts += 1;
    minutes += length.get(c) ?? 0;
  }
  return { shifts, hours: minutes / 60 };
}

/**
 * A re-plan proposal's changes grouped by worker, in the roster's order: `[{ worker, changes: [{ day,
 * before, after }] }]`.
 */
export function diffByWorker(proposal, workers) {
  const order = new Map(workers.map((w, i) => [w.id, i]));
  const groups = new Map();
  for (const c of proposal.changes) {
    if (!groups.has(c.worker_id)) groups.set(c.worker_id, []);
    groups.get(c.worker_id).push({ day: c.day, before: c.before ?? null, after: c.shift_code ?? null });
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (order.get(a) ?? Infinity) - (order.get(b) ?? Infinity))
    .map(([id, changes]) => ({ worker: workers[order.get(id)] ?? { id, name: id }, changes: changes.sort((x, y) => x.day.localeCompare(y.day)) }));
}

/** `12-01 周二` from YYYY-MM-DD. */
export function dayLabel(day) {
  const [y, m, d] = day.split('-').map(Number);
  const weekday = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'][new Date(Date.UTC(y, m - 1, d)).getUTCDay()];
  return `${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')} ${weekday}`;
}

/** A cell's text: the shift code, or 休 for a day off. */
export const cellText = (code) => code ?? '休';
