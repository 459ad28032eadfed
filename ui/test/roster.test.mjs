import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RosterDraft, weeksOf, weekOfDay, rowTotals, diffByWorker, dayLabel, cellText } from '../js/roster-model.js';

const DAYS = ['2026-11-30', ...Array.from({ length: 13 }, (_, i) => `2026-12-${String(i + 1).padStart(2, '0')}`)];

function desk() {
  return {
    roster: { id: 7, days: DAYS, objective: 40 },
    workers: [
      { id: 'W1', name: '黄伟', cells: DAYS.map((_, i) => (i % 7 < 5 ? '白' : null)) },
      { id: 'W2', name: '韦芳', cells: DAYS.map((_, i) => (i % 2 ? '巡' : null)) },
    ],
    breaks: [],
    coverage: { required: 10, covered: 9, gaps: [{ area_code: 'A', day: '2026-12-01', shift_code: '巡', required: 2, assigned: 1 }] },
  };
}

test('a roster splits into weeks and a day finds its week', () => {
  const weeks = weeksOf(DAYS);
  assert.deepEqual(weeks.map((w) => w.length), [7, 7]);
  assert.deepEqual(weeks[1][0], 7);
  assert.equal(weekOfDay(DAYS, '2026-12-08'), 1);
  assert.equal(weekOfDay(DAYS, '2027-01-01'), 0, 'a day outside the roster shows its first week');
});

test('pending changes lie over the stored cells and setting a cell back drops the change', () => {
  const draft = new RosterDraft(desk());
  assert.equal(draft.value('W1', '2026-11-30'), '白');
  assert.equal(draft.set('W1', '2026-11-30', '夜'), true);
  assert.equal(draft.value('W1', '2026-11-30'), '夜');
  assert.ok(draft.isChanged('W1', '2026-11-30'));
  assert.equal(draft.set('W2', '2026-11-30', ''), false, 'already a day off: nothing changes');
  assert.equal(draft.changeCount, 1);
  draft.set('W2', '2026-12-02', '备');
  assert.deepEqual(draft.cells(), [
    { worker_id: 'W1', day: '2026-11-30', shift_code: '夜' },
    { worker_id: 'W2', day: '2026-12-02', shift_code: '备' },
  ]);
  draft.set('W1', '2026-11-30', '白');
  assert.equal(draft.changeCount, 1, 'back to the stored value');
  assert.equal(draft.value('W1', '2026-11-30'), '白');
  draft.discard();
  assert.equal(draft.changeCount, 0);
});

test('saving needs a change and no broken rule', () => {
  const draft = new RosterDraft(desk());
  assert.equal(draft.canSave, false, 'nothing to save');
  draft.set('W1', '2026-12-05', '白');
  assert.equal(draft.canSave, true);
  draft.check = { breaks: [{ worker_id: 'W1', day: '2026-12-05', text: '黄伟 12-05：连续上班天数超过上限' }, { worker_id: 'W1', day: null, text: '黄伟：工时超过上限' }], coverage: { gaps: [] } };
  assert.equal(draft.canSave, false);
  const { byCell, byWorker } = draft.breaksIndex();
  assert.deepEqual(byCell.get('W1|2026-12-05'), ['黄伟 12-05：连续上班天数超过上限']);
  assert.deepEqual(byWorker.get('W1'), ['黄伟：工时超过上限']);
});

test('gaps are found by area and day', () => {
  const draft = new RosterDraft(desk());
  const gaps = draft.gapsIndex();
  assert.equal(gaps.get('A|2026-12-01')[0].assigned, 1);
  assert.equal(gaps.get('A|2026-12-02'), undefined);
});

test('row totals count shifts and hours', () => {
  const types = [{ code: '白', length_minutes: 720 }, { code: '巡', length_minutes: 480 }];
  assert.deepEqual(rowTotals(['白', null, '巡', '巡'], types), { shifts: 3, hours: 28 });
});

test('a re-plan diff groups changes by worker in roster order', () => {
  const d = desk();
  const groups = diffByWorker({ changes: [
    { worker_id: 'W2', day: '2026-12-03', before: null, shift_code: '巡' },
    { worker_id: 'W1', day: '2026-12-02', before: '白', shift_code: null },
    { worker_id: 'W1', day: '2026-12-01', before: '白', shift_code: null },
  ] }, d.workers);
  assert.deepEqual(groups.map((g) => g.worker.id), ['W1', 'W2']);
  assert.deepEqual(groups[0].changes.map((c) => c.day), ['2026-12-01', '2026-12-02']);
  assert.deepEqual(groups[1].changes[0], { day: '2026-12-03', before: null, after: '巡' });
});

test('days and cells read in Chinese', () => {
  assert.equal(dayLabel('2026-11-30'), '11-30 周一');
  assert.equal(dayLabel('2026-12-06'), '12-06 周日');
  assert.equal(cellText(null), '休');
  assert.equal(cellText('夜'), '夜');
});

test('a break the stored roster already had does not block saving; a new one does', () => {
  const draft = new RosterDraft(desk());
  draft.set('W1', '2026-12-05', '白');
  const old = { worker_id: 'W9', day: null, text: '新来的：工时不足' };
  draft.check = { breaks: [old], new_breaks: [], coverage: { gaps: [] } };
  assert.equal(draft.canSave, true);
  assert.equal(draft.oldBreaks, 1);
  draft.check = { breaks: [old, { worker_id: 'W1', day: '2026-12-05', text: '新' }], new_breaks: [{ worker_id: 'W1', day: '2026-12-05', text: '新' }], coverage: { gaps: [] } };
  assert.equal(draft.canSave, false);
});
