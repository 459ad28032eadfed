// The console's start and its wiring: sign-in, then the panes, then the live feed. The feed is subscribed
// before the first data is loaded and its batches are held until the load is done, so no change can fall
// between "loaded" and "listening"; after that every batch patches the views in place. A gap in the feed
// or a `resync` from the back end refetches the data and patches again — the map and the list are never
// rebuilt from scratch.

import { $, h, fill, kbd, typingInField, throttle } from './dom.js';
import * as ipc from './ipc.js';
import { now, syncClock } from './clock.js';
import { loadSettings, saveSettings } from './settings.js';
import { routeBatch, FeedCursor } from './feed.js';
import { QueuePane } from './queue-pane.js';
import { AlertsPane } from './alerts-pane.js';
import { MapPane } from './map-pane.js';
import { DetailDrawer } from './detail-drawer.js';
import { RegistersDrawer } from './registers-drawer.js';
import { StatusBar } from './statusbar.js';
import { Alarm } from './alarm.js';
import { stationName as stationLabel } from './labels.js';
import { shouldLock } from './idle-rules.js';
import { showSignIn, showLock } from './signin.js';
import { showFirstRun } from './first-run.js';
import { accountsDesk } from './accounts-desk.js';
import { callupBoard } from './callup-board.js';
import { drillDesk } from './drill-desk.js';
import { requestsDialog } from './requests-dialog.js';
import { openDispatchDialog } from './dispatch-dialog.js';
import { alertToEventDialog, attachDialog, dismissDialog, muteDialog } from './triage.js';
import { reportDialog } from './report-dialog.js';
import { handoverDialog, showShiftBrief } from './handover-dialog.js';
import { auditDialog, historyDialog } from './history-dialog.js';
import { workerBoard } from './worker-board.js';
import { contactDialog } from './contact-dialog.js';
import { formDialog, isDialogOpen, openDialog } from './dialogs.js';
import { groupKey } from './alerts-model.js';
import { toast, toastError } from './toast.js';
import { runBench, tilesDrawn } from './bench.js';
import { startMarks, mark } from './marks.js';
import { openRoster } from './roster-view.js';

const QUEUE_PAGE = 2000;
/** The most the back end sends in one `queue` answer (docs/ipc.md). */
const QUEUE_REST = 20000;

const state = {
  session: null,
  health: null,
  tree: null,
  villageDepth: 1,
  drill: false,
  cursor: null,
  feed: null,
  loading: true,
  buffered: [],
  locked: false,
  settings: loadSettings(),
  cameras: new Map(),
  lastTick: 0,
};

let ui = null;

