// The offline base map: grid polygons drawn into 256-px canvas tiles by a Leaflet GridLayer. Leaflet's own
// vector renderers redraw every polygon on each pan, which at Guigang's 32,000 grids is far over a frame
// (DESIGN.md, "Known pitfalls"); a tile only draws the polygons its box touches (found through a bucket
// index), once, and Leaflet then moves the finished tiles. Clicks are hit-tested against the same index.

import { BucketIndex, bboxOf, unionBoxes, labelPoint, lonLatToPixel, tileBBox } from './geo.js';

/** How each depth is drawn; depths past the table use the last entry. Labels appear from `labelZoom`. */
const LEVEL_STYLES = [
  { stroke: 'rgba(132, 160, 190, 0.85)', width: 2.2, fill: null, labelZoom: 99, font: 600, size: 14 },
  { stroke: 'rgba(98, 128, 160, 0.85)', width: 1.3, fill: 'rgba(60, 96, 132, 0.10)', labelZoom: 11, font: 600, size: 14 },
  { stroke: 'rgba(80, 106, 134, 0.75)', width: 0.8, fill: 'rgba(60, 96, 132, 0.05)', labelZoom: 14, font: 400, size: 12 },
  { stroke: 'rgba(70, 92, 116, 0.65)', width: 0.6, fill: null, labelZoom: 16, font: 400, size: 11, dash: [3, 3] },
  { stroke: 'rgba(62, 82, 104, 0.55)', width: 0.5, fill: null, labelZoom: 18, font: 400, size: 11 },
];
const DEDICATED_FILL = 'rgba(150, 118, 196, 0.16)';
/** Milliseconds of tile drawing per animation frame; the rest of the frame is the map's own work. */
const TILE_BUDGET_MS = 12;
const LABEL_FILL = 'rgba(190, 204, 220, 0.92)';
const LABEL_HALO = 'rgba(12, 18, 25, 0.9)';
const FONT_FAMILY = '"Noto Sans SC", sans-serif';

const styleOf = (depth) => LEVEL_STYLES[Math.min(depth, LEVEL_STYLES.length - 1)];

/**
 * One level's polygons, prepared: coordinates passed through `project` (identity, or WGS-84 → GCJ-02 for a
 * base map in that system), boxes, label points and the index.
 */
export function prepareLevel(featureCollection, project = null) {
  const items = [];
  for (const f of featureCollection.features ?? []) {
    if (!f.geometry) continue;
    const geometry = project ? projectGeometry(f.geometry, project) : f.geometry;
    const bbox = bboxOf(geometry);
    if (!Number.isFinite(bbox[0])) continue;
    items.push({ ...f.properties, geometry, bbox, label: labelPoint(geometry) });
  }
  const extent = items.length ? unionBoxes(items.map((i) => i.bbox)) : [0, 0, 1, 1];
  const cells = Math.max(8, Math.min(256, Math.round(Math.sqrt(items.length) * 2)));
  const index = new BucketIndex(extent, cells);
  for (const item of items) index.insert(item);
  return { items, index, extent };
}

function projectGeometry(geometry, project) {
  const ring = (r) => r.map(([x, y]) => project(x, y));
  if (geometry.type === 'Polygon') return { type: 'Polygon', coordinates: geometry.coordinates.map(ring) };
  if (geometry.type === 'MultiPolygon') return { type: 'MultiPolygon', coordinates: geometry.coordinates.map((p) => p.map(ring)) };
  return geometry;
}

