// 历史事件 (F9): events whatever their status — closed, escalated to the county, voided, merged, rejected —
// by number, words, grid name, status and date; one opens in the drawer, where the leader may reopen it.
// 审计日志: who did what, when, from → to and why, for the shift, a day, a week, a person or an event.

import { h, fill } from './dom.js';
import { openDialog } from './dialogs.js';
import { STATUS, categoryShort } from './labels.js';
import { formatDateTime } from './time.js';
import { auditQuery, historyQuery } from './history-model.js';
import * as ipc from './ipc.js';

const ENDED = ['closed', 'escalated', 'rejected', 'merged', 'voided'];

export function historyDialog({ drill, onOpen }) {
  const text = h('input.search', { type: 'search', placeholder: '编号、标题、反映人、地址或网格名称', attrs: { 'data-testid': 'history-text' } });
  const status = h('select', { attrs: { 'data-testid': 'history-status' } }, h('option', { value: '' }, '全部状态'), [...ENDED, 'reported', 'accepted', 'dispatched', 'handled', 'verified', 'parked'].map((s) => h('option', { value: s }, STATUS[s] ?? s)));
  const from = h('input', { type: 'date', title: '上报日期起' });
  const until = h('input', { type: 'date', title: '上报日期止' });
  const ended = h('input', { type: 'checkbox' });
  const results = h('ul.attach-list.history-list', { attrs: { 'data-testid': 'history-results' } }, h('li.muted', '输入条件后按 Enter 查询'));
  const run = async () => {
    fill(results, h('li.muted', '正在查询…'));
    try {
      const rows = await ipc.historySearch(historyQuery({ text: text.value, status: status.value, ended: ended.checked, from: from.value, until: until.value, drill }));
      fill(
        results,
        rows.length
          ? rows.map((r) =>
              h(
                'li.attach-item',
                { tabIndex: 0, dataset: { id: String(r.id) }, on: { click: () => open(r.id), keydown: (e) => e.key === 'Enter' && open(r.id) } },
                h('span.qrow-id', `#${r.id}`),
                h('span.attach-title', r.title),
                h(`span.qrow-status.st-${r.status}`, STATUS[r.status] ?? r.status),
                h('span.muted', `${categoryShort(r.category)} · ${r.grid_name ?? ''} · ${formatDateTime(r.reported_at)}`),
              ),
            )
          : h('li.muted', '没有符合条件的事件'),
      );
    } catch (error) {
      fill(results, h('li.dialog-error', error.message));
    }
  };
  const close = h('button.btn.btn-ghost', { type: 'button' }, '关闭');
  const search = h('button.btn.btn-primary', { type: 'button', attrs: { 'data-testid': 'history-search' } }, '查询');
  const dialog = openDialog({
    title: drill ? '历史事件 · 演练' : '历史事件',
    subtitle: '已结案、已提级、已作废、已合并、不予受理的事件，以及在办事件',
    wide: true,
    body: [h('div.history-filters', text, status, h('label.inline', '自 ', from), h('label.inline', '至 ', until), h('label.inline', ended, ' 仅已结束')), results],
    footer: [close, search],
  });
  const open = (id) => {
    dialog.close(id);
    onOpen(id);
  };
  close.addEventListener('click', () => dialog.close(null));
  search.addEventListener('click', run);
  for (const el of [text, status, from, until]) el.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      run();
    }
  });
  ended.addEventListener('change', run);
  return dialog;
}

export function auditDialog({ session, now, eventId = null }) {
  const range = h('select', { attrs: { 'data-testid': 'audit-range' } }, [['shift', '本班（本工作站）'], ['today', '今日'], ['week', '近 7 天'], ['all', '全部']].map(([v, l]) => h('option', { value: v, selected: v === (eventId ? 'all' : 'shift') }, l)));
  const actor = h('input', { type: 'text', placeholder: '账号（如 duty1），空为全部人员' });
  const event = h('input', { type: 'number', min: 1, placeholder: '事件编号', value: eventId ?? '' });
  const table = h('tbody');
  const count = h('span.muted');
  const run = async () => {
    fill(table, h('tr', h('td', { colSpan: 6 }, '正在查询…')));
    try {
      const rows = await ipc.auditSearch(auditQuery({ range: range.value, actor: actor.value, eventId: event.value, session, now: now() }));
      count.textContent = `${rows.length} 条`;
      fill(
        table,
        rows.length
          ? rows.map((r) =>
              h(
                'tr',
                h('td.mono', formatDateTime(r.at)),
                h('td', `${r.actor_name}（${r.role_name}）`),
                h('td', r.command_name),
                h('td', r.event_id ? `#${r.event_id}` : ''),
                h('td', r.from_status || r.to_status ? `${STATUS[r.from_status] ?? r.from_status ?? ''} → ${STATUS[r.to_status] ?? r.to_status ?? ''}` : ''),
                h('td.audit-reason', r.reason),
              ),
            )
          : h('tr', h('td', { colSpan: 6 }, '没有符合条件的记录')),
      );
    } catch (error) {
      fill(table, h('tr', h('td.dialog-error', { colSpan: 6 }, error.message)));
    }
  };
  const close = h('button.btn.btn-ghost', { type: 'button' }, '关闭');
  const dialog = openDialog({
    title: '审计日志',
    subtitle: '谁、何时、在哪个工作站、做了什么、从什么状态到什么状态、理由',
    wide: true,
    className: 'dialog-audit',
    body: [
      h('div.history-filters', range, actor, event, count),
      h('div.audit-scroll', h('table.reg-table.audit-table', { attrs: { 'data-testid': 'audit-table' } }, h('thead', h('tr', ['时间', '人员', '操作', '事件', '状态变化', '理由'].map((x) => h('th', x)))), table)),
    ],
    footer: [close],
  });
  close.addEventListener('click', () => dialog.close(null));
  range.addEventListener('change', run);
  for (const el of [actor, event]) el.addEventListener('keydown', (e) => e.key === 'Enter' && (e.preventDefault(), run()));
  run();
  return dialog;
}
