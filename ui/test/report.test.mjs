import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gridChoices, reportSources } from '../js/report-model.js';

test('in the drill queue the only source offered is the drill one', () => {
  assert.deepEqual(reportSources(true).map((s) => s.value), ['drill']);
  assert.deepEqual(reportSources(false).map((s) => s.value), ['by_hand', 'hotline']);
});

test('the grids of a village reach below the depth the map loads', () => {
  const subtree = [
    { code: '450802101201', depth: 1, name: '大圩社区' },
    { code: '450802101201001', depth: 2, name: '第1网格' },
    { code: '450802101201001001', depth: 3, name: '第1微网格' },
    { code: '450802101201002', depth: 2, name: '第2网格' },
  ];
  const options = gridChoices(subtree, '450802101201');
  assert.deepEqual(options.map((o) => o.value), ['450802101201001', '450802101201001001', '450802101201002']);
  assert.equal(options[0].label, '第1网格');
  assert.equal(options[1].label, '　└ 第1微网格');
  assert.deepEqual(gridChoices(subtree, '999'), []);
});
