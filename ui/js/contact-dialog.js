// 联系 from the console: the number behind a masked one is revealed (an audited act with the event as its
// reason), copied or handed to the workstation's phone handler (`tel:`, a softphone — the 拨号方式
// setting), and how the call went is recorded on the event's history (联系记录).

import { h } from './dom.js';
import { openDialog } from './dialogs.js';
import * as ipc from './ipc.js';
import { toast } from './toast.js';
import { dialHref } from './contact-model.js';

export const CONTACT_OUTCOMES = [
  ['reached', '已接通'],
  ['no_answer', '无人接听'],
  ['unreachable', '无法接通'],
  ['copied', '已复制号码拨打'],
];

/**
 * `event` is the drawer's event; `whom` the person's name; `reveal` (optional) `{ field, ref }` of their
 * masked number; `masked` the number as shown. Resolves true once a contact is recorded.
 */
export function contactDialog({ event, whom, masked, reveal, dialMode }) {
  return new Promise((resolve) => {
    const number = h('span.contact-number', { attrs: { 'data-testid': 'contact-number' } }, masked || '（无号码）');
    const actions = h('div.contact-actions');
    const outcome = h('select', { attrs: { 'data-testid': 'contact-outcome' } }, CONTACT_OUTCOMES.map(([v, l]) => h('option', { value: v }, l)));
    const note = h('textarea', { rows: 2, placeholder: '通话要点（可选），记入事件办理记录' });
    const showNumber = reveal
      ? h('button.btn.btn-small', {
          type: 'button',
          attrs: { 'data-testid': 'contact-reveal' },
          on: {
            click: async () => {
              try {
                const clear = (await ipc.reveal(reveal.field, reveal.ref, `联系：事件 #${event.id}`))?.value ?? '';
                number.textContent = clear;
                showNumber.remove();
                const href = dialHref(clear, dialMode);
                actions.append(h('button.btn.btn-small', { type: 'button', on: { click: () => navigator.clipboard?.writeText(clear).then(() => toast('号码已复制', 'ok'), () => toast('无法写入剪贴板，请手工抄录', 'warn')) } }, '复制号码'));
                if (href) actions.append(h('a.btn.btn-small.btn-primary', { href, attrs: { 'data-testid': 'contact-dial' } }, '拨打'));
              } catch (error) {
                dialog.setError(error.message);
              }
            },
          },
        }, '显示号码（记入审计）')
      : null;
    actions.append(...[showNumber].filter(Boolean));
    const submit = h('button.btn.btn-primary', { type: 'button', attrs: { 'data-testid': 'contact-submit' } }, '记录联系');
    const cancel = h('button.btn.btn-ghost', { type: 'button' }, '取消');
    const dialog = openDialog({
      title: `联系 ${whom}`,
      subtitle: `事件 #${event.id} ${event.title}`,
      body: [h('div.contact-line', number, actions), h('div.form-grid', h('div.field', h('label.field-label', '联系结果'), outcome), h('div.field.field-wide', h('label.field-label', '通话要点'), note))],
      footer: [cancel, submit],
      onClose: resolve,
      guard: () => Boolean(note.value.trim()),
    });
    cancel.addEventListener('click', () => dialog.close(false));
    submit.addEventListener('click', async () => {
      dialog.setBusy(true);
      try {
        await ipc.logContact(event.id, whom, outcome.value, note.value.trim());
        dialog.close(true);
      } catch (error) {
        dialog.setBusy(false);
        dialog.setError(error.message);
      }
    });
  });
}
