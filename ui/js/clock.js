// The console's "now". The station's clock is the authority (the api reads it once per command, and a
// replay or an end-to-end test may run it fixed), so every time-left and overdue figure is computed against
// the station's time: each response carrying `now` corrects the offset from the workstation's clock.

let skew = 0;

/** Adopts the station's time as of a response. */
export function syncClock(stationNow) {
  if (typeof stationNow === 'number' && Number.isFinite(stationNow)) skew = stationNow - Date.now();
}

export function now() {
  return Date.now() + skew;
}
