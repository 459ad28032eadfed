// The status bar across the top: the centre's name, the mode (平时/战时 — the leader switches it from here),
// the clock in Shanghai time, the station, database, broker and NVR health, the signed-in officer, and the
// buttons for the things done a few times a shift. Every part is updated in place.

import { h, fill, kbd } from './dom.js';
import { openDialog } from './dialogs.js';
import { formatClock, formatDateWithWeekday, formatWhen, monthKey } from './time.js';
import { MODE, CATEGORY, nameOf, stationName } from './labels.js';
import { now } from './clock.js';
import * as ipc from './ipc.js';
import { toast } from './toast.js';
import { levelDialog } from './level-dialog.js';
import { storageState } from './storage.js';

export class StatusBar {
  constructor(root, actions) {
    this.root = root;
    this.actions = actions;
    this.session = null;
    this.health = null;
    this.build();
  }

  build() {
    this.centre = h('span.sb-centre', '综治中心');
    this.drillBanner = h('span.sb-drill', { hidden: true, attrs: { 'data-testid': 'drill-banner', role: 'status' } });
    this.storageBanner = h('span.sb-storage', { hidden: true, attrs: { 'data-testid': 'storage-banner', role: 'alert' } });
    this.mode = h('button.mode-pill', { type: 'button', on: { click: () => this.switchMode() } }, '平时');
    this.time = h('span.sb-time', '--:--:--');
    this.date = h('span.sb-date');
    this.db = indicator('数据库');
    this.broker = indicator('消息总线');
    this.broker.el.dataset.testid = 'link';
    this.nvr = indicator('NVR');
    this.station = h('span.sb-station');
    this.user = h('span.sb-user');
    const button = (label, key, onClick, extra = '') => h(`button.sb-btn${extra}`, { type: 'button', on: { click: onClick }, title: key ? `快捷键 ${key}` : label }, label, key ? kbd(key) : null);
    this.reportButton = button('登记事件', 'F3', () => this.actions.report());
    this.handoverButton = button('交接班', 'F4', () => this.actions.handover());
    fill(
      this.root,
      h('div.sb-brand', h('span.sb-mark', '红格'), h('span.sb-name', '指挥台'), this.centre),
      this.mode,
      this.drillBanner,
      this.storageBanner,
      h('div.sb-clock', this.time, this.date),
      h('div.sb-health', this.db.el, this.broker.el, this.nvr.el, this.station),
      h(
        'div.sb-actions',
        this.reportButton,
        this.handoverButton,
        button('排班', 'F6', () => this.actions.roster()),
        button('历史', 'F9', () => this.actions.history()),
        button('人员', 'F10', () => this.actions.board()),
        (this.auditButton = button('日志', null, () => this.actions.audit())),
        (this.requestsButton = button('待审批', null, () => this.actions.requests())),
        (this.callupButton = button('叫应', 'F11', () => this.actions.callup())),
        (this.drillButton = button('演练', null, () => this.actions.drill())),
        (this.accountsButton = button('账号', null, () => this.actions.accounts())),
        button('统计', null, () => this.showStats()),
        button('设置', null, () => this.actions.settings()),
        button('锁屏', 'F8', () => this.actions.lock()),
      ),
      h('div.sb-session', this.user, h('button.sb-btn.sb-signout', { type: 'button', on: { click: () => this.actions.signOut() } }, '退出')),
    );
  }

  setSession(session) {
    this.session = session;
    fill(this.user, h('strong', session.name), h('span.muted', ` ${session.role_name}`));
    const can = session.can ?? {};
    this.mode.title = can.switch_mode ? '点击切换应急响应等级（先预演，须填写理由）' : '响应等级由领导切换';
    this.mode.classList.toggle('can-switch', Boolean(can.switch_mode));
    this.reportButton.hidden = can.report_event === false;
    this.handoverButton.hidden = can.handover === false;
    this.auditButton.hidden = can.view_audit === false;
    this.auditButton.dataset.testid = 'open-audit';
    this.accountsButton.hidden = !can.manage_accounts;
    this.callupButton.hidden = !can.call_up;
    // The leader's desk: the one who switches levels approves the requests.
    this.requestsButton.hidden = !can.switch_mode;
    this.requestsButton.dataset.testid = 'open-requests';
    this.callupButton.dataset.testid = 'open-callup';
    this.drillButton.hidden = !(can.run_drill || can.control_drill);
    this.drillButton.dataset.testid = 'open-drill';
    this.accountsButton.dataset.testid = 'open-accounts';
  }