function buildConsole() {
  const statusbar = new StatusBar($('#statusbar'), {
    report: () => openReport(),
    handover: () => openHandover(),
    roster: () => openRoster({ session: state.session }),
    history: () => openHistory(),
    board: () => openBoard(),
    audit: () => openAudit(),
    accounts: () => accountsDesk(),
    callup: () => openCallup(),
    requests: () => requestsDialog({ onOpen: (id) => openEvent(id) }).catch((error) => toastError(error, '待审批载入失败')),
    drill: () => drillDesk({ session: state.session }).catch((error) => toastError(error, '演练台打开失败')),
    settings: () => openSettings(),
    lock: () => lockStation(),
    signOut: () => signOut(),
  });
  const alarm = new Alarm($('#alarm-banner'), {
    volume: state.settings.alarmVolume,
    onOpen: (a) => {
      if (a.eventId) openEvent(a.eventId);
      else if (a.groupKey) ui.alerts.highlight(a.groupKey);
    },
    onReassign: (a) => reassign(a.eventId),
  });
  const queue = new QueuePane($('#queue-pane'), {
    onOpen: (id) => openEvent(id),
    onSelect: (row) => ui.map.focusPoint(row.lon, row.lat),
    onDrillChange: (drill) => {
      state.drill = drill;
      document.body.classList.toggle('drill-mode', drill);
      loadQueue();
    },
  });
  const alerts = new AlertsPane($('#alerts-pane'), {
    onToEvent: (g) => triageToEvent(g),
    onAttach: (g, options) => triageAttach(g, options),
    onMute: async (g) => {
      const result = await muteDialog(g);
      if (result) toast(`已静默 ${g.camera_name}`, 'ok');
    },
    onUnmute: async (m) => {
      try {
        await ipc.unmuteCamera(m.camera_id);
        toast(`已解除静默 ${m.camera_name}`, 'ok');
      } catch (error) {
        toastError(error, '解除静默失败');
      }
    },
    onDismiss: (g, options) => triageDismiss(g, options),
    onFocus: (g) => {
      const camera = g.camera_id ? state.cameras.get(g.camera_id) : null;
      if (camera) ui.map.focusPoint(camera.lon, camera.lat, { zoom: 15 });
    },
  });
  const map = new MapPane($('#map-pane'), {
    insetLeft: () => (ui?.detail.isOpen ? $('#detail-drawer').offsetWidth : 0),
    onGridClick: (item) => ui.registers.open(item.code, item.name),
    onEventClick: (id) => openEvent(id),
    onCameraClick: (camera) => {
      const group = ui.alerts.groups.find((g) => g.camera_id === camera.id);
      if (group) ui.alerts.highlight(groupKey(group));
      else toast(`${camera.name}：暂无待研判告警`);
    },
  });
  const detail = new DetailDrawer($('#detail-drawer'), {
    onDispatch: (d) => dispatch(d),
    onLocate: (e) => ui.map.focusPoint(e.lon, e.lat, { zoom: 15 }),
    onOpenEvent: (id) => openEvent(id),
    onContact: async (event, person) => {
      if (state.session?.can?.log_contact === false) return;
      const done = await contactDialog({ event, ...person, dialMode: state.settings.dialMode });
      if (done) toast(`已记录联系 ${person.whom}`, 'ok');
    },
  });
  const registers = new RegistersDrawer($('#registers-drawer'), {
    onClosed: () => ui.map.clearGridHighlight(),
    onOpenGrid: (node) => ui.registers.open(node.code, node.name),
  });
  new ResizeObserver(() => map.invalidate()).observe($('#map-pane'));
  // The drawer lies over the map's left part: opening or closing it changes how much map is left.
  new ResizeObserver(() => map.fitLayerPanel()).observe($('#detail-drawer'));
  return { statusbar, alarm, queue, alerts, map, detail, registers };
}

// ---- start ------------------------------------------------------------------------------------------------

async function boot() {
  ipc.onSessionLost((error) => {
    if (error.code === 'locked') lockStation({ already: true });
    else if (error.code === 'unauthenticated' && state.session) {
      toast('登录已失效，请重新登录', 'error');
      setTimeout(() => location.reload(), 1500);
    }
  });
  if (!ipc.hasBackend()) {
    showSignIn($('#overlay'), { notice: '未连接指挥台后台：请在红格指挥台桌面程序中打开本界面' });
    return;
  }
  let session = null;
  let health = null;
  try {
    [session, health] = await Promise.all([ipc.currentSession(), ipc.stationHealth().catch(() => null)]);
  } catch (error) {
    toastError(error);
  }
  // A station with no accounts and no demo data asks to be set up before anyone can sign in.
  if (!session && (await ipc.needsInit().catch(() => false))) {
    const done = await showFirstRun($('#overlay'));
    toast(`已初始化：${done.centre_name}（${done.township_name}，${done.villages} 个村社区），请用管理员账号 ${done.admin_account} 登录`, 'ok', 8000);
    health = await ipc.stationHealth().catch(() => health);
  }
  if (!session) {
    const stationName = health ? `${health.station?.centre_name ?? ''} · ${stationLabel(health.station?.id)}` : null;
    session = await showSignIn($('#overlay'), { stationName });
  } else if (session.locked) {
    state.session = session;
    session = await showLock($('#overlay'), session, { alarmCount: () => 0, onSignOut: () => signOut() });
  }
  await startConsole(session);
}

