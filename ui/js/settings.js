// Settings of this workstation (not of the station): the optional tile source for the map, the idle lock
// delay, the alarm volume. They belong to the screen in front of the officer, so they live in the
// webview's local storage; everything the station decides lives in the back end.

const KEY = 'redgrid.console.settings.v1';

export const DEFAULT_SETTINGS = Object.freeze({
  /** An intranet or local tile URL template (`{z}/{x}/{y}`); empty for the offline grid base alone. */
  tileUrl: '',
  /** The coordinate system of that tile source: `wgs84` (also CGCS2000) or `gcj02`. */
  tileCrs: 'wgs84',
  /** Minutes without input before the station locks; 0 turns the idle lock off. */
  idleLockMinutes: 10,
  /** 0 … 1 */
  alarmVolume: 0.6,
  /** How a revealed number is dialled: `tel` hands it to the workstation's phone handler (a softphone), `copy` only copies it. */
  dialMode: 'tel',
});

export function loadSettings() {
  try {
    const raw = window.localStorage?.getItem(KEY);
    return { ...DEFAULT_SETTINGS, ...(raw ? JSON.parse(raw) : {}) };
  } catch {
    return { ...DEFAULT_SETTINGS };
  }
}

export function saveSettings(settings) {
  try {
    window.localStorage?.setItem(KEY, JSON.stringify(settings));
  } catch {
    // A webview without storage keeps the settings for this session only.
  }
}
