import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auditQuery, historyQuery, shanghaiDay } from '../js/history-model.js';

test('a typed day is a Shanghai day, and the range ends after the last day typed', () => {
  assert.equal(shanghaiDay('2026-12-03'), Date.UTC(2026, 11, 2, 16));
  assert.equal(shanghaiDay('12/03'), null);
  const q = historyQuery({ text: ' #19 ', status: 'escalated', ended: true, from: '2026-12-01', until: '2026-12-03', drill: false });
  assert.deepEqual(q, { text: '#19', status: 'escalated', ended_only: true, from: Date.UTC(2026, 10, 30, 16), until: Date.UTC(2026, 11, 3, 16), drill: false });
  assert.equal(historyQuery({}).from, null);
});

test('the audit of the shift starts when the shift did, at this station', () => {
  const session = { signed_in_at: Date.UTC(2026, 11, 2, 14), station: 'station-1' };
  const now = Date.UTC(2026, 11, 3, 1);
  const shift = auditQuery({ range: 'shift', actor: '', eventId: '', session, now });
  assert.deepEqual([shift.from, shift.station, shift.actor_id, shift.event_id], [session.signed_in_at, 'station-1', null, null]);
  assert.equal(auditQuery({ range: 'today', session, now }).from, Date.UTC(2026, 11, 2, 16), 'Shanghai midnight');
  assert.equal(auditQuery({ range: 'week', session, now }).from, Date.UTC(2026, 10, 26, 16));
  const one = auditQuery({ range: 'all', actor: ' leader ', eventId: '8', session, now });
  assert.deepEqual([one.from, one.actor_id, one.event_id], [null, 'leader', 8]);
});