async function startConsole(session) {
  state.session = session;
  document.body.classList.add('signed-in');
  ui = ui ?? buildConsole();
  applySession(session);
  ui.statusbar.tick();
  const health = await ipc.stationHealth();
  applyHealth(health);
  state.cursor = new FeedCursor(health.feed_head);
  state.loading = true;
  state.buffered = [];
  try {
    state.feed = await ipc.subscribe(health.feed_head, onBatch);
  } catch (error) {
    toastError(error, '实时更新订阅失败，界面将定时刷新');
    setInterval(() => resync(), 15000);
  }
  // Keys work from the first rows on, not only once the last marker has loaded (a city's 65,000 workers
  // take a second or two); bound once, however many times an officer signs in.
  if (!state.keysBound) {
    document.addEventListener('keydown', onKey);
    state.keysBound = true;
  }
  const bench = await ipc.benchPlan().catch(() => ({ enabled: false }));
  // With --bench-ui every level above the household is drawn, and the load is timed from here.
  const started = performance.now();
  if (bench.enabled) startMarks(started);
  const done = {};
  // The queue and the grids first; worker and camera markers once the grids are on the map, so that at
  // city scale 65,000 positions do not hold up the first picture (a township hardly notices the wait).
  const queue = loadQueue({ first: true, onListed: () => { done.queue = performance.now(); } });
  const tree = loadTree({ maxDepth: bench.enabled ? (householdDepth) => householdDepth - 1 : undefined, deepAfter: queue });
  const waits = [
    tree,
    queue,
    loadAlerts(),
    tree.then(() => loadPositions()),
  ];
  if (bench.enabled) {
    waits.push(tree.then(() => tilesDrawn(ui.map.grids)).then(() => {
      done.map = performance.now();
      mark('map_ready');
    }));
  }
  await Promise.all(waits);
  state.loading = false;
  for (const batch of state.buffered.splice(0)) await handleBatch(batch);
  setInterval(tick, 1000);
  if (bench.enabled) {
    runBench({ ui, started, done, ipc });
    return;
  }
  watchIdle();
  // An officer whose shift began with a handover reads the outgoing note first (again after a restart).
  showShiftBrief().catch((error) => toastError(error, '接班提示载入失败'));
}

/** What the signed-in person may do beyond event actions comes from the back end (`session.can`). */
function applySession(session) {
  state.session = session;
  ui.statusbar.setSession(session);
  ui.alerts.setCanTriage(session.can?.triage_alerts !== false);
}

function applyHealth(health) {
  state.health = health;
  syncClock(health.now);
  ui.statusbar.setHealth(health);
}

async function loadTree({ maxDepth, deepAfter } = {}) {
  try {
    const tree = await ipc.gridTree(1);
    state.tree = tree;
    const villageLevel = tree.levels.find((l) => l.key === 'village');
    state.villageDepth = villageLevel ? villageLevel.depth : 1;
    ui.queue.setVillages(tree.nodes.filter((n) => n.depth === state.villageDepth));
    const household = tree.levels.find((l) => l.key === 'household');
    await ui.map.init({
      levels: tree.levels,
      root: tree.nodes.find((n) => n.depth === 0),
      settings: state.settings,
      maxDepth: maxDepth ? maxDepth(household ? household.depth : tree.levels.length) : undefined,
      deepAfter,
    });
  } catch (error) {
    toastError(error, '网格数据载入失败');
  }
}

/** Resolves after the next frame has been painted. */
const painted = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));

/** `onListed` is called once the list holds every open event and a frame showing it was painted. */
async function loadQueue({ first = false, onListed } = {}) {
  ui.queue.setLoading(state.drill ? '正在载入演练事件队列…' : '正在载入事件队列…');
  try {
    const filter = { drill: state.drill };
    // The most urgent page is shown as soon as it comes; the rest of a city's backlog is asked for at the
    // same time in one request (one sort of the open events rather than one per page). The two are
    // separate reads: a change between them is caught by the feed, subscribed before this load.
    const restRequest = ipc.queue(filter, QUEUE_PAGE, QUEUE_REST);
    restRequest.catch(() => {}); // awaited below; a failure there is reported there
    const page = await ipc.queue(filter, 0, QUEUE_PAGE);
    mark('queue_first_page');
    syncClock(page.now);
    let rows = page.rows;
    ui.queue.replaceAll(rows);
    mark('queue_first_shown');
    if (rows.length < page.total) {
      const rest = await restRequest;
      mark('queue_rest');
      rows = rows.concat(rest.rows);
      // A city beyond one request's worth: the remainder page by page.
      while (rows.length < Math.max(page.total, rest.total)) {
        const more = await ipc.queue(filter, rows.length, QUEUE_REST);
        if (!more.rows.length) break;
        rows = rows.concat(more.rows);
      }
      ui.queue.replaceAll(rows);
    }
    if (onListed) {
      await painted();
      mark('queue_listed');
      onListed();
    }
    ui.map.setEvents(ui.queue.model.all(now()));
    mark('queue_on_map');
    const raised = ui.alarm.book.observeQueueRows(rows, now());
    // What was already serious or overdue when the shift began is shown in red at the top, not rung.
    if (first) ui.alarm.book.absorb(raised);
    else ui.alarm.raised(raised);
  } catch (error) {
    ui.queue.setLoading(`事件队列载入失败：${error.message}`);
    toastError(error, '事件队列载入失败');
  }
}

