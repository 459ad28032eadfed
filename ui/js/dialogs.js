// Modal dialogs and forms. A stack, so that a reason asked from inside the dispatch dialog closes back
// into it; Esc closes the top one; the submit button shows it is working and a refusal from the back end
// is shown inside the dialog, next to what the officer typed, rather than in a toast behind it.

import { h, fill } from './dom.js';
import { isDirty, submitsOnEnter } from './form-rules.js';

const stack = [];

export function isDialogOpen() {
  return stack.length > 0;
}

/** Closes the topmost dialog as if cancelled; false when none is open. */
export function closeTopDialog() {
  const top = stack[stack.length - 1];
  if (!top) return false;
  top.requestClose();
  return true;
}

/**
 * Opens a dialog. `body` and `footer` are nodes; returns `{ el, body, close, requestClose, setError, setBusy }`.
 * `onClose(result)` runs once, whichever way it closes. `guard()` true means something typed would be lost:
 * Esc and a click beside the dialog then ask first (the × and 取消 buttons are meant, and do not).
 */
export function openDialog({ title, subtitle, body, footer, wide = false, className = '', onClose, guard }) {
  const error = h('div.dialog-error', { attrs: { role: 'alert' }, hidden: true });
  const closeButton = h('button.icon-button.dialog-close', { type: 'button', title: '关闭 (Esc)', attrs: { 'aria-label': '关闭' } }, '×');
  const panel = h(
    `div.dialog${wide ? '.dialog-wide' : ''}${className ? `.${className}` : ''}`,
    { attrs: { role: 'dialog', 'aria-modal': 'true', 'aria-label': title } },
    h('header.dialog-head', h('div', h('h2', title), subtitle ? h('p.dialog-sub', subtitle) : null), closeButton),
    h('div.dialog-body', body),
    error,
    footer ? h('footer.dialog-foot', footer) : null,
  );
  const backdrop = h('div.dialog-backdrop', panel);
  let closed = false;
  let asking = false;
  const handle = {
    el: panel,
    close(result = null) {
      if (closed) return;
      closed = true;
      backdrop.remove();
      const i = stack.indexOf(handle);
      if (i >= 0) stack.splice(i, 1);
      onClose?.(result);
    },
    async requestClose() {
      if (closed || asking) return;
      if (guard?.()) {
        asking = true;
        const discard = await confirmDialog({ title: '放弃已填写的内容？', message: '对话框中已填写的内容尚未提交，关闭后将丢失。', confirmLabel: '放弃', tone: 'danger' });
        asking = false;
        if (!discard) return;
      }
      handle.close(null);
    },
    setError(message) {
      error.hidden = !message;
      fill(error, message || '');
    },
    setBusy(busy) {
      panel.classList.toggle('busy', busy);
      for (const b of panel.querySelectorAll('footer button')) b.disabled = busy;
    },
  };
  closeButton.addEventListener('click', () => handle.close(null));
  backdrop.addEventListener('mousedown', (e) => {
    if (e.target === backdrop) handle.requestClose();
  });
  stack.push(handle);
  document.body.append(backdrop);
  queueMicrotask(() => {
    const first = panel.querySelector('[autofocus], .dialog-body input:not([type=hidden]), .dialog-body select, .dialog-body textarea, footer .btn-primary');
    first?.focus();
  });
  return handle;
}

