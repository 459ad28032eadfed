// The only module that talks to the Tauri shell. Every other module calls the functions below; the
// commands, their requests, results and errors are the contract in docs/ipc.md.
//
// Every command takes exactly one argument named `request` (an object, `{}` when there is nothing to say),
// and `subscribe` a second one named `channel`. One-word argument names look the same to Tauri's
// camelCase/snake_case argument renaming, so the Rust side can name its parameters `request` and `channel`
// without `rename_all`, and the fields inside `request` are plain serde snake_case.
//
// Errors come back from the shell as `{ code, message }` (message in Chinese, for people; code for the UI
// to branch on). Anything else that rejects — an unknown command, arguments that do not deserialise, no
// shell at all — is normalised into the same shape here, so callers only ever see an `IpcError`.

/** The error every function below rejects with. */
export class IpcError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'IpcError';
    this.code = code;
  }
}

/** Codes after which the console must ask for the password again rather than show a message. */
const SESSION_CODES = new Set(['unauthenticated', 'locked']);

const sessionListeners = new Set();

/** Called with the error when a command is refused because the session ended or the station is locked. */
export function onSessionLost(listener) {
  sessionListeners.add(listener);
  return () => sessionListeners.delete(listener);
}

function tauriCore() {
  return typeof window !== 'undefined' ? window.__TAURI__?.core : undefined;
}

/** True inside the desktop shell (`app.withGlobalTauri` exposes `window.__TAURI__`). */
export function hasBackend() {
  return Boolean(tauriCore());
}

function normalise(error) {
  if (error instanceof IpcError) return error;
  if (error && typeof error === 'object' && typeof error.code === 'string') {
    return new IpcError(error.code, String(error.message ?? error.code));
  }
  const text = typeof error === 'string' ? error : error?.message ?? String(error);
  return new IpcError('ipc', `与指挥台后台通信失败：${text}`);
}

async function call(command, request = {}) {
  const core = tauriCore();
  if (!core) throw new IpcError('no_backend', '未连接指挥台后台：请在红格指挥台桌面程序中打开本界面');
  try {
    return await core.invoke(command, { request });
  } catch (raw) {
    const error = normalise(raw);
    if (SESSION_CODES.has(error.code)) for (const listener of sessionListeners) listener(error);
    throw error;
  }
}

// ---- session ------------------------------------------------------------------------------------------

/** The signed-in person, or null. With `--demo` the shell starts signed in as the demo duty officer. */
export const currentSession = () => call('session');
export const signIn = (account, password) => call('sign_in', { account, password });
export const changePassword = (current, next) => call('change_password', { current, new: next });
export const needsInit = () => call('needs_init', {});
export const initChoices = (divisionsDir) => call('init_choices', { divisions_dir: divisionsDir || null });
export const initStation = (spec) => call('init_station', spec);
export const accountsList = () => call('accounts_list', {});
export const seatTouch = () => call('seat_touch', {});
export const accountAdd = (spec) => call('account_add', spec);
export const accountUpdate = (account, change, extra = {}) => call('account_update', { account, change, ...extra });
export const signOut = () => call('sign_out');
/** Locks the station: every command but `unlock`, `sign_out` and `session` is refused with `locked`. */
export const lock = () => call('lock');
export const unlock = (password) => call('unlock', { password });

// ---- station ------------------------------------------------------------------------------------------

