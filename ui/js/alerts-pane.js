// The camera alert feed on the right: one card per burst (one camera, one kind, within ten minutes) with
// its count, the snapshot when the NVR kept one, and the three triage buttons. Cards are keyed by burst,
// so a fetch after a live change moves, adds and removes cards without rebuilding the ones that stayed.

import { h, fill } from './dom.js';
import { alertCount, mergeGroups, summariseGroup, groupKey } from './alerts-model.js';
import { formatAgo, formatTime } from './time.js';
import { now } from './clock.js';
import * as ipc from './ipc.js';
import { nvrName } from './labels.js';

export class AlertsPane {
  constructor(root, { onToEvent, onAttach, onDismiss, onFocus, onMute, onUnmute }) {
    this.root = root;
    this.handlers = { onToEvent, onAttach, onDismiss, onFocus, onMute, onUnmute };
    this.mutedEl = h('div.alert-muted', { hidden: true, attrs: { 'data-testid': 'alert-muted' } });
    /** Bursts picked for one triage (批量研判), by key. */
    this.picked = new Set();
    this.cards = new Map();
    this.groups = [];
    this.snapshots = new Map();
    this.selectedKey = null;
    this.canTriage = true;
    this.countEl = h('span.pane-count');
    this.list = h('div.alert-list', { attrs: { role: 'list', 'aria-label': '视频告警' } });
    this.empty = h('div.alert-empty', '正在载入视频告警…');
    this.bulk = h('div.alert-bulk', { hidden: true, attrs: { 'data-testid': 'alert-bulk' } });
    fill(
      this.root,
      h('header.pane-head', h('h2', '视频告警'), this.countEl),
      this.mutedEl,
      this.bulk,
      h('div.alert-scroll', this.empty, this.list),
    );
  }

  /** Cameras silenced now, each with its end and an unmute button. */
  setMuted(mutes) {
    this.mutedEl.hidden = !mutes.length;
    fill(
      this.mutedEl,
      mutes.map((m) =>
        h(
          'div.muted-camera',
          h('span', `已静默：${m.camera_name}，至 ${formatTime(m.until)}（${m.muted_by}：${m.reason}）`),
          this.canTriage ? h('button.btn.btn-small.btn-ghost', { type: 'button', on: { click: () => this.handlers.onUnmute?.(m) } }, '解除') : null,
        ),
      ),
    );
  }

  /** The picked bursts as they are now (a burst triaged elsewhere drops out). */
  pickedGroups() {
    return this.groups.filter((g) => this.picked.has(groupKey(g)));
  }

  renderBulk() {
    const groups = this.pickedGroups();
    this.bulk.hidden = !this.canTriage || groups.length === 0;
    if (this.bulk.hidden) return;
    const merged = mergeGroups(groups);
    fill(
      this.bulk,
      h('span.bulk-count', `已选 ${groups.length} 组 / ${merged.alerts.length} 条`),
      h('button.btn.btn-small', { type: 'button', attrs: { 'data-testid': 'bulk-attach' }, on: { click: () => this.handlers.onAttach(merged, { bulk: true }) } }, '批量关联'),
      h('button.btn.btn-small.btn-ghost', { type: 'button', attrs: { 'data-testid': 'bulk-dismiss' }, on: { click: () => this.handlers.onDismiss(merged, { bulk: true }) } }, '批量排除'),
      h('button.btn.btn-small.btn-ghost', { type: 'button', on: { click: () => this.clearPicked() } }, '取消选择'),
    );
  }

  clearPicked() {
    this.picked.clear();
    for (const card of this.cards.values()) {
      const box = card.el.querySelector('.acard-pick input');
      if (box) box.checked = false;
    }
    this.renderBulk();
  }

  /** Triage is the duty officer's (the back end says so in `session.can`); others watch the feed. */
  setCanTriage(can) {
    if (this.canTriage === can) return;
    this.canTriage = can;
    for (const card of this.cards.values()) this.fillCard(card, card.group, summariseGroup(card.group, now()));
  }

  update(groups, total) {
    this.groups = groups;
    const t = now();
    const keys = new Set();
    groups.forEach((group, i) => {
      const key = groupKey(group);
      keys.add(key);
      let card = this.cards.get(key);
      const summary = summariseGroup(group, t);
      if (!card) {
        card = this.createCard(group, summary);
        this.cards.set(key, card);
        card.el.classList.add('flash');
        setTimeout(() => card.el.classList.remove('flash'), 2500);
      } else if (card.signature !== signature(group)) {
        this.fillCard(card, group, summary);
        card.el.classList.add('flash');
        setTimeout(() => card.el.classList.remove('flash'), 2500);
      }
      // Moving a node that is already in place is a no-op for layout; only out-of-order cards move.
      if (this.list.children[i] !== card.el) this.list.insertBefore(card.el, this.list.children[i] ?? null);
    });
    for (const [key, card] of this.cards) {
      if (!keys.has(key)) {
        card.el.remove();
        this.cards.delete(key);
      }
    }
    for (const key of [...this.picked]) if (!keys.has(key)) this.picked.delete(key);
    this.renderBulk();
    this.countEl.textContent = alertCount(groups, total);
    this.empty.hidden = groups.length > 0;
    fill(this.empty, '暂无待研判的视频告警');
  }