function fieldInput(field) {
  const id = `f-${field.name}-${Math.random().toString(36).slice(2, 7)}`;
  let input;
  if (field.type === 'select') {
    input = h('select', { id, name: field.name }, [
      field.placeholder ? h('option', { value: '' }, field.placeholder) : null,
      ...field.options.map((o) => h('option', { value: String(o.value), selected: String(o.value) === String(field.value ?? '') }, o.label)),
    ]);
  } else if (field.type === 'textarea') {
    input = h('textarea', { id, name: field.name, rows: field.rows ?? 3, value: field.value ?? '', placeholder: field.placeholder ?? '' });
  } else if (field.type === 'password') {
    input = h('input', { id, name: field.name, type: 'password', value: field.value ?? '', autocomplete: 'off' });
  } else {
    input = h('input', {
      id,
      name: field.name,
      type: field.type === 'number' ? 'number' : 'text',
      value: field.value ?? '',
      placeholder: field.placeholder ?? '',
      min: field.min,
      autocomplete: 'off',
    });
  }
  const presets = field.presets?.length
    ? h(
        'div.presets',
        field.presets.map((p) =>
          h('button.chip', { type: 'button', on: { click: () => { input.value = p; input.focus(); } } }, p),
        ),
      )
    : null;
  const label = h('label.field-label', { htmlFor: id }, field.label, field.required ? h('span.req', { attrs: { 'aria-hidden': 'true' } }, ' *') : null);
  const row = h(`div.field${field.wide ? '.field-wide' : ''}`, label, input, presets, field.hint ? h('div.field-hint', field.hint) : null);
  return { row, input };
}

/**
 * A form in a dialog. Resolves with what `onSubmit(values)` returned, or null when cancelled. A thrown
 * error (an IpcError from the back end) keeps the dialog open with the message shown in it.
 */
export function formDialog({ title, subtitle, intro, fields, submitLabel = '确定', tone = 'primary', validate, onSubmit, wide, setup }) {
  return new Promise((resolve) => {
    const inputs = new Map();
    const form = h('form.form-grid', { attrs: { novalidate: true } });
    if (intro) form.append(h('div.form-intro', intro));
    for (const field of fields) {
      const { row, input } = fieldInput(field);
      inputs.set(field.name, input);
      form.append(row);
    }
    const read = () => Object.fromEntries([...inputs].map(([name, el]) => [name, el.value]));
    const submit = h(`button.btn.btn-${tone}`, { type: 'button', attrs: { 'data-testid': 'dialog-submit' } }, submitLabel);
    const cancel = h('button.btn.btn-ghost', { type: 'button' }, '取消');
    let initial = null;
    const dialog = openDialog({ title, subtitle, body: form, footer: [cancel, submit], wide, onClose: resolve, guard: () => initial !== null && isDirty(initial, read()) });
    // Fields that depend on each other (a village, then its grids) are wired by the caller.
    setup?.(inputs);
    initial = read();
    cancel.addEventListener('click', () => dialog.close(null));
    const go = async () => {
      const values = read();
      const problem = validate?.(values);
      if (problem) return dialog.setError(problem);
      dialog.setError('');
      dialog.setBusy(true);
      try {
        const result = await onSubmit(values);
        dialog.close(result ?? values);
      } catch (error) {
        dialog.setBusy(false);
        dialog.setError(error?.message || String(error));
      }
    };
    submit.addEventListener('click', (e) => {
      e.preventDefault();
      go();
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      go();
    });
    form.addEventListener('keydown', (e) => {
      if (submitsOnEnter(e)) {
        e.preventDefault();
        go();
      }
    });
  });
}

/** A yes/no question. Resolves true or false. */
export function confirmDialog({ title, message, confirmLabel = '确定', tone = 'primary' }) {
  return new Promise((resolve) => {
    const yes = h(`button.btn.btn-${tone}`, { type: 'button' }, confirmLabel);
    const no = h('button.btn.btn-ghost', { type: 'button' }, '取消');
    const d = openDialog({ title, body: h('p.confirm-text', message), footer: [no, yes], onClose: (r) => resolve(Boolean(r)) });
    yes.addEventListener('click', () => d.close(true));
    no.addEventListener('click', () => d.close(false));
  });
}

document.addEventListener(
  'keydown',
  (e) => {
    if (e.key === 'Escape' && stack.length) {
      e.preventDefault();
      e.stopImmediatePropagation();
      closeTopDialog();
    }
  },
  true,
);