async function loadAlerts() {
  try {
    const [{ groups, total }, mutes] = await Promise.all([ipc.alertGroups(2000), ipc.mutedCameras().catch(() => [])]);
    ui.alerts.update(groups, total);
    ui.alerts.setMuted(mutes);
    // Alerts waiting at sign-in do ring, unlike an old overdue event: nobody has looked at them yet.
    const raised = ui.alarm.book.observeAlertGroups(groups, now());
    // A burst triaged (here or at another station) no longer needs acknowledging.
    ui.alarm.book.resolve((a) => a.kind === 'alert' && !groups.some((g) => groupKey(g) === a.groupKey));
    ui.alarm.render();
    ui.alarm.raised(raised);
  } catch (error) {
    toastError(error, '视频告警载入失败');
  }
}
const refreshAlertsSoon = throttle(() => loadAlerts(), 300);

async function loadPositions() {
  try {
    const p = await ipc.positions();
    mark('positions');
    state.cameras = new Map(p.cameras.map((c) => [c.id, c]));
    ui.map.setWorkers(p.workers);
    ui.map.setCameras(p.cameras);
    mark('positions_on_map');
  } catch (error) {
    toastError(error, '人员与摄像头位置载入失败');
  }
}

const refreshHealthSoon = throttle(async () => {
  try {
    applyHealth(await ipc.stationHealth());
  } catch (error) {
    toastError(error, '工作站状态刷新失败');
  }
}, 500);

// ---- live feed -------------------------------------------------------------------------------------------

function onBatch(batch) {
  if (state.loading) state.buffered.push(batch);
  else handleBatch(batch);
}

async function handleBatch(batch) {
  if (batch.link) ui.statusbar.setLink(batch.link);
  const { fresh, gap } = state.cursor.accept(batch.entries ?? []);
  if (batch.resync || gap) return resync();
  if (!fresh.length) return;
  const route = routeBatch(fresh);
  if (route.seeded || route.registers) return resync();
  const jobs = [];
  if (route.eventIds.size) jobs.push(refreshEvents(route.eventIds));
  if (route.alerts) refreshAlertsSoon();
  if (route.workerIds.size) jobs.push(refreshWorkers([...route.workerIds]));
  if (route.health) refreshHealthSoon();
  await Promise.all(jobs);
}

async function refreshEvents(ids) {
  try {
    const rows = await ipc.queueRows([...ids]);
    const mine = rows.filter((r) => Boolean(r.drill) === state.drill);
    const changes = ui.queue.apply(mine);
    ui.map.patchEvents(mine.filter((r) => ui.queue.model.get(r.id)), changes.removed);
    ui.detail.refreshIfShowing(ids);
    const added = new Set(changes.added);
    ui.alarm.book.settleNoAck(mine);
    ui.alarm.render();
    ui.alarm.raised(ui.alarm.book.observeQueueRows(mine.filter((r) => added.has(r.id) || r.no_ack?.length || (r.due_at != null && r.due_at < now())), now()));
    if (changes.removed.length) {
      const gone = new Set(changes.removed);
      ui.alarm.book.resolve((a) => gone.has(a.eventId));
      ui.alarm.render();
    }
  } catch (error) {
    toastError(error, '事件更新失败');
  }
}

async function refreshWorkers(ids) {
  try {
    const p = await ipc.positions(ids);
    ui.map.patchWorkers(p.workers);
  } catch {
    // A missed position is corrected by the next one; not worth a message at 3 a.m.
  }
}

