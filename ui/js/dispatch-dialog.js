// The dispatch dialog: the back end's ranked candidates with their reasons in Chinese, the top one ticked;
// the officer may tick others or search the whole grid force. Choosing anyone but the top candidate is an
// override, and the back end records it with the reason asked for here.

import { h, fill } from './dom.js';
import { openDialog } from './dialogs.js';
import { CATEGORY, SEVERITY, EMPLOYMENT, nameOf } from './labels.js';
import { timeLeft } from './time.js';
import { now } from './clock.js';
import { buildCommand } from './actions.js';
import * as ipc from './ipc.js';

const OVERRIDE_PRESETS = ['推荐人员无法联系', '现场需要多人协同', '指定熟悉情况的人员', '推荐人员正在处置其他紧急事件'];

/** `preselect`: a worker `{ worker_id, name }` chosen elsewhere (the worker board) instead of the top candidate. */
export function openDispatchDialog(detail, { preselect = null } = {}) {
  return new Promise((resolve) => {
    const chosen = new Map();
    let candidates = [];
    const list = h('ol.candidates', h('li.cand-loading', '正在计算推荐人员…'));
    const chosenEl = h('div.chosen');
    const note = h('textarea', { rows: 2, placeholder: '派遣说明（可选），将随任务发送到网格员终端' });
    const overrideReason = h('input', { type: 'text', placeholder: '改派理由' });
    const overrideBox = h(
      'div.override',
      { hidden: true },
      h('div.field-label', '未按推荐派遣，须说明理由（将记入审计）'),
      h('div.presets', OVERRIDE_PRESETS.map((p) => h('button.chip', { type: 'button', on: { click: () => { overrideReason.value = p; } } }, p))),
      overrideReason,
    );
    const search = h('input.search', { type: 'search', placeholder: '指定其他人员：输入姓名、完整手机号或网格' });
    const results = h('ul.worker-results');
    const left = timeLeft(detail.due_at, now());
    const summary = h(
      'div.dispatch-summary',
      h(`span.badge.sev-badge.sev-${detail.severity}`, nameOf(SEVERITY, detail.severity)),
      h('span', nameOf(CATEGORY, detail.category)),
      h('span', detail.grid_name ?? detail.grid_code),
      h(`span.tl-${left.level}`, `派遣环节 ${left.text}`),
    );
    const submit = h('button.btn.btn-primary', { type: 'button', attrs: { 'data-testid': 'dispatch-submit' } }, '派遣');
    const cancel = h('button.btn.btn-ghost', { type: 'button' }, '取消');
    const dialog = openDialog({
      title: `派遣 · 事件 #${detail.id}`,
      subtitle: detail.title,
      wide: true,
      body: [summary, h('h3.dialog-h3', '推荐人员'), list, search, results, h('h3.dialog-h3', '已选人员'), chosenEl, note, overrideBox],
      footer: [cancel, submit],
      onClose: resolve,
      guard: () => Boolean(note.value.trim() || overrideReason.value.trim()),
    });

    const isOverride = () => {
      const top = candidates[0]?.worker_id;
      return chosen.size > 0 && !(chosen.size === 1 && chosen.has(top)) && !(top == null);
    };
    const renderChosen = () => {
      fill(
        chosenEl,
        chosen.size
          ? [...chosen.values()].map((w) => h('span.chip.chip-chosen', w.name, h('button.chip-x', { type: 'button', title: '移除', on: { click: () => toggle(w, false) } }, '×')))
          : h('span.muted', '尚未选择人员'),
      );
      overrideBox.hidden = !isOverride();
      for (const box of list.querySelectorAll('input[type=checkbox]')) box.checked = chosen.has(box.value);
    };
    const toggle = (worker, on) => {
      if (on) chosen.set(worker.worker_id, worker);
      else chosen.delete(worker.worker_id);
      renderChosen();
    };

    const candidateRow = (c, rank) =>
      h(
        'li.cand',
        h(
          'label',
          h('input', { type: 'checkbox', value: c.worker_id, on: { change: (e) => toggle(c, e.target.checked) } }),
          h('span.cand-rank', String(rank)),
          h(
            'span.cand-main',
            h('span.cand-name', c.name, h('span.cand-kind', c.tier_name || c.group_name || nameOf(EMPLOYMENT, c.employment))),
            // The api's explanation already reads "本网格专职网格员 · 距离 0.8 公里 · 在岗 · 当前任务 1 件".
            h('span.cand-reasons', c.explanation ?? (c.reasons ?? []).join(' · ')),
          ),
          h(
            'span.cand-figures',
            c.distance_km != null ? h('span', `${c.distance_km.toFixed(1)} 公里`) : null,
            c.on_shift === false ? h('span.wait', '不在岗') : h('span.ok', '在岗'),
            h('span', c.max_tasks ? `任务 ${c.active_tasks ?? 0}/${c.max_tasks}` : `任务 ${c.active_tasks ?? 0}`),
          ),
        ),
      );

    ipc.recommend(detail.id, 8).then(
      (r) => {
        candidates = r.candidates ?? [];
        fill(list, candidates.length ? candidates.map((c, i) => candidateRow(c, i + 1)) : h('li.cand-loading', '没有符合条件的推荐人员，请在下方指定'));
        if (preselect) toggle(candidates.find((c) => c.worker_id === preselect.worker_id) ?? preselect, true);
        else if (candidates[0]) toggle(candidates[0], true);
        list.querySelector('input')?.focus();
      },
      (error) => fill(list, h('li.cand-loading', `推荐失败：${error.message}。可在下方直接指定人员。`)),
    );

    let searchSeq = 0;
    search.addEventListener('input', async () => {
      const q = search.value.trim();
      const seq = ++searchSeq;
      if (!q) return fill(results);
      try {
        const found = await ipc.searchWorkers(q, 12);
        if (seq !== searchSeq) return;
        fill(
          results,
          found.length
            ? found.map((w) =>
                h(
                  'li',
                  h('span.cand-name', w.name, h('span.cand-kind', w.group_name || nameOf(EMPLOYMENT, w.employment))),
                  h('span.muted', `${w.grid_name ?? ''} ${w.phone_masked ?? ''}`),
                  h('button.btn.btn-small', { type: 'button', on: { click: () => toggle(w, true) } }, '选择'),
                ),
              )
            : h('li.muted', '未找到匹配人员'),
        );
      } catch (error) {
        fill(results, h('li.muted', error.message));
      }
    });

    cancel.addEventListener('click', () => dialog.close(null));
    const go = async () => {
      if (!chosen.size) return dialog.setError('请至少选择一名派遣人员');
      if (isOverride() && !overrideReason.value.trim()) return dialog.setError('未按推荐派遣，请填写改派理由');
      dialog.setError('');
      dialog.setBusy(true);
      try {
        const command = buildCommand('dispatch', {
          workers: [...chosen.keys()],
          note: note.value,
          override_note: isOverride() ? overrideReason.value : '',
        });
        const result = await ipc.act(detail.id, detail.version, command);
        dialog.close(result);
      } catch (error) {
        dialog.setBusy(false);
        dialog.setError(error.message);
      }
    };
    submit.addEventListener('click', go);
    dialog.el.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && e.target.tagName !== 'TEXTAREA' && e.target !== search) {
        e.preventDefault();
        go();
      }
    });
  });
}
