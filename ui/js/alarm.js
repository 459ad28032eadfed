// The alarm: a banner under the status bar and a tone, for as long as an alarm is unacknowledged. The
// tone is synthesised with Web Audio — no sound file to ship, nothing for the CSP's media-src to refuse —
// two notes for a camera alert or a serious event, one lower note for an overdue step, repeating every few
// seconds until acknowledged (F2, or the button). Which things ring is alarm-rules.js.

import { h, fill, kbd } from './dom.js';
import { AlarmBook } from './alarm-rules.js';
import { formatTime } from './time.js';
import * as ipc from './ipc.js';

const REPEAT_MS = { top: 2500, high: 4000, overdue: 8000 };

export class Alarm {
  constructor(root, { onOpen, onReassign, volume = 0.6 }) {
    this.root = root;
    this.onOpen = onOpen;
    this.onReassign = onReassign;
    this.book = new AlarmBook();
    this.volume = volume;
    this.audio = null;
    this.timer = null;
    this.root.hidden = true;
    // Browsers only start audio after a user gesture; the first click or key of the shift unlocks it.
    const unlock = () => this.ensureAudio()?.resume?.();
    window.addEventListener('pointerdown', unlock, { once: true, capture: true });
    window.addEventListener('keydown', unlock, { once: true, capture: true });
  }

  setVolume(volume) {
    this.volume = volume;
  }

  ensureAudio() {
    if (!this.audio) {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return null;
      this.audio = new Ctx();
    }
    return this.audio;
  }

  /** Raised alarms from alarm-rules: rings, notifies the desktop, shows the banner. */
  raised(alarms) {
    if (!alarms.length) return;
    const heading = { overdue: '事件超时', no_ack: '任务未签收' };
    for (const a of alarms) ipc.notifyDesktop(`红格指挥台 · ${heading[a.kind] ?? '告警'}`, `${a.title}\n${a.detail ?? ''}`);
    this.render();
    this.ring();
  }

  count() {
    return this.book.open.size;
  }

  acknowledgeLatest() {
    const pending = this.book.pending();
    if (!pending.length) return false;
    this.book.acknowledge(pending[pending.length - 1].key);
    this.render();
    return true;
  }

  acknowledgeAll() {
    this.book.acknowledgeAll();
    this.render();
  }

  /** The newest 未签收超时 alarm, for the 改派 key. */
  latestNoAck() {
    return this.book.pending().filter((a) => a.kind === 'no_ack').pop() ?? null;
  }

  /** 改派 on the newest 未签收超时 alarm: it is dealt with, so it stops ringing. */
  reassignLatest() {
    const alarm = this.latestNoAck();
    if (!alarm) return false;
    this.book.acknowledge(alarm.key);
    this.render();
    this.onReassign?.(alarm);
    return true;
  }

  render() {
    const pending = this.book.pending();
    this.root.hidden = pending.length === 0;
    if (!pending.length) {
      clearTimeout(this.timer);
      this.timer = null;
      return;
    }
    const latest = pending[pending.length - 1];
    this.root.className = `alarm-banner lvl-${latest.level}`;
    fill(
      this.root,
      h('span.alarm-icon', { attrs: { 'aria-hidden': 'true' } }),
      h('span.alarm-time', formatTime(latest.at)),
      h('button.alarm-title', { type: 'button', on: { click: () => this.onOpen(latest) } }, latest.title),
      latest.detail ? h('span.alarm-detail', latest.detail) : null,
      pending.length > 1 ? h('span.alarm-more', `另有 ${pending.length - 1} 条`) : null,
      latest.kind === 'no_ack' ? h('button.btn.btn-small.alarm-reassign', { type: 'button', on: { click: () => this.reassignLatest() } }, '改派 ', kbd('F7')) : null,
      h('button.btn.btn-small.alarm-ack', { type: 'button', on: { click: () => this.acknowledgeLatest() } }, '确认 ', kbd('F2')),
      pending.length > 1 ? h('button.btn.btn-small.btn-ghost', { type: 'button', on: { click: () => this.acknowledgeAll() } }, '全部确认') : null,
    );
  }

  ring() {
    const pending = this.book.pending();
    if (!pending.length) return;
    const worst = pending.some((a) => a.level === 'top') ? 'top' : pending.some((a) => a.level === 'high') ? 'high' : 'overdue';
    this.tone(worst);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.ring(), REPEAT_MS[worst]);
  }

  tone(level) {
    const ctx = this.ensureAudio();
    if (!ctx || this.volume <= 0) return;
    // Until the first gesture the webview keeps audio suspended; the banner carries the alarm meanwhile.
    if (ctx.state !== 'running') {
      ctx.resume?.().catch(() => {});
      return;
    }
    const notes = level === 'overdue' ? [[523, 0, 0.35]] : level === 'top' ? [[988, 0, 0.18], [740, 0.22, 0.18], [988, 0.44, 0.18]] : [[880, 0, 0.22], [660, 0.26, 0.3]];
    const t0 = ctx.currentTime + 0.02;
    for (const [freq, start, length] of notes) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'sine';
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0, t0 + start);
      gain.gain.linearRampToValueAtTime(0.25 * this.volume, t0 + start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + start + length);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t0 + start);
      osc.stop(t0 + start + length + 0.05);
    }
  }
}
