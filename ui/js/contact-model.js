// How a revealed number leaves the console, apart from the DOM.

/** The link a number is dialled through; `null` when the workstation only copies (拨号方式: 仅复制号码). */
export function dialHref(number, mode) {
  const digits = String(number ?? '').replace(/[^0-9+]/g, '');
  if (!digits || mode === 'copy') return null;
  return `tel:${digits}`;
}
