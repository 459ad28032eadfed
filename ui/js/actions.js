// The closed-loop commands as the console offers them. The back end decides which commands the signed-in
// role may take on an event (`allowed` in `event_detail`); this module only knows, for each command, what
// the officer has to fill in, how to check it before sending, and how to build the `command` object of the
// `act` request (docs/ipc.md). No DOM here: the detail panel renders these specs.

import { CATEGORIES, EVALUATION, OUTCOME, SEVERITY, isDispute } from './labels.js';

const severityOptions = () => Object.entries(SEVERITY).map(([value, label]) => ({ value: Number(value), label }));
const categoryOptions = () => CATEGORIES.map(([value, label]) => ({ value, label }));

const reason = (label, presets = []) => ({ name: 'reason', label, type: 'textarea', required: true, presets });
const note = (label = '备注') => ({ name: 'note', label, type: 'textarea', required: false });

/**
 * How each command is presented: `tone` is `primary` for the step that moves the loop on, `danger` for
 * those that end it off the path, `plain` otherwise. `fields(detail)` lists the inputs, prefilled from the
 * event where that helps. Dispatch has its own dialog with the ranked candidates.
 */
export const ACTION_SPECS = {
  accept: {
    tone: 'primary',
    fields: (d) => [
      { name: 'category', label: '事件类别', type: 'select', options: categoryOptions(), value: d.category },
      { name: 'severity', label: '事件等级', type: 'select', options: severityOptions(), value: d.severity },
      { name: 'grid', label: '所属网格编码', type: 'text', value: d.grid_code, pattern: '^[0-9]{9,20}$' },
    ],
  },
  reject: { tone: 'danger', fields: () => [reason('不予受理理由', ['重复上报', '不属于受理范围', '信息不实，无法核实'])] },
  merge: {
    tone: 'plain',
    fields: () => [
      { name: 'into', label: '并入事件编号', type: 'number', required: true, min: 1 },
      { name: 'reason', label: '说明', type: 'textarea', required: false },
    ],
  },
  dispatch: { tone: 'primary', dialog: 'dispatch', fields: () => [] },
  feedback: {
    tone: 'plain',
    fields: (d) => [
      {
        name: 'on_behalf_of',
        label: '代哪位网格员反馈',
        type: 'select',
        required: true,
        options: (d.tasks ?? []).map((t) => ({ value: t.worker_id, label: t.worker_name || t.worker_id })),
        value: d.tasks?.[0]?.worker_id,
      },
      { name: 'notes', label: '处置情况', type: 'textarea', required: true },
    ],
  },
  verify: { tone: 'primary', fields: () => [note('核查情况')] },
  send_back: { tone: 'plain', fields: () => [reason('退回理由', ['处置不到位', '群众不满意，需重新处置'])] },
  close: {
    tone: 'primary',
    fields: (d) => [
      { name: 'outcome', label: '结案结果', type: 'select', required: true, options: outcomeOptions(d.category), value: isDispute(d.category) ? 'mediated' : 'resolved' },
      {
        name: 'evaluation',
        label: '评价',
        type: 'select',
        required: true,
        options: Object.entries(EVALUATION).map(([value, label]) => ({ value, label })),
        value: 'satisfied',
      },
      note('结案说明'),
    ],
  },
  reopen: { tone: 'plain', fields: () => [reason('重新启动理由')] },
  request_escalation: { tone: 'plain', fields: () => [reason('提级理由', ['超出乡镇处置能力', '涉及跨乡镇协调'])] },
  request_extension: {
    tone: 'plain',
    fields: () => [
      { name: 'minutes', label: '延时（分钟）', type: 'number', required: true, min: 1, value: 120, hint: '自原时限起延长；若已超时，则自领导批准时起算' },
      reason('延时理由'),
    ],
  },
  request_park: { tone: 'plain', fields: () => [reason('挂账理由', ['需等待上级部门答复', '当事人暂时无法联系'])] },
  request_unpark: { tone: 'plain', fields: () => [reason('解除挂账理由')] },
  approve: { tone: 'primary', fields: () => [note('审批意见')] },
  deny: { tone: 'plain', fields: () => [reason('驳回理由')] },
  void: { tone: 'danger', fields: () => [reason('作废理由', ['误报', '重复录入'])] },
  remind: { tone: 'plain', fields: () => [note('催办内容')] },
  supervise: { tone: 'plain', fields: () => [note('督办意见')] },
};

/** Close outcomes: mediation results are for disputes only, as the core insists. */
export function outcomeOptions(category) {
  // 误报/无效 last: what the officer closes a camera's false alarm (or an unfounded call) with.
  const keys = isDispute(category) ? ['mediated', 'mediation_failed', 'resolved', 'false_alarm'] : ['resolved', 'false_alarm'];
  return keys.map((value) => ({ value, label: OUTCOME[value] }));
}

const TONE_ORDER = { primary: 0, plain: 1, danger: 2 };

/** The allowed actions in the order the panel shows them: the step forward first, the dangerous last. */
export function orderActions(allowed) {
  return allowed
    .filter((a) => ACTION_SPECS[a.command])
    .map((a, i) => ({ ...a, tone: ACTION_SPECS[a.command].tone, i }))
    .sort((a, b) => TONE_ORDER[a.tone] - TONE_ORDER[b.tone] || a.i - b.i);
}

/** The first problem with the values, in Chinese, or null when they can be sent. */
export function validateAction(command, values, detail) {
  const spec = ACTION_SPECS[command];
  if (!spec) return `未知操作：${command}`;
  for (const field of spec.fields(detail)) {
    const value = values[field.name];
    const empty = value == null || String(value).trim() === '';
    if (field.required && empty) return `请填写“${field.label}”`;
    if (!empty && field.type === 'number') {
      const n = Number(value);
      if (!Number.isInteger(n) || (field.min != null && n < field.min)) return `“${field.label}”须为不小于 ${field.min ?? 0} 的整数`;
    }
    if (!empty && field.pattern && !new RegExp(field.pattern).test(String(value).trim())) {
      return `“${field.label}”格式不正确`;
    }
  }
  if (command === 'merge' && Number(values.into) === detail.id) return '不能并入事件本身';
  return null;
}

const text = (v) => (v == null ? '' : String(v).trim());

/** The `command` object of an `act` request: `{ kind, ...arguments }`, the core `Command` in snake_case. */
export function buildCommand(command, values) {
  switch (command) {
    case 'accept':
      return {
        kind: 'accept',
        category: values.category || null,
        severity: values.severity ? Number(values.severity) : null,
        grid: text(values.grid) || null,
      };
    case 'merge':
      return { kind: 'merge', into: Number(values.into), reason: text(values.reason) };
    case 'dispatch':
      return {
        kind: 'dispatch',
        workers: values.workers,
        note: text(values.note),
        override_note: text(values.override_note) || null,
      };
    case 'feedback':
      return { kind: 'feedback', notes: text(values.notes), photos: [], on_behalf_of: values.on_behalf_of };
    case 'close':
      return { kind: 'close', outcome: values.outcome, evaluation: values.evaluation, note: text(values.note) };
    case 'request_extension':
      return { kind: 'request_extension', minutes: Number(values.minutes), reason: text(values.reason) };
    case 'verify':
    case 'approve':
    case 'remind':
    case 'supervise':
      return { kind: command, note: text(values.note) };
    default:
      return { kind: command, reason: text(values.reason) };
  }
}
