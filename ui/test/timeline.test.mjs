import { test } from 'node:test';
import assert from 'node:assert/strict';
import { timelineSteps, standingText } from '../js/timeline.js';

const NOW = Date.UTC(2025, 10, 26, 14, 40);
const MIN = 60_000;
const base = {
  id: 1, status: 'dispatched', reported_at: NOW - 120 * MIN, due_at: NOW + 80 * MIN,
  milestones: { accepted_at: NOW - 110 * MIN, dispatched_at: NOW - 30 * MIN },
  on_time_steps: 1, late_steps: 2, pending: null,
};

test('the six steps carry the design names, in order', () => {
  assert.deepEqual(timelineSteps(base, NOW).map((s) => s.name), ['上报', '受理', '派遣', '处置', '核查', '结案']);
});

test('a dispatched event: three steps done, handling current with its time left', () => {
  const steps = timelineSteps(base, NOW);
  assert.deepEqual(steps.map((s) => s.state), ['done', 'done', 'done', 'current', 'todo', 'todo']);
  assert.equal(steps[1].onTime, true);
  assert.equal(steps[2].late, true, 'dispatch was late (bit 2)');
  assert.equal(steps[3].dueText, '剩 1小时20分');
  assert.equal(steps[0].at, base.reported_at);
});

test('a parked event shows the step it was parked on, with the clock stopped', () => {
  const steps = timelineSteps({ ...base, status: 'parked', parked_from: 'dispatched', due_at: null }, NOW);
  assert.equal(steps[3].state, 'current');
  assert.equal(steps[3].dueText, '计时暂停');
});

test('a closed event is done throughout', () => {
  const closed = { ...base, status: 'closed', due_at: null, milestones: { ...base.milestones, handled_at: NOW - 20 * MIN, verified_at: NOW - 10 * MIN, closed_at: NOW } };
  assert.ok(timelineSteps(closed, NOW).every((s) => s.state === 'done'));
});

test('a rejected event stops after the report', () => {
  const rejected = { ...base, status: 'rejected', due_at: null, milestones: {} };
  assert.deepEqual(timelineSteps(rejected, NOW).map((s) => s.state), ['done', 'stopped', 'stopped', 'stopped', 'stopped', 'stopped']);
  assert.equal(standingText(rejected), '不予受理');
});

test('overdue shows on the current step', () => {
  const s = timelineSteps({ ...base, due_at: NOW - 35 * MIN }, NOW)[3];
  assert.equal(s.dueText, '超时 35分');
  assert.equal(s.dueLevel, 'overdue');
});

test('the standing line names a pending request', () => {
  assert.equal(standingText({ ...base, pending: { kind: 'extend', minutes: 120 } }), '处置中 · 延时 120 分钟待领导审批');
  assert.equal(standingText({ ...base, status: 'merged', merged_into: 9 }), '已合并 · 并入 #9');
});
