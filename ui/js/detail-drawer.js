// The event detail: a drawer over the map's left edge, next to the queue it was opened from. The six-step
// timeline with the current step's time left, the facts, the assigned workers and their acknowledgements,
// the audit history, and the actions — only those the back end says the signed-in role may take now.
// Actions are numbered 1–9 for the keyboard.

import { h, fill } from './dom.js';
import { timelineSteps, standingText } from './timeline.js';
import { orderActions, ACTION_SPECS, validateAction, buildCommand } from './actions.js';
import { formDialog } from './dialogs.js';
import { CATEGORY, COMMAND, ROLE, SEVERITY, SOURCE, STATUS, OUTCOME, EVALUATION, ALERT_KIND, nameOf } from './labels.js';
import { formatDateTime, formatDateTimeSeconds, formatWhen, timeLeft, formatTime, formatDuration } from './time.js';
import { maskNumbersInText } from './mask.js';
import { now } from './clock.js';
import * as ipc from './ipc.js';
import { toast } from './toast.js';

export class DetailDrawer {
  constructor(root, { onDispatch, onLocate, onOpenEvent, onClosed, onContact }) {
    this.root = root;
    this.handlers = { onDispatch, onLocate, onOpenEvent, onClosed, onContact };
    this.id = null;
    this.data = null;
    this.actions = [];
    this.loadSeq = 0;
    this.root.hidden = true;
  }

  get isOpen() {
    return !this.root.hidden && this.id != null;
  }

  async open(id) {
    this.id = id;
    this.root.hidden = false;
    if (!this.data || this.data.event.id !== id) {
      fill(this.root, h('div.drawer-loading', `正在载入事件 #${id}…`));
    }
    await this.reload();
  }

  async reload() {
    const id = this.id;
    const seq = ++this.loadSeq;
    try {
      const data = await ipc.eventDetail(id);
      if (seq !== this.loadSeq || id !== this.id) return;
      this.data = data;
      this.render();
    } catch (error) {
      if (seq !== this.loadSeq) return;
      fill(this.root, h('div.drawer-loading', h('p', `事件 #${id} 载入失败：${error.message}`), h('button.btn', { type: 'button', on: { click: () => this.close() } }, '关闭')));
    }
  }

  /** Re-fetches after a live change to the event shown; the officer's place in the history is kept. */
  refreshIfShowing(ids) {
    if (this.isOpen && ids.has(this.id)) {
      const body = this.root.querySelector('.drawer-body');
      const scroll = body?.scrollTop ?? 0;
      this.reload().then(() => {
        const again = this.root.querySelector('.drawer-body');
        if (again) again.scrollTop = scroll;
      });
    }
  }

  close() {
    this.root.hidden = true;
    this.id = null;
    this.data = null;
    this.handlers.onClosed?.();
  }

  /** Keeps the time left on the current step running. */
  tick() {
    if (!this.isOpen || !this.data) return;
    const timeline = this.root.querySelector('.timeline');
    if (timeline) timeline.replaceWith(this.renderTimeline(this.data.event));
    const due = this.root.querySelector('.d-due');
    if (due) {
      const left = timeLeft(this.data.event.due_at, now());
      due.textContent = left.text;
      due.className = `d-due tl-${left.level}`;
    }
  }

