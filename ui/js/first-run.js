// The first-run screen: a station with no accounts and no demo data asks for the centre's name, its
// township (from the shipped Guigang division files or a folder of another prefecture's) and the first
// administrator. Nothing is written until the administrator's password passes the station's policy.

import { h, fill } from './dom.js';
import * as ipc from './ipc.js';

/** Shows the first-run screen; resolves once the station is set up, with the administrator's account. */
export function showFirstRun(root) {
  return new Promise((resolve) => {
    const field = (label, input) => h('label.fr-field', h('span', label), input);
    const centre = h('input', { type: 'text', name: 'centre', placeholder: '如：大圩镇综治中心', attrs: { 'aria-label': '综治中心名称' } });
    const dir = h('input', { type: 'text', name: 'divisions', placeholder: '留空：使用内置的贵港市区划', attrs: { 'aria-label': '区划文件目录' } });
    const load = h('button.btn.btn-ghost', { type: 'button' }, '载入区划');
    const filter = h('input', { type: 'text', name: 'filter', placeholder: '按名称或代码筛选乡镇', attrs: { 'aria-label': '筛选乡镇' } });
    const township = h('select', { name: 'township', size: 8, attrs: { 'aria-label': '乡镇' } });
    const admin = h('input', { type: 'text', name: 'admin', value: 'admin', autocomplete: 'off', attrs: { 'aria-label': '管理员账号' } });
    const adminName = h('input', { type: 'text', name: 'admin-name', placeholder: '姓名', attrs: { 'aria-label': '管理员姓名' } });
    const password = h('input', { type: 'password', name: 'password', autocomplete: 'new-password', placeholder: '至少 10 个字符', attrs: { 'aria-label': '管理员密码' } });
    const again = h('input', { type: 'password', name: 'password-again', autocomplete: 'new-password', placeholder: '再次输入', attrs: { 'aria-label': '再次输入密码' } });
    const error = h('div.signin-error', { attrs: { role: 'alert' } });
    const submit = h('button.btn.btn-primary.btn-block', { type: 'submit', attrs: { 'data-testid': 'first-run-submit' } }, '完成初始化');
    let choices = [];
    const show = () => {
      const q = filter.value.trim();
      const shown = choices.filter((c) => !q || c.name.includes(q) || c.code.startsWith(q) || c.county_name.includes(q));
      fill(township, shown.map((c) => h('option', { value: c.code }, `${c.county_name} ${c.name}（${c.code}，${c.villages} 个村社区）`)));
      if (shown.length === 1) township.value = shown[0].code;
    };
    const reload = async () => {
      error.textContent = '';
      try {
        choices = await ipc.initChoices(dir.value.trim());
        show();
      } catch (err) {
        error.textContent = err.message;
      }
    };
    load.addEventListener('click', reload);
    filter.addEventListener('input', show);
    const form = h(
      'form.signin-card.first-run',
      h('div.signin-brand', h('span.sb-mark.big', '红格'), h('div', h('h1', '初始化指挥台'), h('p', '首次使用：设置本中心、所属乡镇和管理员账号'))),
      field('综治中心名称', centre),
      field('区划文件目录（可选）', h('div.fr-row', dir, load)),
      field('所属乡镇', h('div', filter, township)),
      field('管理员账号', admin),
      field('管理员姓名', adminName),
      field('管理员密码', password),
      field('确认密码', again),
      error,
      submit,
      h('p.signin-foot', '不生成演示数据；人员、摄像头和登记信息请在初始化后导入'),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!centre.value.trim()) return void (error.textContent = '请填写综治中心名称');
      if (!township.value) return void (error.textContent = '请选择所属乡镇');
      if (password.value !== again.value) return void (error.textContent = '两次输入的密码不一致');
      submit.disabled = true;
      error.textContent = '';
      try {
        const done = await ipc.initStation({
          centre_name: centre.value.trim(),
          township_code: township.value,
          admin_account: admin.value.trim(),
          admin_name: adminName.value.trim() || null,
          admin_password: password.value,
          divisions_dir: dir.value.trim() || null,
        });
        root.hidden = true;
        fill(root);
        resolve(done);
      } catch (err) {
        error.textContent = err.message;
      } finally {
        submit.disabled = false;
      }
    });
    fill(root, h('div.signin-screen', form));
    root.hidden = false;
    centre.focus();
    reload();
  });
}
