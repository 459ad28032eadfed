// Logging an event by hand: a phone call or a walk-in at the centre (来电来访登记), or a hotline transfer.
// The grid is chosen village first, then the grid within it (loaded for the village chosen: the map's tree
// stops at villages); the officer on the phone should not have to know a 15-digit code.

import { h, fill } from './dom.js';
import { formDialog } from './dialogs.js';
import { CATEGORIES, SEVERITY } from './labels.js';
import * as ipc from './ipc.js';
import { gridChoices, reportSources } from './report-model.js';

/** `tree` is the grid tree `{ levels, nodes }`; `villageDepth` the depth of villages in it. */
export function reportDialog({ tree, villageDepth, drill }) {
  const nodes = tree?.nodes ?? [];
  const villages = nodes.filter((n) => n.depth === villageDepth);
  return formDialog({
    title: drill ? '登记演练事件' : '登记事件',
    subtitle: '来电、来访或热线转办，登记后进入待受理',
    wide: true,
    fields: [
      { name: 'source', label: '来源', type: 'select', options: reportSources(drill), value: reportSources(drill)[0].value },
      { name: 'reporter', label: '反映人', type: 'text', placeholder: '姓名或称呼' },
      { name: 'reporter_phone', label: '联系电话', type: 'text', placeholder: '仅用于回访，列表中脱敏显示' },
      { name: 'title', label: '事件标题', type: 'text', required: true, placeholder: '一句话说明，如“某村两户因宅基地边界争执”', wide: true },
      { name: 'description', label: '情况描述', type: 'textarea', rows: 4, wide: true },
      { name: 'category', label: '事件类别', type: 'select', required: true, placeholder: '请选择', options: CATEGORIES.map(([value, label]) => ({ value, label })) },
      { name: 'severity', label: '事件等级', type: 'select', required: true, options: Object.entries(SEVERITY).map(([value, label]) => ({ value, label })), value: 1 },
      { name: 'village', label: '村（社区）', type: 'select', required: true, placeholder: '请选择', options: villages.map((v) => ({ value: v.code, label: v.name })) },
      { name: 'grid', label: '网格', type: 'select', placeholder: '整个村（社区）', options: [] },
      { name: 'address', label: '事发地址', type: 'text', wide: true },
    ],
    submitLabel: '登记',
    setup: (inputs) => {
      const village = inputs.get('village');
      const grid = inputs.get('grid');
      let asked = 0;
      village.addEventListener('change', async () => {
        const ask = ++asked;
        fill(grid, h('option', { value: '' }, village.value ? '正在载入网格…' : '整个村（社区）'));
        if (!village.value) return;
        try {
          // Small grids and their micro grids; households are not where an event is placed.
          const subtree = await ipc.gridSubtree(village.value, villageDepth + 2);
          if (ask !== asked) return;
          fill(grid, h('option', { value: '' }, '整个村（社区）'), gridChoices(subtree, village.value).map((o) => h('option', { value: o.value }, o.label)));
        } catch (error) {
          if (ask === asked) fill(grid, h('option', { value: '' }, `整个村（社区）（网格载入失败：${error.message}）`));
        }
      });
    },
    validate: (v) => {
      if (!v.title.trim()) return '请填写事件标题';
      if (!v.category) return '请选择事件类别';
      if (!v.village) return '请选择村（社区）';
      if (v.reporter_phone && !/^[0-9-]{5,20}$/.test(v.reporter_phone.trim())) return '联系电话只能包含数字和短横线';
      return null;
    },
    onSubmit: (v) =>
      ipc.reportEvent({
        source: v.source,
        title: v.title.trim(),
        description: v.description.trim(),
        category: v.category,
        severity: Number(v.severity),
        grid: v.grid || v.village,
        address: v.address.trim(),
        reporter: v.reporter.trim(),
        reporter_phone: v.reporter_phone.trim(),
        drill: Boolean(drill),
      }),
  });
}
