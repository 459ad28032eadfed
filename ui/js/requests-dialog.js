// The leader's desk: the requests waiting for a leader (提级, 延时, 挂账, 解除挂账) on open events, real work
// first, oldest first. Keys: ↑/↓ choose, A 批准, D 驳回 (asks why), Enter opens the event.

import { h, fill } from './dom.js';
import * as ipc from './ipc.js';
import { openDialog, formDialog } from './dialogs.js';
import { toast } from './toast.js';

const clock = (ms) => new Date(ms).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });

export async function requestsDialog({ onOpen }) {
  const body = h('div.requests-desk');
  const dialog = openDialog({ title: '待审批', subtitle: '提级、延时、挂账申请，A 批准，D 驳回', body, wide: true });
  const answer = async (w, approve) => {
    dialog.setError('');
    try {
      if (approve) {
        await ipc.act(w.event_id, w.version, { kind: 'approve', note: '' });
        toast(`已批准 #${w.event_id} 的${w.kind_zh}申请`, 'ok');
      } else {
        const done = await formDialog({
          title: `驳回 #${w.event_id} 的${w.kind_zh}申请`,
          fields: [{ name: 'reason', label: '驳回理由', type: 'textarea', required: true }],
          submitLabel: '驳回',
          validate: (v) => (v.reason.trim() ? null : '请填写驳回理由'),
          onSubmit: (v) => ipc.act(w.event_id, w.version, { kind: 'deny', reason: v.reason.trim() }),
        });
        if (!done) return;
        toast(`已驳回 #${w.event_id} 的${w.kind_zh}申请`, 'ok');
      }
    } catch (error) {
      dialog.setError(error.message);
    }
    await show();
  };
  const show = async () => {
    const list = await ipc.requestsWaiting();
    if (!list.length) {
      fill(body, h('p.muted', { attrs: { 'data-testid': 'requests-empty' } }, '没有待审批的申请'));
      return;
    }
    const rows = list.map((w) =>
      h(
        'tr',
        { attrs: { tabindex: '0', 'data-event': String(w.event_id) }, on: { keydown: (e) => {
          if (e.key === 'a' || e.key === 'A') { e.preventDefault(); answer(w, true); }
          else if (e.key === 'd' || e.key === 'D') { e.preventDefault(); answer(w, false); }
          else if (e.key === 'Enter') { e.preventDefault(); dialog.close(null); onOpen?.(w.event_id); }
          else if (e.key === 'ArrowDown') { e.preventDefault(); e.currentTarget.nextElementSibling?.focus(); }
          else if (e.key === 'ArrowUp') { e.preventDefault(); e.currentTarget.previousElementSibling?.focus(); }
        } } },
        h('td', `#${w.event_id}${w.drill ? '（演练）' : ''}`),
        h('td', w.title),
        h('td', w.kind === 'extend' && w.minutes ? `${w.kind_zh} ${w.minutes} 分钟` : w.kind_zh),
        h('td', `${w.requested_by} ${clock(w.requested_at)}`),
        h('td', w.reason),
        h('td.callup-acts',
          h('button.btn.btn-primary.btn-sm', { type: 'button', attrs: { 'data-testid': 'request-approve' }, on: { click: () => answer(w, true) } }, '批准 A'),
          h('button.btn.btn-ghost.btn-sm', { type: 'button', on: { click: () => answer(w, false) } }, '驳回 D'),
        ),
      ),
    );
    fill(body, h('table.table', h('thead', h('tr', ['事件', '标题', '申请', '申请人', '理由', ''].map((t) => h('th', t)))), h('tbody', rows)));
    body.querySelector('tr[data-event]')?.focus();
  };
  await show();
}