  render() {
    const { event: e, history, allowed, alerts } = this.data;
    const t = now();
    this.actions = orderActions(allowed ?? []);
    const left = timeLeft(e.due_at, t);
    const close = h('button.icon-button', { type: 'button', title: '关闭 (Esc)', attrs: { 'aria-label': '关闭详情' }, on: { click: () => this.close() } }, '×');
    const head = h(
      'header.drawer-head',
      h(
        'div.d-badges',
        h('span.d-id', { attrs: { 'data-testid': 'event-id' } }, `#${e.id}`),
        h(`span.badge.st-${e.status}`, { attrs: { 'data-testid': 'event-status' } }, STATUS[e.status] ?? e.status),
        h(`span.badge.sev-badge.sev-${e.severity}`, nameOf(SEVERITY, e.severity)),
        h('span.badge.badge-plain', nameOf(CATEGORY, e.category)),
        // A drill event's source is the drill itself: one 演练 badge says both.
        e.source === 'drill' ? null : h('span.badge.badge-plain', nameOf(SOURCE, e.source)),
        e.drill ? h('span.badge.badge-drill', '演练') : null,
      ),
      close,
      h('h2.d-title', e.title),
      h(
        'div.d-standing',
        standingText(e),
        e.merged_into ? h('button.linklike', { type: 'button', on: { click: () => this.handlers.onOpenEvent?.(e.merged_into) } }, ` 查看 #${e.merged_into}`) : null,
        e.updated_by ? h('span.d-updated', ` · ${e.updated_by} 于 ${formatWhen(e.updated_at, t)} 更新`) : null,
      ),
    );
    const body = h(
      'div.drawer-body',
      this.renderTimeline(e),
      this.renderActions(),
      e.pending ? this.renderPending(e) : null,
      h(
        'section.d-section',
        h(
          'dl.facts',
          fact('所属网格', `${e.village_name && e.village_name !== e.grid_name ? `${e.village_name} · ` : ''}${e.grid_name ?? ''}`, e.grid_code),
          fact('事发地址', e.address || '—'),
          fact(
            '上报人',
            maskNumbersInText(e.reporter) || '—',
            e.reporter && this.handlers.onContact ? h('button.linklike', { type: 'button', attrs: { 'data-testid': 'reporter-contact' }, on: { click: () => this.handlers.onContact(e, { whom: maskNumbersInText(e.reporter), masked: '' }) } }, ' 记录联系') : null,
          ),
          fact('上报时间', formatDateTime(e.reported_at)),
          e.due_at != null ? h('div.fact', h('dt', '当前时限'), h('dd', formatDateTime(e.due_at), ' ', h(`span.d-due.tl-${left.level}`, left.text))) : null,
          e.clock ? fact('时限规则', `${formatDuration(e.clock.limit_minutes * 60)}（${e.clock.basis === 'working' ? '工作时间' : '自然时间'}）${e.clock.extension_minutes ? `，已延时 ${formatDuration(e.clock.extension_minutes * 60)}` : ''}`) : null,
          e.outcome ? fact('结案结果', `${nameOf(OUTCOME, e.outcome)}${e.evaluation ? ` · ${nameOf(EVALUATION, e.evaluation)}` : ''}`) : null,
          e.reminders || e.supervisions || e.send_backs ? fact('催督', `催办 ${e.reminders} 次 · 督办 ${e.supervisions} 次 · 退回 ${e.send_backs} 次`) : null,
        ),
        e.lon != null ? h('button.btn.btn-small.btn-ghost.d-locate', { type: 'button', on: { click: () => this.handlers.onLocate?.(e) } }, '在地图上定位') : null,
      ),
      e.description ? h('section.d-section', h('h3', '事件描述'), h('p.d-desc', maskNumbersInText(e.description))) : null,
      e.tasks?.length ? this.renderTasks(e) : null,
      alerts?.length ? this.renderAlerts(alerts, t) : null,
      this.renderHistory(history ?? []),
    );
    fill(this.root, head, body);
  }

  renderTimeline(e) {
    const steps = timelineSteps(e, now());
    return h(
      'ol.timeline',
      { attrs: { 'aria-label': '六步闭环' } },
      steps.map((s) =>
        h(
          `li.step.step-${s.state}${s.late ? '.late' : ''}`,
          h('span.step-dot'),
          h('span.step-name', s.name),
          h('span.step-time', s.at ? formatTime(s.at) : s.state === 'stopped' ? '—' : ''),
          s.state === 'done' && s.late ? h('span.step-flag.late', '超时') : null,
          s.state === 'current' ? h(`span.step-flag.tl-${s.dueLevel}`, s.dueText) : null,
        ),
      ),
    );
  }

  renderActions() {
    if (!this.actions.length) {
      return h('section.d-actions.d-actions-none', '当前角色在此环节无可执行操作');
    }
    return h(
      'section.d-actions',
      this.actions.map((a, i) =>
        h(
          `button.btn.btn-${a.tone}`,
          { type: 'button', title: `快捷键 ${i + 1}`, attrs: { 'data-testid': `action-${a.command}` }, on: { click: () => this.runAction(a.command) } },
          i < 9 ? h('kbd', String(i + 1)) : null,
          a.name || COMMAND[a.command] || a.command,
        ),
      ),
    );
  }

