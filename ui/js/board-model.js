// The worker board's filters, apart from the DOM: by village, by the 1+3+N group, on shift only, terminal
// online only, and by name or phone tail.

/** The "1", "3" or "N" of the 1+3+N force a group key belongs to. */
export function forceBucket(group) {
  if (group === 'full_time_worker') return '1';
  if (['village_cadre', 'police', 'patrol'].includes(group)) return '3';
  return 'N';
}

export function filterBoard(rows, { village = '', bucket = '', onShiftOnly = false, onlineOnly = false, text = '' } = {}) {
  const q = text.trim();
  return rows.filter(
    (r) =>
      (!village || r.village_code === village) &&
      (!bucket || forceBucket(r.group) === bucket) &&
      (!onShiftOnly || r.on_shift) &&
      (!onlineOnly || r.terminal_state === 'online') &&
      (!q || r.name.includes(q) || r.id.includes(q) || r.phone_masked.endsWith(q)),
  );
}

/** The board's heading figures: how many on shift, how many reachable, how many busy. */
export function boardFigures(rows) {
  return {
    total: rows.length,
    onShift: rows.filter((r) => r.on_shift).length,
    online: rows.filter((r) => r.terminal_state === 'online').length,
    busy: rows.filter((r) => r.active_tasks > 0).length,
  };
}

export const TERMINAL = { online: '在线', offline: '离线', unknown: '未上线' };
