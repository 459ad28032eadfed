// The grid map in the centre. Leaflet from /vendor with the canvas renderer (`preferCanvas`); the base is
// drawn from the grid polygons themselves (grid-tiles.js), so the map works with no tile server, and an
// intranet tile URL can be laid under it from the settings. Grid levels come from the back end's level
// scheme (data-driven: a county may have four levels or five) and are toggled here; boundaries of a level
// are fetched the first time it is shown. Workers, cameras and events are clustered (markers.js).

import { h, fill } from './dom.js';
import { createGridTiles, prepareLevel } from './grid-tiles.js';
import { PointClusters } from './markers.js';
import { wgs84ToGcj02 } from './geo.js';
import { SEVERITY, STATUS, EMPLOYMENT, nameOf } from './labels.js';
import { timeLeft } from './time.js';
import { now } from './clock.js';
import * as ipc from './ipc.js';
import { toastError } from './toast.js';
import { mark } from './marks.js';

const SEVERITY_COLOURS = { 1: '#6f8fb0', 2: '#d2a53a', 3: '#e27d3d', 4: '#e5484d' };

/**
 * Workers and cameras are drawn from about the size of a township on screen; above that (a county, the
 * city) the map shows the grids and the events, and says where the rest went.
 */
const PEOPLE_MIN_ZOOM = 11;

/** Levels shown at first: down to the small grid; the micro and household levels are dense and opt-in. */
const DEFAULT_MAX_DEPTH = 2;

export class MapPane {
  constructor(root, { onGridClick, onEventClick, onCameraClick, insetLeft }) {
    this.root = root;
    this.insetLeft = insetLeft;
    this.handlers = { onGridClick, onEventClick, onCameraClick };
    this.L = window.L;
    this.levels = [];
    this.visibleDepths = new Set();
    this.project = null;
    this.tileLayer = null;
    this.fitted = false;
    this.boundaryCache = new Map();
  }

  /**
   * `maxDepth`: the deepest level shown at first (the benchmark shows every level above the household).
   * `deepAfter`: a promise the levels below the village wait for, so that at city scale their tens of
   * thousands of polygons do not compete with the queue's first load.
   */
  init({ levels, root: rootNode, settings, maxDepth = DEFAULT_MAX_DEPTH, deepAfter = null }) {
    const L = this.L;
    this.mapEl = h('div.map');
    this.layersEl = h('div.map-layers');
    this.legendEl = h('div.map-legend');
    fill(this.root, this.mapEl, this.layersEl, this.legendEl);
    this.map = L.map(this.mapEl, {
      preferCanvas: true,
      zoomControl: false,
      attributionControl: false,
      minZoom: 7,
      maxZoom: 19,
      zoomSnap: 0.25,
      zoomDelta: 0.5,
      wheelPxPerZoomLevel: 90,
      keyboard: false,
    });
    L.control.zoom({ position: 'bottomright', zoomInTitle: '放大', zoomOutTitle: '缩小' }).addTo(this.map);
    L.control.scale({ position: 'bottomright', imperial: false }).addTo(this.map);
    this.renderer = L.canvas({ padding: 0.3 });
    this.grids = createGridTiles(L).addTo(this.map);
    this.selection = L.layerGroup().addTo(this.map);
    if (rootNode?.lat != null) this.map.setView([rootNode.lat, rootNode.lon], 12);
    else this.map.setView([23.1, 109.6], 11);

    this.workers = new PointClusters(L, this.map, {
      kind: 'worker',
      renderer: this.renderer,
      radius: 40,
      minZoom: PEOPLE_MIN_ZOOM,
      clusterScale: 0.8,
      pointStyle: (p) => ({ radius: 4, weight: 1, color: '#0d141c', fillColor: p.on_duty ? '#3fb68b' : '#6b7785', fillOpacity: 0.9 }),
      tooltip: (p) => `${p.name} · ${nameOf(EMPLOYMENT, p.employment)}${p.on_duty ? ' · 在岗' : ' · 不在岗'}${p.active_tasks ? ` · 任务 ${p.active_tasks}` : ''}`,
      map: (p) => ({ on_duty: p.on_duty ? 1 : 0 }),
      reduce: (acc, p) => { acc.on_duty += p.on_duty; },
      clusterClass: (p) => (p.on_duty ? '' : 'off'),
    });
    this.cameras = new PointClusters(L, this.map, {
      kind: 'camera',
      renderer: this.renderer,
      radius: 40,
      minZoom: PEOPLE_MIN_ZOOM,
      clusterScale: 0.8,
      pointStyle: (p) => ({ radius: 3.5, weight: 1.5, color: p.online === false ? '#6b7785' : '#9b8df0', fillColor: '#1b2230', fillOpacity: 1 }),
      tooltip: (p) => `${p.name}${p.nvr_name ? ` · ${p.nvr_name}` : ''}${p.online === false ? ' · 离线' : ''}`,
      onClick: (p) => this.handlers.onCameraClick?.(p),
    });
    this.events = new PointClusters(L, this.map, {
      kind: 'event',
      renderer: this.renderer,
      pointStyle: (p) => ({
        radius: 7,
        weight: p.overdue ? 3 : 1.5,
        color: p.overdue ? '#ff6b6b' : '#0d141c',
        fillColor: SEVERITY_COLOURS[p.severity] ?? SEVERITY_COLOURS[1],
        fillOpacity: 0.95,
      }),
      tooltip: (p) => `#${p.id} ${p.title}\n${STATUS[p.status] ?? p.status} · ${nameOf(SEVERITY, p.severity)} · ${timeLeft(p.due_at, now()).text}`,
      onClick: (p) => this.handlers.onEventClick?.(p.id),
      map: (p) => ({ overdue: p.overdue ? 1 : 0, severe: p.severity >= 3 ? 1 : 0 }),
      reduce: (acc, p) => {
        acc.overdue += p.overdue;
        acc.severe += p.severe;
      },
      clusterClass: (p) => (p.overdue ? 'alarm' : p.severe ? 'severe' : ''),
    });

    this.map.on('click', (e) => this.onMapClick(e));
    this.map.on('zoomend', () => {
      const hidden = this.peopleHidden();
      if (hidden !== this.peopleWereHidden) {
        this.peopleWereHidden = hidden;
        if (this.levels.length) this.renderLayerToggles();
      }
    });
    this.map.once('dragstart zoomstart', () => { if (this.extent) this.touched = true; });
    this.levels = levels;
    for (const level of levels) if (level.depth <= maxDepth) this.visibleDepths.add(level.depth);
    this.applySettings(settings);
    this.renderLayerToggles();
    this.renderLegend();
    this.workers.setEnabled(true);
    this.cameras.setEnabled(true);
    this.events.setEnabled(true);
    const depths = [...this.visibleDepths];
    const shallow = depths.filter((d) => d <= 1);
    const deep = depths.filter((d) => d > 1);
    const later = Promise.resolve(deepAfter).then(() => Promise.all(deep.map((d) => this.showDepth(d, true))));
    return Promise.all([...shallow.map((d) => this.showDepth(d, true)), later]);
  }

