// Short messages in the corner: what was done, and every refusal from the back end in its own Chinese
// words. Errors stay until clicked — a refusal read late at night must not vanish before it is read.

import { h } from './dom.js';
import { silentWhileLocked } from './idle-rules.js';

let root = null;

function container() {
  if (!root) {
    root = h('div.toasts', { attrs: { role: 'status', 'aria-live': 'polite' } });
    document.body.append(root);
  }
  return root;
}

export function toast(message, kind = 'info', ms = 4000) {
  // The same words again replace the older toast rather than stack on it.
  for (const old of container().children) if (old.textContent === message) old.remove();
  const el = h(`div.toast.toast-${kind}`, { on: { click: () => el.remove() } }, message);
  container().append(el);
  if (kind !== 'error') setTimeout(() => el.remove(), ms);
  while (root.children.length > 5) root.firstChild.remove();
  return el;
}

/** Shows an IpcError (or anything thrown) as a toast; the conflict message names who acted first. */
export function toastError(error, prefix = '') {
  if (silentWhileLocked(error)) return null;
  const message = error?.message || String(error);
  return toast(prefix ? `${prefix}：${message}` : message, 'error');
}
