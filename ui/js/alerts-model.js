// How the alert feed shows a burst: the back end groups alerts of one camera and kind within ten minutes
// (`triage::group_bursts`); this module turns a group into what one row says, and gives each group a key
// that stays the same while the burst grows, so that a live update patches the row instead of replacing it.

import { ALERT_KIND, nameOf } from './labels.js';
import { formatTime, formatWhen } from './time.js';

/** Alerts at or above this priority sound the alarm (3 high: crowd, smoke and fire, near water; 4 a watch-list face). */
export const ALARM_PRIORITY = 3;

const PRIORITY_LEVEL = { 1: 'low', 2: 'normal', 3: 'high', 4: 'top' };

/**
 * A group's identity: camera, kind and its oldest alert. New alerts joining the burst are newer, so the key
 * survives them; a burst that is triaged disappears with its key.
 */
export function groupKey(group) {
  const oldest = group.alerts.reduce((min, a) => Math.min(min, a.id), Infinity);
  return `${group.camera_name}|${group.kind}|${oldest}`;
}

/** The span of a burst: "22:40" for one instant, "22:40–22:47" for a burst, with a date off today. */
export function spanText(firstAt, lastAt, now) {
  const first = formatWhen(firstAt, now);
  if (lastAt - firstAt < 60000) return first;
  return `${first}–${formatTime(lastAt)}`;
}

/** The best confidence in the group as a percentage, or '' when no alert carries one. */
export function confidenceText(alerts) {
  const best = alerts.reduce((max, a) => (a.confidence != null && a.confidence > max ? a.confidence : max), -1);
  return best < 0 ? '' : `${Math.round(best * 100)}%`;
}

/** What a row of the alert feed says about a group. */
export function summariseGroup(group, now) {
  const count = group.alerts.length;
  const withSnapshot = group.alerts.find((a) => a.has_snapshot);
  const recognition = group.alerts.find((a) => a.recognition)?.recognition ?? null;
  return {
    key: groupKey(group),
    kindName: nameOf(ALERT_KIND, group.kind),
    count,
    countText: count > 1 ? `×${count}` : '',
    span: spanText(group.first_at, group.last_at, now),
    confidence: confidenceText(group.alerts),
    level: PRIORITY_LEVEL[group.priority] ?? 'normal',
    alarming: group.priority >= ALARM_PRIORITY,
    snapshotAlertId: withSnapshot ? withSnapshot.id : null,
    ongoing: group.alerts.some((a) => !a.ended),
    recognition,
    ids: group.alerts.map((a) => a.id),
  };
}

/**
 * Feed order, as the back end sends it: highest priority first, then the newest burst. Restated here for
 * groups patched in locally between two fetches.
 */
export function compareGroups(a, b) {
  if (a.priority !== b.priority) return b.priority - a.priority;
  return b.last_at - a.last_at;
}

/**
 * Which keys are new, gone or changed between two fetches of the feed; `changed` when the burst grew or
 * its priority rose, so the row can flash and the alarm can ring again for a raised priority.
 */
export function diffGroups(before, after) {
  const old = new Map(before.map((g) => [groupKey(g), g]));
  const added = [];
  const changed = [];
  const keys = new Set();
  for (const g of after) {
    const key = groupKey(g);
    keys.add(key);
    const prev = old.get(key);
    if (!prev) added.push(key);
    else if (prev.alerts.length !== g.alerts.length || prev.priority !== g.priority || prev.last_at !== g.last_at) {
      changed.push(key);
    }
  }
  const removed = [...old.keys()].filter((k) => !keys.has(k));
  return { added, changed, removed };
}

/**
 * The pane's count: the groups shown and every new alert. The pane loads the newest alerts only, so the
 * alerts in its groups may be fewer than `total` (the handover's figure); then it says how many it shows.
 */
export function alertCount(groups, total) {
  const shown = groups.reduce((n, g) => n + g.alerts.length, 0);
  const all = Math.max(total ?? shown, shown);
  if (!groups.length && !all) return '';
  return all > shown ? `${groups.length} 组 / ${all} 条待研判（显示最新 ${shown} 条）` : `${groups.length} 组 / ${all} 条待研判`;
}

/**
 * Several bursts picked for one triage (批量研判) as one burst-like group: every alert, the kind and camera
 * when all share them, else a count; the first burst's grid leads the events offered for attaching.
 */
export function mergeGroups(groups) {
  const alerts = groups.flatMap((g) => g.alerts);
  const same = (f) => (groups.every((g) => f(g) === f(groups[0])) ? f(groups[0]) : null);
  return {
    alerts,
    kind: same((g) => g.kind) ?? 'other',
    camera_name: same((g) => g.camera_name) ?? `${groups.length} 组告警`,
    grid_code: same((g) => g.grid_code) ?? groups[0]?.grid_code ?? null,
    grid_name: same((g) => g.grid_name),
    priority: Math.max(0, ...groups.map((g) => g.priority)),
    first_at: Math.min(...groups.map((g) => g.first_at)),
    last_at: Math.max(...groups.map((g) => g.last_at)),
  };
}
