// 人员看板 (F10): who is on shift now, where, how busy, whether their terminal answers — filterable by
// village and 1+3+N group; a worker is located on the map, or dispatched to the event open in the drawer.

import { h, fill } from './dom.js';
import { openDialog } from './dialogs.js';
import { TERMINAL, boardFigures, filterBoard } from './board-model.js';
import * as ipc from './ipc.js';

/** `dispatchTarget()` is the event open in the drawer when it can be dispatched, else null. */
export function workerBoard({ onLocate, dispatchTarget, onDispatch }) {
  const village = h('select', { attrs: { 'data-testid': 'board-village' } }, h('option', { value: '' }, '全部村（社区）'));
  const bucket = h('select', { attrs: { 'data-testid': 'board-group' } }, [['', '全部力量'], ['1', '“1” 专职网格员'], ['3', '“3” 村干部·民警·巡防'], ['N', '“N” 志愿者等']].map(([v, l]) => h('option', { value: v }, l)));
  const onShift = h('input', { type: 'checkbox', checked: true, attrs: { 'data-testid': 'board-on-shift' } });
  const online = h('input', { type: 'checkbox' });
  const text = h('input.search', { type: 'search', placeholder: '姓名、编号或手机尾号' });
  const figures = h('div.board-figures');
  const body = h('tbody', h('tr', h('td', { colSpan: 7 }, '正在载入人员…')));
  let rows = [];
  const render = () => {
    const shown = filterBoard(rows, { village: village.value, bucket: bucket.value, onShiftOnly: onShift.checked, onlineOnly: online.checked, text: text.value });
    const f = boardFigures(rows);
    figures.textContent = `共 ${f.total} 人 · 在班 ${f.onShift} · 终端在线 ${f.online} · 有任务 ${f.busy} · 显示 ${shown.length}`;
    const target = dispatchTarget();
    fill(
      body,
      shown.length
        ? shown.slice(0, 300).map((r) =>
            h(
              'tr',
              { dataset: { id: r.id } },
              h('td', h('strong', r.name), h('span.muted', ` ${r.id}`)),
              h('td', r.group_name),
              h('td', r.village_name ?? r.village_code),
              h('td', r.on_shift ? h('span.ok', '在班') : h('span.muted', '不在班')),
              h('td', h(`span.${r.terminal_state === 'online' ? 'ok' : r.terminal_state === 'offline' ? 'bad' : 'muted'}`, TERMINAL[r.terminal_state] ?? r.terminal_state)),
              h('td', `${r.active_tasks}/${r.max_tasks}`),
              h(
                'td.board-actions',
                r.lon != null ? h('button.btn.btn-small.btn-ghost', { type: 'button', on: { click: () => onLocate(r) } }, '定位') : null,
                target ? h('button.btn.btn-small', { type: 'button', attrs: { 'data-testid': 'board-dispatch' }, on: { click: () => { dialog.close(null); onDispatch(target, r); } } }, `派往 #${target.id}`) : null,
              ),
            ),
          )
        : h('tr', h('td', { colSpan: 7 }, '没有符合条件的人员')),
    );
  };
  const close = h('button.btn.btn-ghost', { type: 'button' }, '关闭');
  const dialog = openDialog({
    title: '人员看板',
    subtitle: '在班、终端在线与任务量实时情况；可定位或派往当前事件',
    wide: true,
    className: 'dialog-board',
    body: [
      h('div.history-filters', village, bucket, h('label.inline', onShift, ' 仅在班'), h('label.inline', online, ' 仅终端在线'), text),
      figures,
      h('div.audit-scroll', h('table.reg-table.board-table', { attrs: { 'data-testid': 'board-table' } }, h('thead', h('tr', ['姓名', '力量', '村（社区）', '在班', '终端', '任务', ''].map((x) => h('th', x)))), body)),
    ],
    footer: [close],
  });
  close.addEventListener('click', () => dialog.close(null));
  for (const el of [village, bucket, onShift, online]) el.addEventListener('change', render);
  text.addEventListener('input', render);
  ipc.workerBoard().then(
    (r) => {
      rows = r;
      const villages = new Map(r.map((x) => [x.village_code, x.village_name ?? x.village_code]));
      for (const [code, name] of [...villages].sort((a, b) => a[0].localeCompare(b[0]))) village.append(h('option', { value: code }, name));
      render();
    },
    (error) => fill(body, h('tr', h('td.dialog-error', { colSpan: 7 }, `人员载入失败：${error.message}`))),
  );
  return dialog;
}
