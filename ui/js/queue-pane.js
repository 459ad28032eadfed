// The live incident queue on the left: filter chips and fields, and a virtualised list — only the rows in
// view (plus a few either side) exist in the DOM, recycled as the list scrolls, so 10,000 open events
// scroll like ten. Rows are patched in place from the change feed; the selection follows its event, not
// its position, when the order changes under it.

import { h, fill, throttle } from './dom.js';
import { QueueModel, NO_FILTER, statusCounts } from './queue-model.js';
import { visibleWindow, moveSelection, scrollTopToReveal, pageRows, keepAnchor } from './vlist-math.js';
import { CATEGORIES, SEVERITY, STATUS, OPEN_STATUSES, categoryShort, nameOf } from './labels.js';
import { timeLeft, formatWhen } from './time.js';
import { now } from './clock.js';

const ROW_HEIGHT = 58;
const FLASH_MS = 2500;

export class QueuePane {
  constructor(root, { onOpen, onSelect, onDrillChange }) {
    this.root = root;
    this.onOpen = onOpen;
    this.onSelect = onSelect;
    this.onDrillChange = onDrillChange;
    this.model = new QueueModel();
    this.filter = { ...NO_FILTER };
    this.rows = [];
    this.selectedId = null;
    this.flashUntil = new Map();
    this.pool = [];
    this.loading = true;
    this.drill = false;
    this.build();
    this.renderSoon = throttle(() => this.render(), 16);
  }

