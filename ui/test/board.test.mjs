import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boardFigures, filterBoard, forceBucket } from '../js/board-model.js';

const w = (id, over = {}) => ({ id, name: `网格员${id}`, phone_masked: '138****5678', group: 'full_time_worker', village_code: '450802101201', on_shift: true, terminal_state: 'online', active_tasks: 0, ...over });

test('the board filters by village, 1+3+N group, shift, terminal and name', () => {
  const rows = [w('W1'), w('W2', { group: 'police', on_shift: false }), w('W3', { group: 'volunteer', village_code: '450802101202', terminal_state: 'offline', active_tasks: 2 })];
  assert.deepEqual([forceBucket('full_time_worker'), forceBucket('patrol'), forceBucket('courier')], ['1', '3', 'N']);
  assert.deepEqual(filterBoard(rows).map((r) => r.id), ['W1', 'W2', 'W3']);
  assert.deepEqual(filterBoard(rows, { onShiftOnly: true }).map((r) => r.id), ['W1', 'W3']);
  assert.deepEqual(filterBoard(rows, { bucket: '3' }).map((r) => r.id), ['W2']);
  assert.deepEqual(filterBoard(rows, { village: '450802101202' }).map((r) => r.id), ['W3']);
  assert.deepEqual(filterBoard(rows, { onlineOnly: true, onShiftOnly: true }).map((r) => r.id), ['W1']);
  assert.deepEqual(filterBoard(rows, { text: 'W2' }).map((r) => r.id), ['W2']);
  assert.deepEqual(boardFigures(rows), { total: 3, onShift: 2, online: 2, busy: 1 });
});
