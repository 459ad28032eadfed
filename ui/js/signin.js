// The sign-in screen and the lock screen. The lock is the station's, not just the window's: `lock` makes
// the back end refuse every command until `unlock` with the same officer's password, so an unattended
// console cannot be used by walking up to it. Alarms keep sounding under the lock and the count shows.

import { h, fill } from './dom.js';
import * as ipc from './ipc.js';

/** Shows the sign-in screen; resolves with the session once signed in. */
export function showSignIn(root, { stationName, notice } = {}) {
  return new Promise((resolve) => {
    const account = h('input', { type: 'text', name: 'account', autocomplete: 'username', placeholder: '账号', attrs: { 'aria-label': '账号' } });
    const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', placeholder: '密码', attrs: { 'aria-label': '密码' } });
    const error = h('div.signin-error', { attrs: { role: 'alert' } }, notice ?? '');
    const submit = h('button.btn.btn-primary.btn-block', { type: 'submit' }, '登录');
    const form = h(
      'form.signin-card',
      h('div.signin-brand', h('span.sb-mark.big', '红格'), h('div', h('h1', '红格指挥台'), h('p', '乡镇综治中心 · 网格化服务管理'))),
      stationName ? h('p.signin-station', stationName) : null,
      account,
      password,
      error,
      submit,
      h('p.signin-foot', '值班员 · 政法委员 · 领导 · 管理员'),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!account.value.trim() || !password.value) {
        error.textContent = '请输入账号和密码';
        return;
      }
      submit.disabled = true;
      error.textContent = '';
      try {
        let session = await ipc.signIn(account.value.trim(), password.value);
        // A reset password: nothing else opens until a new one is chosen.
        if (session.must_change_password) session = await showPasswordChange(root, session, password.value);
        root.hidden = true;
        fill(root);
        resolve(session);
      } catch (err) {
        password.value = '';
        password.focus();
        error.textContent = err.message;
      } finally {
        submit.disabled = false;
      }
    });
    fill(root, h('div.signin-screen', form));
    root.hidden = false;
    account.focus();
  });
}

/**
 * Shows the lock screen over the console until the officer's password unlocks it. `alarmCount()` is read
 * every second so that the officer sees from the door that something is waiting.
 */
export function showLock(root, session, { alarmCount, onSignOut }) {
  return new Promise((resolve) => {
    const password = h('input', { type: 'password', autocomplete: 'current-password', placeholder: '密码', attrs: { 'aria-label': '密码' } });
    const error = h('div.signin-error', { attrs: { role: 'alert' } });
    const alarms = h('div.lock-alarms');
    const submit = h('button.btn.btn-primary.btn-block', { type: 'submit' }, '解锁');
    const form = h(
      'form.signin-card',
      h('div.signin-brand', h('span.sb-mark.big', '红格'), h('div', h('h1', '工作站已锁定'), h('p', `${session.name}（${session.role_name}）`))),
      alarms,
      password,
      error,
      submit,
      h('button.btn.btn-ghost.btn-block', { type: 'button', on: { click: () => { clearInterval(timer); root.hidden = true; onSignOut(); } } }, '换人登录'),
    );
    const timer = setInterval(() => {
      const n = alarmCount();
      alarms.textContent = n ? `有 ${n} 条告警待确认` : '';
      alarms.classList.toggle('active', n > 0);
    }, 1000);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      submit.disabled = true;
      try {
        const s = await ipc.unlock(password.value);
        clearInterval(timer);
        root.hidden = true;
        fill(root);
        resolve(s);
      } catch (err) {
        password.value = '';
        error.textContent = err.message;
      } finally {
        submit.disabled = false;
      }
    });
    fill(root, h('div.signin-screen.lock-screen', form));
    root.hidden = false;
    password.focus();
  });
}

/**
 * The forced password change after an administrator's reset: the current password is the one just typed;
 * the new one is checked by the station's policy (at least 10 characters, not the account name, not a
 * common password) and typed twice.
 */
export function showPasswordChange(root, session, current) {
  return new Promise((resolve) => {
    const next = h('input', { type: 'password', name: 'new-password', autocomplete: 'new-password', placeholder: '新密码（至少 10 个字符）', attrs: { 'aria-label': '新密码' } });
    const again = h('input', { type: 'password', name: 'new-password-again', autocomplete: 'new-password', placeholder: '再次输入新密码', attrs: { 'aria-label': '再次输入新密码' } });
    const error = h('div.signin-error', { attrs: { role: 'alert' } });
    const submit = h('button.btn.btn-primary.btn-block', { type: 'submit' }, '修改密码并进入');
    const form = h(
      'form.signin-card',
      h('div.signin-brand', h('span.sb-mark.big', '红格'), h('div', h('h1', '请修改密码'), h('p', `${session.name}（${session.account}）：密码已由管理员重置`))),
      next,
      again,
      error,
      submit,
      h('p.signin-foot', '新密码至少 10 个字符，不能是账号名或常见密码'),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (next.value !== again.value) {
        error.textContent = '两次输入的新密码不一致';
        return;
      }
      submit.disabled = true;
      try {
        resolve(await ipc.changePassword(current, next.value));
      } catch (err) {
        error.textContent = err.message;
      } finally {
        submit.disabled = false;
      }
    });
    fill(root, h('div.signin-screen', form));
    root.hidden = false;
    next.focus();
  });
}
