// When the idle lock locks the station: after the configured minutes without a key, click or movement — but
// never while an unacknowledged alarm is on screen, which an officer away from the desk must still see and
// hear when they come back (and which a lock screen would hide).

export function shouldLock({ now, lastActivity, minutes, locked, alarmsOpen }) {
  if (locked || !(minutes > 0)) return false;
  if (alarmsOpen > 0) return false;
  return now - lastActivity > minutes * 60_000;
}

/**
 * Whether a failed request says nothing: a station locked (by the idle lock or another window) refuses every
 * read, and the lock screen already says why. The views refresh once when it is unlocked.
 */
export function silentWhileLocked(error) {
  return error?.code === 'locked';
}
