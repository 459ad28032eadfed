// The four registers (四册) of a clicked grid: basics, the grid force, residents, key places. Identity and
// phone numbers arrive masked from the back end; "显示" asks for a reason and calls the audited `reveal`,
// and the plain value goes back under the mask after a minute.

import { h, fill } from './dom.js';
import { formDialog } from './dialogs.js';
import { CARE_TAG, KEY_PLACE_KIND, GRID_KIND, EMPLOYMENT, nameOf } from './labels.js';
import * as ipc from './ipc.js';

const SHOW_ROWS = 200;
const REVEAL_MS = 60_000;

export class RegistersDrawer {
  constructor(root, { onClosed, onOpenGrid }) {
    this.root = root;
    this.handlers = { onClosed, onOpenGrid };
    this.root.hidden = true;
    this.tab = 'basics';
    this.data = null;
  }

  get isOpen() {
    return !this.root.hidden;
  }

  async open(code, nameHint) {
    this.root.hidden = false;
    this.code = code;
    fill(this.root, h('div.drawer-loading', `正在载入 ${nameHint ?? code} 的四册…`));
    try {
      const data = await ipc.registers(code);
      if (this.code !== code) return;
      this.data = data;
      this.render();
    } catch (error) {
      fill(this.root, h('div.drawer-loading', h('p', `四册载入失败：${error.message}`), h('button.btn', { type: 'button', on: { click: () => this.close() } }, '关闭')));
    }
  }

  close() {
    this.root.hidden = true;
    this.code = null;
    this.handlers.onClosed?.();
  }

  render() {
    const d = this.data;
    const g = d.grid;
    const tabs = [
      ['basics', '网格概况', null],
      ['workers', '网格力量', d.workers.length],
      ['residents', '居民', d.counts?.residents ?? d.residents.length],
      ['places', '重点场所', d.key_places.length],
    ];
    const head = h(
      'header.drawer-head',
      h('div.d-badges', h('span.badge.badge-plain', g.level_name ?? `第 ${g.depth} 级`), h('span.badge.badge-plain', nameOf(GRID_KIND, g.kind))),
      h('button.icon-button', { type: 'button', title: '关闭 (Esc)', attrs: { 'aria-label': '关闭四册' }, on: { click: () => this.close() } }, '×'),
      h('h2.d-title', g.name),
      h('div.d-standing', h('span.mono', g.code), d.path?.length ? ` · ${d.path.map((p) => p.name).join(' › ')}` : ''),
      h(
        'nav.tabs',
        tabs.map(([key, label, count]) =>
          h(`button.tab${this.tab === key ? '.active' : ''}`, { type: 'button', on: { click: () => { this.tab = key; this.render(); } } }, label, count != null ? h('span.chip-count', String(count)) : null),
        ),
      ),
    );
    const body = h('div.drawer-body', this.renderTab());
    fill(this.root, head, body);
  }

