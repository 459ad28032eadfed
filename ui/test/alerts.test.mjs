import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alertCount, mergeGroups, groupKey, summariseGroup, spanText, confidenceText, diffGroups, compareGroups } from '../js/alerts-model.js';

const NOW = Date.UTC(2025, 10, 26, 14, 50);
const MIN = 60_000;
const alert = (id, over = {}) => ({ id, camera_name: '大圩市场东门', kind: 'crowd', priority: 3, confidence: 0.8, first_at: NOW - 10 * MIN, last_at: NOW - 10 * MIN, ended: true, has_snapshot: false, recognition: null, ...over });
const group = (alerts, over = {}) => ({ camera_name: '大圩市场东门', kind: 'crowd', priority: 3, grid_name: '大圩社区', first_at: alerts[alerts.length - 1].first_at, last_at: alerts[0].last_at, alerts, ...over });

test('a burst keeps its key as newer alerts join it', () => {
  const g1 = group([alert(5)]);
  const g2 = group([alert(9), alert(7), alert(5)]);
  assert.equal(groupKey(g1), groupKey(g2));
  assert.equal(groupKey(g1), '大圩市场东门|crowd|5');
});

test('a group row says kind, count, span, best confidence and whether it rings', () => {
  const g = group([
    alert(9, { last_at: NOW - 3 * MIN, confidence: 0.91, has_snapshot: true, ended: false }),
    alert(7, { confidence: 0.7 }),
    alert(5, { first_at: NOW - 10 * MIN }),
  ]);
  const s = summariseGroup(g, NOW);
  assert.equal(s.kindName, '人员聚集');
  assert.equal(s.countText, '×3');
  assert.equal(s.span, '22:40–22:47');
  assert.equal(s.confidence, '91%');
  assert.equal(s.alarming, true);
  assert.equal(s.snapshotAlertId, 9);
  assert.equal(s.ongoing, true);
  assert.deepEqual(s.ids, [9, 7, 5]);
});

test('a single alert has no count and a bare time', () => {
  const s = summariseGroup(group([alert(1, { kind: 'vehicle', priority: 2 })], { kind: 'vehicle', priority: 2 }), NOW);
  assert.equal(s.countText, '');
  assert.equal(s.span, '22:40');
  assert.equal(s.alarming, false);
  assert.equal(s.level, 'normal');
});

test('confidence is blank when no alert carries one', () => {
  assert.equal(confidenceText([{ confidence: null }]), '');
  assert.equal(spanText(NOW - 30_000, NOW, NOW), '22:49');
});

test('diff tells new, grown and triaged groups apart', () => {
  const a = group([alert(1)]);
  const b = group([alert(2, { camera_name: '石古水库' })], { camera_name: '石古水库', kind: 'near_water' });
  const aGrown = group([alert(3, { last_at: NOW }), alert(1)]);
  const c = group([alert(4, { camera_name: '长安小学' })], { camera_name: '长安小学', kind: 'intrusion' });
  const d = diffGroups([a, b], [aGrown, c]);
  assert.deepEqual(d.added, [groupKey(c)]);
  assert.deepEqual(d.changed, [groupKey(a)]);
  assert.deepEqual(d.removed, [groupKey(b)]);
});

test('feed order: priority, then newest', () => {
  const low = group([alert(1)], { priority: 2, last_at: NOW });
  const high = group([alert(2)], { priority: 4, last_at: NOW - 60 * MIN });
  assert.deepEqual([low, high].sort(compareGroups).map((g) => g.priority), [4, 2]);
});

test('the alert count is every new alert, not the page loaded', () => {
  const groups = [{ alerts: [{}, {}] }, { alerts: [{}] }];
  assert.equal(alertCount(groups, 3), '2 组 / 3 条待研判');
  assert.equal(alertCount(groups, 269), '2 组 / 269 条待研判（显示最新 3 条）');
  assert.equal(alertCount([], 0), '');
});

test('bursts picked together triage as one: every alert, a shared camera kept, mixed ones counted', () => {
  const a = { alerts: [{ id: 1 }, { id: 2 }], kind: 'crowd', camera_name: '市场东门', grid_code: '450802101201001', priority: 3, first_at: 10, last_at: 20 };
  const b = { alerts: [{ id: 3 }], kind: 'crowd', camera_name: '车站', grid_code: '450802101202001', priority: 2, first_at: 5, last_at: 30 };
  const m = mergeGroups([a, b]);
  assert.deepEqual(m.alerts.map((x) => x.id), [1, 2, 3]);
  assert.equal(m.kind, 'crowd');
  assert.equal(m.camera_name, '2 组告警');
  assert.equal(m.grid_code, '450802101201001', 'the first burst leads the events offered');
  assert.deepEqual([m.priority, m.first_at, m.last_at], [3, 5, 30]);
  assert.equal(mergeGroups([a]).camera_name, '市场东门');
});
