// A small element builder. Everything shown on the console that came from outside — titles typed by
// residents, camera names, notes — goes in as text nodes, never as HTML, so no report can inject markup.
// Styles are classes only: the app's CSP (`style-src 'self'`) refuses inline style attributes, and
// positions set through the CSSOM (`el.style.transform`) are the one exception the views use.

/**
 * `h('div.row.selected', { title, dataset, on: { click }, attrs }, ...children)`. Children may be strings,
 * nodes, arrays, or null/false (skipped).
 */
export function h(tag, props, ...children) {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name || 'div');
  if (classes.length) el.className = classes.join(' ');
  if (props && (typeof props !== 'object' || props instanceof Node || Array.isArray(props))) {
    children.unshift(props);
    props = null;
  }
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value == null || value === false) continue;
      if (key === 'class') el.className = [el.className, value].filter(Boolean).join(' ');
      else if (key === 'text') el.textContent = value;
      else if (key === 'dataset') Object.assign(el.dataset, value);
      else if (key === 'on') for (const [type, fn] of Object.entries(value)) el.addEventListener(type, fn);
      else if (key === 'attrs') for (const [a, v] of Object.entries(value)) { if (v != null && v !== false) el.setAttribute(a, v === true ? '' : v); }
      else if (key in el) el[key] = value;
      else el.setAttribute(key, value);
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child == null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** True when the keyboard is in a field, where letters and arrows belong to the field. */
export function typingInField(event) {
  const t = event.target;
  return t instanceof HTMLElement && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));
}

/** Calls `fn` at most once per `ms`, with the latest arguments, trailing. */
export function throttle(fn, ms) {
  let timer = null;
  let lastArgs = null;
  return (...args) => {
    lastArgs = args;
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      fn(...lastArgs);
    }, ms);
  };
}

/** A small keyboard hint, e.g. `kbd('F3')`. */
export const kbd = (text) => h('kbd', text);
