// The six-step timeline of an event (上报 受理 派遣 处置 核查 结案): for each step whether it is done,
// current or still ahead, when it was done, and whether it was done late. Derived from the event's
// milestones, its status and the on-time/late bits the core sets when a step completes.

import { LOOP_STEPS, PENDING_STEP, STEP_BIT, STATUS, PENDING_KIND } from './labels.js';
import { timeLeft } from './time.js';

/** Statuses that end the loop before it closes: the timeline stops at the step where it ended. */
const ENDED_OFF_LOOP = {
  rejected: '不予受理',
  merged: '已合并',
  voided: '已作废',
  escalated: '已提级至县级',
};

/**
 * `detail` is the `event` of `event_detail` (docs/ipc.md). Returns one entry per step:
 * `{ key, name, state, at, late, onTime, dueText, dueLevel }` with `state` one of `done`, `current`, `todo`,
 * `stopped` (the loop ended off-path before this step).
 */
export function timelineSteps(detail, now) {
  const milestones = { reported_at: detail.reported_at, ...(detail.milestones ?? {}) };
  const waiting = detail.status === 'parked' ? PENDING_STEP[detail.parked_from] : PENDING_STEP[detail.status];
  const currentIndex = waiting ? LOOP_STEPS.findIndex((s) => s.step === waiting) : -1;
  const endedOff = ENDED_OFF_LOOP[detail.status] != null;
  const closed = detail.status === 'closed';

  return LOOP_STEPS.map((step, index) => {
    const at = milestones[step.milestone] ?? null;
    const bit = step.step ? STEP_BIT[step.step] : 0;
    const late = bit ? (detail.late_steps & bit) !== 0 : false;
    const onTime = bit ? (detail.on_time_steps & bit) !== 0 && !late : false;
    let state;
    if (closed) state = 'done';
    else if (index === currentIndex) state = 'current';
    else if (currentIndex >= 0) state = index < currentIndex ? 'done' : 'todo';
    else if (endedOff) state = at != null ? 'done' : 'stopped';
    else state = at != null ? 'done' : 'todo';
    const entry = { key: step.key, name: step.name, state, at: state === 'done' ? at : null, late, onTime };
    if (state === 'current') {
      const left = timeLeft(detail.status === 'parked' ? null : detail.due_at, now);
      entry.dueText = left.text;
      entry.dueLevel = left.level;
    }
    return entry;
  });
}

/** One line saying where the event stands, for the header of the detail panel. */
export function standingText(detail) {
  const parts = [STATUS[detail.status] ?? detail.status];
  if (ENDED_OFF_LOOP[detail.status]) parts[0] = ENDED_OFF_LOOP[detail.status];
  if (detail.status === 'merged' && detail.merged_into) parts.push(`并入 #${detail.merged_into}`);
  if (detail.pending) {
    const kind = PENDING_KIND[detail.pending.kind] ?? detail.pending.kind;
    const minutes = detail.pending.kind === 'extend' && detail.pending.minutes ? ` ${detail.pending.minutes} 分钟` : '';
    parts.push(`${kind}${minutes}待领导审批`);
  }
  return parts.join(' · ');
}
