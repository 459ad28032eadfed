// The call-up board (叫应): start a call-up of villages, groups or the part-time force with a reason and a
// reply-by time, then watch who answered — available, unavailable, silent — per village, with answer times,
// calls and backups. A silent person's answer given by phone, in person or by radio is recorded here.
// Keys: Esc closes; in the people list ↑/↓ move, A 可到岗, U 不能到岗 (recorded as a phone answer).

import { h, fill } from './dom.js';
import * as ipc from './ipc.js';
import { openDialog } from './dialogs.js';
import { toast } from './toast.js';

const GROUPS = [
  { value: '', label: '全部力量' },
  { value: '1', label: '“1”专职网格员' },
  { value: '3', label: '“3”村干部、民警、巡防' },
  { value: 'N', label: '“N”志愿者等' },
  { value: 'grid_leader', label: '网格长' },
];
const REPLY = [['15m', '15 分钟'], ['30m', '30 分钟'], ['1h', '1 小时'], ['2h', '2 小时']];
const clock = (ms) => (ms ? new Date(ms).toLocaleTimeString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false }) : '—');
const CHANNEL = { terminal: '终端', phone: '电话', in_person: '当面', radio: '对讲机' };

const figure = (label, value, testid, tone) =>
  h(`div.figure${tone}`, h('span.figure-value', { attrs: { 'data-testid': testid } }, String(value)), h('span.figure-label', label));

