// The arithmetic of the virtualised queue: which rows are in view, where they sit, how the selection moves
// and how far to scroll to keep it in sight. Rows have one fixed height, so every answer is a division —
// 10,000 rows cost the same as ten.

/**
 * The rows to put in the DOM for a scroll position: those in the viewport plus `overscan` on each side, so
 * that a fast wheel scroll does not show blank space before the next frame fills it.
 */
export function visibleWindow({ scrollTop, viewportHeight, rowHeight, total, overscan = 6 }) {
  const totalHeight = total * rowHeight;
  if (total === 0 || viewportHeight <= 0) return { first: 0, last: -1, offsetTop: 0, totalHeight };
  const maxTop = Math.max(0, totalHeight - viewportHeight);
  const top = Math.min(Math.max(0, scrollTop), maxTop);
  const firstInView = Math.floor(top / rowHeight);
  const lastInView = Math.min(total - 1, Math.ceil((top + viewportHeight) / rowHeight) - 1);
  const first = Math.max(0, firstInView - overscan);
  const last = Math.min(total - 1, lastInView + overscan);
  return { first, last, offsetTop: first * rowHeight, totalHeight };
}

/** How many whole rows a page key moves: at least one. */
export function pageRows(viewportHeight, rowHeight) {
  return Math.max(1, Math.floor(viewportHeight / rowHeight) - 1);
}

/**
 * The selection after a move. From no selection (-1) any move lands on the first row; moves clamp at the
 * ends rather than wrap, because wrapping from the most urgent event to the least is a surprise at 3 a.m.
 */
export function moveSelection(index, delta, total) {
  if (total <= 0) return -1;
  if (index < 0) return delta === Infinity ? total - 1 : 0;
  if (delta === Infinity) return total - 1;
  if (delta === -Infinity) return 0;
  return Math.min(total - 1, Math.max(0, index + delta));
}

/**
 * The scroll position that brings row `index` fully into view, moving as little as possible; the current
 * position when it is already visible.
 */
export function scrollTopToReveal({ index, scrollTop, viewportHeight, rowHeight }) {
  if (index < 0) return scrollTop;
  const rowTop = index * rowHeight;
  const rowBottom = rowTop + rowHeight;
  if (rowTop < scrollTop) return rowTop;
  if (rowBottom > scrollTop + viewportHeight) return Math.max(0, rowBottom - viewportHeight);
  return scrollTop;
}

/**
 * Where to scroll after the list is re-sorted so that the row the officer was looking at stays under
 * their eyes: the same on-screen offset for the anchor row's new index.
 */
export function keepAnchor({ oldIndex, newIndex, scrollTop, rowHeight }) {
  if (oldIndex < 0 || newIndex < 0) return scrollTop;
  return Math.max(0, scrollTop + (newIndex - oldIndex) * rowHeight);
}
