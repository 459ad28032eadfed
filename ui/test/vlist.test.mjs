import { test } from 'node:test';
import assert from 'node:assert/strict';
import { visibleWindow, moveSelection, scrollTopToReveal, pageRows, keepAnchor } from '../js/vlist-math.js';

const base = { viewportHeight: 560, rowHeight: 56, overscan: 4 };

test('10,000 rows put only the visible ones plus overscan in the DOM', () => {
  const w = visibleWindow({ ...base, scrollTop: 56 * 5000, total: 10_000 });
  assert.equal(w.first, 4996);
  assert.equal(w.last, 5013);
  assert.ok(w.last - w.first + 1 <= 10 + 2 * 4, 'never more than a screenful and the overscan');
  assert.equal(w.offsetTop, 4996 * 56);
  assert.equal(w.totalHeight, 560_000);
});

test('the window clamps at both ends and for a scroll past the end', () => {
  assert.deepEqual(visibleWindow({ ...base, scrollTop: -50, total: 100 }).first, 0);
  const end = visibleWindow({ ...base, scrollTop: 1e9, total: 100 });
  assert.equal(end.last, 99);
  assert.equal(end.first, 100 - 10 - 4);
  const short = visibleWindow({ ...base, scrollTop: 0, total: 3 });
  assert.deepEqual([short.first, short.last], [0, 2]);
});

test('an empty list or a hidden pane renders nothing', () => {
  assert.equal(visibleWindow({ ...base, scrollTop: 0, total: 0 }).last, -1);
  assert.equal(visibleWindow({ ...base, viewportHeight: 0, scrollTop: 0, total: 50 }).last, -1);
});

test('selection moves clamp rather than wrap', () => {
  assert.equal(moveSelection(-1, 1, 10), 0, 'the first ↓ selects the most urgent row');
  assert.equal(moveSelection(-1, Infinity, 10), 9);
  assert.equal(moveSelection(0, -1, 10), 0);
  assert.equal(moveSelection(9, 1, 10), 9);
  assert.equal(moveSelection(3, 9, 10), 9);
  assert.equal(moveSelection(5, -Infinity, 10), 0);
  assert.equal(moveSelection(2, 1, 0), -1);
});

test('scrolling reveals the selection with the least movement', () => {
  assert.equal(scrollTopToReveal({ index: 3, scrollTop: 0, viewportHeight: 560, rowHeight: 56 }), 0);
  assert.equal(scrollTopToReveal({ index: 10, scrollTop: 0, viewportHeight: 560, rowHeight: 56 }), 56);
  assert.equal(scrollTopToReveal({ index: 2, scrollTop: 560, viewportHeight: 560, rowHeight: 56 }), 112);
});

test('page moves and anchoring', () => {
  assert.equal(pageRows(560, 56), 9);
  assert.equal(pageRows(30, 56), 1);
  assert.equal(keepAnchor({ oldIndex: 10, newIndex: 12, scrollTop: 280, rowHeight: 56 }), 392);
  assert.equal(keepAnchor({ oldIndex: -1, newIndex: 12, scrollTop: 280, rowHeight: 56 }), 280);
});
