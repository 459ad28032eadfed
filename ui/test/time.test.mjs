import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatTime, formatClock, formatDateTime, formatWhen, formatDuration, timeLeft, formatAgo,
  startOfShanghaiDay, monthKey, formatDateWithWeekday,
} from '../js/time.js';

// 2025-11-26 14:40:05 UTC is 22:40:05 in Shanghai, a Wednesday.
const T = Date.UTC(2025, 10, 26, 14, 40, 5);
const MIN = 60_000;

test('instants are shown in Asia/Shanghai whatever the machine zone is', () => {
  assert.equal(formatClock(T), '22:40:05');
  assert.equal(formatTime(T), '22:40');
  assert.equal(formatDateTime(T), '2025-11-26 22:40');
  assert.equal(formatDateWithWeekday(T), '2025-11-26 周三');
});

test('the Shanghai day starts at 16:00 UTC the day before', () => {
  assert.equal(startOfShanghaiDay(T), Date.UTC(2025, 10, 25, 16, 0, 0));
  // 23:59:59 Shanghai and 00:00:00 the next day fall on different days.
  const lastSecond = Date.UTC(2025, 10, 26, 15, 59, 59);
  assert.equal(startOfShanghaiDay(lastSecond), startOfShanghaiDay(T));
  assert.notEqual(startOfShanghaiDay(lastSecond + 1000), startOfShanghaiDay(T));
});

test('a month key follows the Shanghai calendar, not UTC', () => {
  // 2025-11-30 17:00 UTC is already 1 December in Shanghai.
  assert.equal(monthKey(Date.UTC(2025, 10, 30, 17, 0)), '2025-12');
});

test('formatWhen drops the date only for today (a night shift crosses midnight)', () => {
  assert.equal(formatWhen(T - 10 * MIN, T), '22:30');
  const yesterdayLate = T - 23 * 60 * MIN;
  assert.equal(formatWhen(yesterdayLate, T), '11-25 23:40');
  assert.equal(formatWhen(Date.UTC(2024, 0, 2, 1, 0), T), '2024-01-02 09:00');
});

test('durations read the way officers say them', () => {
  assert.equal(formatDuration(35 * 60), '35分');
  assert.equal(formatDuration(80 * 60), '1小时20分');
  assert.equal(formatDuration(2 * 3600), '2小时');
  assert.equal(formatDuration(27 * 3600 + 5 * 60), '1天3小时');
  assert.equal(formatDuration(48 * 3600), '2天');
  assert.equal(formatDuration(30), '不足1分');
});

test('time left: 剩 before the deadline, 超时 after it, levels for colour', () => {
  assert.deepEqual(timeLeft(T + 80 * MIN, T), { level: 'ok', overdue: false, seconds: 4800, text: '剩 1小时20分' });
  assert.equal(timeLeft(T + 20 * MIN, T).level, 'soon');
  const late = timeLeft(T - 35 * MIN, T);
  assert.equal(late.text, '超时 35分');
  assert.equal(late.overdue, true);
  assert.equal(late.level, 'overdue');
  assert.equal(timeLeft(null, T).level, 'none', 'a parked event has no running clock');
});

test('the exact deadline is not yet overdue, one second later is', () => {
  assert.equal(timeLeft(T, T).overdue, false);
  assert.equal(timeLeft(T - 1000, T).overdue, true);
});

test('formatAgo', () => {
  assert.equal(formatAgo(T - 10_000, T), '刚刚');
  assert.equal(formatAgo(T - 3 * MIN, T), '3分钟前');
  assert.equal(formatAgo(T - 125 * MIN, T), '2小时前');
  assert.equal(formatAgo(T - 7 * 60 * MIN, T), '15:40');
});
