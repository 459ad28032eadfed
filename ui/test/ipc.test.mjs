import { test } from 'node:test';
import assert from 'node:assert/strict';

// ipc.js reads window.__TAURI__ at call time, so a stand-in installed here drives it without a webview.
const calls = [];
let reply = () => null;
class Channel {
  constructor() {
    this.onmessage = null;
  }
}
globalThis.window = {
  __TAURI__: {
    core: {
      Channel,
      invoke: async (command, args) => {
        calls.push({ command, args });
        return reply(command, args);
      },
    },
  },
};
const ipc = await import('../js/ipc.js');

test('every command sends one argument named request, with snake_case fields', async () => {
  calls.length = 0;
  reply = () => ({ rows: [], total: 0, now: 0 });
  await ipc.queue({ drill: false }, 0, 500);
  await ipc.act(12, 3, { kind: 'accept', category: null, severity: null, grid: null });
  await ipc.currentSession();
  assert.deepEqual(calls[0], { command: 'queue', args: { request: { filter: { drill: false }, offset: 0, limit: 500 } } });
  assert.deepEqual(calls[1].args.request, { id: 12, expected_version: 3, command: { kind: 'accept', category: null, severity: null, grid: null } });
  assert.deepEqual(calls[2], { command: 'session', args: { request: {} } });
});

test('errors come out as IpcError {code, message}, whatever the shell rejected with', async () => {
  reply = () => Promise.reject({ code: 'conflict', message: '事件 #12 已被 韦丽娟 更新' });
  await assert.rejects(ipc.eventDetail(12), (e) => e instanceof ipc.IpcError && e.code === 'conflict' && e.message.includes('韦丽娟'));
  reply = () => Promise.reject('command event_detail not found');
  await assert.rejects(ipc.eventDetail(12), (e) => e.code === 'ipc' && e.message.startsWith('与指挥台后台通信失败'));
  reply = () => Promise.reject(new Error('boom'));
  await assert.rejects(ipc.eventDetail(12), (e) => e.code === 'ipc' && e.message.includes('boom'));
});

test('a locked station or an ended session is announced to the console', async () => {
  const seen = [];
  const off = ipc.onSessionLost((e) => seen.push(e.code));
  reply = () => Promise.reject({ code: 'locked', message: '工作站已锁定' });
  await assert.rejects(ipc.queueRows([1]));
  reply = () => Promise.reject({ code: 'forbidden', message: '无权' });
  await assert.rejects(ipc.queueRows([1]));
  off();
  assert.deepEqual(seen, ['locked'], 'only session codes are announced');
});

test('subscribe hands a Channel to the shell and passes its batches on', async () => {
  calls.length = 0;
  reply = (command) => (command === 'subscribe' ? { head: 41, subscription: 7 } : null);
  const batches = [];
  const sub = await ipc.subscribe(40, (b) => batches.push(b));
  assert.equal(sub.head, 41);
  const { args } = calls[0];
  assert.deepEqual(args.request, { after_seq: 40 });
  assert.ok(args.channel instanceof Channel);
  args.channel.onmessage({ entries: [{ seq: 41, kind: 'event', key: '12', action: 'accept', version: 2 }], resync: false });
  assert.equal(batches.length, 1);
  await sub.close();
  assert.deepEqual(calls[1], { command: 'unsubscribe', args: { request: { subscription: 7 } } });
});

test('without the shell every call fails with no_backend rather than throwing a TypeError', async () => {
  const saved = globalThis.window.__TAURI__;
  delete globalThis.window.__TAURI__;
  try {
    assert.equal(ipc.hasBackend(), false);
    await assert.rejects(ipc.stationHealth(), (e) => e.code === 'no_backend');
  } finally {
    globalThis.window.__TAURI__ = saved;
  }
});
