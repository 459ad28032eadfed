// Chinese names for the keys the back end sends. The back end also sends `*_name` fields where it has
// them; these tables are for filters, forms and anything the UI composes itself, and they restate the
// core's `name_zh()` tables (crates/core/src/event.rs, closed_loop.rs, register.rs, worker.rs and
// crates/bus/src/payload/alert.rs) so that a missing name never shows a raw key.

export const STATUS = {
  reported: '待受理',
  accepted: '待派遣',
  dispatched: '处置中',
  handled: '待核查',
  verified: '待结案',
  closed: '已结案',
  rejected: '不予受理',
  merged: '已合并',
  escalated: '已提级',
  parked: '挂账',
  voided: '已作废',
};

/** The statuses of the open queue, in loop order: the queue's filter chips. */
export const OPEN_STATUSES = ['reported', 'accepted', 'dispatched', 'handled', 'verified', 'parked'];

export function isOpenStatus(status) {
  return OPEN_STATUSES.includes(status);
}

/**
 * The six steps of the closed loop (DESIGN.md, "The six-step closed loop"). `milestone` names the field of
 * the event's milestones that records when the step was completed; `step` the key of the timed step.
 */
export const LOOP_STEPS = [
  { key: 'report', name: '上报', milestone: 'reported_at', step: null },
  { key: 'accept', name: '受理', milestone: 'accepted_at', step: 'accept' },
  { key: 'dispatch', name: '派遣', milestone: 'dispatched_at', step: 'dispatch' },
  { key: 'handle', name: '处置', milestone: 'handled_at', step: 'handle' },
  { key: 'verify', name: '核查', milestone: 'verified_at', step: 'verify' },
  { key: 'close', name: '结案', milestone: 'closed_at', step: 'close' },
];

/** The step an open status waits on (core `Status::pending_step`). */
export const PENDING_STEP = {
  reported: 'accept',
  accepted: 'dispatch',
  dispatched: 'handle',
  handled: 'verify',
  verified: 'close',
};

/** Bit of each timed step in `on_time_steps` / `late_steps` (core `Step::bit`). */
export const STEP_BIT = { accept: 1, dispatch: 2, handle: 4, verify: 8, close: 16 };

export const CATEGORIES = [
  ['dispute.land', '矛盾纠纷·山林土地水利'],
  ['dispute.neighbours', '矛盾纠纷·邻里'],
  ['dispute.family', '矛盾纠纷·婚姻家庭'],
  ['dispute.wages', '矛盾纠纷·劳资欠薪'],
  ['dispute.other', '矛盾纠纷·其他'],
  ['public_order', '社会治安'],
  ['fire', '消防火情'],
  ['safety', '安全隐患'],
  ['medical_insurance', '医保服务'],
  ['weather', '气象灾害'],
  ['petition', '信访'],
  ['anti_cult', '反邪教'],
  ['anti_drug', '禁毒'],
  ['anti_fraud', '反诈'],
  ['livelihood', '民生服务'],
  ['environment', '生态环境'],
];
export const CATEGORY = Object.fromEntries(CATEGORIES);

/** The short form for a queue row, where the full "矛盾纠纷·山林土地水利" does not fit. */
export function categoryShort(key) {
  const name = CATEGORY[key] ?? key;
  return name.startsWith('矛盾纠纷·') ? `纠纷·${name.slice(5)}` : name;
}

export const isDispute = (category) => typeof category === 'string' && category.startsWith('dispute.');

export const SEVERITY = { 1: '一般', 2: '较大', 3: '重大', 4: '特别重大' };

export const SOURCE = {
  grid_worker: '网格员上报',
  resident: '群众上报',
  camera_alert: '视频告警',
  hotline: '热线转办',
  by_hand: '来电来访登记',
  drill: '演练',
};

