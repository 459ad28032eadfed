import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareQueueRows, sortQueue, QueueModel, NO_FILTER, matchesFilter, statusCounts } from '../js/queue-model.js';

const NOW = Date.UTC(2025, 10, 26, 14, 40);
const MIN = 60_000;
const row = (id, over = {}) => ({
  id, version: 1, status: 'accepted', title: `事件${id}`, category: 'public_order', severity: 1,
  grid_code: '450802101201001', grid_name: '大圩村第一网格', village_name: '大圩村', reported_at: NOW - 60 * MIN,
  due_at: NOW + 60 * MIN, step: 'dispatch', ...over,
});

test('overdue rows come first, the most overdue at the top', () => {
  const rows = [
    row(1, { due_at: NOW + 5 * MIN }),
    row(2, { due_at: NOW - 10 * MIN }),
    row(3, { due_at: NOW - 300 * MIN, category: 'dispute.land' }),
    row(4, { due_at: null, status: 'parked' }),
  ];
  assert.deepEqual(sortQueue(rows, NOW).map((r) => r.id), [3, 2, 1, 4]);
});

test('parked events without a clock go last, and ties break by severity, age, id', () => {
  const rows = [
    row(10, { due_at: null, status: 'parked' }),
    row(11, { due_at: NOW + MIN, severity: 1 }),
    row(12, { due_at: NOW + MIN, severity: 3 }),
    row(13, { due_at: NOW + MIN, severity: 3, reported_at: NOW - 999 * MIN }),
  ];
  assert.deepEqual(sortQueue(rows, NOW).map((r) => r.id), [13, 12, 11, 10]);
  assert.equal(compareQueueRows(row(1), row(1), NOW), 0);
});

test('filters: status, overdue, category group, severity, grid and text', () => {
  const r = row(7, { status: 'reported', category: 'dispute.land', severity: 2, due_at: NOW - MIN, title: '山林权属纠纷' });
  assert.ok(matchesFilter(r, { ...NO_FILTER, status: 'reported' }, NOW));
  assert.ok(!matchesFilter(r, { ...NO_FILTER, status: 'accepted' }, NOW));
  assert.ok(matchesFilter(r, { ...NO_FILTER, overdueOnly: true }, NOW));
  assert.ok(matchesFilter(r, { ...NO_FILTER, category: 'dispute' }, NOW), 'a group prefix takes every kind of dispute');
  assert.ok(!matchesFilter(r, { ...NO_FILTER, category: 'dispute.family' }, NOW));
  assert.ok(!matchesFilter(r, { ...NO_FILTER, minSeverity: 3 }, NOW));
  assert.ok(matchesFilter(r, { ...NO_FILTER, gridPrefix: '450802101201' }, NOW));
  assert.ok(matchesFilter(r, { ...NO_FILTER, text: '山林' }, NOW));
  assert.ok(matchesFilter(r, { ...NO_FILTER, text: '#7' }, NOW), 'an id typed with # finds the event');
  assert.ok(matchesFilter(r, { ...NO_FILTER, text: '大圩' }, NOW), 'grid names are searched');
  assert.ok(!matchesFilter(r, { ...NO_FILTER, text: '火' }, NOW));
});

test('chip counts ignore the status filter but honour the others', () => {
  const rows = [row(1, { status: 'reported' }), row(2, { status: 'reported', due_at: NOW - MIN }), row(3, { category: 'fire' })];
  const counts = statusCounts(rows, { ...NO_FILTER, status: 'accepted', category: 'public_order' }, NOW);
  assert.equal(counts.all, 2);
  assert.equal(counts.reported, 2);
  assert.equal(counts.accepted, 0);
  assert.equal(counts.overdue, 1);
});

test('live rows patch the model: added, updated, and removed when no longer open', () => {
  const m = new QueueModel();
  m.replaceAll([row(1), row(2), row(3, { status: 'closed' })]);
  assert.equal(m.size, 2, 'closed rows never enter the queue');
  const changes = m.apply([row(1, { version: 2, due_at: NOW - MIN }), row(2, { version: 2, status: 'closed' }), row(4)]);
  assert.deepEqual(changes, { added: [4], updated: [1], removed: [2] });
  assert.deepEqual(m.all(NOW).map((r) => r.id), [1, 4]);
});

test('a stale row from a slower fetch does not overwrite a newer one', () => {
  const m = new QueueModel();
  m.replaceAll([row(1, { version: 5, status: 'dispatched' })]);
  const changes = m.apply([row(1, { version: 4, status: 'accepted' })]);
  assert.deepEqual(changes, { added: [], updated: [], removed: [] });
  assert.equal(m.get(1).status, 'dispatched');
});

test('the sorted view is cached until a change', () => {
  const m = new QueueModel();
  m.replaceAll([row(1), row(2)]);
  const a = m.all(NOW);
  assert.equal(m.all(NOW), a);
  m.apply([row(3)]);
  assert.notEqual(m.all(NOW), a);
  assert.equal(m.view({ ...NO_FILTER }, NOW), m.all(NOW), 'the empty filter returns the sorted array itself');
});

test('newlyOverdue finds the deadlines passed between two ticks', () => {
  const m = new QueueModel();
  m.replaceAll([row(1, { due_at: NOW - 30_000 }), row(2, { due_at: NOW - 10 * MIN }), row(3)]);
  assert.deepEqual(m.newlyOverdue(NOW - MIN, NOW), [1]);
});

test('sorting 10,000 rows stays well inside a frame budget', () => {
  const rows = Array.from({ length: 10_000 }, (_, i) => row(i + 1, { due_at: NOW + ((i * 7919) % 20000 - 5000) * MIN, severity: 1 + (i % 4) }));
  const m = new QueueModel();
  const t0 = performance.now();
  m.replaceAll(rows);
  const sorted = m.all(NOW);
  const ms = performance.now() - t0;
  assert.equal(sorted.length, 10_000);
  for (let i = 1; i < sorted.length; i++) assert.ok(compareQueueRows(sorted[i - 1], sorted[i], NOW) <= 0);
  assert.ok(ms < 200, `took ${ms} ms`);
});
