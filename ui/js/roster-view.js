// The roster desk (排班): one week of the roster in force, by worker or by grid. Broken rules and coverage
// gaps are shown on their cells; a manual change is checked against every hard rule by the back end as
// soon as it is made, and can only be saved when none breaks. A re-plan (a worker off sick, or the
// township going to wartime) comes back as a proposal: the changed cells, before → after, to accept
// (saved as a new roster) or reject (nothing stored).
//
// Keyboard: arrows move between cells, 0 or Delete sets a day off, 1–4 the shift types in order, Enter
// opens the choice, PageUp/PageDown change week.

import { h, fill } from './dom.js';
import { openDialog } from './dialogs.js';
import { toast } from './toast.js';
import { RosterDraft, weeksOf, weekOfDay, rowTotals, diffByWorker, dayLabel, cellText } from './roster-model.js';
import * as ipc from './ipc.js';

const SHIFT_CLASS = { 白: 'sh-day', 夜: 'sh-night', 巡: 'sh-patrol', 备: 'sh-standby' };
const shiftClass = (code) => (code ? SHIFT_CLASS[code] ?? 'sh-other' : 'sh-off');

export function openRoster({ session }) {
  const root = h('div.roster', h('p.muted', '正在载入排班…'));
  const dialog = openDialog({ title: '排班', subtitle: '专兼职网格员排班 · 人工调整前自动校验全部硬性规则', wide: true, body: root, className: 'dialog-roster' });
  const view = new RosterView(root, dialog, session);
  view.load();
  return view;
}

class RosterView {
  constructor(root, dialog, session) {
    this.root = root;
    this.dialog = dialog;
    this.session = session;
    this.by = 'worker';
    this.week = 0;
    this.filter = '';
    this.focus = { row: 0, col: 0 };
    this.checkSeq = 0;
  }

  async load(rosterId) {
    try {
      const desk = await ipc.rosterDesk(rosterId);
      if (!desk.roster) return this.renderEmpty(desk);
      this.desk = desk;
      this.draft = new RosterDraft(desk);
      this.weeks = weeksOf(desk.roster.days);
      this.week = Math.min(this.weeks.length - 1, weekOfDay(desk.roster.days, desk.today));
      this.render();
    } catch (error) {
      fill(this.root, h('p.dialog-error', `排班载入失败：${error.message}`));
    }
  }

  renderEmpty(desk) {
    const plan = h('button.btn.btn-primary', { type: 'button' }, `编制两周排班（自 ${desk.next_monday} 起）`);
    plan.addEventListener('click', async () => {
      plan.disabled = true;
      fill(plan, '正在计算排班（约 10 秒）…');
      try {
        const result = await ipc.rosterPlan({ first_day: desk.next_monday, weeks: 2 });
        toast(`已编制排班 #${result.roster_id}：覆盖 ${result.coverage.covered}/${result.coverage.required} 个需求班次`);
        this.load(result.roster_id);
      } catch (error) {
        plan.disabled = false;
        fill(plan, '重新编制');
        this.dialog.setError(error.message);
      }
    });
    fill(this.root, h('div.roster-empty', h('p', '还没有排班。排班由求解器按全部硬性规则编制，之后可在此人工调整。'), plan));
  }

  // ---- layout ------------------------------------------------------------------------------------------

  render() {
    const r = this.desk.roster;
    const modeName = r.mode === 'wartime' ? '战时' : '平时';
    const weekDays = this.weeks[this.week].map((i) => r.days[i]);
    this.head = h(
      'div.roster-head',
      h('div.roster-title', h('strong', `排班 #${r.id}`), h('span.pill', modeName), h('span.muted', `${r.days[0]} 至 ${r.days[r.days.length - 1]} · ${r.created_by} 编制`)),
      h(
        'div.roster-weeknav',
        h('button.btn.btn-ghost', { type: 'button', title: '上一周 (PageUp)', disabled: this.week === 0, on: { click: () => this.setWeek(this.week - 1) } }, '◀ 上一周'),
        h('span.roster-week', `第 ${this.week + 1}/${this.weeks.length} 周 · ${weekDays[0].slice(5)} 至 ${weekDays[weekDays.length - 1].slice(5)}`),
        h('button.btn.btn-ghost', { type: 'button', title: '下一周 (PageDown)', disabled: this.week === this.weeks.length - 1, on: { click: () => this.setWeek(this.week + 1) } }, '下一周 ▶'),
      ),
      h(
        'div.roster-tabs',
        ['worker', 'grid'].map((by) => h(`button.tab${this.by === by ? '.active' : ''}`, { type: 'button', on: { click: () => { this.by = by; this.render(); } } }, by === 'worker' ? '按人员' : '按网格')),
      ),
    );
    this.summary = h('div.roster-summary');
    this.table = h('div.roster-table');
    this.side = h('aside.roster-side');
    this.actions = h('div.roster-actions');
    fill(this.root, this.head, h('div.roster-main', h('div.roster-left', this.summary, this.table), this.side), this.actions);
    this.renderTable();
    this.renderSide();
    this.renderActions();
  }