  /** Fits the township to the pane; the pane may only now have its final size. */
  fitTownship() {
    if (!this.extent) return;
    const [w, s, e, n] = this.extent;
    this.map.invalidateSize();
    // The layer panel sits at the top right: keep the township clear of it.
    this.map.fitBounds([[s, w], [n, e]], { paddingTopLeft: [20, 20], paddingBottomRight: [this.layersEl.offsetWidth + 28, 36] });
  }

  applySettings(settings) {
    const L = this.L;
    const gcj = settings.tileUrl && settings.tileCrs === 'gcj02';
    const project = gcj ? wgs84ToGcj02 : null;
    const changed = (project ? 'gcj' : 'wgs') !== (this.project ? 'gcj' : 'wgs');
    this.project = project;
    this.tileLayer?.remove();
    this.tileLayer = null;
    if (settings.tileUrl) {
      this.tileLayer = L.tileLayer(settings.tileUrl, { maxZoom: 19, className: 'base-tiles' }).addTo(this.map);
      this.tileLayer.bringToBack();
    }
    this.root.classList.toggle('with-tiles', Boolean(settings.tileUrl));
    if (changed) {
      for (const [depth, fc] of this.boundaryCache) this.grids.setLevel(depth, prepareLevel(fc, this.project));
      for (const layer of [this.workers, this.cameras, this.events]) layer?.setProjection(this.project);
    }
  }

  async showDepth(depth, on) {
    if (on) this.visibleDepths.add(depth);
    else this.visibleDepths.delete(depth);
    if (on && !this.grids.hasLevel(depth)) {
      try {
        const fc = await ipc.gridBoundaries(depth);
        mark(`boundaries_${depth}`);
        this.boundaryCache.set(depth, fc);
        const prepared = prepareLevel(fc, this.project);
        mark(`prepared_${depth}`);
        this.grids.setLevel(depth, prepared);
        if (!this.fitted && prepared.items.length && depth <= 1) {
          this.fitted = true;
          this.extent = prepared.extent;
          this.fitTownship();
        }
      } catch (error) {
        toastError(error, '网格边界载入失败');
      }
    }
    this.grids.setVisible(depth, on);
    this.renderLayerToggles();
  }

  renderLayerToggles() {
    const toggle = (label, checked, onChange, cls = '') =>
      h(`label.layer-toggle${cls}`, h('input', { type: 'checkbox', checked, on: { change: (e) => onChange(e.target.checked) } }), h('span', label));
    if (this.layersCollapsed == null) this.layersCollapsed = this.visibleWidth() < 900;
    this.layersEl.classList.toggle('collapsed', this.layersCollapsed);
    fill(
      this.layersEl,
      h(
        'button.map-layers-head',
        { type: 'button', title: this.layersCollapsed ? '展开图层设置' : '收起图层设置', on: { click: () => { this.layersCollapsed = !this.layersCollapsed; this.layersChosen = true; this.renderLayerToggles(); } } },
        '图层',
        h('span.caret', this.layersCollapsed ? '▸' : '▾'),
      ),
      h('div.map-layers-title', '网格层级'),
      this.levels.map((l) => toggle(l.name, this.visibleDepths.has(l.depth), (on) => this.showDepth(l.depth, on))),
      h('div.map-layers-title', '图层'),
      toggle('事件', this.events.enabled, (on) => this.events.setEnabled(on), '.lt-event'),
      toggle(this.peopleHidden() ? '网格员（放大后显示）' : '网格员', this.workers.enabled, (on) => this.workers.setEnabled(on), '.lt-worker'),
      toggle(this.peopleHidden() ? '摄像头（放大后显示）' : '摄像头', this.cameras.enabled, (on) => this.cameras.setEnabled(on), '.lt-camera'),
    );
  }