export async function callupBoard({ villages }) {
  const recent = await ipc.callupsRecent().catch(() => []);
  const body = h('div.callup-board');
  const dialog = openDialog({ title: '叫应', subtitle: '发起叫应、查看应答、代为登记', body, wide: true, className: 'dialog-xwide', onClose: () => clearInterval(timer) });
  let timer = null;
  let current = recent.find((c) => !c.closed)?.callup_id ?? null;

  const form = () => {
    const picks = h('div.callup-villages', villages.map((v) => h('label.chip-check', h('input', { type: 'checkbox', value: v.code }), v.name)));
    const group = h('select', { attrs: { 'aria-label': '力量' } }, GROUPS.map((g) => h('option', { value: g.value }, g.label)));
    const partTime = h('input', { type: 'checkbox' });
    const notOnShift = h('input', { type: 'checkbox' });
    const reason = h('input', { type: 'text', placeholder: '叫应事由（必填），如：台风到岗叫应', attrs: { 'aria-label': '叫应事由', 'data-testid': 'callup-reason' } });
    const reply = h('select', { attrs: { 'aria-label': '应答时限' } }, REPLY.map(([v, l]) => h('option', { value: v, selected: v === '30m' }, l)));
    const go = h('button.btn.btn-danger', { type: 'button', attrs: { 'data-testid': 'callup-start' } }, '发起叫应');
    go.addEventListener('click', async () => {
      const chosen = [...picks.querySelectorAll('input:checked')].map((i) => i.value);
      dialog.setError('');
      if (!reason.value.trim()) return dialog.setError('请填写叫应事由');
      go.disabled = true;
      try {
        const started = await ipc.callupStart({
          villages: chosen,
          groups: group.value ? [group.value] : [],
          part_time: partTime.checked,
          not_on_shift: notOnShift.checked,
          reason: reason.value.trim(),
          reply_by: reply.value,
        });
        toast(`已发起叫应 ${started.callup_id}：${started.called} 人`, 'ok');
        current = started.callup_id;
        await show();
      } catch (error) {
        dialog.setError(error.message);
      } finally {
        go.disabled = false;
      }
    });
    return h(
      'section.callup-form',
      h('h3', '发起叫应'),
      h('div.field-label', '村（社区）（不选则按下列条件）'),
      picks,
      h('div.callup-row', group, h('label', partTime, ' 仅兼职'), h('label', notOnShift, ' 当前不在班')),
      reason,
      h('div.callup-row', h('span', '应答时限'), reply, go),
      recent.length ? h('div.callup-recent', h('div.field-label', '近 7 天'), recent.map((c) => h('button.chip', { type: 'button', on: { click: () => { current = c.callup_id; show(); } } }, `${c.callup_id}${c.closed ? '（已结束）' : ''}：${c.reason}`))) : null,
    );
  };

  const boardView = (b) => {
    const rows = b.people.map((p) =>
      h(
        `tr.state-${p.state}`,
        { attrs: { 'data-worker': p.worker_id, tabindex: '0' } },
        h('td', p.name || p.worker_id),
        h('td', p.worker_id),
        h('td', p.state_zh),
        h('td', clock(p.answered_at)),
        h('td', p.channel ? CHANNEL[p.channel] ?? p.channel : '—'),
        h('td', String(p.calls)),
        h('td', p.backup_for ? `备岗（替 ${p.backup_for}）` : ''),
        h('td', p.note),
        h(
          'td.callup-acts',
          p.state === 'silent' && !b.callup.closed
            ? [
                h('button.btn.btn-ghost.btn-sm', { type: 'button', on: { click: () => record(p, 'available') } }, '可到岗'),
                h('button.btn.btn-ghost.btn-sm', { type: 'button', on: { click: () => record(p, 'unavailable') } }, '不能到岗'),
              ]
            : null,
        ),
      ),
    );
    const table = h('table.table.callup-people', h('thead', h('tr', ['姓名', '编号', '应答', '时间', '渠道', '呼叫', '', '说明', ''].map((t) => h('th', t)))), h('tbody', rows));
    table.addEventListener('keydown', (e) => {
      const row = e.target.closest?.('tr[data-worker]');
      if (!row) return;
      const p = b.people.find((x) => x.worker_id === row.dataset.worker);
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        (e.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling)?.focus();
      } else if ((e.key === 'a' || e.key === 'u') && p?.state === 'silent') {
        e.preventDefault();
        record(p, e.key === 'a' ? 'available' : 'unavailable');
      }
    });
    return h(
      'section.callup-status',
      h('h3', `${b.callup.callup_id}：${b.callup.reason}${b.callup.drill ? '（演练）' : ''}`),
      h('p.muted', `${b.callup.selection} · ${b.callup.started_by} ${clock(b.callup.started_at)} 发起 · ${clock(b.callup.reply_by)} 前应答${b.callup.closed ? ' · 已结束' : ''}`),
      h(
        'div.handover-figures',
        figure('叫应', b.called, 'callup-called', ''),
        figure('可到岗', b.available, 'callup-available', '.ok'),
        figure('不能到岗', b.unavailable, 'callup-unavailable', '.warn'),
        figure('未应答', b.silent, 'callup-silent', '.bad'),
      ),
      h('table.table.callup-villages-table', h('thead', h('tr', ['村（社区）', '叫应', '可到岗', '不能到岗', '未应答'].map((t) => h('th', t)))), h('tbody', b.by_village.map((v) => h('tr', h('td', v.village_name || v.village_code), h('td', String(v.called)), h('td', String(v.available)), h('td', String(v.unavailable)), h('td', String(v.silent)))))),
      table,
    );
  };

  const record = async (p, state) => {
    try {
      await ipc.callupAnswer({ callup_id: current, worker_id: p.worker_id, state, channel: 'phone', note: '值班员电话确认' });
      toast(`已登记 ${p.name}：${state === 'available' ? '可到岗' : '不能到岗'}`, 'ok');
      await show();
    } catch (error) {
      dialog.setError(error.message);
    }
  };

  const show = async () => {
    let b = null;
    if (current) {
      try {
        b = await ipc.callupStatus(current);
      } catch (error) {
        dialog.setError(error.message);
      }
    }
    fill(body, h('div.callup-columns', form(), b ? boardView(b) : h('section.callup-status', h('p.muted', '尚无进行中的叫应'))));
  };
  await show();
  // Answers arrive from terminals while the board is open.
  timer = setInterval(() => {
    if (current && document.body.contains(body)) ipc.callupStatus(current).then((b) => {
      const status = body.querySelector('.callup-status');
      if (status) status.replaceWith(boardView(b));
    }).catch(() => {});
  }, 3000);
}