export const stationHealth = () => call('station_health');
export const switchMode = (mode, reason) => call('switch_mode', { mode, reason });
export const responseLevels = () => call('response_levels', {});
export const levelDryRun = (level) => call('level_dry_run', { level });
export const setLevel = (level, reason) => call('set_level', { level, reason });
export const requestsWaiting = () => call('requests_waiting', {});
export const callupsRecent = () => call('callups_recent', {});
export const callupStart = (spec) => call('callup_start', spec);
export const callupStatus = (callupId) => call('callup_status', { callup_id: callupId });
export const callupAnswer = (answer) => call('callup_answer', answer);
export const drillScenarios = () => call('drill_scenarios', {});
export const drillsList = () => call('drills_list', {});
export const drillStart = (spec) => call('drill_start', spec);
export const drillStatus = (drillId) => call('drill_status', { drill_id: drillId });
export const drillControl = (drillId, change) => call('drill_control', { drill_id: drillId, change });
export const drillScorecard = (drillId) => call('drill_scorecard', { drill_id: drillId });
/** `month` is "YYYY-MM" (Asia/Shanghai); omitted means the current month. */
export const stats = (month) => call('stats', month ? { month } : {});

// ---- queue and events -----------------------------------------------------------------------------------

/** A page of the open queue, most urgent first. `filter` as in docs/ipc.md; `{ drill: true }` for the drill's queue. */
export const queue = (filter, offset, limit) => call('queue', { filter, offset, limit });
/** The current rows of some events, open or not: how the console patches the queue after a change. */
export const queueRows = (ids) => call('queue_rows', { ids });
/** `{ event, history, allowed, alerts }` for the detail panel. */
export const eventDetail = (id) => call('event_detail', { id });
/** Events whatever their status, by number, words and date: `{ text, status?, ended_only?, from?, until?, drill? }`. */
export const historySearch = (query) => call('history_search', query);
/** The audit log: `{ actor_id?, station?, event_id?, from?, until?, limit? }`, newest first. */
export const auditSearch = (query) => call('audit_search', query);
/** A closed-loop command on an event; `expectedVersion` is the version the officer saw. */
export const act = (id, expectedVersion, command) => call('act', { id, expected_version: expectedVersion, command });
/** An event logged by hand from a phone call or a walk-in. */
export const reportEvent = (report) => call('report_event', report);
/** Ranked dispatch candidates for an event, with their reasons in Chinese. */
export const recommend = (eventId, limit = 8) => call('recommend', { event_id: eventId, limit });
/** Workers by name, phone tail or grid, for a dispatch that overrides the ranking. */
export const searchWorkers = (query, limit = 20) => call('search_workers', { query, limit });
/** Every worker now: on shift, terminal, load, village, 1+3+N group. */
export const workerBoard = () => call('worker_board');
/** A call made about an event, on its history: `outcome` reached | no_answer | unreachable | copied. */
export const logContact = (eventId, whom, outcome, note) => call('log_contact', { event_id: eventId, whom, outcome, note });

// ---- camera alerts ------------------------------------------------------------------------------------

export const alertGroups = (limit = 200) => call('alert_groups', { limit });
/** `{ data_url }`: the snapshot as a data: URL (the CSP allows data: images), or null. */
export const alertSnapshot = (alertId) => call('alert_snapshot', { alert_id: alertId });
export const alertsToEvent = (ids, decision) => call('alerts_to_event', { ids, ...decision });
export const attachAlerts = (ids, eventId) => call('attach_alerts', { ids, event_id: eventId });
export const dismissAlerts = (ids, reason) => call('dismiss_alerts', { ids, reason });
/** Silences a camera for `minutes` (its alerts are dismissed as they arrive); audited. */
export const muteCamera = (cameraId, minutes, reason) => call('mute_camera', { camera_id: cameraId, minutes, reason });
export const unmuteCamera = (cameraId) => call('unmute_camera', { camera_id: cameraId });
export const mutedCameras = () => call('muted_cameras');

// ---- grids, map, registers ----------------------------------------------------------------------------

