// The commissioner's drill desk (演练): pick a shipped scenario or import one (XLSX or CSV), choose a
// speed, start; then watch each inject — planned against injected, the event it became and where that event
// stands — and pause, resume or stop. A leader may pause or stop any drill. Esc closes; the drill runs on.

import { h, fill } from './dom.js';
import * as ipc from './ipc.js';
import { openDialog } from './dialogs.js';
import { toast } from './toast.js';

const SPEEDS = [1, 2, 10, 30, 60];
const clock = (ms) => (ms ? new Date(ms).toLocaleTimeString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false }) : '—');

export async function drillDesk({ session }) {
  const [shipped, drills] = await Promise.all([ipc.drillScenarios(), ipc.drillsList()]);
  const body = h('div.drill-desk');
  let timer = null;
  const dialog = openDialog({ title: '演练', subtitle: '演练脚本、倍速、注入进度', body, wide: true, className: 'dialog-xwide', onClose: () => clearInterval(timer) });
  let current = drills.find((d) => d.state === 'running' || d.state === 'paused') ?? drills[0] ?? null;
  let imported = null;

  const form = () => {
    const choice = h('select', { attrs: { 'aria-label': '演练脚本', 'data-testid': 'drill-scenario' } }, [
      ...shipped.map((s) => h('option', { value: s.file_name }, `${s.title}（${s.injects} 条）`)),
      h('option', { value: '' }, '导入文件…'),
    ]);
    const file = h('input', { type: 'file', accept: '.xlsx,.csv', hidden: true, attrs: { 'aria-label': '导入演练脚本' } });
    const speed = h('select', { attrs: { 'aria-label': '倍速', 'data-testid': 'drill-speed' } }, SPEEDS.map((n) => h('option', { value: String(n), selected: n === 1 }, n === 1 ? '实时（×1）' : `×${n}`)));
    const start = h('button.btn.btn-danger', { type: 'button', attrs: { 'data-testid': 'drill-start' } }, '开始演练');
    choice.addEventListener('change', () => {
      if (!choice.value) file.click();
    });
    file.addEventListener('change', async () => {
      const f = file.files?.[0];
      if (!f) return;
      const buf = new Uint8Array(await f.arrayBuffer());
      let bin = '';
      for (let i = 0; i < buf.length; i += 0x8000) bin += String.fromCharCode(...buf.subarray(i, i + 0x8000));
      imported = { file_name: f.name, content_base64: btoa(bin) };
      toast(`已选择 ${f.name}`, 'ok');
    });
    start.addEventListener('click', async () => {
      dialog.setError('');
      start.disabled = true;
      try {
        const spec = choice.value ? { file_name: choice.value, content_base64: null } : imported;
        if (!spec) throw new Error('请选择演练脚本');
        current = await ipc.drillStart({ ...spec, speed: Number(speed.value) });
        toast(`演练 ${current.id} 已开始`, 'ok');
        await show();
      } catch (error) {
        dialog.setError(error.message);
      } finally {
        start.disabled = false;
      }
    });
    const can = session?.can ?? {};
    return h(
      'section.drill-form',
      h('h3', '开始演练'),
      choice,
      file,
      h('div.callup-row', h('span', '倍速'), speed),
      can.run_drill ? start : h('p.muted', '演练由政法委员发起'),
      drills.length ? h('div.callup-recent', h('div.field-label', '演练记录'), drills.slice(0, 8).map((d) => h('button.chip', { type: 'button', on: { click: () => { current = d; show(); } } }, `${d.id} ${d.state_zh}：《${d.title}》`))) : null,
    );
  };

  const statusView = (s) => {
    const d = s.drill;
    const control = (label, change, tone = 'ghost') =>
      h(`button.btn.btn-${tone}.btn-sm`, { type: 'button', attrs: { 'data-testid': `drill-${change}` }, on: { click: async () => {
        try {
          current = await ipc.drillControl(d.id, change);
          await show();
        } catch (error) {
          dialog.setError(error.message);
        }
      } } }, label);
    const done = s.injects.filter((i) => i.injected_at).length;
    return h(
      'section.drill-status',
      h('h3', `${d.id}：《${d.title}》`),
      h('p.muted', { attrs: { 'data-testid': 'drill-state' } }, `${d.state_zh} · ×${d.speed} · ${d.started_by} ${clock(d.started_at)} 开始 · 已注入 ${done}/${s.injects.length}`),
      h('div.callup-row',
        d.state === 'running' ? control('暂停', 'pause') : null,
        d.state === 'paused' ? control('继续', 'resume') : null,
        d.state === 'running' || d.state === 'paused' ? control('结束演练', 'stop', 'danger') : null,
      ),
      h(
        'table.table.drill-injects',
        h('thead', h('tr', ['#', '计划', '注入', '类型', '村（社区）', '事件', '进展 / 说明'].map((t) => h('th', t)))),
        h('tbody', s.injects.map((i) => h(`tr${i.injected_at ? '.injected' : ''}`, { attrs: { 'data-seq': String(i.seq) } },
          h('td', String(i.seq)),
          h('td', clock(i.planned_at)),
          h('td', clock(i.injected_at)),
          h('td', i.kind_zh),
          h('td', i.village_name ?? i.village_code),
          h('td', i.event_id ? `#${i.event_id}` : '—'),
          h('td', i.event_status ?? i.detail),
        ))),
      ),
    );
  };

  const show = async () => {
    let s = null;
    if (current) {
      try {
        s = await ipc.drillStatus(current.id);
      } catch (error) {
        dialog.setError(error.message);
      }
    }
    fill(body, h('div.callup-columns', form(), s ? statusView(s) : h('section.drill-status', h('p.muted', '尚无演练'))));
  };
  await show();
  timer = setInterval(() => {
    if (!current || !document.body.contains(body)) return;
    ipc.drillStatus(current.id).then((s) => {
      const view = body.querySelector('.drill-status');
      if (view) view.replaceWith(statusView(s));
    }).catch(() => {});
  }, 2000);
}