let resyncing = null;
function resync() {
  resyncing ??= (async () => {
    try {
      applyHealth(await ipc.stationHealth());
      state.cursor = new FeedCursor(Math.max(state.cursor?.head ?? 0, state.health.feed_head));
      await Promise.all([loadQueue(), loadAlerts(), loadPositions()]);
      ui.detail.refreshIfShowing(new Set([ui.detail.id]));
    } finally {
      resyncing = null;
    }
  })();
  return resyncing;
}

// ---- clock ---------------------------------------------------------------------------------------------

let ticks = 0;

function tick() {
  const t = now();
  ticks += 1;
  ui.statusbar.tick();
  if (ticks % 5 === 0) {
    ui.queue.tick();
    ui.detail.tick();
    const since = state.lastTick || t - 5000;
    const ids = ui.queue.model.newlyOverdue(since, t);
    state.lastTick = t;
    if (ids.length) {
      ui.alarm.raised(ui.alarm.book.observeQueueRows(ids.map((id) => ui.queue.model.get(id)), t));
      ui.queue.refresh();
      ui.map.setEvents(ui.queue.model.all(t));
    }
  }
  if (ticks % 30 === 0) {
    ui.alerts.tick();
    ui.queue.renderChips();
  }
}

// ---- actions ---------------------------------------------------------------------------------------------

function openEvent(id) {
  // The drawer opens first so that the map, following the selection, pans into the part left visible.
  const loading = ui.detail.open(id);
  ui.queue.select(id, { reveal: true });
  return loading;
}

async function dispatch(detail) {
  const result = await openDispatchDialog(detail);
  if (!result) return;
  ui.detail.reload();
  // The desk must not believe help is on its way when the task cannot leave the station yet.
  const link = await ipc.stationHealth().then((h) => (applyHealth(h), h.broker), () => null);
  if (link && !link.ok) {
    toast(`事件 #${detail.id} 已派遣，但消息总线断开：任务在待发队列中（共 ${link.waiting_tasks} 条待发），链路恢复后自动发出`, 'warn', 15000);
  } else {
    toast(`事件 #${detail.id} 已派遣`, 'ok');
  }
}

/** 改派 from a 未签收超时 alarm: the event's drawer and the dispatch dialog with the next candidates. */
async function reassign(eventId) {
  await openEvent(eventId);
  const detail = ui.detail.data?.event;
  if (detail?.id === eventId) await dispatch(detail);
}

async function triageToEvent(group) {
  const result = await alertToEventDialog(group);
  if (!result) return;
  toast(`已转为事件 #${result.event_id}`, 'ok');
  refreshAlertsSoon();
  await refreshEvents(new Set([result.event_id]));
  openEvent(result.event_id);
}

async function triageAttach(group, { bulk = false } = {}) {
  const result = await attachDialog(group, ui.queue.model.all(now()));
  if (!result) return;
  toast(`已将 ${group.alerts.length} 条告警关联到事件 #${result.eventId}`, 'ok');
  if (bulk) ui.alerts.clearPicked();
  refreshAlertsSoon();
}

async function triageDismiss(group, { bulk = false } = {}) {
  const result = await dismissDialog(group);
  if (!result) return;
  toast(`已排除 ${group.alerts.length} 条告警`, 'ok');
  if (bulk) ui.alerts.clearPicked();
  refreshAlertsSoon();
}

function openBoard() {
  workerBoard({
    onLocate: (r) => ui.map.focusPoint(r.lon, r.lat, { zoom: 15 }),
    // The event open in the drawer, when the signed-in person may dispatch it.
    dispatchTarget: () => {
      const d = ui.detail.isOpen ? ui.detail.data : null;
      return d?.allowed?.some((a) => a.command === 'dispatch') ? d.event : null;
    },
    onDispatch: async (detail, worker) => {
      const result = await openDispatchDialog(detail, { preselect: { worker_id: worker.id, name: worker.name } });
      if (result) {
        toast(`事件 #${detail.id} 已派遣`, 'ok');
        ui.detail.reload();
      }
    },
  });
}