  build() {
    this.countEl = h('span.pane-count');
    this.overdueEl = h('span.pane-overdue');
    this.drillToggle = h('input', { type: 'checkbox', on: { change: () => this.setDrill(this.drillToggle.checked) } });
    this.titleEl = h('h2', '事件队列');
    const head = h(
      'header.pane-head',
      this.titleEl,
      this.countEl,
      this.overdueEl,
      h('label.switch', { title: '切换到演练事件队列（演练数据不计入统计）' }, this.drillToggle, h('span', '演练')),
    );
    this.chips = h('div.chips', { attrs: { role: 'tablist', 'aria-label': '按状态筛选' } });
    this.search = h('input.search', {
      type: 'search',
      placeholder: '搜索 编号/标题/网格  ( / )',
      attrs: { 'aria-label': '搜索事件' },
      on: { input: () => this.setFilter({ text: this.search.value }) },
    });
    // WebKitGTK clears a search field on Esc (and on its × button) with no `input` event: the filter must
    // follow the field whatever cleared it, or the queue looks empty with every count at 0.
    this.search.addEventListener('search', () => this.setFilter({ text: this.search.value }));
    this.search.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        this.clearSearch();
        this.search.blur();
        return;
      }
      if (e.key === 'ArrowDown' || e.key === 'Enter') {
        e.preventDefault();
        this.search.blur();
        if (e.key === 'Enter') this.openSelected();
        else this.move(1);
      }
    });
    this.categorySelect = h(
      'select',
      { attrs: { 'aria-label': '事件类别' }, on: { change: () => this.setFilter({ category: this.categorySelect.value || null }) } },
      h('option', { value: '' }, '全部类别'),
      h('option', { value: 'dispute' }, '矛盾纠纷（全部）'),
      CATEGORIES.map(([value, label]) => h('option', { value }, label)),
    );
    this.severitySelect = h(
      'select',
      { attrs: { 'aria-label': '事件等级' }, on: { change: () => this.setFilter({ minSeverity: Number(this.severitySelect.value) || null }) } },
      h('option', { value: '' }, '全部等级'),
      h('option', { value: '2' }, '较大及以上'),
      h('option', { value: '3' }, '重大及以上'),
      h('option', { value: '4' }, '特别重大'),
    );
    this.villageSelect = h(
      'select',
      { attrs: { 'aria-label': '村（社区）' }, on: { change: () => this.setFilter({ gridPrefix: this.villageSelect.value || null }) } },
      h('option', { value: '' }, '全部村（社区）'),
    );
    const filters = h('div.filters', this.search, h('div.filter-selects', this.categorySelect, this.severitySelect, this.villageSelect));

    this.spacer = h('div.vlist-spacer');
    this.empty = h('div.vlist-empty', '正在载入事件队列…');
    this.viewport = h('div.vlist', { tabIndex: 0, attrs: { role: 'listbox', 'aria-label': '事件队列' } }, this.spacer, this.empty);
    this.viewport.addEventListener('scroll', () => this.renderSoon(), { passive: true });
    this.viewport.addEventListener('click', (e) => {
      const row = e.target.closest('.qrow');
      if (row) this.onOpen(Number(row.dataset.id));
    });
    new ResizeObserver(() => this.render()).observe(this.viewport);

    const foot = h('footer.pane-foot', h('span', h('kbd', '↑'), h('kbd', '↓'), ' 选择'), h('span', h('kbd', 'Enter'), ' 详情'), h('span', h('kbd', '/'), ' 搜索'), h('span', h('kbd', 'F1'), ' 快捷键'));
    fill(this.root, head, this.chips, filters, this.viewport, foot);
    this.renderChips();
  }

  setVillages(villages) {
    const current = this.villageSelect.value;
    fill(this.villageSelect, h('option', { value: '' }, '全部村（社区）'), villages.map((v) => h('option', { value: v.code }, v.name)));
    this.villageSelect.value = current;
  }

  setDrill(drill) {
    this.drill = drill;
    this.drillToggle.checked = drill;
    this.root.classList.toggle('drill', drill);
    this.titleEl.textContent = drill ? '演练事件队列' : '事件队列';
    this.onDrillChange?.(drill);
  }

  setLoading(text) {
    this.loading = Boolean(text);
    if (text) fill(this.empty, text);
    this.render();
  }

  /** Replaces every row (first load, resync, drill switch). */
  replaceAll(rows) {
    this.model.replaceAll(rows);
    this.loading = false;
    this.refresh();
  }

  /** Patches rows fetched after a change; returns the model's account of what changed. */
  apply(rows) {
    const changes = this.model.apply(rows);
    const until = Date.now() + FLASH_MS;
    for (const id of [...changes.added, ...changes.updated]) this.flashUntil.set(id, until);
    if (changes.added.length || changes.updated.length || changes.removed.length) {
      // A live change re-sorts the list under the officer's eyes: the selected row, if it was in view,
      // stays where it was on screen and the others move around it.
      const oldIndex = this.indexOfSelected();
      const top = this.viewport.scrollTop;
      const wasVisible = oldIndex >= 0 && oldIndex * ROW_HEIGHT >= top && (oldIndex + 1) * ROW_HEIGHT <= top + this.viewport.clientHeight;
      this.refresh();
      if (wasVisible) {
        const newIndex = this.indexOfSelected();
        this.viewport.scrollTop = keepAnchor({ oldIndex, newIndex, scrollTop: top, rowHeight: ROW_HEIGHT });
        this.render();
      }
    }
    return changes;
  }

  setFilter(patch) {
    this.filter = { ...this.filter, ...patch };
    this.refresh();
    this.viewport.scrollTop = 0;
    this.ensureSelectionVisible();
  }

  /** Re-derives the filtered, sorted rows and re-renders; the selection keeps its event. */
  refresh() {
    const t = now();
    this.rows = this.model.view(this.filter, t);
    this.renderChips();
    const overdue = statusCounts(this.model.all(t), NO_FILTER, t).overdue;
    this.countEl.textContent = `${this.model.size} 件`;
    this.overdueEl.textContent = overdue ? `超时 ${overdue}` : '';
    this.render();
  }

  renderChips() {
    const t = now();
    const counts = statusCounts(this.model.all(t), this.filter, t);
    const chip = (key, label, count, active, onClick, extra = '') =>
      h(`button.chip.chip-status${active ? '.active' : ''}${extra}`, { type: 'button', dataset: { key }, attrs: { role: 'tab', 'aria-selected': String(active) }, on: { click: onClick } }, label, h('span.chip-count', String(count)));
    fill(
      this.chips,
      chip('all', '全部', counts.all, !this.filter.status && !this.filter.overdueOnly, () => this.setFilter({ status: null, overdueOnly: false })),
      chip('overdue', '超时', counts.overdue, this.filter.overdueOnly, () => this.setFilter({ overdueOnly: !this.filter.overdueOnly, status: null }), counts.overdue ? '.chip-alarm' : ''),
      OPEN_STATUSES.map((s) =>
        chip(s, STATUS[s], counts[s] ?? 0, this.filter.status === s, () => this.setFilter({ status: this.filter.status === s ? null : s, overdueOnly: false })),
      ),
    );
  }

  render() {
    const total = this.rows.length;
    const viewportHeight = this.viewport.clientHeight;
    const win = visibleWindow({ scrollTop: this.viewport.scrollTop, viewportHeight, rowHeight: ROW_HEIGHT, total, overscan: 6 });
    this.spacer.style.height = `${win.totalHeight}px`;
    this.empty.hidden = total > 0;
    if (!total && !this.loading) fill(this.empty, this.model.size ? '没有符合筛选条件的事件' : '队列已清空，暂无待办事件');
    const needed = win.last - win.first + 1;
    while (this.pool.length < needed) {
      const row = new QueueRowView();
      this.pool.push(row);
      this.viewport.append(row.el);
    }
    const t = now();
    const wall = Date.now();
    for (let i = 0; i < this.pool.length; i++) {
      const view = this.pool[i];
      const index = win.first + i;
      if (index > win.last) {
        view.hide();
        continue;
      }
      const row = this.rows[index];
      view.update(row, index * ROW_HEIGHT, t, row.id === this.selectedId, (this.flashUntil.get(row.id) ?? 0) > wall);
    }
    if (this.flashUntil.size > 200) for (const [id, until] of this.flashUntil) if (until < wall) this.flashUntil.delete(id);
  }

  /** Time left changes every second; only the rows in the DOM are touched. */
  tick() {
    this.render();
  }

  indexOfSelected() {
    return this.selectedId == null ? -1 : this.rows.findIndex((r) => r.id === this.selectedId);
  }

  select(id, { reveal = true } = {}) {
    this.selectedId = id;
    if (reveal) this.ensureSelectionVisible();
    this.render();
    const row = this.model.get(id);
    if (row) this.onSelect?.(row);
  }

  ensureSelectionVisible() {
    const index = this.indexOfSelected();
    if (index < 0) return;
    this.viewport.scrollTop = scrollTopToReveal({ index, scrollTop: this.viewport.scrollTop, viewportHeight: this.viewport.clientHeight, rowHeight: ROW_HEIGHT });
  }

  /** Keyboard moves: ±1, ±page, ±Infinity for Home/End. */
  move(delta) {
    const index = moveSelection(this.indexOfSelected(), delta, this.rows.length);
    if (index < 0) return;
    this.select(this.rows[index].id);
  }

  movePage(direction) {
    this.move(direction * pageRows(this.viewport.clientHeight, ROW_HEIGHT));
  }

  openSelected() {
    if (this.selectedId != null) this.onOpen(this.selectedId);
    else if (this.rows.length) this.onOpen(this.rows[0].id);
  }

  focusSearch() {
    this.search.focus();
    this.search.select();
  }

  clearSearch() {
    if (!this.search.value && !this.filter.text) return false;
    this.search.value = '';
    this.setFilter({ text: '' });
    return true;
  }
}

