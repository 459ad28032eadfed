// What a dialog's keys and clicks mean, apart from the DOM so that it can be tested: Enter submits from any
// single-line field or select (受理 and 结案 open on a select), a textarea keeps Enter for new lines and takes
// Ctrl+Enter; a dialog with something typed into it is not thrown away by a stray click beside it.

/** Whether this keydown in a form submits it. `target` needs only `tagName` and, for inputs, `type`. */
export function submitsOnEnter(e) {
  if (e.key !== 'Enter' || e.isComposing) return false;
  if (e.ctrlKey || e.metaKey) return true;
  const tag = e.target?.tagName;
  if (tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  // A button-like input acts on its own; Enter on a checkbox toggles nothing in WebKit, so it submits.
  return !['button', 'submit', 'reset', 'file'].includes(e.target.type);
}

/** Whether a form's values (name → string) differ from what it opened with. */
export function isDirty(initial, current) {
  const names = new Set([...Object.keys(initial), ...Object.keys(current)]);
  for (const name of names) {
    if (String(initial[name] ?? '').trim() !== String(current[name] ?? '').trim()) return true;
  }
  return false;
}