function openCallup() {
  if (!state.session?.can?.call_up) return;
  const villages = (state.tree?.nodes ?? []).filter((n) => n.depth === state.villageDepth).map((n) => ({ code: n.code, name: n.name }));
  callupBoard({ villages }).catch((error) => toastError(error, '叫应台打开失败'));
}

function openHistory() {
  historyDialog({ drill: state.drill, onOpen: (id) => openEvent(id) });
}

function openAudit(eventId = null) {
  if (state.session?.can?.view_audit === false) return;
  auditDialog({ session: state.session, now, eventId });
}

async function openReport() {
  if (state.session?.can?.report_event === false) return;
  const result = await reportDialog({ tree: state.tree, villageDepth: state.villageDepth, drill: state.drill });
  if (!result?.id) return;
  toast(`已登记事件 #${result.id}`, 'ok');
  await refreshEvents(new Set([result.id]));
  openEvent(result.id);
}

async function openHandover() {
  if (state.session?.can?.handover === false) return;
  const incoming = await handoverDialog(state.session);
  if (!incoming) return;
  applySession(incoming);
  toast(`交接完成，当前值班：${incoming.name}`, 'ok');
  showShiftBrief().catch((error) => toastError(error, '接班提示载入失败'));
  if (ui.detail.isOpen) ui.detail.reload();
}

async function openSettings() {
  const s = state.settings;
  const result = await formDialog({
    title: '本机设置',
    subtitle: '仅对本工作站生效',
    fields: [
      { name: 'tileUrl', label: '底图瓦片地址（可选）', type: 'text', value: s.tileUrl, placeholder: '如 tiles://local/{z}/{x}/{y}.png，留空则仅用网格底图', wide: true },
      { name: 'tileCrs', label: '底图坐标系', type: 'select', value: s.tileCrs, options: [{ value: 'wgs84', label: 'WGS-84 / CGCS2000' }, { value: 'gcj02', label: 'GCJ-02' }] },
      { name: 'idleLockMinutes', label: '无操作锁屏（分钟，0 为不锁）', type: 'number', value: s.idleLockMinutes, min: 0 },
      { name: 'alarmVolume', label: '告警音量', type: 'select', value: String(s.alarmVolume), options: [{ value: '0', label: '静音（仍显示告警条）' }, { value: '0.3', label: '低' }, { value: '0.6', label: '中' }, { value: '1', label: '高' }] },
      { name: 'dialMode', label: '拨号方式', type: 'select', value: s.dialMode, options: [{ value: 'tel', label: '交给本机电话程序（tel: 链接 / 软电话）' }, { value: 'copy', label: '仅复制号码' }] },
    ],
    submitLabel: '保存',
    validate: (v) => (v.tileUrl && !/\{z\}.*\{x\}.*\{y\}/.test(v.tileUrl) ? '瓦片地址须包含 {z}、{x}、{y}' : null),
    onSubmit: (v) => ({ tileUrl: v.tileUrl.trim(), tileCrs: v.tileCrs, idleLockMinutes: Math.max(0, Number(v.idleLockMinutes) || 0), alarmVolume: Number(v.alarmVolume), dialMode: v.dialMode === 'copy' ? 'copy' : 'tel' }),
  });
  if (!result) return;
  state.settings = result;
  saveSettings(result);
  ui.map.applySettings(result);
  ui.alarm.setVolume(result.alarmVolume);
  toast('设置已保存', 'ok');
}

async function lockStation({ already = false } = {}) {
  if (state.locked) return;
  state.locked = true;
  try {
    if (!already) await ipc.lock();
  } catch (error) {
    toastError(error);
  }
  const session = await showLock($('#overlay'), state.session, { alarmCount: () => ui.alarm.count(), onSignOut: () => signOut() });
  state.locked = false;
  applySession(session);
  // Reads refused while locked left the views as they were: bring them up to date once.
  resync();
}

async function signOut() {
  try {
    await state.feed?.close();
    await ipc.signOut();
  } catch (error) {
    toastError(error);
  }
  // A new officer starts from a clean page: no state of the previous session survives.
  location.reload();
}

