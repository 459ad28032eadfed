import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentile, panSteps } from '../js/bench.js';

test('percentile takes the nearest rank', () => {
  const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1, unsorted on purpose
  assert.equal(percentile(values, 0.95), 95);
  assert.equal(percentile(values, 0.5), 50);
  assert.equal(percentile(values, 1), 100);
  assert.equal(percentile(values, 0), 1);
  assert.equal(percentile([7], 0.95), 7);
  assert.ok(Number.isNaN(percentile([], 0.5)));
});

test('percentile leaves its input in order', () => {
  const values = [3, 1, 2];
  percentile(values, 0.5);
  assert.deepEqual(values, [3, 1, 2]);
});

test('the pan goes round a square and ends where it started', () => {
  const steps = panSteps(240, 12);
  assert.equal(steps.length, 240);
  const end = steps.reduce(([x, y], [dx, dy]) => [x + dx, y + dy], [0, 0]);
  assert.deepEqual(end, [0, 0]);
  assert.deepEqual(steps[0], [12, 0]);
  assert.deepEqual(steps[60], [0, 12]);
  assert.deepEqual(steps[239], [0, -12]);
});
