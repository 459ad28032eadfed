// When the console raises an alarm: a new high-priority camera alert burst (or one whose priority rose),
// a new high-severity event, and an event whose current step has just run out of time. Each alarm has a
// key so that the same thing never rings twice, and stays until the officer acknowledges it. Pure: the
// sound and the banner are alarm.js.

import { ALARM_PRIORITY, groupKey } from './alerts-model.js';
import { ALERT_KIND, CATEGORY, SEVERITY, nameOf } from './labels.js';

/** Events at or above this severity ring when they enter the queue (3 重大, 4 特别重大). */
export const ALARM_SEVERITY = 3;

export class AlarmBook {
  constructor() {
    /** key → alarm, in the order raised. */
    this.open = new Map();
    /** Keys ever raised, so that an acknowledged alarm does not come back with the next fetch. */
    this.seen = new Set();
  }

  raise(alarm) {
    if (this.seen.has(alarm.key)) return null;
    this.seen.add(alarm.key);
    this.open.set(alarm.key, alarm);
    return alarm;
  }

  /** Alerts from a fetch of the feed: rings for each alarming burst not rung for at this priority yet. */
  observeAlertGroups(groups, now) {
    const raised = [];
    for (const g of groups) {
      if (g.priority < ALARM_PRIORITY) continue;
      const alarm = this.raise({
        key: `alert:${groupKey(g)}:p${g.priority}`,
        kind: 'alert',
        at: now,
        level: g.priority >= 4 ? 'top' : 'high',
        // A drill's alert rings like a real one (the drill exercises the officer), and says it is a drill.
        title: `${g.drill_id ? '【演练】' : ''}${nameOf(ALERT_KIND, g.kind)} · ${g.camera_name}`,
        detail: g.grid_name ?? '',
        groupKey: groupKey(g),
      });
      if (alarm) raised.push(alarm);
    }
    return raised;
  }

  /** Queue rows: rings once for each serious event and once for each step that ran out of time. */
  observeQueueRows(rows, now) {
    const raised = [];
    for (const row of rows) {
      if (row.severity >= ALARM_SEVERITY) {
        const a = this.raise({
          key: `event:${row.id}:severe`,
          kind: 'event',
          at: now,
          level: row.severity >= 4 ? 'top' : 'high',
          title: `${nameOf(SEVERITY, row.severity)}事件 #${row.id} ${row.title}`,
          detail: `${nameOf(CATEGORY, row.category)} · ${row.grid_name ?? ''}`,
          eventId: row.id,
        });
        if (a) raised.push(a);
      }
      for (const late of row.no_ack ?? []) {
        const minutes = Math.max(0, Math.round((now - late.dispatched_at) / 60000));
        const a = this.raise({
          key: `task:${late.task_id}:no_ack`,
          kind: 'no_ack',
          at: now,
          level: 'high',
          title: `事件 #${row.id} 未签收超时`,
          detail: `${late.worker_name} 派遣 ${minutes} 分钟未签收 · ${row.title}`,
          eventId: row.id,
          taskId: late.task_id,
        });
        if (a) raised.push(a);
      }
      if (row.due_at != null && row.due_at < now) {
        // The key carries the deadline: a step that is extended and runs out again rings again.
        const a = this.raise({
          key: `event:${row.id}:overdue:${row.step ?? ''}:${row.due_at}`,
          kind: 'overdue',
          at: now,
          level: 'overdue',
          title: `事件 #${row.id} 已超时`,
          detail: row.title,
          eventId: row.id,
        });
        if (a) raised.push(a);
      }
    }
    return raised;
  }

  /** Drops the 未签收超时 alarms of these rows whose task is no longer waited for (acknowledged, 改派). */
  settleNoAck(rows) {
    const waiting = new Set(rows.flatMap((r) => (r.no_ack ?? []).map((n) => n.task_id)));
    const shown = new Set(rows.map((r) => r.id));
    this.resolve((a) => a.kind === 'no_ack' && shown.has(a.eventId) && !waiting.has(a.taskId));
  }

  /** Marks everything raised up to now as seen without ringing: for the first load of a shift. */
  absorb(alarms) {
    for (const a of alarms) this.open.delete(a.key);
  }

  acknowledge(key) {
    return this.open.delete(key);
  }

  acknowledgeAll() {
    const n = this.open.size;
    this.open.clear();
    return n;
  }

  /** Drops an alarm whose cause went away (the burst was triaged, the event left the queue). */
  resolve(predicate) {
    for (const [key, alarm] of this.open) if (predicate(alarm)) this.open.delete(key);
  }

  pending() {
    return [...this.open.values()];
  }
}
