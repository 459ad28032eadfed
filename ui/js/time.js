// Times on the console are read in Asia/Shanghai whatever the workstation's own zone is set to, because the
// deadlines, the duty day and the audit trail are all Shanghai times. China has had no daylight saving since
// 1991, so a fixed UTC+8 offset is exact and does not depend on the webview's time-zone data.
// Every instant crossing the IPC boundary is UTC milliseconds since the epoch.

export const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000;

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const WEEKDAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];

const pad2 = (n) => String(n).padStart(2, '0');

/** The wall-clock fields of an instant in Asia/Shanghai. */
export function shanghaiParts(ms) {
  const d = new Date(ms + SHANGHAI_OFFSET_MS);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay(),
  };
}

/** The instant of Shanghai midnight starting the day `ms` falls in. */
export function startOfShanghaiDay(ms) {
  const local = ms + SHANGHAI_OFFSET_MS;
  return local - (((local % 86400000) + 86400000) % 86400000) - SHANGHAI_OFFSET_MS;
}

/** "22:40" */
export function formatTime(ms) {
  const p = shanghaiParts(ms);
  return `${pad2(p.hour)}:${pad2(p.minute)}`;
}

/** "22:40:05" */
export function formatClock(ms) {
  const p = shanghaiParts(ms);
  return `${pad2(p.hour)}:${pad2(p.minute)}:${pad2(p.second)}`;
}

/** "2025-11-26" */
export function formatDate(ms) {
  const p = shanghaiParts(ms);
  return `${p.year}-${pad2(p.month)}-${pad2(p.day)}`;
}

/** "2025-11-26 周三" for the status bar. */
export function formatDateWithWeekday(ms) {
  return `${formatDate(ms)} ${WEEKDAYS[shanghaiParts(ms).weekday]}`;
}

/** "2025-11-26 22:40" */
export function formatDateTime(ms) {
  return `${formatDate(ms)} ${formatTime(ms)}`;
}

/** "2025-11-26 22:40:05", for the audit trail where seconds matter. */
export function formatDateTimeSeconds(ms) {
  return `${formatDate(ms)} ${formatClock(ms)}`;
}

/**
 * The shortest unambiguous form relative to `now`: the time alone today, month and day this year, the full
 * date otherwise. A night shift crosses midnight, so "yesterday 23:50" must not read as a bare "23:50".
 */
export function formatWhen(ms, now) {
  if (ms == null) return '';
  if (startOfShanghaiDay(ms) === startOfShanghaiDay(now)) return formatTime(ms);
  const p = shanghaiParts(ms);
  if (p.year === shanghaiParts(now).year) return `${pad2(p.month)}-${pad2(p.day)} ${formatTime(ms)}`;
  return formatDateTime(ms);
}

/** "2025-11" — the month key the statistics command takes. */
export function monthKey(ms) {
  const p = shanghaiParts(ms);
  return `${p.year}-${pad2(p.month)}`;
}

/**
 * A duration in whole minutes as officers say it: "35分", "1小时20分", "2天3小时". Days drop the minutes and
 * hours drop nothing: past a day the minutes are noise, under a day they are the point.
 */
export function formatDuration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s >= DAY) {
    const days = Math.floor(s / DAY);
    const hours = Math.floor((s % DAY) / HOUR);
    return hours ? `${days}天${hours}小时` : `${days}天`;
  }
  if (s >= HOUR) {
    const hours = Math.floor(s / HOUR);
    const minutes = Math.floor((s % HOUR) / MINUTE);
    return minutes ? `${hours}小时${minutes}分` : `${hours}小时`;
  }
  if (s >= MINUTE) return `${Math.floor(s / MINUTE)}分`;
  return '不足1分';
}

/** Below this, a running step is shown as about to be overdue. */
export const DUE_SOON_SECONDS = 30 * MINUTE;

/**
 * Time left on the current step. `level` drives the colour: `overdue`, `soon` (under half an hour), `ok`,
 * or `none` when no clock runs (parked, or a status without a timed step).
 */
export function timeLeft(dueAt, now) {
  if (dueAt == null) return { level: 'none', overdue: false, seconds: null, text: '计时暂停' };
  const seconds = Math.floor((dueAt - now) / 1000);
  if (seconds < 0) {
    return { level: 'overdue', overdue: true, seconds, text: `超时 ${formatDuration(-seconds)}` };
  }
  const level = seconds < DUE_SOON_SECONDS ? 'soon' : 'ok';
  return { level, overdue: false, seconds, text: `剩 ${formatDuration(seconds)}` };
}

/** "刚刚", "3分钟前", "2小时前", then the plain date: for the alert feed's "how fresh is this". */
export function formatAgo(ms, now) {
  const s = Math.floor((now - ms) / 1000);
  if (s < 45) return '刚刚';
  if (s < HOUR) return `${Math.max(1, Math.round(s / MINUTE))}分钟前`;
  if (s < 6 * HOUR) return `${Math.floor(s / HOUR)}小时前`;
  return formatWhen(ms, now);
}
