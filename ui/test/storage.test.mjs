import { test } from 'node:test';
import assert from 'node:assert/strict';
import { storageState, LOW_SPACE_BYTES } from '../js/storage.js';

const base = { ok: true, backend: 'sqlite', detail: '/var/lib/redgrid/redgrid.db', read_only: false, failure: null, free_bytes: 20e9 };

test('a healthy database is green and says how much room is left', () => {
  const s = storageState(base);
  assert.equal(s.state, true);
  assert.equal(s.label, '数据库 SQLite');
  assert.match(s.detail, /磁盘剩余 \d+ MB/);
  assert.equal(s.banner, null);
});

test('a failed write is a red alarm with what to do, whatever else holds', () => {
  const message = '磁盘已满，数据库无法写入（database or disk is full）：请清理数据库所在磁盘的空间，腾出后自动恢复写入';
  const s = storageState({ ...base, failure: { code: 'storage_full', message, at: 0 }, free_bytes: 0 });
  assert.equal(s.state, false);
  assert.equal(s.label, '数据库无法写入：磁盘已满');
  assert.ok(s.banner.includes('请清理数据库所在磁盘'));
});

test('the read-only viewing mode and a disk running out are amber', () => {
  const ro = storageState({ ...base, read_only: true });
  assert.equal(ro.state, 'partial');
  assert.equal(ro.label, '只读查看模式');
  assert.ok(ro.banner.includes('不能修改'));
  const low = storageState({ ...base, free_bytes: LOW_SPACE_BYTES - 1 });
  assert.equal(low.state, 'partial');
  assert.match(low.label, /^磁盘空间不足（剩 \d+ MB）$/);
});

test('PostgreSQL has no free space to show, and a missing database is an error', () => {
  assert.equal(storageState({ ...base, backend: 'postgres', free_bytes: null }).label, '数据库 PostgreSQL');
  assert.equal(storageState(undefined).state, false);
  assert.equal(storageState({ ...base, ok: false, detail: '无法连接' }).label, '数据库异常');
});