  setWeek(week) {
    if (week < 0 || week >= this.weeks.length) return;
    this.week = week;
    this.render();
    // The keyboard stays on the grid: the same row and weekday of the new week.
    if (this.by === 'worker') this.focusCell(this.focus.row, this.focus.col);
  }

  weekDays() {
    return this.weeks[this.week].map((i) => this.desk.roster.days[i]);
  }

  renderSummary() {
    const c = this.draft.check.coverage;
    const breaks = this.draft.check.breaks.length;
    fill(
      this.summary,
      h('span', `需求班次覆盖 ${c.covered}/${c.required}`),
      h(`span${c.gaps.length ? '.warn' : ''}`, `缺口 ${c.gaps.length} 处`),
      h(`span${breaks ? '.bad' : '.good'}`, breaks ? `违反硬性规则 ${breaks} 条${this.draft.oldBreaks ? `（原排班已有 ${this.draft.oldBreaks} 条）` : ''}` : '全部硬性规则均满足'),
      this.desk.departed?.length ? h('span.warn', { title: this.desk.departed.join('、') }, `${this.desk.departed.length} 名网格员已不在登记册，其班次不再保留`) : null,
      this.draft.changeCount ? h('span.changed', `待保存调整 ${this.draft.changeCount} 处`) : null,
    );
  }

  renderTable() {
    this.renderSummary();
    if (this.by === 'grid') return this.renderByGrid();
    const days = this.weekDays();
    const types = this.desk.shift_types;
    const { byCell, byWorker } = this.draft.breaksIndex();
    const needle = this.filter.trim();
    this.rows = this.desk.workers.filter((w) => !needle || w.name.includes(needle) || w.area_name.includes(needle) || w.id.includes(needle));
    const search = h('input.roster-filter', { type: 'search', placeholder: '按姓名、村（社区）或编号筛选', value: this.filter });
    // Not while an input method is composing (pinyin): rebuilding the field would commit the letters.
    const apply = () => {
      this.filter = search.value;
      this.focus = { row: 0, col: 0 };
      this.renderTable();
      const field = this.table.querySelector('.roster-filter');
      field?.focus();
      field?.setSelectionRange(field.value.length, field.value.length);
    };
    search.addEventListener('input', (e) => {
      if (!e.isComposing) apply();
    });
    search.addEventListener('compositionend', apply);
    const head = h('tr', h('th.rt-name', '网格员'), h('th.rt-area', '所属'), days.map((d) => h('th', dayLabel(d))), h('th', '本周'));
    const body = this.rows.map((w, row) =>
      h(
        `tr${byWorker.has(w.id) ? '.row-bad' : ''}`,
        h('td.rt-name', { title: byWorker.get(w.id)?.join('\n') ?? `${w.category}${w.full_time ? '（专职）' : '（兼职）'}` }, w.name, w.full_time ? h('span.ft', '专') : null),
        h('td.rt-area', w.area_name),
        days.map((day, col) => {
          const code = this.draft.value(w.id, day);
          const problems = byCell.get(`${w.id}|${day}`);
          const changed = this.draft.isChanged(w.id, day);
          return h(
            `td.rt-cell.${shiftClass(code)}${changed ? '.changed' : ''}${problems ? '.bad' : ''}`,
            h('button.cell', {
              type: 'button',
              dataset: { row: String(row), col: String(col) },
              title: [problems?.join('\n'), changed ? `原为：${cellText(this.draft.stored(w.id, day))}` : null].filter(Boolean).join('\n') || `${w.name} ${dayLabel(day)}：${cellText(code)}`,
              on: { click: () => this.pick(row, col), keydown: (e) => this.onCellKey(e, row, col), focus: () => { this.focus = { row, col }; } },
            }, cellText(code)),
          );
        }),
        (() => {
          const t = rowTotals(days.map((d) => this.draft.value(w.id, d)), types);
          return h('td.rt-total', `${t.shifts} 班 ${t.hours} 时`);
        })(),
      ),
    );
    fill(this.table, search, h('table.roster-grid', h('thead', head), h('tbody', body)));
  }

