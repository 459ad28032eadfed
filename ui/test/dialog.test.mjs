import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDirty, submitsOnEnter } from '../js/form-rules.js';
import { shouldLock, silentWhileLocked } from '../js/idle-rules.js';

const key = (tagName, over = {}) => ({ key: 'Enter', target: { tagName, type: over.type }, ...over });

test('Enter submits from a select, as in 受理 and 结案 whose first field is one', () => {
  assert.equal(submitsOnEnter(key('SELECT')), true);
  assert.equal(submitsOnEnter(key('INPUT', { type: 'text' })), true);
  assert.equal(submitsOnEnter(key('TEXTAREA')), false, 'a new line in a textarea');
  assert.equal(submitsOnEnter(key('TEXTAREA', { ctrlKey: true })), true);
  assert.equal(submitsOnEnter(key('INPUT', { type: 'text', isComposing: true })), false, 'choosing a character in the IME');
  assert.equal(submitsOnEnter({ key: 'a', target: { tagName: 'INPUT' } }), false);
});

test('a dialog is dirty once something was typed, not for whitespace', () => {
  assert.equal(isDirty({ reason: '', minutes: '120' }, { reason: '', minutes: '120' }), false);
  assert.equal(isDirty({ reason: '' }, { reason: '  ' }), false);
  assert.equal(isDirty({ reason: '' }, { reason: '需等待上级答复' }), true);
  assert.equal(isDirty({ minutes: '120' }, { minutes: '60' }), true);
});

test('the idle lock waits while an alarm is unacknowledged', () => {
  const idle = { now: 20 * 60_000, lastActivity: 0, minutes: 10, locked: false, alarmsOpen: 0 };
  assert.equal(shouldLock(idle), true);
  assert.equal(shouldLock({ ...idle, alarmsOpen: 1 }), false);
  assert.equal(shouldLock({ ...idle, now: 5 * 60_000 }), false);
  assert.equal(shouldLock({ ...idle, minutes: 0 }), false, 'off');
  assert.equal(shouldLock({ ...idle, locked: true }), false);
});

test('a locked station refuses reads silently; other refusals are shown', () => {
  assert.equal(silentWhileLocked({ code: 'locked', message: '工作站已锁定' }), true);
  assert.equal(silentWhileLocked({ code: 'conflict' }), false);
  assert.equal(silentWhileLocked(new Error('x')), false);
});