export const gridTree = (maxDepth) => call('grid_tree', { max_depth: maxDepth });
/** A grid and its descendants to `maxDepth`: the small and micro grids of a village for 登记事件. */
export const gridSubtree = (code, maxDepth) => call('grid_subtree', { code, max_depth: maxDepth });
/** A GeoJSON FeatureCollection of one grid level's boundaries. */
export const gridBoundaries = (depth) => call('grid_boundaries', { depth });
/** The four registers of a grid, ID and phone numbers masked. */
export const registers = (code) => call('registers', { code });
/** The plain value of one masked field; audited with the reason. */
export const reveal = (field, ref, reason) => call('reveal', { field, ref, reason });
/** Worker and camera positions; with `workerIds`, only those workers (after `worker` feed entries). */
export const positions = (workerIds) => call('positions', workerIds ? { worker_ids: workerIds } : {});

// ---- shift handover ---------------------------------------------------------------------------------

export const handoverSummary = () => call('handover_summary');
/** The signed-in officer's shift: when it began and the handover (with its note) that began it. */
export const shiftBrief = () => call('shift_brief');
/** Signs the shift over: the incoming officer signs in with their own password in the same act. */
export const handover = (toAccount, toPassword, note) => call('handover', { to_account: toAccount, to_password: toPassword, note });

// ---- live change feed -----------------------------------------------------------------------------------

/**
 * Opens the change feed after `afterSeq`. `onBatch` receives `{ entries, resync }` batches in order
 * (a Tauri Channel keeps order); `resync: true` means entries were lost and every view should refetch.
 * Returns `{ head, close }`.
 */
export async function subscribe(afterSeq, onBatch) {
  const core = tauriCore();
  if (!core) throw new IpcError('no_backend', '未连接指挥台后台');
  const channel = new core.Channel();
  channel.onmessage = (batch) => onBatch(batch);
  let result;
  try {
    result = await core.invoke('subscribe', { request: { after_seq: afterSeq }, channel });
  } catch (raw) {
    throw normalise(raw);
  }
  return {
    head: result.head,
    close: () => call('unsubscribe', { subscription: result.subscription }).catch(() => {}),
  };
}

// ---- desktop notification ---------------------------------------------------------------------------------

/**
 * A desktop notification through the shell's notification plugin, when the shell has it; the console's
 * own banner and sound do not depend on it.
 */
export async function notifyDesktop(title, body) {
  const plugin = typeof window !== 'undefined' ? window.__TAURI__?.notification : undefined;
  if (!plugin?.sendNotification) return false;
  try {
    let granted = plugin.isPermissionGranted ? await plugin.isPermissionGranted() : true;
    if (!granted && plugin.requestPermission) granted = (await plugin.requestPermission()) === 'granted';
    if (granted) plugin.sendNotification({ title, body });
    return granted;
  } catch {
    return false;
  }
}

// ---- rosters --------------------------------------------------------------------------------------------

/** The roster as the desk shows it (the newest when `rosterId` is omitted); `{ roster: null }` when none. */
export const rosterDesk = (rosterId) => call('roster_desk', rosterId ? { roster_id: rosterId } : {});
/** Checks manual changes (`[{ worker_id, day, shift_code|null }]`) against every hard rule; stores nothing. */
export const rosterCheck = (rosterId, cells, reason) => call('roster_check', { roster_id: rosterId, cells, reason });
/** Saves changes (or an accepted re-plan with its `reason`) as a new roster. */
export const rosterSave = (rosterId, cells, reason) => call('roster_save', { roster_id: rosterId, cells, reason });
/** A re-plan proposal for `{ kind: 'sick', worker_id, days }` or `{ kind: 'wartime' }`; stores nothing. */
export const rosterReplan = (rosterId, reason) => call('roster_replan', { roster_id: rosterId, reason });
/** Plans a new roster: `{ first_day?, weeks?, mode?, seconds? }`. */
export const rosterPlan = (request = {}) => call('roster_plan', request);

// ---- benchmark -----------------------------------------------------------------------------------------

/** `{ enabled }`: whether the shell was started with `--bench-ui` (then the window measures itself). */
export const benchPlan = () => call('bench_plan');
/** Hands the window's figures to the shell, which adds memory, writes the file and quits. */
export const benchReport = (figures) => call('bench_report', figures);