function showHelp() {
  const row = (keys, what) => h('tr', h('td', keys.map((k) => kbd(k))), h('td', what));
  openDialog({
    title: '快捷键',
    body: h(
      'table.help',
      h(
        'tbody',
        row(['↑', '↓'], '在事件队列中选择'),
        row(['PgUp', 'PgDn'], '翻页'),
        row(['Home', 'End'], '第一件 / 最后一件'),
        row(['Enter'], '打开所选事件详情'),
        row(['1', '…', '9'], '执行详情中的第 N 个操作'),
        row(['/'], '搜索事件'),
        row(['Esc'], '关闭对话框 / 详情 / 清除搜索'),
        row(['F2'], '确认最新告警（Shift+F2 全部确认）'),
        row(['F3'], '登记事件（来电来访）'),
        row(['F4'], '交接班'),
        row(['F6'], '排班（按人员/按网格查看、人工调整、病休与战时重排）'),
        row(['F7'], '改派最新一条“未签收超时”告警的事件'),
        row(['F8'], '锁屏'),
        row(['F9'], '历史事件查询（已结案、已提级、已作废等）'),
        row(['F10'], '人员看板（在班、终端、任务量）'),
        row(['F11'], '叫应：发起叫应、查看应答、代为登记（领导、值班员）'),
      ),
    ),
  });
}

function onKey(e) {
  if (state.locked || !$('#overlay').hidden) return;
  const fkeys = { F1: showHelp, F3: openReport, F4: openHandover, F6: () => openRoster({ session: state.session }), F8: () => lockStation(), F9: () => openHistory(), F10: () => openBoard(), F11: () => openCallup() };
  if (e.key === 'F7' && ui.alarm.latestNoAck()) {
    e.preventDefault();
    if (!isDialogOpen()) ui.alarm.reassignLatest();
    return;
  }
  if (e.key === 'F2') {
    e.preventDefault();
    if (e.shiftKey) ui.alarm.acknowledgeAll();
    else ui.alarm.acknowledgeLatest();
    return;
  }
  if (fkeys[e.key]) {
    e.preventDefault();
    if (!isDialogOpen()) fkeys[e.key]();
    return;
  }
  if (isDialogOpen()) return;
  if (typingInField(e)) {
    if (e.key === 'Escape') e.target.blur();
    return;
  }
  const queue = ui.queue;
  const keys = {
    ArrowDown: () => queue.move(1),
    ArrowUp: () => queue.move(-1),
    PageDown: () => queue.movePage(1),
    PageUp: () => queue.movePage(-1),
    Home: () => queue.move(-Infinity),
    End: () => queue.move(Infinity),
    Enter: () => queue.openSelected(),
    '/': () => queue.focusSearch(),
    '?': showHelp,
    Escape: () => {
      if (ui.detail.isOpen) ui.detail.close();
      else if (ui.registers.isOpen) ui.registers.close();
      else queue.clearSearch();
    },
  };
  if (keys[e.key] && !e.ctrlKey && !e.altKey && !e.metaKey) {
    e.preventDefault();
    keys[e.key]();
    return;
  }
  if (/^[1-9]$/.test(e.key) && ui.detail.isOpen && !e.ctrlKey && !e.altKey) {
    e.preventDefault();
    ui.detail.triggerAction(Number(e.key));
  }
}

function watchIdle() {
  let last = Date.now();
  let told = 0;
  const bump = () => {
    last = Date.now();
    // The station keeps its own idle lock behind this one; it learns of input at most every half minute.
    if (!state.locked && state.session && last - told > 30000) {
      told = last;
      ipc.seatTouch().catch(() => {});
    }
  };
  for (const type of ['pointerdown', 'pointermove', 'keydown', 'wheel']) window.addEventListener(type, bump, { passive: true, capture: true });
  setInterval(() => {
    const idle = { now: Date.now(), lastActivity: last, minutes: state.settings.idleLockMinutes, locked: state.locked, alarmsOpen: ui.alarm.count() };
    if (shouldLock(idle)) {
      last = Date.now();
      lockStation();
    }
  }, 5000);
}

boot().catch((error) => {
  console.error(error);
  fill($('#overlay'), h('div.signin-screen', h('div.signin-card', h('h1', '红格指挥台启动失败'), h('p.signin-error', error?.message ?? String(error)))));
  $('#overlay').hidden = false;
});
