// Shift handover (交接班): the outgoing officer's summary — open and overdue events, pending approvals,
// untriaged alerts, the duty log of the shift — with their own note, signed over to the incoming officer,
// who signs in with their own password in the same act. The back end audits the handover with the figures
// shown here, so "I handed over 3 overdue events" is on the record.

import { h, fill } from './dom.js';
import { openDialog } from './dialogs.js';
import { STATUS, OPEN_STATUSES, COMMAND, categoryShort } from './labels.js';
import { formatDateTime, formatWhen, timeLeft } from './time.js';
import * as ipc from './ipc.js';

export function handoverDialog(session) {
  return new Promise((resolve) => {
    const body = h('div.handover', h('p.muted', '正在汇总本班情况…'));
    const note = h('textarea', { rows: 3, placeholder: '交班说明：需要下一班重点跟进的事项' });
    const account = h('input', { type: 'text', placeholder: '接班人账号', autocomplete: 'off' });
    const password = h('input', { type: 'password', placeholder: '接班人密码', autocomplete: 'off' });
    const submit = h('button.btn.btn-primary', { type: 'button' }, '确认交接');
    const cancel = h('button.btn.btn-ghost', { type: 'button' }, '取消');
    const dialog = openDialog({
      title: '交接班',
      subtitle: `交班人：${session.name}（${session.role_name}）`,
      wide: true,
      body: [
        body,
        // A form element so the webview treats the password field as one (no autofill, no warning).
        h('form.form-grid', { on: { submit: (e) => e.preventDefault() } }, h('div.field.field-wide', h('label.field-label', '交班说明'), note), h('div.field', h('label.field-label', '接班人账号'), account), h('div.field', h('label.field-label', '接班人密码'), password)),
      ],
      footer: [cancel, submit],
      onClose: resolve,
      guard: () => Boolean(note.value.trim() || account.value.trim()),
    });
    cancel.addEventListener('click', () => dialog.close(null));

    ipc.handoverSummary().then(
      (s) => fill(body, renderSummary(s)),
      (error) => fill(body, h('p.dialog-error', `本班汇总载入失败：${error.message}`)),
    );

    const go = async () => {
      if (!account.value.trim() || !password.value) return dialog.setError('请接班人输入账号和密码');
      dialog.setError('');
      dialog.setBusy(true);
      try {
        const incoming = await ipc.handover(account.value.trim(), password.value, note.value.trim());
        dialog.close(incoming);
      } catch (error) {
        dialog.setBusy(false);
        password.value = '';
        dialog.setError(error.message);
      }
    };
    submit.addEventListener('click', go);
    password.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        go();
      }
    });
  });
}

function renderSummary(s) {
  const t = s.now;
  return [
    h(
      'div.handover-figures',
      figure('在办事件', s.open_total),
      figure('超时事件', s.overdue_total, s.overdue_total ? 'alarm' : ''),
      figure('未签收超时', s.unacknowledged?.length ?? 0, s.unacknowledged?.length ? 'alarm' : ''),
      figure('待领导审批', s.pending_approvals ?? 0),
      figure('待研判告警', s.alerts_pending ?? 0, s.alerts_pending ? 'warn' : ''),
      figure('本班办理', s.acts_this_shift ?? (s.duty_log?.length ?? 0)),
    ),
    h('p.muted', `本班自 ${formatDateTime(s.shift_started_at)} 起`),
    h('div.handover-status', OPEN_STATUSES.map((k) => h('span.chip', STATUS[k], h('span.chip-count', String(s.by_status?.[k] ?? 0))))),
    s.overdue?.length
      ? h(
          'section',
          h('h3.dialog-h3', `超时事件（前 ${s.overdue.length} 件）`),
          h('ul.handover-list', s.overdue.map((r) => h('li', h('span.qrow-id', `#${r.id}`), h('span.attach-title', r.title), h('span.muted', `${STATUS[r.status]} · ${categoryShort(r.category)}`), h('span.tl-overdue', timeLeft(r.due_at, t).text)))),
        )
      : null,
    s.unacknowledged?.length
      ? h(
          'section',
          h('h3.dialog-h3', `未签收超时（${s.unacknowledged.length} 件）`),
          h('ul.handover-list', s.unacknowledged.map((r) => h('li', h('span.qrow-id', `#${r.id}`), h('span.attach-title', r.title), h('span.muted', r.no_ack.map((n) => `${n.worker_name} 派遣于 ${formatDateTime(n.dispatched_at)}`).join('，'))))),
        )
      : null,
    s.duty_log?.length
      ? h(
          'section',
          h('h3.dialog-h3', '本班值班日志'),
          h('ul.handover-list.handover-log', s.duty_log.map((r) => h('li', h('span.hist-time', formatWhen(r.at, t)), h('span.hist-cmd', r.command_name || COMMAND[r.command] || r.command), r.event_id ? h('span.qrow-id', `#${r.event_id}`) : null, h('span.muted', r.reason || '')))),
        )
      : null,
  ];
}

function figure(label, value, tone = '') {
  return h(`div.figure${tone ? `.${tone}` : ''}`, h('span.figure-value', String(value ?? 0)), h('span.figure-label', label));
}

/**
 * 接班提示: the officer whose shift began with a handover is shown, once, who handed over, when, their note
 * and what is open now (overdue and 未签收超时 events). Shown again after a restart until acknowledged.
 */
export async function showShiftBrief() {
  const brief = await ipc.shiftBrief();
  const handover = brief?.handover;
  const seenKey = handover ? `redgrid.brief.${handover.station}.${handover.id}` : null;
  if (!handover || localStorage.getItem(seenKey)) return;
  const open = h('div', h('p.muted', '正在载入在办事项…'));
  const ok = h('button.btn.btn-primary', { type: 'button', attrs: { 'data-testid': 'brief-ok' } }, '已阅，开始值班');
  const dialog = openDialog({
    title: '接班提示',
    subtitle: `${handover.from_name} 于 ${formatDateTime(handover.at)} 交班给 ${handover.to_name}`,
    wide: true,
    className: 'shift-brief',
    body: [
      h('h3.dialog-h3', '交班说明'),
      h('p.brief-note', { attrs: { 'data-testid': 'brief-note' } }, handover.note || '（交班人未填写说明）'),
      h('p.muted', `交班时：${handover.figures}`),
      open,
    ],
    footer: [ok],
  });
  ok.addEventListener('click', () => {
    localStorage.setItem(seenKey, '1');
    dialog.close(true);
  });
  try {
    const s = await ipc.handoverSummary();
    const t = s.now;
    const item = (r, tail) => h('li', h('span.qrow-id', `#${r.id}`), h('span.attach-title', r.title), tail);
    fill(
      open,
      s.overdue?.length ? [h('h3.dialog-h3', `超时事件（${s.overdue_total} 件）`), h('ul.handover-list', s.overdue.map((r) => item(r, h('span.tl-overdue', timeLeft(r.due_at, t).text))))] : null,
      s.unacknowledged?.length ? [h('h3.dialog-h3', `未签收超时（${s.unacknowledged.length} 件）`), h('ul.handover-list', s.unacknowledged.map((r) => item(r, h('span.muted', r.no_ack.map((n) => n.worker_name).join('、')))))] : null,
      !s.overdue?.length && !s.unacknowledged?.length ? h('p.muted', `在办 ${s.open_total} 件，无超时或未签收事项`) : null,
    );
  } catch (error) {
    fill(open, h('p.dialog-error', `在办事项载入失败：${error.message}`));
  }
}
