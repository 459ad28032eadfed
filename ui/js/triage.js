// Triage of a camera alert burst: turn it into an event (prefilled from the alert's kind and camera),
// attach it to an open event (same grid first), or dismiss it as a false alarm. Each is one back-end
// command over every alert of the burst.

import { h, fill } from './dom.js';
import { formDialog, openDialog } from './dialogs.js';
import { ALERT_KIND, ALERT_KIND_CATEGORY, CATEGORIES, SEVERITY, STATUS, nameOf, categoryShort } from './labels.js';
import { timeLeft } from './time.js';
import { now } from './clock.js';
import * as ipc from './ipc.js';

/** Alert priority → the event severity to start from: a watch-list hit is 重大, a high alert 较大. */
const SEVERITY_FOR_PRIORITY = { 4: 3, 3: 2, 2: 1, 1: 1 };

export function alertToEventDialog(group) {
  const ids = group.alerts.map((a) => a.id);
  const kind = nameOf(ALERT_KIND, group.kind);
  return formDialog({
    title: '告警转为事件',
    subtitle: `${kind} · ${group.camera_name} · ${ids.length} 条告警`,
    fields: [
      { name: 'title', label: '事件标题', type: 'text', required: true, value: `${group.camera_name}${kind}`, wide: true },
      { name: 'category', label: '事件类别', type: 'select', required: true, options: CATEGORIES.map(([value, label]) => ({ value, label })), value: ALERT_KIND_CATEGORY[group.kind] ?? 'public_order' },
      { name: 'severity', label: '事件等级', type: 'select', required: true, options: Object.entries(SEVERITY).map(([value, label]) => ({ value, label })), value: SEVERITY_FOR_PRIORITY[group.priority] ?? 1 },
      {
        name: 'grid',
        label: '所属网格编码',
        type: 'text',
        value: group.grid_code ?? '',
        required: !group.grid_code,
        hint: group.grid_code ? `摄像头所在网格：${group.grid_name ?? group.grid_code}` : '此摄像头未登记到网格，请填写事件所在网格编码',
      },
    ],
    submitLabel: '转为事件',
    validate: (v) => (!v.title.trim() ? '请填写事件标题' : !v.grid.trim() && !group.grid_code ? '请填写所属网格编码' : null),
    onSubmit: (v) =>
      ipc.alertsToEvent(ids, {
        title: v.title.trim(),
        category: v.category,
        severity: Number(v.severity),
        grid: v.grid.trim() && v.grid.trim() !== group.grid_code ? v.grid.trim() : null,
      }),
  });
}

/** 静默: a camera whose alerts are dismissed as they arrive, for a while, with a reason. */
export function muteDialog(group) {
  return formDialog({
    title: '静默摄像头',
    subtitle: `${group.camera_name} · 期间的告警仍会保存，但自动排除，不再提示`,
    fields: [
      { name: 'minutes', label: '静默时长', type: 'select', value: '60', options: [['30', '30 分钟'], ['60', '1 小时'], ['120', '2 小时'], ['240', '4 小时'], ['480', '8 小时']].map(([value, label]) => ({ value, label })) },
      { name: 'reason', label: '理由', type: 'textarea', rows: 2, required: true, presets: ['设备故障，频繁误报', '施工作业', '大型活动，人员聚集属正常'] },
    ],
    submitLabel: '静默',
    tone: 'danger',
    validate: (v) => (v.reason.trim() ? null : '请填写静默理由'),
    onSubmit: (v) => ipc.muteCamera(group.camera_id, Number(v.minutes), v.reason.trim()),
  });
}

export function dismissDialog(group) {
  const ids = group.alerts.map((a) => a.id);
  return formDialog({
    title: '排除告警',
    subtitle: `${nameOf(ALERT_KIND, group.kind)} · ${group.camera_name} · ${ids.length} 条`,
    fields: [{ name: 'reason', label: '排除理由', type: 'textarea', rows: 2, value: '误报', presets: ['误报', '重复告警', '设备调试', '已现场确认无异常'] }],
    submitLabel: '确认排除',
    tone: 'danger',
    onSubmit: (v) => ipc.dismissAlerts(ids, v.reason.trim() || '误报').then(() => ({ dismissed: ids.length })),
  });
}

/**
 * Picks an open event to attach the burst to. `openRows` are the queue's rows; events in the camera's grid
 * come first, then the most recent.
 */
export function attachDialog(group, openRows) {
  return new Promise((resolve) => {
    const ids = group.alerts.map((a) => a.id);
    const village = group.grid_code ? group.grid_code.slice(0, 12) : null;
    const ranked = openRows
      .map((r) => ({ r, near: group.grid_code && r.grid_code.startsWith(group.grid_code) ? 2 : village && r.grid_code.startsWith(village) ? 1 : 0 }))
      .sort((a, b) => b.near - a.near || b.r.reported_at - a.r.reported_at)
      .map((x) => x.r);
    let chosen = null;
    const list = h('ul.attach-list');
    const search = h('input.search', { type: 'search', placeholder: '搜索事件编号或标题' });
    const submit = h('button.btn.btn-primary', { type: 'button', disabled: true }, '关联到所选事件');
    const cancel = h('button.btn.btn-ghost', { type: 'button' }, '取消');
    const render = () => {
      const q = search.value.trim().replace(/^#/, '');
      const t = now();
      const rows = ranked.filter((r) => !q || String(r.id).startsWith(q) || r.title.includes(q)).slice(0, 40);
      fill(
        list,
        rows.length
          ? rows.map((r) =>
              h(
                `li.attach-item${chosen === r.id ? '.selected' : ''}`,
                { tabIndex: 0, on: { click: () => { chosen = r.id; submit.disabled = false; render(); }, dblclick: () => go() } },
                h('span.qrow-id', `#${r.id}`),
                h('span.attach-title', r.title),
                h('span.muted', `${STATUS[r.status]} · ${categoryShort(r.category)} · ${r.grid_name ?? ''}`),
                h(`span.tl-${timeLeft(r.due_at, t).level}`, timeLeft(r.due_at, t).text),
              ),
            )
          : h('li.muted', '没有可关联的在办事件'),
      );
    };
    search.addEventListener('input', render);
    const dialog = openDialog({
      title: '关联到在办事件',
      subtitle: `${nameOf(ALERT_KIND, group.kind)} · ${group.camera_name} · ${ids.length} 条告警`,
      wide: true,
      body: [search, list],
      footer: [cancel, submit],
      onClose: resolve,
    });
    const go = async () => {
      if (chosen == null) return;
      dialog.setBusy(true);
      try {
        await ipc.attachAlerts(ids, chosen);
        dialog.close({ eventId: chosen });
      } catch (error) {
        dialog.setBusy(false);
        dialog.setError(error.message);
      }
    };
    cancel.addEventListener('click', () => dialog.close(null));
    submit.addEventListener('click', go);
    render();
  });
}