  renderByGrid() {
    const days = this.weekDays();
    const types = this.desk.shift_types;
    const gaps = this.draft.gapsIndex();
    const dayIndex = new Map(this.desk.roster.days.map((d, i) => [d, i]));
    // Counts follow pending changes: recount this week's cells per area from the draft.
    const areaOf = new Map(this.desk.workers.map((w) => [w.id, w.full_time ? this.desk.areas[0].code : w.area_code]));
    const counts = new Map();
    for (const w of this.desk.workers) {
      for (const day of days) {
        const code = this.draft.value(w.id, day);
        if (!code) continue;
        const key = `${areaOf.get(w.id)}|${day}|${code}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    const head = h('tr', h('th.rt-area', '网格（村/社区）'), days.map((d) => h('th', dayLabel(d))));
    const body = this.desk.areas.map((area) =>
      h(
        'tr',
        h('td.rt-area', area.name),
        days.map((day) => {
          const d = dayIndex.get(day);
          const dayGaps = gaps.get(`${area.code}|${day}`) ?? [];
          const parts = types
            .map((t, s) => {
              const need = area.cover[d]?.[s]?.[1] ?? 0;
              const have = counts.get(`${area.code}|${day}|${t.code}`) ?? 0;
              if (!need && !have) return null;
              const short = have < need;
              return h(`span.cover.${shiftClass(t.code)}${short ? '.short' : ''}`, { title: `${t.name}：已排 ${have} 人，需 ${need} 人` }, `${t.code} ${have}/${need}`);
            })
            .filter(Boolean);
          return h(`td.rt-cover${dayGaps.length ? '.bad' : ''}`, parts.length ? parts : h('span.muted', '—'));
        }),
      ),
    );
    fill(this.table, h('table.roster-grid.by-grid', h('thead', head), h('tbody', body)));
  }

  renderSide() {
    const breaks = this.draft.check.breaks;
    const gaps = this.draft.check.coverage.gaps;
    const week = new Set(this.weekDays());
    const weekGaps = gaps.filter((g) => week.has(g.day));
    fill(
      this.side,
      h('h3.dialog-h3', breaks.length ? `违反硬性规则（${breaks.length}）` : '硬性规则'),
      breaks.length ? h('ul.roster-breaks', breaks.slice(0, 50).map((b) => h('li', b.text))) : h('p.good', '全部满足：休息时间、连续上班、周末、工时、兼职可服务时间、夜班后不接白班。'),
      h('h3.dialog-h3', `本周覆盖缺口（${weekGaps.length}）`),
      weekGaps.length
        ? h('ul.roster-gaps', weekGaps.slice(0, 40).map((g) => h('li', `${g.day.slice(5)} ${g.area_name} ${g.shift_code}：已排 ${g.assigned}，需 ${g.required}`)))
        : h('p.muted', '本周各网格需求均已排满。'),
    );
  }

  renderActions() {
    const n = this.draft.changeCount;
    // Not while a check is on its way (its answer may yet break a rule) or a save is.
    const ready = this.draft.canSave && !this.checking && !this.saving;
    const save = h('button.btn.btn-primary', { type: 'button', disabled: !ready, title: n && !this.draft.canSave ? '调整违反硬性规则，不能保存' : '保存为新的排班版本' }, n ? `保存调整（${n} 处）` : '保存调整');
    save.addEventListener('click', () => this.save());
    const undo = h('button.btn.btn-ghost', { type: 'button', disabled: !n }, '撤销全部调整');
    undo.addEventListener('click', () => {
      this.draft.discard();
      this.render();
    });
    const sick = h('button.btn', { type: 'button', disabled: n > 0, title: n ? '请先保存或撤销人工调整' : '某人病休或请假：重排受影响的班次' }, '病休重排…');
    sick.addEventListener('click', () => this.sickDialog());
    const war = h('button.btn', { type: 'button', disabled: n > 0 || this.desk.roster.mode === 'wartime', title: '按战时需求与战时在岗要求重排' }, '战时重排');
    war.addEventListener('click', () => this.propose({ kind: 'wartime' }, '战时重排'));
    fill(this.actions, sick, war, h('span.spacer'), undo, save);
  }

  // ---- manual changes ------------------------------------------------------------------------------------

  onCellKey(e, row, col) {
    const types = this.desk.shift_types;
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (moves[e.key]) {
      e.preventDefault();
      this.focusCell(row + moves[e.key][0], col + moves[e.key][1]);
    } else if (e.key === '0' || e.key === 'Delete' || e.key === 'Backspace') {
      e.preventDefault();
      this.setCell(row, col, null);
    } else if (/^[1-9]$/.test(e.key) && types[Number(e.key) - 1]) {
      e.preventDefault();
      this.setCell(row, col, types[Number(e.key) - 1].code);
    } else if (e.key === 'PageDown' || e.key === 'PageUp') {
      e.preventDefault();
      this.setWeek(this.week + (e.key === 'PageDown' ? 1 : -1));
    }
  }

  focusCell(row, col) {
    const rows = this.rows?.length ?? 0;
    const r = Math.max(0, Math.min(rows - 1, row));
    const c = Math.max(0, Math.min(6, col));
    this.focus = { row: r, col: c };
    const cell = this.table.querySelector(`button.cell[data-row="${r}"][data-col="${c}"]`);
    cell?.focus();
    cell?.scrollIntoView({ block: 'nearest' });
  }

  pick(row, col) {
    const worker = this.rows[row];
    const day = this.weekDays()[col];
    const current = this.draft.value(worker.id, day);
    const options = [{ code: null, name: '休息' }, ...this.desk.shift_types];
    const choose = (code) => {
      dlg.close(null);
      this.setCell(row, col, code);
    };
    // Esc or ×: back to the cell the choice was for.
    const dlg = openDialog({
      onClose: () => this.focusCell(row, col),
      title: `${worker.name} · ${dayLabel(day)}`,
      subtitle: `当前：${cellText(current)}（键 0 休息，1–${this.desk.shift_types.length} 班次）`,
      body: h(
        'div.shift-picker',
        options.map((o, i) => h(`button.btn.${shiftClass(o.code)}${o.code === current ? '.active' : ''}`, { type: 'button', autofocus: o.code === current, on: { click: () => choose(o.code) } }, `${i} · ${o.code ?? '休'} ${o.name}`)),
      ),
    });
    dlg.el.addEventListener('keydown', (e) => {
      const i = Number(e.key);
      if (/^[0-9]$/.test(e.key) && options[i]) {
        e.preventDefault();
        choose(options[i].code);
      }
    });
  }

  setCell(row, col, code) {
    const worker = this.rows[row];
    const day = this.weekDays()[col];
    if (!this.draft.set(worker.id, day, code)) return this.focusCell(row, col);
    this.renderTable();
    this.renderActions();
    this.focusCell(row, col);
    this.recheck();
  }

  /** Asks the back end to check every pending change; a later edit supersedes an answer still on its way. */
  async recheck() {
    const seq = ++this.checkSeq;
    this.checking = true;
    this.summary.classList.add('checking');
    try {
      const check = this.draft.changeCount
        ? await ipc.rosterCheck(this.desk.roster.id, this.draft.cells())
        : { breaks: this.desk.breaks, new_breaks: [], coverage: this.desk.coverage, objective: this.desk.roster.objective };
      if (seq !== this.checkSeq) return;
      this.draft.check = check;
      this.dialog.setError('');
    } catch (error) {
      if (seq !== this.checkSeq) return;
      this.dialog.setError(`校验失败：${error.message}`);
    }
    this.checking = false;
    this.summary.classList.remove('checking');
    const { row, col } = this.focus;
    this.renderTable();
    this.renderSide();
    this.renderActions();
    if (this.by === 'worker') this.focusCell(row, col);
  }

  async save() {
    if (this.saving) return;
    this.saving = true;
    this.renderActions();
    this.dialog.setBusy(true);
    try {
      const saved = await ipc.rosterSave(this.desk.roster.id, this.draft.cells());
      toast(`排班调整已保存为 #${saved.roster_id}`);
      this.dialog.setError('');
      await this.load(saved.roster_id);
    } catch (error) {
      this.dialog.setError(error.message);
      if (error.code === 'conflict') toast('排班已被他人更新：请关闭后重新打开排班', 'error');
    } finally {
      this.saving = false;
      this.dialog.setBusy(false);
      if (this.actions) this.renderActions();
    }
  }

  // ---- re-planning -----------------------------------------------------------------------------------------

  sickDialog() {
    const workers = this.desk.workers;
    const select = h('select', workers.map((w) => h('option', { value: w.id }, `${w.name} · ${w.area_name}${w.full_time ? ' · 专职' : ''}`)));
    const focused = this.rows?.[this.focus.row];
    if (focused) select.value = focused.id;
    const from = this.desk.today > this.desk.roster.days[0] ? this.desk.today : this.desk.roster.days[0];
    const dayBoxes = this.desk.roster.days
      .filter((d) => d >= from)
      .map((d, i) => h('label.day-box', h('input', { type: 'checkbox', value: d, checked: i < 2 }), dayLabel(d)));
    const go = h('button.btn.btn-primary', { type: 'button' }, '计算重排方案');
    const dlg = openDialog({
      title: '病休重排',
      subtitle: '选定的网格员在所选日期不能上班；重排只改动必须改动的班次',
      wide: true,
      body: [h('div.field', h('label.field-label', '网格员'), select), h('div.field', h('label.field-label', '病休日期'), h('div.day-boxes', dayBoxes))],
      footer: [go],
    });
    go.addEventListener('click', () => {
      const days = dayBoxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
      if (!days.length) return dlg.setError('请选择病休日期');
      dlg.close(null);
      const name = workers.find((w) => w.id === select.value)?.name ?? select.value;
      this.propose({ kind: 'sick', worker_id: select.value, days }, `${name} 病休重排`);
    });
  }

  async propose(reason, title) {
    const body = h('div.replan', h('p.muted', '正在计算重排方案（尽量少改动现有排班）…'));
    const accept = h('button.btn.btn-primary', { type: 'button', disabled: true }, '接受方案');
    const reject = h('button.btn.btn-ghost', { type: 'button' }, '放弃');
    const dlg = openDialog({ title, subtitle: `基于排班 #${this.desk.roster.id}`, wide: true, body, footer: [reject, accept] });
    reject.addEventListener('click', () => dlg.close(null));
    let proposal;
    try {
      proposal = await ipc.rosterReplan(this.desk.roster.id, reason);
    } catch (error) {
      fill(body, h('p.dialog-error', `重排失败：${error.message}`));
      return;
    }
    const groups = diffByWorker(proposal, this.desk.workers);
    const cb = proposal.coverage_before;
    const ca = proposal.coverage_after;
    fill(
      body,
      h(
        'div.replan-figures',
        h('span', `改动 ${proposal.changes.length} 个班次，涉及 ${groups.length} 人`),
        h('span', `需求覆盖 ${cb.covered}/${cb.required} → ${ca.covered}/${ca.required}`),
        h('span', `缺口 ${cb.gaps.length} → ${ca.gaps.length} 处`),
      ),
      groups.length ? diffTable(groups) : h('p', '现有排班已满足新情况，无需改动。'),
    );
    accept.disabled = false;
    accept.addEventListener('click', async () => {
      dlg.setBusy(true);
      try {
        const cells = proposal.changes.map((c) => ({ worker_id: c.worker_id, day: c.day, shift_code: c.shift_code }));
        const saved = await ipc.rosterSave(this.desk.roster.id, cells, reason);
        dlg.close(null);
        toast(`重排方案已接受，保存为排班 #${saved.roster_id}`);
        await this.load(saved.roster_id);
      } catch (error) {
        dlg.setBusy(false);
        dlg.setError(error.message);
      }
    });
  }
}

/** A re-plan's changes, one row per worker: each changed day as 原 → 新. */
function diffTable(groups) {
  const change = (c) =>
    h('span.diff', `${dayLabel(c.day)}：`, h(`b.${shiftClass(c.before)}`, cellText(c.before)), ' → ', h(`b.${shiftClass(c.after)}`, cellText(c.after)));
  const row = (g) => h('tr', h('td', g.worker.name), h('td', g.worker.area_name ?? ''), h('td', g.changes.map(change)));
  return h(
    'table.roster-grid.replan-diff',
    h('thead', h('tr', h('th', '网格员'), h('th', '所属'), h('th', '改动（原 → 新）'))),
    h('tbody', groups.map(row)),
  );
}