  renderPending(e) {
    const p = e.pending;
    const kind = { escalate: '提级', extend: `延时 ${p.minutes} 分钟`, park: '挂账', unpark: '解除挂账' }[p.kind] ?? p.kind;
    return h(
      'section.d-pending',
      h('strong', `待审批：${kind}`),
      h('span', ` · ${p.requested_by_name || p.requested_by} ${formatWhen(p.requested_at, now())} 申请`),
      p.reason ? h('p', p.reason) : null,
    );
  }

  renderTasks(e) {
    return h(
      'section.d-section',
      h('h3', '派遣人员'),
      h(
        'ul.tasks',
        e.tasks.map((task) => {
          const late = (e.no_ack ?? []).find((n) => n.worker_id === task.worker_id);
          const ack = task.acknowledged_at
            ? h('span.ok', ` · 签收 ${formatTime(task.acknowledged_at)}`)
            : late
              ? h('span.bad.task-noack', ` · 未签收超时（应于 ${formatTime(late.ack_due_at)} 前签收）`)
              : h('span.wait', ' · 未签收');
          return h(
            'li.task',
            h('span.task-name', task.worker_name || task.worker_id),
            task.phone_masked ? h('span.task-phone', task.phone_masked) : null,
            this.handlers.onContact
              ? h('button.btn.btn-small.btn-ghost.task-call', { type: 'button', title: '联系此网格员（记入办理记录）', attrs: { 'data-testid': 'task-contact' }, on: { click: () => this.handlers.onContact(e, { whom: task.worker_name || task.worker_id, masked: task.phone_masked, reveal: { field: 'worker.phone', ref: task.worker_id } }) } }, '联系')
              : null,
            h('span.task-steps', `派遣 ${formatTime(task.dispatched_at)}`, ack, task.arrived_at ? h('span.ok', ` · 到场 ${formatTime(task.arrived_at)}`) : null),
          );
        }),
      ),
    );
  }

  renderAlerts(alerts, t) {
    return h(
      'section.d-section',
      h('h3', `关联视频告警（${alerts.length}）`),
      h('ul.d-alerts', alerts.map((a) => h('li', `${nameOf(ALERT_KIND, a.kind)} · ${a.camera_name} · ${formatWhen(a.last_at, t)}`))),
    );
  }

  renderHistory(history) {
    const rows = history.slice().sort((a, b) => b.seq - a.seq);
    return h(
      'section.d-section',
      h('h3', `办理记录（${history.length}）`),
      h(
        'ol.history',
        rows.map((r) =>
          h(
            'li.hist',
            h('span.hist-time', { title: formatDateTimeSeconds(r.at) }, formatWhen(r.at, now())),
            h('span.hist-cmd', r.command_name || COMMAND[r.command] || r.command),
            h('span.hist-actor', `${r.actor_name}（${r.role_name || nameOf(ROLE, r.role)}）`),
            r.from_status && r.to_status && r.from_status !== r.to_status ? h('span.hist-move', `${STATUS[r.from_status] ?? r.from_status} → ${STATUS[r.to_status] ?? r.to_status}`) : null,
            r.reason ? h('p.hist-reason', maskNumbersInText(r.reason)) : null,
          ),
        ),
      ),
    );
  }

  /** Runs the n-th action (keyboard 1–9). */
  triggerAction(n) {
    const a = this.actions[n - 1];
    if (a) this.runAction(a.command);
  }

  async runAction(command) {
    const detail = this.data?.event;
    if (!detail) return;
    const spec = ACTION_SPECS[command];
    if (spec.dialog === 'dispatch') return this.handlers.onDispatch?.(detail);
    const name = COMMAND[command] ?? command;
    const result = await formDialog({
      title: `${name} · 事件 #${detail.id}`,
      subtitle: detail.title,
      fields: spec.fields(detail),
      submitLabel: name,
      tone: spec.tone === 'danger' ? 'danger' : 'primary',
      validate: (values) => validateAction(command, values, detail),
      onSubmit: async (values) => {
        try {
          return await ipc.act(detail.id, detail.version, buildCommand(command, values));
        } catch (error) {
          // Someone else acted first: show their state behind the dialog so the officer can decide again.
          if (error.code === 'conflict') this.reload();
          throw error;
        }
      },
    });
    if (result) {
      toast(`事件 #${detail.id} 已${name}`, 'ok');
      this.reload();
    }
  }
}

function fact(label, value, sub) {
  return h('div.fact', h('dt', label), h('dd', value, sub ? h('span.fact-sub', sub) : null));
}