export const COMMAND = {
  report: '上报',
  accept: '受理',
  reject: '不予受理',
  merge: '合并',
  dispatch: '派遣',
  acknowledge: '签收',
  arrive: '到场',
  feedback: '反馈',
  verify: '核查',
  send_back: '退回重派',
  close: '结案',
  reopen: '重新启动',
  request_escalation: '申请提级',
  request_extension: '申请延时',
  request_park: '申请挂账',
  request_unpark: '申请解除挂账',
  approve: '批准',
  deny: '驳回申请',
  void: '作废',
  remind: '催办',
  supervise: '督办',
  // Audited acts that are not transitions, as they appear in an event's history.
  alert_attach: '附加视频告警',
  alert_dismiss: '告警排除',
  switch_mode: '平战切换',
  reveal: '查看明文',
  handover: '交接班',
};

export const ROLE = {
  duty_officer: '值班员',
  commissioner: '政法委员',
  leader: '领导',
  administrator: '管理员',
  grid_worker: '网格员',
  grid_leader: '网格长',
  resident: '群众',
  system: '系统',
};

export const PENDING_KIND = { escalate: '提级', extend: '延时', park: '挂账', unpark: '解除挂账' };

export const OUTCOME = { resolved: '已办结', mediated: '调解成功', mediation_failed: '调解不成功', false_alarm: '误报/无效' };

export const EVALUATION = { satisfied: '满意', acceptable: '基本满意', unsatisfied: '不满意' };

export const ALERT_KIND = {
  crowd: '人员聚集',
  intrusion: '区域入侵',
  smoke_fire: '烟火',
  near_water: '临水预警',
  face_watchlist: '人脸布控',
  vehicle: '车辆',
  loitering: '徘徊逗留',
  other: '其他',
};

/** Alert priorities as ingest stores them (1 low … 4 top, a watch-list face). */
export const ALERT_PRIORITY = { 1: '低', 2: '普通', 3: '高', 4: '最高' };

/** The event category an alert kind most likely becomes, to prefill the "转为事件" form. */
export const ALERT_KIND_CATEGORY = {
  crowd: 'public_order',
  intrusion: 'public_order',
  smoke_fire: 'fire',
  near_water: 'safety',
  face_watchlist: 'public_order',
  vehicle: 'public_order',
  loitering: 'public_order',
  other: 'safety',
};

export const CARE_TAG = {
  elderly_alone: '独居老人',
  left_behind_child: '留守儿童',
  disabled: '残疾人',
  community_correction: '社区矫正对象',
  severe_mental_illness: '严重精神障碍患者',
  low_income: '低保户',
};

export const KEY_PLACE_KIND = {
  school: '学校',
  market: '集贸市场',
  rental_housing: '出租屋',
  hazardous_site: '危化品场所',
  reservoir: '水库山塘',
  hospital: '卫生院',
  religious_site: '宗教活动场所',
};

export const EMPLOYMENT = { full_time: '专职', part_time: '兼职' };

export const MODE = { peacetime: '平时', wartime: '战时' };

export const GRID_KIND = {
  comprehensive: '综合网格',
  school: '专属网格（学校）',
  hospital: '专属网格（医院）',
  market: '专属网格（市场）',
  enterprise: '专属网格（企业）',
  park: '专属网格（园区）',
};

/** Looks a key up in a table, falling back to the key itself so that a new key still shows something. */
export function nameOf(table, key) {
  if (key == null) return '';
  return table[key] ?? String(key);
}

/** NVR sources the console knows, by the key their messages carry (the topic segment or Frigate). */
export const NVR_VENDOR = { frigate: 'Frigate', hikvision: '海康威视', dahua: '大华', uniview: '宇视', tiandy: '天地伟业', native: '本地接入' };

/** An NVR as people read it: a known vendor key by its name, anything else as configured. */
export function nvrName(nvr) {
  if (!nvr) return '';
  return NVR_VENDOR[String(nvr).toLowerCase()] ?? nvr;
}

/** A workstation as people name it: `station-2` is 2号工作站; any other configured id is shown as given. */
export function stationName(id) {
  const m = /^station-(\d+)$/.exec(String(id ?? ''));
  if (m) return `${Number(m[1])}号工作站`;
  return id ? `工作站 ${id}` : '工作站';
}