  setHealth(health) {
    this.health = health;
    this.centre.textContent = health.station?.centre_name || health.station?.township_name || '综治中心';
    const wartime = health.mode === 'wartime';
    const level = health.level;
    this.mode.textContent = level?.name ?? nameOf(MODE, health.mode);
    this.mode.dataset.level = level?.key ?? health.mode;
    if (level?.since) this.mode.title = `${level.name}：自 ${formatWhen(level.since)} 起${level.by ? `，${level.by} 切换` : ''}${this.session?.can?.switch_mode ? '（点击切换）' : ''}`;
    this.mode.className = `mode-pill mode-${health.mode}${this.session?.can?.switch_mode ? ' can-switch' : ''}`;
    document.body.classList.toggle('wartime', wartime);
    // A drill is unmistakable at every station while it runs.
    const drill = health.drill;
    this.drillBanner.hidden = !drill;
    this.drillBanner.textContent = drill ? `演练${drill.state === 'paused' ? '暂停' : '中'}：《${drill.title}》` : '';
    document.body.classList.toggle('drilling', Boolean(drill));
    const storage = storageState(health.database);
    this.db.set(storage.state, storage.label, storage.detail);
    this.storageBanner.hidden = !storage.banner;
    this.storageBanner.textContent = storage.banner ?? '';
    this.storageBanner.classList.toggle('sb-storage-alarm', Boolean(storage.banner) && storage.state === false);
    document.body.classList.toggle('read-only', Boolean(health.database?.read_only));
    if (health.broker) this.setLink(health.broker);
    const nvrs = health.nvrs ?? [];
    const online = nvrs.filter((n) => n.state === 'online').length;
    this.nvr.set(nvrs.length === 0 ? null : online === nvrs.length ? true : online === 0 ? false : 'partial', `NVR ${online}/${nvrs.length} 在线`, nvrs.map((n) => `${n.name}：${n.state === 'online' ? '在线' : '离线'}`).join('\n'));
    this.station.textContent = stationName(health.station?.id);
  }

  /** The broker link: green only while connected and subscribed; red says why and what waits. */
  setLink(link) {
    const waiting = link.waiting_tasks ? ` · ${link.waiting_tasks} 条待发` : '';
    const label = { unstable: '消息总线不稳定', subscribing: '消息总线订阅中', refused: '消息总线订阅被拒' }[link.state] ?? '消息总线断开';
    this.broker.set(link.ok, `${link.ok ? '消息总线' : label}${waiting}`, link.detail || link.state_zh);
  }

  tick() {
    const t = now();
    this.time.textContent = formatClock(t);
    this.date.textContent = formatDateWithWeekday(t);
  }

  async switchMode() {
    if (!this.session?.can?.switch_mode || !this.health) return;
    await levelDialog();
  }

  async showStats() {
    const month = monthKey(now());
    const body = h('div.stats', h('p.muted', '正在统计…'));
    openDialog({ title: `本月统计 · ${month}`, subtitle: '按上报时间统计，演练数据不计入', body, wide: true });
    try {
      const s = await ipc.stats(month);
      const pct = (v) => (v == null ? '—' : `${(v * 100).toFixed(1)}%`);
      const steps = ['受理', '派遣', '处置', '核查', '结案'];
      fill(
        body,
        h(
          'div.handover-figures',
          stat('上报', s.total.reported),
          stat('有效事件', s.total.valid),
          stat('处置率', pct(s.total.handling_rate)),
          stat('结案率', pct(s.total.closing_rate)),
          stat('调解成功率', pct(s.total.mediation_success_rate)),
        ),
        h('h3.dialog-h3', '各环节按时率'),
        h('div.handover-figures', steps.map((name, i) => stat(name, pct(s.total.on_time_rate?.[i])))),
        s.by_category?.length
          ? [h('h3.dialog-h3', '按类别'), h('table.reg-table', h('thead', h('tr', ['类别', '上报', '有效', '结案率'].map((x) => h('th', x)))), h('tbody', s.by_category.map((c) => h('tr', h('td', nameOf(CATEGORY, c.category)), h('td', String(c.reported)), h('td', String(c.valid)), h('td', pct(c.closing_rate))))))]
          : null,
        s.generated_at ? h('p.muted', `统计时间 ${formatWhen(s.generated_at, now())}`) : null,
      );
    } catch (error) {
      fill(body, h('p.dialog-error', error.message));
    }
  }
}

function indicator(label) {
  const dot = h('i.dot');
  const text = h('span', label);
  const el = h('span.indicator', dot, text);
  return {
    el,
    set(ok, label2, detail) {
      el.className = `indicator ${ok === true ? 'ok' : ok === 'partial' ? 'partial' : ok === false ? 'bad' : 'unknown'}`;
      text.textContent = label2;
      el.title = detail || label2;
    },
  };
}

function stat(label, value) {
  return h('div.figure', h('span.figure-value', String(value ?? '—')), h('span.figure-label', label));
}
