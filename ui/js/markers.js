// Clustered points on the map — grid workers, cameras, events — through supercluster (vendored; measured
// in DESIGN.md at 0.23–0.45 s for 65,000 points against 1.4 s for Leaflet.markercluster). Single points
// are canvas circle markers; clusters are small labelled icons. A re-render after a pan or a live change
// keeps the layers whose key is still there and moves them, so markers never blink on an update.

/**
 * `options`: `kind` (a CSS suffix), `renderer` (the map's canvas renderer), `pointStyle(props)` → circle
 * marker options, `tooltip(props)` → text, `onClick(props)`, `map(props)`/`reduce(acc, props)` for cluster
 * aggregates, `clusterClass(props)` → extra class from those aggregates.
 */
export class PointClusters {
  constructor(L, map, options) {
    this.L = L;
    this.map = map;
    this.options = options;
    this.group = L.layerGroup();
    this.layers = new Map();
    this.points = new Map();
    this.enabled = false;
    this.dirty = true;
    this.index = null;
    this.project = null;
    this.onMove = () => this.render();
    map.on('moveend', this.onMove);
  }

  /** Coordinates pass through this before clustering (WGS-84 → GCJ-02 for such a base map). */
  setProjection(project) {
    this.project = project;
    this.dirty = true;
    this.render();
  }

  setEnabled(on) {
    this.enabled = on;
    if (on) {
      this.group.addTo(this.map);
      this.render();
    } else {
      this.group.remove();
    }
  }

  /** Replaces every point. Points are `{ id, lon, lat, ...props }`; points without a position are kept but not drawn. */
  setPoints(points) {
    this.points = new Map(points.map((p) => [String(p.id), p]));
    this.dirty = true;
    this.render();
  }

  upsert(points) {
    for (const p of points) this.points.set(String(p.id), p);
    this.dirty = true;
    this.render();
  }

  remove(ids) {
    for (const id of ids) this.points.delete(String(id));
    this.dirty = true;
    this.render();
  }

  get(id) {
    return this.points.get(String(id));
  }

  rebuild() {
    const { map: mapFn, reduce } = this.options;
    // One index level per zoom the map can show and that still clusters: from the map's least zoom (no
    // level below it is ever asked for) to 15, past which every point stands alone.
    this.index = new window.Supercluster({
      // Radius in screen pixels: Leaflet's tiles are 256 px, supercluster's default extent 512.
      extent: 256,
      radius: this.options.radius ?? 40,
      minZoom: Math.max(0, Math.floor(this.map.getMinZoom())),
      maxZoom: 15,
      map: mapFn,
      reduce,
    });
    const features = [];
    for (const p of this.points.values()) {
      if (p.lon == null || p.lat == null) continue;
      const [lon, lat] = this.project ? this.project(p.lon, p.lat) : [p.lon, p.lat];
      features.push({ type: 'Feature', geometry: { type: 'Point', coordinates: [lon, lat] }, properties: p });
    }
    this.index.load(features);
    this.dirty = false;
  }

  render() {
    if (!this.enabled) return;
    const zoom = Math.round(this.map.getZoom());
    // Below the layer's least zoom nothing of it is drawn: at the whole-city view 65,000 workers are a
    // carpet of bubbles over the grids, however they cluster.
    if (zoom < (this.options.minZoom ?? 0)) {
      for (const layer of this.layers.values()) this.group.removeLayer(layer);
      this.layers.clear();
      return;
    }
    if (this.dirty) this.rebuild();
    const L = this.L;
    const b = this.map.getBounds().pad(0.25);
    const features = this.index.getClusters([b.getWest(), Math.max(-85, b.getSouth()), b.getEast(), Math.min(85, b.getNorth())], zoom);
    const keep = new Set();
    for (const f of features) {
      const [lon, lat] = f.geometry.coordinates;
      const props = f.properties;
      const key = props.cluster ? `c${props.cluster_id}` : `p${props.id}`;
      keep.add(key);
      let layer = this.layers.get(key);
      if (props.cluster) {
        const sig = `${props.point_count}|${this.options.clusterClass?.(props) ?? ''}`;
        if (!layer || layer._sig !== sig) {
          if (layer) this.group.removeLayer(layer);
          layer = this.clusterMarker(lon, lat, props);
          layer._sig = sig;
          this.layers.set(key, layer);
          this.group.addLayer(layer);
        } else {
          layer.setLatLng([lat, lon]);
        }
        layer._clusterId = props.cluster_id;
      } else {
        const style = this.options.pointStyle(props);
        const sig = JSON.stringify(style);
        if (!layer) {
          layer = L.circleMarker([lat, lon], { ...style, renderer: this.options.renderer, bubblingMouseEvents: false });
          layer.on('click', () => this.options.onClick?.(layer._props));
          this.layers.set(key, layer);
          this.group.addLayer(layer);
        } else {
          layer.setLatLng([lat, lon]);
          if (layer._sig !== sig) layer.setStyle(style);
        }
        layer._sig = sig;
        layer._props = props;
        const tip = this.options.tooltip?.(props);
        if (tip && tip !== layer._tip) {
          layer._tip = tip;
          // A node, not a string: Leaflet puts string content in as HTML, and titles come from residents.
          const node = document.createElement('div');
          node.textContent = tip;
          if (layer.getTooltip()) layer.setTooltipContent(node);
          else layer.bindTooltip(node, { direction: 'top', offset: [0, -6], className: 'map-tip' });
        }
      }
    }
    for (const [key, layer] of this.layers) {
      if (!keep.has(key)) {
        // Out of the group, not only off the map: a group shown again would bring it back.
        this.group.removeLayer(layer);
        this.layers.delete(key);
      }
    }
  }