  renderTab() {
    const d = this.data;
    if (this.tab === 'basics') {
      const care = d.counts?.care ?? {};
      return [
        h(
          'div.handover-figures',
          figure('户数', d.counts?.households ?? d.households.length),
          figure('人口', d.counts?.residents ?? d.residents.length),
          figure('网格力量', d.workers.length),
          figure('重点场所', d.key_places.length),
        ),
        Object.keys(care).length
          ? h('section.d-section', h('h3', '关爱对象与重点人员'), h('div.care-tags', Object.entries(care).map(([k, n]) => h('span.chip', nameOf(CARE_TAG, k), h('span.chip-count', String(n))))))
          : null,
        d.children?.length
          ? h(
              'section.d-section',
              h('h3', `下级网格（${d.children.length}）`),
              h('ul.child-grids', d.children.map((c) => h('li', h('button.linklike', { type: 'button', on: { click: () => this.handlers.onOpenGrid?.(c) } }, c.name), h('span.mono.muted', c.code)))),
            )
          : null,
      ];
    }
    if (this.tab === 'workers') {
      return table(
        ['姓名', '类别', '职务', '电话', '状态'],
        d.workers.map((w) => [
          w.name,
          w.group_name || nameOf(EMPLOYMENT, w.employment),
          (w.roles ?? []).join('、'),
          this.revealable(w.phone_masked, 'worker.phone', w.id),
          h(`span${w.on_duty ? '.ok' : '.muted'}`, w.on_duty ? '在岗' : '不在岗'),
        ]),
      );
    }
    if (this.tab === 'residents') {
      const search = h('input.search', { type: 'search', placeholder: '按姓名、户号或关爱标签筛选' });
      const holder = h('div');
      const render = () => {
        const q = search.value.trim();
        const rows = d.residents.filter((r) => !q || r.name.includes(q) || String(r.household_id).includes(q) || (r.care_tags ?? []).some((t) => nameOf(CARE_TAG, t).includes(q)));
        fill(
          holder,
          table(
            ['姓名', '身份证号', '电话', '户号', '标签'],
            rows.slice(0, SHOW_ROWS).map((r) => [
              r.name,
              this.revealable(r.id_number_masked, 'resident.id_number', r.ref),
              this.revealable(r.phone_masked, 'resident.phone', r.ref),
              // The household id extends the grid code; its tail is what tells households apart here.
              h('span.mono', { title: r.household_id }, r.household_no || r.household_id),
              h('span.care-tags', (r.care_tags ?? []).map((t) => h('span.chip.chip-care', nameOf(CARE_TAG, t)))),
            ]),
          ),
          rows.length > SHOW_ROWS ? h('p.muted', `共 ${rows.length} 人，仅显示前 ${SHOW_ROWS} 人，请输入条件筛选`) : null,
          d.truncated?.residents ? h('p.muted', '人口较多，仅载入部分，请进入下级网格查看') : null,
        );
      };
      search.addEventListener('input', render);
      render();
      return [search, holder];
    }
    return table(
      ['名称', '类型', '地址', '联系电话'],
      d.key_places.map((p) => [p.name, nameOf(KEY_PLACE_KIND, p.kind), p.address, this.revealable(p.contact_phone_masked, 'key_place.contact_phone', p.id)]),
    );
  }

  /** A masked value with a "显示" button that asks why, calls the audited reveal, and re-masks later. */
  revealable(masked, field, ref) {
    if (!masked) return h('span.muted', '—');
    const value = h('span.mono.masked', masked);
    const button = h('button.reveal', { type: 'button', title: '显示明文（记入审计）' }, '显示');
    button.addEventListener('click', async () => {
      const result = await formDialog({
        title: '查看明文',
        subtitle: '查看将记入审计日志：谁、何时、为何查看',
        fields: [{ name: 'reason', label: '查看事由', type: 'textarea', rows: 2, required: true, presets: ['联系当事人', '核实身份', '上级核查'] }],
        submitLabel: '查看',
        validate: (v) => (v.reason.trim() ? null : '请填写查看事由'),
        onSubmit: (v) => ipc.reveal(field, ref, v.reason.trim()),
      });
      if (!result?.value) return;
      value.textContent = result.value;
      value.classList.add('revealed');
      button.hidden = true;
      setTimeout(() => {
        value.textContent = masked;
        value.classList.remove('revealed');
        button.hidden = false;
      }, REVEAL_MS);
    });
    return h('span.revealable', value, button);
  }
}

function table(headers, rows) {
  if (!rows.length) return h('p.muted.empty-note', '暂无记录');
  return h('table.reg-table', h('thead', h('tr', headers.map((x) => h('th', x)))), h('tbody', rows.map((cells) => h('tr', cells.map((c) => h('td', c))))));
}

function figure(label, value) {
  return h('div.figure', h('span.figure-value', String(value ?? 0)), h('span.figure-label', label));
}
