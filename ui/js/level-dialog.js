// The leader's level switch (平时 → 关注 → Ⅳ级 … Ⅰ级): choose a level, see first what it would do — the open
// events that would be overdue or due within the hour under its limits, how the roster meets its demand, the
// duty it requires, how many people a call-up would reach — then give a reason and confirm. Nothing changes
// before the confirmation. Keys: ↑/↓ or 1–9 choose, Enter confirms once a reason is written, Esc cancels.

import { h, fill } from './dom.js';
import * as ipc from './ipc.js';
import { openDialog } from './dialogs.js';
import { toast } from './toast.js';

const REASONS = ['台风预警', '暴雨红色预警', '防汛应急响应', '重大活动安保', '预警解除', '应急响应结束'];

export async function levelDialog() {
  const { current, levels } = await ipc.responseLevels();
  const list = h('div.level-list', { attrs: { role: 'listbox', 'aria-label': '响应等级' } });
  const preview = h('div.level-preview', h('p.muted', '选择一个等级，先预演其影响'));
  const reason = h('textarea', { rows: 2, placeholder: '切换理由（必填）', attrs: { 'aria-label': '切换理由', 'data-testid': 'level-reason' } });
  const presets = h('div.presets', REASONS.map((r) => h('button.chip', { type: 'button', on: { click: () => { reason.value = r; reason.focus(); } } }, r)));
  const confirm = h('button.btn.btn-danger', { type: 'button', disabled: true, attrs: { 'data-testid': 'level-confirm' } }, '确认切换');
  const cancel = h('button.btn.btn-ghost', { type: 'button' }, '取消');
  const body = h('div.level-dialog', h('div.level-columns', list, preview), reason, presets);
  const dialog = openDialog({ title: '应急响应等级', subtitle: `当前：${current.name}${current.by ? `（${current.by} 切换）` : ''}`, body, footer: [cancel, confirm], wide: true, onClose: () => {} });
  let chosen = null;
  let asked = 0;
  const choose = async (level) => {
    chosen = level;
    for (const el of list.children) el.classList.toggle('selected', el.dataset.key === level.key);
    confirm.textContent = `确认切换为${level.name}`;
    confirm.disabled = level.key === current.key;
    const ask = ++asked;
    fill(preview, h('p.muted', `正在预演${level.name}…`));
    try {
      const d = await ipc.levelDryRun(level.key);
      if (ask !== asked) return;
      const ids = (xs) => (xs.length ? xs.slice(0, 12).map((id) => `#${id}`).join(' ') + (xs.length > 12 ? ` 等 ${xs.length} 件` : '') : '无');
      const cov = d.coverage;
      fill(
        preview,
        h('h3', `${level.name} · 时限为平时的 ${level.time_limit_percent}%`),
        h('dl.level-facts',
          h('dt', '将超时'), h('dd', { attrs: { 'data-testid': 'dry-overdue' } }, `${d.overdue.length} 件：${ids(d.overdue)}`),
          h('dt', '1 小时内到期'), h('dd', `${d.due_within_hour.length} 件：${ids(d.due_within_hour)}`),
          h('dt', '排班'), h('dd', cov ? `排班 #${cov.roster_id}：需 ${cov.required} 班次，已排 ${cov.covered}，缺口 ${cov.gaps} 处${cov.replan_needed ? `；须按${level.roster_profile_zh}重排（排班台 F6 → 战时重排）` : ''}` : '尚无排班'),
          h('dt', '值守要求'), h('dd', `${d.leader_on_duty ? '领导带班，' : ''}${d.officers} 名值班员在岗`),
          h('dt', '叫应'), h('dd', d.callup ? `将叫应兼职网格员 ${d.callup} 人` : '不叫应'),
          h('dt', '零报告'), h('dd', level.zero_report_hours ? `每 ${level.zero_report_hours} 小时一次` : '无'),
          h('dt', '终端通知'), h('dd', level.broadcast_text),
        ),
      );
    } catch (error) {
      if (ask === asked) fill(preview, h('p.signin-error', error.message));
    }
  };
  levels.forEach((level, i) => {
    list.append(
      h(
        `button.level-item.mode-${level.legacy_mode}${level.key === current.key ? '.current' : ''}`,
        { type: 'button', attrs: { role: 'option', 'data-key': level.key }, on: { click: () => choose(level) } },
        h('span.level-name', `${i + 1} ${level.name}`),
        h('span.muted', level.key === current.key ? '当前' : `${level.time_limit_percent}%`),
      ),
    );
  });
  const go = async () => {
    if (!chosen || chosen.key === current.key) return;
    if (!reason.value.trim()) return dialog.setError('请填写切换理由');
    dialog.setBusy(true);
    try {
      const now = await ipc.setLevel(chosen.key, reason.value.trim());
      dialog.close(now);
      toast(`已切换为${now.name}`, 'ok');
    } catch (error) {
      dialog.setBusy(false);
      dialog.setError(error.message);
    }
  };
  confirm.addEventListener('click', go);
  cancel.addEventListener('click', () => dialog.close(null));
  body.addEventListener('keydown', (e) => {
    const at = levels.findIndex((l) => l.key === chosen?.key);
    if (e.target !== reason && /^[1-9]$/.test(e.key) && levels[Number(e.key) - 1]) {
      e.preventDefault();
      choose(levels[Number(e.key) - 1]);
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (e.target === reason) return;
      e.preventDefault();
      const next = levels[Math.min(levels.length - 1, Math.max(0, at + (e.key === 'ArrowDown' ? 1 : -1)))];
      if (next) choose(next);
    } else if (e.key === 'Enter' && !e.shiftKey && reason.value.trim() && chosen) {
      e.preventDefault();
      go();
    }
  });
  // Start on the next level up: a switch is usually a step up the ladder.
  const here = levels.findIndex((l) => l.key === current.key);
  choose(levels[Math.min(levels.length - 1, here + 1)] ?? levels[0]);
  list.querySelector('button')?.focus();
}