  clusterMarker(lon, lat, props) {
    const L = this.L;
    const n = props.point_count;
    const scale = this.options.clusterScale ?? 1;
    const size = Math.round((n < 10 ? 24 : n < 100 ? 30 : n < 1000 ? 36 : 42) * scale);
    const extra = this.options.clusterClass?.(props) ?? '';
    const [fill, halo] = clusterColours(this.options.kind, extra);
    const marker = new (clusterCircleClass(L))([lat, lon], {
      renderer: this.options.renderer,
      radius: size / 2,
      // The halo is drawn 4 px outside the circle; a stroke of that width makes the renderer's redraw box
      // and hit area include it.
      stroke: true,
      weight: 8,
      fill: true,
      bubblingMouseEvents: false,
      label: String(props.point_count_abbreviated),
      fillColour: fill,
      haloColour: halo,
    });
    // The bubble is reused across renders: its current cluster and place, not those it was made with.
    marker._clusterId = props.cluster_id;
    marker.on('click', () => {
      const zoom = Math.min(this.index.getClusterExpansionZoom(marker._clusterId), 18);
      this.map.flyTo(marker.getLatLng(), zoom, { duration: 0.4 });
    });
    return marker;
  }
}

const CLUSTER_COLOURS = {
  worker: ['rgba(63, 182, 139, 0.78)', 'rgba(63, 182, 139, 0.22)'],
  'worker off': ['rgba(107, 119, 133, 0.8)', 'rgba(107, 119, 133, 0.22)'],
  camera: ['rgba(118, 102, 214, 0.8)', 'rgba(118, 102, 214, 0.22)'],
  event: ['rgba(111, 143, 176, 0.85)', 'rgba(111, 143, 176, 0.25)'],
  'event severe': ['rgba(226, 125, 61, 0.9)', 'rgba(226, 125, 61, 0.25)'],
  'event alarm': ['rgba(229, 72, 77, 0.92)', 'rgba(229, 72, 77, 0.3)'],
};

/** Fill and halo of a cluster bubble of `kind` with the extra class (`off`, `severe`, `alarm`). */
function clusterColours(kind, extra) {
  return CLUSTER_COLOURS[extra ? `${kind} ${extra}` : kind] ?? CLUSTER_COLOURS[kind] ?? CLUSTER_COLOURS.event;
}

let ClusterCircle = null;

/**
 * A cluster bubble drawn on the map's canvas — a halo, a disc and the count — rather than as a DOM marker:
 * at the whole-city view there are a thousand of them, and as DOM elements every frame of a drag had to
 * composite each one (software rendering made that 40 ms a frame); on the canvas they move as one image.
 */
function clusterCircleClass(L) {
  ClusterCircle ??= L.CircleMarker.extend({
    _updatePath() {
      const renderer = this._renderer;
      if (!renderer._drawing || this._empty()) return;
      const ctx = renderer._ctx;
      const p = this._point;
      const r = Math.max(Math.round(this._radius), 1);
      const o = this.options;
      ctx.beginPath();
      ctx.arc(p.x, p.y, r + 4, 0, Math.PI * 2);
      ctx.fillStyle = o.haloColour;
      ctx.fill();
      ctx.beginPath();
      ctx.arc(p.x, p.y, r, 0, Math.PI * 2);
      ctx.fillStyle = o.fillColour;
      ctx.fill();
      ctx.font = '700 11.5px "Noto Sans SC", sans-serif';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillStyle = '#e9f0f7';
      ctx.fillText(o.label, p.x, p.y + 0.5);
    },
  });
  return ClusterCircle;
}
