// What the 历史事件 and 审计日志 dialogs send, apart from the DOM: a date typed as YYYY-MM-DD is a Shanghai
// day; the audit's ranges (本班, 今日, 近 7 天) are computed from the shift's start and the station's clock.

import { SHANGHAI_OFFSET_MS, startOfShanghaiDay } from './time.js';

const DAY = 86_400_000;

/** Shanghai midnight of a `YYYY-MM-DD` day, or null for an empty or malformed one. */
export function shanghaiDay(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(text ?? '').trim());
  if (!m) return null;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) - SHANGHAI_OFFSET_MS;
}

/** The `history_search` request: `until` is the end of the day typed, so a one-day range works. */
export function historyQuery({ text, status, ended, from, until, drill }) {
  const start = shanghaiDay(from);
  const end = shanghaiDay(until);
  return {
    text: String(text ?? '').trim(),
    status: status || null,
    ended_only: Boolean(ended),
    from: start,
    until: end == null ? null : end + DAY,
    drill: Boolean(drill),
  };
}

/** The `audit_search` request for a range key, the actor and event filters. */
export function auditQuery({ range, actor, eventId, session, now }) {
  const q = { actor_id: String(actor ?? '').trim() || null, event_id: Number(eventId) > 0 ? Number(eventId) : null, station: null, from: null, until: null, limit: 500 };
  if (range === 'shift') {
    q.from = session.signed_in_at;
    q.station = session.station;
  } else if (range === 'today') {
    q.from = startOfShanghaiDay(now);
  } else if (range === 'week') {
    q.from = startOfShanghaiDay(now) - 6 * DAY;
  }
  return q;
}