  /** Whether the map is zoomed out past where workers and cameras are drawn. */
  peopleHidden() {
    return Math.round(this.map.getZoom()) < PEOPLE_MIN_ZOOM;
  }

  renderLegend() {
    fill(
      this.legendEl,
      Object.entries(SEVERITY).map(([level, name]) => h('span.legend-item', h(`i.dot.sev-${level}`), name)),
      h('span.legend-item', h('i.dot.overdue'), '超时'),
      h('span.legend-item', h('i.dot.worker'), '网格员'),
      h('span.legend-item', h('i.dot.camera'), '摄像头'),
    );
  }

  onMapClick(e) {
    let { lng, lat } = e.latlng;
    const hit = this.grids.hit(lng, lat);
    if (!hit) return;
    this.highlightGrid(hit);
    this.handlers.onGridClick?.(hit);
  }

  highlightGrid(item) {
    const L = this.L;
    this.selection.clearLayers();
    if (!item?.geometry) return;
    L.geoJSON(item.geometry, {
      renderer: this.renderer,
      interactive: false,
      style: { color: '#5fb3ff', weight: 2.5, fill: true, fillColor: '#5fb3ff', fillOpacity: 0.08 },
    }).addTo(this.selection);
  }

  clearGridHighlight() {
    this.selection.clearLayers();
  }

  /** Events come from the queue model: the map shows the same open events as the list. */
  setEvents(rows) {
    const t = now();
    this.events.setPoints(rows.map((r) => eventPoint(r, t)));
  }

  patchEvents(rows, removedIds) {
    const t = now();
    if (removedIds?.length) this.events.remove(removedIds);
    if (rows.length) this.events.upsert(rows.map((r) => eventPoint(r, t)));
  }

  setWorkers(workers) {
    this.workers.setPoints(workers);
  }

  patchWorkers(workers) {
    this.workers.upsert(workers);
  }

  setCameras(cameras) {
    this.cameras.setPoints(cameras);
  }

  /** Moves the map to an event only if it is out of view, and marks it. */
  focusPoint(lon, lat, { zoom } = {}) {
    if (lon == null || lat == null) return;
    const L = this.L;
    const [x, y] = this.project ? this.project(lon, lat) : [lon, lat];
    const latlng = L.latLng(y, x);
    // The detail drawer covers the map's left part; "in view" means in the part still visible.
    const inset = this.insetLeft?.() ?? 0;
    if (zoom && this.map.getZoom() < zoom) {
      this.map.setZoomAround(latlng, zoom, { animate: false });
    }
    this.map.panInside(latlng, { paddingTopLeft: [inset + 60, 60], paddingBottomRight: [60, 60], animate: true, duration: 0.4 });
    this.focusMarker?.remove();
    this.focusMarker = L.marker(latlng, {
      icon: L.divIcon({ className: 'focus-ring', iconSize: [34, 34] }),
      interactive: false,
      keyboard: false,
    }).addTo(this.map);
  }

  /** Polygons in the levels now shown. */
  polygonCount() {
    let n = 0;
    for (const depth of this.visibleDepths) n += this.grids.levels.get(depth)?.items.length ?? 0;
    return n;
  }

  /** The map's width not covered by the detail drawer. */
  visibleWidth() {
    return this.root.clientWidth - (this.insetLeft?.() ?? 0);
  }

  /**
   * On a narrow screen with the detail drawer open the layer panel would cover what is left of the map: it
   * folds away, and opens again with room, until the officer folds or opens it themselves.
   */
  fitLayerPanel() {
    if (this.layersChosen || !this.levels.length) return;
    const collapse = this.visibleWidth() < 600;
    if (collapse !== this.layersCollapsed) {
      this.layersCollapsed = collapse;
      this.renderLayerToggles();
    }
  }

  invalidate() {
    if (!this.map) return;
    this.map.invalidateSize();
    this.fitLayerPanel();
    // Until the officer moves the map, a resize (the window settling, a drawer) keeps the township fitted.
    if (!this.touched) this.fitTownship();
  }
}

function eventPoint(row, t) {
  return {
    id: row.id,
    lon: row.lon,
    lat: row.lat,
    title: row.title,
    status: row.status,
    severity: row.severity,
    due_at: row.due_at,
    overdue: row.due_at != null && row.due_at < t,
  };
}
