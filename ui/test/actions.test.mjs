import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACTION_SPECS, orderActions, validateAction, buildCommand, outcomeOptions } from '../js/actions.js';
import { COMMAND } from '../js/labels.js';

const detail = { id: 12, category: 'dispute.land', severity: 2, grid_code: '450802101201001', tasks: [{ worker_id: 'w1', worker_name: '李卫东' }] };

test('every console command of the core has a form, and a Chinese name', () => {
  const consoleCommands = ['accept', 'reject', 'merge', 'dispatch', 'feedback', 'verify', 'send_back', 'close', 'reopen',
    'request_escalation', 'request_extension', 'request_park', 'request_unpark', 'approve', 'deny', 'void', 'remind', 'supervise'];
  for (const c of consoleCommands) {
    assert.ok(ACTION_SPECS[c], `${c} has a form`);
    assert.ok(COMMAND[c], `${c} has a name`);
  }
  assert.equal(ACTION_SPECS.acknowledge, undefined, 'terminal-only commands are never offered at the console');
});

test('the step forward comes first and the dangerous last; unknown commands are dropped', () => {
  const allowed = [{ command: 'void' }, { command: 'remind' }, { command: 'close' }, { command: 'teleport' }];
  assert.deepEqual(orderActions(allowed).map((a) => a.command), ['close', 'remind', 'void']);
});

test('reasons the core requires are checked before sending', () => {
  assert.equal(validateAction('reject', { reason: '  ' }, detail), '请填写“不予受理理由”');
  assert.equal(validateAction('reject', { reason: '重复上报' }, detail), null);
  assert.equal(validateAction('verify', {}, detail), null, 'a verify note is optional');
  assert.match(validateAction('request_extension', { minutes: '0', reason: '等待' }, detail), /整数/);
  assert.equal(validateAction('merge', { into: '12' }, detail), '不能并入事件本身');
  assert.match(validateAction('accept', { grid: 'abc' }, detail), /格式不正确/);
});

test('commands are built in the shape of the core Command, snake_case', () => {
  assert.deepEqual(buildCommand('accept', { category: 'dispute.land', severity: '3', grid: ' 450802101201001 ' }),
    { kind: 'accept', category: 'dispute.land', severity: 3, grid: '450802101201001' });
  assert.deepEqual(buildCommand('reject', { reason: ' 重复 ' }), { kind: 'reject', reason: '重复' });
  assert.deepEqual(buildCommand('request_extension', { minutes: '120', reason: '等待鉴定' }), { kind: 'request_extension', minutes: 120, reason: '等待鉴定' });
  assert.deepEqual(buildCommand('close', { outcome: 'mediated', evaluation: 'satisfied', note: '' }), { kind: 'close', outcome: 'mediated', evaluation: 'satisfied', note: '' });
  assert.deepEqual(buildCommand('dispatch', { workers: ['w1'], note: '', override_note: '' }), { kind: 'dispatch', workers: ['w1'], note: '', override_note: null });
  assert.deepEqual(buildCommand('feedback', { on_behalf_of: 'w1', notes: '已调解' }), { kind: 'feedback', notes: '已调解', photos: [], on_behalf_of: 'w1' });
  assert.deepEqual(buildCommand('supervise', { note: '尽快' }), { kind: 'supervise', note: '尽快' });
});

test('mediation outcomes are offered for disputes only', () => {
  assert.deepEqual(outcomeOptions('dispute.family').map((o) => o.value), ['mediated', 'mediation_failed', 'resolved', 'false_alarm']);
  assert.deepEqual(outcomeOptions('fire').map((o) => o.value), ['resolved', 'false_alarm'], 'a camera false alarm can be closed as 误报/无效');
  const closeFields = ACTION_SPECS.close.fields(detail);
  assert.equal(closeFields[0].value, 'mediated');
});

test('a workstation is named as people say it, not by its configured id', async () => {
  const { stationName, nvrName } = await import('../js/labels.js');
  assert.equal(stationName('station-1'), '1号工作站');
  assert.equal(stationName('county-desk'), '工作站 county-desk');
  assert.equal(nvrName('hikvision'), '海康威视');
  assert.equal(nvrName('frigate'), 'Frigate');
  assert.equal(nvrName('港北NVR'), '港北NVR');
});
