import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlarmBook } from '../js/alarm-rules.js';

const NOW = Date.UTC(2025, 10, 26, 14, 40);
const g = (id, priority, over = {}) => ({ camera_name: '大圩市场东门', kind: 'crowd', priority, grid_name: '大圩社区', first_at: NOW, last_at: NOW, alerts: [{ id }], ...over });
const row = (id, over = {}) => ({ id, title: '土地纠纷', category: 'dispute.land', severity: 1, grid_name: '大圩村', due_at: NOW + 60_000, step: 'dispatch', ...over });

test('high-priority bursts ring once; low ones never', () => {
  const book = new AlarmBook();
  assert.equal(book.observeAlertGroups([g(1, 3), g(2, 2, { camera_name: '停车场' })], NOW).length, 1);
  assert.equal(book.observeAlertGroups([g(1, 3)], NOW).length, 0, 'the next fetch of the same burst is silent');
  assert.equal(book.observeAlertGroups([g(1, 4)], NOW).length, 1, 'a watch-list hit raising the burst rings again');
});

test("a drill's alert rings and says it is a drill", () => {
  const book = new AlarmBook();
  const [drill] = book.observeAlertGroups([g(7, 3, { drill_id: 'DR-20261203-001' })], NOW);
  assert.ok(drill.title.startsWith('【演练】'), drill.title);
  const [real] = book.observeAlertGroups([g(8, 3)], NOW);
  assert.ok(!real.title.includes('演练'), real.title);
});

test('severe events and overdue steps ring; an extended step that runs out again rings again', () => {
  const book = new AlarmBook();
  assert.equal(book.observeQueueRows([row(1, { severity: 3 })], NOW).length, 1);
  assert.equal(book.observeQueueRows([row(2, { due_at: NOW - 1000 })], NOW)[0].kind, 'overdue');
  assert.equal(book.observeQueueRows([row(2, { due_at: NOW - 1000 })], NOW).length, 0);
  assert.equal(book.observeQueueRows([row(2, { due_at: NOW + 5000 })], NOW + 10_000).length, 1);
});

test('acknowledging clears the banner, and absorbed alarms never ring', () => {
  const book = new AlarmBook();
  const first = book.observeQueueRows([row(1, { due_at: NOW - 1 }), row(2, { due_at: NOW - 1 })], NOW);
  book.absorb(first);
  assert.equal(book.pending().length, 0, 'what was already overdue at sign-in is shown in red, not rung');
  const [a] = book.observeAlertGroups([g(3, 3)], NOW);
  assert.equal(book.pending().length, 1);
  assert.ok(book.acknowledge(a.key));
  assert.equal(book.pending().length, 0);
});

test('an alarm whose cause went away is resolved', () => {
  const book = new AlarmBook();
  book.observeQueueRows([row(5, { severity: 4 })], NOW);
  book.resolve((a) => a.eventId === 5);
  assert.equal(book.pending().length, 0);
});

test('a task nobody acknowledged rings once, names the worker, and stops when the event is reassigned', () => {
  const book = new AlarmBook();
  const late = { task_id: '7:W1:3', worker_id: 'W1', worker_name: '韦小明', dispatched_at: NOW - 12 * 60_000, ack_due_at: NOW - 2 * 60_000 };
  const [a] = book.observeQueueRows([row(7, { status: 'dispatched', no_ack: [late] })], NOW);
  assert.equal(a.kind, 'no_ack');
  assert.equal(a.title, '事件 #7 未签收超时');
  assert.match(a.detail, /韦小明 派遣 12 分钟未签收/);
  assert.equal(book.observeQueueRows([row(7, { no_ack: [late] })], NOW).length, 0, 'the next fetch is silent');
  book.settleNoAck([row(8, { no_ack: [] })]);
  assert.equal(book.pending().length, 1, 'another event settling leaves it');
  book.settleNoAck([row(7, { no_ack: [] })]);
  assert.equal(book.pending().length, 0, 'after 改派 the alarm goes');
});
