import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routeBatch, FeedCursor } from '../js/feed.js';

const e = (seq, kind, key, action = 'changed') => ({ seq, at: 0, kind, key, action, version: 1 });

test('a batch is sorted into what each view refetches', () => {
  const r = routeBatch([e(1, 'event', '12', 'dispatch'), e(2, 'event', '12', 'acknowledge'), e(3, 'alert', '5', 'new'),
    e(4, 'worker', 'w7', 'located'), e(5, 'nvr', 'nvr-1', 'offline'), e(6, 'setting', 'mode', 'updated')]);
  assert.deepEqual([...r.eventIds], [12], 'two changes to one event fetch it once');
  assert.equal(r.alerts, true);
  assert.deepEqual([...r.workerIds], ['w7']);
  assert.equal(r.health, true);
  assert.equal(r.mode, true);
});

test('a bulk seed asks for a full reload rather than 100,000 row fetches', () => {
  const r = routeBatch([e(1, 'event', '1', 'seeded'), e(2, 'event', '2', 'seeded')]);
  assert.equal(r.seeded, true);
  assert.equal(r.eventIds.size, 0);
});

test('the cursor drops replays and notices gaps', () => {
  const c = new FeedCursor(10);
  assert.deepEqual(c.accept([e(11, 'event', '1'), e(12, 'event', '1')]).gap, false);
  const replay = c.accept([e(12, 'event', '1')]);
  assert.equal(replay.fresh.length, 0, 'an entry seen before is not applied twice');
  assert.equal(c.accept([e(15, 'alert', '1')]).gap, true, '13 and 14 never came: resync');
  assert.equal(c.head, 15);
});

test('a task entry refreshes the station health, where the outbox backlog is shown', () => {
  assert.equal(routeBatch([e(1, 'task', '1:W1:2', 'sent')]).health, true);
});

test('a camera muted or unmuted refreshes the alert feed', () => {
  assert.equal(routeBatch([e(1, 'camera', 'C1', 'muted')]).alerts, true);
});

test('an import of grids resyncs the views, as one of registers does', () => {
  assert.equal(routeBatch([e(1, 'grid', 'divisions', 'imported')]).registers, true);
});