/** One recycled row: its children are built once and only their text and classes change. */
class QueueRowView {
  constructor() {
    this.id = h('span.qrow-id');
    this.title = h('span.qrow-title');
    this.left = h('span.qrow-left');
    this.status = h('span.qrow-status');
    this.category = h('span.qrow-cat');
    this.grid = h('span.qrow-grid');
    this.time = h('span.qrow-time');
    this.severity = h('span.qrow-sev');
    this.pending = h('span.qrow-pending');
    this.el = h(
      'div.qrow',
      { attrs: { role: 'option' } },
      h('div.qrow-bar'),
      h('div.qrow-main', h('div.qrow-line', this.id, this.title, this.left), h('div.qrow-line.qrow-sub', this.status, this.category, this.grid, this.pending, this.time, this.severity)),
    );
    this.key = '';
  }

  hide() {
    if (!this.el.hidden) this.el.hidden = true;
  }

  update(row, top, t, selected, flash) {
    this.el.hidden = false;
    this.el.style.transform = `translateY(${top}px)`;
    const left = timeLeft(row.due_at, t);
    const key = `${row.id}:${row.version}:${row.no_ack?.length ?? 0}`;
    if (key !== this.key) {
      this.key = key;
      this.el.dataset.id = String(row.id);
      this.id.textContent = `#${row.id}`;
      this.title.textContent = row.title;
      this.title.title = row.title;
      this.status.textContent = STATUS[row.status] ?? row.status;
      this.status.className = `qrow-status st-${row.status}`;
      this.category.textContent = categoryShort(row.category);
      this.grid.textContent = row.village_name && row.grid_name && row.grid_name !== row.village_name ? `${row.village_name}·${row.grid_name}` : row.grid_name || row.village_name || row.grid_code;
      this.severity.textContent = nameOf(SEVERITY, row.severity);
      // 未签收超时 outranks 待审批: it is the officer's to act on now.
      this.pending.textContent = row.no_ack?.length ? '未签收超时' : row.pending_kind ? '待审批' : '';
      this.pending.className = row.no_ack?.length ? 'qrow-pending qrow-noack' : 'qrow-pending';
      this.pending.hidden = !row.no_ack?.length && !row.pending_kind;
    }
    this.time.textContent = formatWhen(row.reported_at, t);
    this.left.textContent = left.text;
    const cls = `qrow sev-${row.severity} q-${left.level}${selected ? ' selected' : ''}${flash ? ' flash' : ''}${row.drill ? ' drill' : ''}`;
    if (this.el.className !== cls) this.el.className = cls;
    this.el.setAttribute('aria-selected', String(selected));
  }
}
