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

  const STEP_ZH = { accept: '受理', dispatch: '派遣', acknowledge: '签收', arrive: '到场', feedback: '反馈', verify: '核查', close: '结案' };
  const ACTION_ZH = { accept: '受理', dispatch: '派遣', dispatch_full_time: '派遣专职', escalate: '提级', close: '结案', callup_answered: '叫应' };
  const statusView = (s, card) => {
    const d = s.drill;
    const scored = new Map((card?.injects ?? []).map((i) => [i.seq, i]));
    const progress = (i) => {
      const c = scored.get(i.seq);
      if (!c || !c.steps.length) return i.event_status ?? i.detail;
      const steps = c.steps.map((st) => h(`span.drill-step${st.on_time === false ? '.late' : ''}`, `${STEP_ZH[st.step] ?? st.step} ${st.seconds}s${st.limit_seconds != null ? `/${st.limit_seconds}s` : ''}`));
      return h('span', steps, i.event_status ? h('span.muted', ` · ${i.event_status}`) : null);
    };
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
      card ? h('div.drill-score', { attrs: { 'data-testid': 'drill-score' } }, h('strong', `评分 ${card.score}`), ` · ${card.conclusion}`, card.callup ? ` · 叫应应答 ${card.callup[1]}/${card.callup[0]}` : '') : null,
      h('div.callup-row',
        d.state === 'running' ? control('暂停', 'pause') : null,
        d.state === 'paused' ? control('继续', 'resume') : null,
        d.state === 'running' || d.state === 'paused' ? control('结束演练', 'stop', 'danger') : null,
      ),
      h(
        'table.table.drill-injects',
        h('thead', h('tr', ['#', '计划', '注入', '类型', '村（社区）', '事件', '环节用时 / 时限', '得分', '未完成'].map((t) => h('th', t)))),
        h('tbody', s.injects.map((i) => h(`tr${i.injected_at ? '.injected' : ''}`, { attrs: { 'data-seq': String(i.seq) } },
          h('td', String(i.seq)),
          h('td', clock(i.planned_at)),
          h('td', clock(i.injected_at)),
          h('td', i.kind_zh),
          h('td', i.village_name ?? i.village_code),
          h('td', i.event_id ? `#${i.event_id}` : '—'),
          h('td', progress(i)),
          h('td', scored.get(i.seq) ? String(scored.get(i.seq).score) : '—'),
          h('td', (scored.get(i.seq)?.missed ?? []).map((a) => ACTION_ZH[a] ?? a).join('、')),
        ))),
      ),
    );
  };

  const show = async () => {
    let s = null;
    let card = null;
    if (current) {
      try {
        [s, card] = await Promise.all([ipc.drillStatus(current.id), ipc.drillScorecard(current.id).catch(() => null)]);
      } catch (error) {
        dialog.setError(error.message);
      }
    }
    fill(body, h('div.callup-columns', form(), s ? statusView(s, card) : h('section.drill-status', h('p.muted', '尚无演练'))));
  };
  await show();
  timer = setInterval(() => {
    if (!current || !document.body.contains(body)) return;
    Promise.all([ipc.drillStatus(current.id), ipc.drillScorecard(current.id).catch(() => null)]).then(([s, card]) => {
      const view = body.querySelector('.drill-status');
      if (view) view.replaceWith(statusView(s, card));
    }).catch(() => {});
  }, 2000);
}