  createCard(group, summary) {
    const card = { el: h('article.acard', { attrs: { role: 'listitem', tabIndex: 0, 'data-testid': 'alert-card' } }), group, signature: '' };
    card.el.addEventListener('click', (e) => {
      if (e.target.closest('button, label, input')) return;
      this.selectedKey = groupKey(card.group);
      for (const c of this.cards.values()) c.el.classList.toggle('selected', c === card);
      this.handlers.onFocus?.(card.group);
    });
    this.fillCard(card, group, summary);
    return card;
  }

  fillCard(card, group, summary) {
    card.group = group;
    card.signature = signature(group);
    const t = now();
    const snap = summary.snapshotAlertId != null ? this.snapshotImage(summary.snapshotAlertId) : h('div.acard-nosnap', '无截图');
    const recognition = recognitionText(summary.recognition);
    fill(
      card.el,
      h(
        'div.acard-head',
        this.canTriage
          ? h(
              'label.acard-pick',
              { title: '选中以批量排除或关联' },
              h('input', { type: 'checkbox', checked: this.picked.has(groupKey(group)), attrs: { 'data-testid': 'alert-pick', 'aria-label': '选中此组告警' }, on: { change: (e) => this.pick(group, e.target.checked) } }),
            )
          : null,
        h(`span.acard-kind.lvl-${summary.level}`, summary.kindName),
        summary.countText ? h('span.acard-count', { title: `同一摄像头 10 分钟内 ${summary.count} 条告警` }, summary.countText) : null,
        summary.ongoing ? h('span.acard-live', '进行中') : null,
        group.drill_id ? h('span.badge.badge-drill', { title: `演练 ${group.drill_id}` }, '演练') : null,
        h('span.acard-when', { title: summary.span }, h('span.acard-ago', formatAgo(group.last_at, t)), h('span.acard-span', summary.span)),
      ),
      h(
        'div.acard-body',
        h(
          'div.acard-info',
          h('div.acard-camera', group.camera_name),
          h('div.acard-grid', [group.grid_name || '未登记摄像头（需指定网格）', nvrName(group.nvr)].filter(Boolean).join(' · ')),
          h('div.acard-meta', summary.confidence ? `置信度 ${summary.confidence}` : '', recognition ? h('span.acard-recog', recognition) : null),
        ),
        snap,
      ),
      this.canTriage ? this.triageButtons(card) : null,
    );
    card.el.className = `acard lvl-${summary.level}${group.drill_id ? ' acard-drill' : ''}${this.selectedKey === groupKey(group) ? ' selected' : ''}`;
  }

  pick(group, on) {
    const key = groupKey(group);
    if (on) this.picked.add(key);
    else this.picked.delete(key);
    this.renderBulk();
  }

  triageButtons(card) {
    return h(
      'div.acard-actions',
      h('button.btn.btn-small.btn-primary', { type: 'button', attrs: { 'data-testid': 'alert-to-event' }, on: { click: () => this.handlers.onToEvent(card.group) } }, '转为事件'),
      h('button.btn.btn-small', { type: 'button', attrs: { 'data-testid': 'alert-attach' }, on: { click: () => this.handlers.onAttach(card.group) } }, '关联事件'),
      h('button.btn.btn-small.btn-ghost', { type: 'button', attrs: { 'data-testid': 'alert-dismiss' }, on: { click: () => this.handlers.onDismiss(card.group) } }, '误报'),
      card.group.camera_id ? h('button.btn.btn-small.btn-ghost', { type: 'button', title: '一段时间内自动排除此摄像头的告警', attrs: { 'data-testid': 'alert-mute' }, on: { click: () => this.handlers.onMute?.(card.group) } }, '静默') : null,
    );
  }

  snapshotImage(alertId) {
    const img = h('img.acard-snap', { alt: '告警截图', loading: 'lazy' });
    const known = this.snapshots.get(alertId);
    const show = (url) => {
      if (url) img.src = url;
      else img.replaceWith(h('div.acard-nosnap', '截图不可用'));
    };
    if (known !== undefined) {
      Promise.resolve(known).then(show);
    } else {
      const pending = ipc.alertSnapshot(alertId).then((r) => r?.data_url ?? null, () => null);
      this.snapshots.set(alertId, pending);
      pending.then((url) => {
        this.snapshots.set(alertId, url);
        show(url);
      });
    }
    img.addEventListener('click', () => img.classList.toggle('zoomed'));
    return img;
  }

  /** Refreshes "3分钟前" without touching anything else. */
  tick() {
    const t = now();
    for (const card of this.cards.values()) {
      const ago = card.el.querySelector('.acard-ago');
      if (ago) ago.textContent = formatAgo(card.group.last_at, t);
    }
  }

  highlight(key) {
    const card = this.cards.get(key);
    if (!card) return;
    this.selectedKey = key;
    for (const c of this.cards.values()) c.el.classList.toggle('selected', c === card);
    card.el.scrollIntoView({ block: 'nearest' });
  }
}

function signature(group) {
  return `${group.alerts.length}:${group.priority}:${group.last_at}:${group.alerts.map((a) => `${a.id}.${a.updates ?? 0}`).join(',')}`;
}

/** A recognition result (JSON from ingest: a face match or a plate) as one line. */
function recognitionText(raw) {
  if (!raw) return '';
  try {
    const r = typeof raw === 'string' ? JSON.parse(raw) : raw;
    if (r.face) return `人脸比对：${r.face}${r.score != null ? ` ${Math.round(r.score * 100)}%` : ''}${r.watchlist ? '（布控库）' : ''}`;
    if (r.plate) return `车牌：${r.plate}`;
  } catch {
    // Not JSON: shown as it came.
  }
  return String(raw);
}
