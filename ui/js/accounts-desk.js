// The administrator's account desk: every account with its role, data scope and state, and the acts on
// one (new, disable/enable, reset password, role, scope). The rules — the password policy, the last
// administrator, which grids exist — are the station's; a refusal shows in the dialog.

import { h, fill } from './dom.js';
import * as ipc from './ipc.js';
import { openDialog, formDialog } from './dialogs.js';
import { toast } from './toast.js';

const ROLES = [
  { value: 'duty_officer', label: '值班员' },
  { value: 'commissioner', label: '政法委员' },
  { value: 'leader', label: '领导' },
  { value: 'administrator', label: '管理员' },
  { value: 'wall', label: '大屏（只读）' },
];

const clock = (ms) => new Date(ms).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });

export async function accountsDesk() {
  const body = h('div.accounts-desk');
  const add = h('button.btn.btn-primary', { type: 'button', attrs: { 'data-testid': 'account-add' } }, '新建账号');
  const dialog = openDialog({ title: '账号管理', subtitle: '新建、停用、重置密码、角色与数据范围', body, footer: [add], wide: true });
  const reload = async () => {
    let accounts;
    try {
      accounts = await ipc.accountsList();
    } catch (error) {
      dialog.setError(error.message);
      return;
    }
    fill(
      body,
      h(
        'table.table.accounts-table',
        h('thead', h('tr', ['账号', '姓名', '角色', '数据范围', '状态', ''].map((t) => h('th', t)))),
        h(
          'tbody',
          accounts.map((a) => {
            const state = [a.active ? '在用' : '已停用', a.must_change_password ? '须改密码' : null, a.locked_until ? `锁定至 ${clock(a.locked_until)}` : null].filter(Boolean).join('、');
            const act = (label, fn, tone = 'ghost') => h(`button.btn.btn-${tone}.btn-sm`, { type: 'button', on: { click: () => run(fn) } }, label);
            return h(
              'tr',
              { attrs: { 'data-account': a.account } },
              h('td', a.account),
              h('td', a.name),
              h('td', a.role_name),
              h('td', a.scope_zh),
              h('td', state),
              h(
                'td.accounts-acts',
                act(a.active ? '停用' : '启用', () => ipc.accountUpdate(a.account, a.active ? 'disable' : 'enable')),
                act('重置密码', () => passwordFor(a)),
                act('角色', () => roleFor(a)),
                act('数据范围', () => scopeFor(a)),
              ),
            );
          }),
        ),
      ),
    );
  };
  const run = async (fn) => {
    dialog.setError('');
    try {
      const done = await fn();
      if (done) toast(`账号 ${done.account} 已更新`, 'ok');
    } catch (error) {
      dialog.setError(error.message);
    }
    await reload();
  };
  add.addEventListener('click', () =>
    run(() =>
      formDialog({
        title: '新建账号',
        fields: [
          { name: 'account', label: '账号（小写字母、数字）', type: 'text', required: true },
          { name: 'name', label: '姓名', type: 'text' },
          { name: 'role', label: '角色', type: 'select', value: 'duty_officer', options: ROLES },
          { name: 'password', label: '初始密码（至少 10 个字符）', type: 'password', required: true },
        ],
        submitLabel: '新建',
        onSubmit: (v) => ipc.accountAdd({ account: v.account.trim(), name: v.name.trim() || null, role: v.role, password: v.password }),
      }),
    ),
  );
  const passwordFor = (a) =>
    formDialog({
      title: `重置 ${a.account} 的密码`,
      intro: '对方下次登录时须修改密码；锁定同时解除。',
      fields: [{ name: 'password', label: '临时密码（至少 10 个字符）', type: 'password', required: true }],
      submitLabel: '重置',
      tone: 'danger',
      onSubmit: (v) => ipc.accountUpdate(a.account, 'reset', { password: v.password }),
    });
  const roleFor = (a) =>
    formDialog({
      title: `${a.account} 的角色`,
      fields: [{ name: 'role', label: '角色', type: 'select', value: a.role, options: ROLES }],
      onSubmit: (v) => ipc.accountUpdate(a.account, 'role', { role: v.role }),
    });
  const scopeFor = (a) =>
    formDialog({
      title: `${a.account} 的数据范围`,
      intro: '留空为全乡镇；或填写村（社区）代码、网格代码，用逗号分隔。',
      fields: [
        { name: 'kind', label: '范围', type: 'select', value: a.scope.split(':')[0] || 'township', options: [{ value: 'township', label: '全乡镇' }, { value: 'villages', label: '指定村（社区）' }, { value: 'grids', label: '指定网格' }] },
        { name: 'codes', label: '代码', type: 'text', value: a.scope.split(':')[1] ?? '', wide: true },
      ],
      onSubmit: (v) => ipc.accountUpdate(a.account, 'scope', { scope: v.kind === 'township' ? '' : `${v.kind}:${v.codes.replace(/[，\s]+/g, ',')}` }),
    });
  await reload();
}