export function createGridTiles(L) {
  const GridTiles = L.GridLayer.extend({
    options: { tileSize: 256, updateWhenZooming: false, updateWhenIdle: false, keepBuffer: 3, className: 'grid-tiles' },

    initialize(options) {
      L.GridLayer.prototype.initialize.call(this, options);
      this.levels = new Map();
      this.visible = new Set();
      /** Tiles drawn and the time spent drawing them, for the benchmark. */
      this.drawStats = { tiles: 0, totalMs: 0, maxMs: 0 };
    },

    setLevel(depth, prepared) {
      this.levels.set(depth, prepared);
      if (this.visible.has(depth)) this.redraw();
    },

    hasLevel(depth) {
      return this.levels.has(depth);
    },

    setVisible(depth, on) {
      if (on) this.visible.add(depth);
      else this.visible.delete(depth);
      this.redraw();
    },

    /** The grid under a point at the deepest visible level that has one there. */
    hit(lon, lat) {
      const depths = [...this.visible].filter((d) => this.levels.has(d)).sort((a, b) => b - a);
      for (const depth of depths) {
        const found = this.levels.get(depth).index.at(lon, lat);
        if (found.length) return found[found.length - 1];
      }
      return null;
    },

    // Tiles are drawn asynchronously, a few per animation frame within a time budget: at the whole-city
    // view one tile holds thousands of polygons, and drawing every new tile inside the frame that uncovered
    // it made panning stutter. Leaflet shows a tile once `done` is called and fires `load` when all are.
    createTile(coords, done) {
      const size = this.getTileSize();
      const ratio = window.devicePixelRatio || 1;
      const canvas = L.DomUtil.create('canvas', 'grid-tile');
      canvas.width = size.x * ratio;
      canvas.height = size.y * ratio;
      this.pending ??= [];
      this.pending.push({ canvas, coords, done, ratio, size: size.x });
      if (!this.drawing) {
        this.drawing = true;
        L.Util.requestAnimFrame(() => this.drawPending());
      }
      return canvas;
    },

    /** Draws queued tiles until the frame's budget is spent, then asks for another frame. */
    drawPending() {
      const started = performance.now();
      while (this.pending.length && performance.now() - started < TILE_BUDGET_MS) {
        const { canvas, coords, done, ratio, size } = this.pending.shift();
        // A tile pruned or redrawn since it was asked for has left the map: nothing to draw.
        if (!canvas.isConnected) continue;
        const ctx = canvas.getContext('2d');
        ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
        const t0 = performance.now();
        this.drawTile(ctx, coords, size);
        const ms = performance.now() - t0;
        this.drawStats.tiles += 1;
        this.drawStats.totalMs += ms;
        this.drawStats.maxMs = Math.max(this.drawStats.maxMs, ms);
        done(null, canvas);
      }
      if (this.pending.length) L.Util.requestAnimFrame(() => this.drawPending());
      else this.drawing = false;
    },

    drawTile(ctx, coords, size) {
      const z = coords.z;
      const ox = coords.x * size;
      const oy = coords.y * size;
      const depths = [...this.visible].filter((d) => this.levels.has(d)).sort((a, b) => b - a);
      const box = tileBBox(coords.x, coords.y, z, 4);
      // Deeper levels first, so that the thicker outlines of the levels above lie on top of them. The grids
      // of one level tile the ground without overlapping, so each level is one path per fill — filled and
      // stroked once — rather than a fill and a stroke per grid (thousands per tile at the city view).
      for (const depth of depths) {
        const style = styleOf(depth);
        const items = this.levels.get(depth).index.search(box);
        if (!items.length) continue;
        ctx.lineWidth = style.width;
        ctx.strokeStyle = style.stroke;
        ctx.setLineDash(style.dash ?? []);
        ctx.lineJoin = 'round';
        const dedicated = [];
        ctx.beginPath();
        for (const item of items) {
          if (item.kind && item.kind !== 'comprehensive') dedicated.push(item);
          else traceGeometry(ctx, item.geometry, z, ox, oy);
        }
        if (style.fill) {
          ctx.fillStyle = style.fill;
          ctx.fill('evenodd');
        }
        ctx.stroke();
        if (dedicated.length) {
          ctx.beginPath();
          for (const item of dedicated) traceGeometry(ctx, item.geometry, z, ox, oy);
          ctx.fillStyle = DEDICATED_FILL;
          ctx.fill('evenodd');
          ctx.stroke();
        }
      }
      ctx.setLineDash([]);
      // Labels after every outline; each tile the text box overlaps draws its part, and the parts join.
      for (const depth of depths.slice().reverse()) {
        const style = styleOf(depth);
        if (z < style.labelZoom) continue;
        const items = this.levels.get(depth).index.search(tileBBox(coords.x, coords.y, z, 80));
        ctx.font = `${style.font} ${style.size}px ${FONT_FAMILY}`;
        ctx.textAlign = 'center';
        ctx.textBaseline = 'middle';
        ctx.lineWidth = 3;
        ctx.strokeStyle = LABEL_HALO;
        ctx.fillStyle = LABEL_FILL;
        for (const item of items) {
          if (!item.label || !item.name) continue;
          const [px, py] = lonLatToPixel(item.label[0], item.label[1], z);
          const x = px - ox;
          const y = py - oy;
          const half = (item.name.length * style.size) / 2 + 4;
          if (x + half < 0 || x - half > size || y + style.size < 0 || y - style.size > size) continue;
          ctx.strokeText(item.name, x, y);
          ctx.fillText(item.name, x, y);
        }
      }
    },
  });
  return new GridTiles();
}

/** Adds a geometry's rings to the current path, skipping vertices under half a pixel from the last one. */
function traceGeometry(ctx, geometry, z, ox, oy) {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  for (const rings of polygons) {
    for (const ring of rings) {
      let lastX = NaN;
      let lastY = NaN;
      for (let i = 0; i < ring.length; i++) {
        const [px, py] = lonLatToPixel(ring[i][0], ring[i][1], z);
        const x = px - ox;
        const y = py - oy;
        if (i === 0) ctx.moveTo(x, y);
        else if (i === ring.length - 1 || Math.abs(x - lastX) + Math.abs(y - lastY) >= 0.5) ctx.lineTo(x, y);
        else continue;
        lastX = x;
        lastY = y;
      }
      ctx.closePath();
    }
  }
}
