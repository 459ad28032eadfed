// Geometry for the offline grid map: bounding boxes, a bucket index so that a map tile or a click only
// looks at the polygons near it, point-in-polygon for "which grid was clicked", Web Mercator pixels for
// drawing tiles ourselves, and the WGS-84 → GCJ-02 shift for intranet tile sources that use it.
// Leaflet redraws every vector polygon on each pan (DESIGN.md measured 680–730 ms p95 at city scale);
// drawing tiles from this index only draws what a new tile covers.

/** Every [lon, lat] ring of a GeoJSON Polygon or MultiPolygon, outer rings and holes alike. */
export function ringsOf(geometry) {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') return geometry.coordinates;
  if (geometry.type === 'MultiPolygon') return geometry.coordinates.flat();
  return [];
}

/** [minLon, minLat, maxLon, maxLat] */
export function bboxOf(geometry) {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const ring of ringsOf(geometry)) {
    for (const [x, y] of ring) {
      if (x < minX) minX = x;
      if (y < minY) minY = y;
      if (x > maxX) maxX = x;
      if (y > maxY) maxY = y;
    }
  }
  return [minX, minY, maxX, maxY];
}

export function bboxesIntersect(a, b) {
  return a[0] <= b[2] && a[2] >= b[0] && a[1] <= b[3] && a[3] >= b[1];
}

/** Even-odd ray casting over one ring. */
function inRing(x, y, ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** True when [lon, lat] lies inside the polygon (holes excluded) or any part of the multipolygon. */
export function pointInGeometry(lon, lat, geometry) {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.type === 'MultiPolygon' ? geometry.coordinates : [];
  for (const rings of polygons) {
    if (!rings.length || !inRing(lon, lat, rings[0])) continue;
    let inHole = false;
    for (let k = 1; k < rings.length; k++) if (inRing(lon, lat, rings[k])) inHole = true;
    if (!inHole) return true;
  }
  return false;
}

/** Signed area (shoelace) of a ring in degree², for picking a label's ring. */
function ringArea(ring) {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) a += (ring[j][0] + ring[i][0]) * (ring[j][1] - ring[i][1]);
  return a / 2;
}

/** Where to write a grid's name: the centroid of its largest outer ring, or that ring's box centre if the centroid falls outside (a crescent-shaped village). */
export function labelPoint(geometry) {
  const outers = geometry.type === 'Polygon' ? [geometry.coordinates[0]] : geometry.type === 'MultiPolygon' ? geometry.coordinates.map((p) => p[0]) : [];
  let best = null;
  let bestArea = -1;
  for (const ring of outers) {
    const area = Math.abs(ringArea(ring));
    if (area > bestArea) {
      bestArea = area;
      best = ring;
    }
  }
  if (!best) return null;
  let cx = 0;
  let cy = 0;
  let a2 = 0;
  for (let i = 0, j = best.length - 1; i < best.length; j = i++) {
    const f = best[j][0] * best[i][1] - best[i][0] * best[j][1];
    cx += (best[j][0] + best[i][0]) * f;
    cy += (best[j][1] + best[i][1]) * f;
    a2 += f;
  }
  const [minX, minY, maxX, maxY] = bboxOf({ type: 'Polygon', coordinates: [best] });
  if (a2 === 0) return [(minX + maxX) / 2, (minY + maxY) / 2];
  const c = [cx / (3 * a2), cy / (3 * a2)];
  return inRing(c[0], c[1], best) ? c : [(minX + maxX) / 2, (minY + maxY) / 2];
}

/**
 * A uniform bucket grid over lon/lat boxes. Grid polygons are similar in size within a level, which is the
 * case a uniform grid serves best; `search` returns each item once.
 */
export class BucketIndex {
  constructor(extent, cells = 64) {
    this.extent = extent;
    this.cells = cells;
    this.cellW = (extent[2] - extent[0]) / cells || 1;
    this.cellH = (extent[3] - extent[1]) / cells || 1;
    this.buckets = new Map();
    this.items = [];
  }

  cellRange(bbox) {
    const clamp = (v) => Math.min(this.cells - 1, Math.max(0, v));
    return [
      clamp(Math.floor((bbox[0] - this.extent[0]) / this.cellW)),
      clamp(Math.floor((bbox[1] - this.extent[1]) / this.cellH)),
      clamp(Math.floor((bbox[2] - this.extent[0]) / this.cellW)),
      clamp(Math.floor((bbox[3] - this.extent[1]) / this.cellH)),
    ];
  }

  /** `item.bbox` must be set. */
  insert(item) {
    item.index = this.items.length;
    this.items.push(item);
    const [x0, y0, x1, y1] = this.cellRange(item.bbox);
    for (let x = x0; x <= x1; x++) {
      for (let y = y0; y <= y1; y++) {
        const k = y * this.cells + x;
        let bucket = this.buckets.get(k);
        if (!bucket) this.buckets.set(k, (bucket = []));
        bucket.push(item);
      }
    }
  }

  search(bbox) {
    if (!bboxesIntersect(bbox, this.extent)) return [];
    const [x0, y0, x1, y1] = this.cellRange(bbox);
    const seen = new Set();
    const out = [];
    for (let x = x0; x <= x1; x++) {
      for (let y = y0; y <= y1; y++) {
        const bucket = this.buckets.get(y * this.cells + x);
        if (!bucket) continue;
        for (const item of bucket) {
          if (seen.has(item.index) || !bboxesIntersect(item.bbox, bbox)) continue;
          seen.add(item.index);
          out.push(item);
        }
      }
    }
    return out.sort((a, b) => a.index - b.index);
  }

  /** Items whose geometry contains the point. */
  at(lon, lat) {
    return this.search([lon, lat, lon, lat]).filter((item) => pointInGeometry(lon, lat, item.geometry));
  }
}

/** The union of boxes, for the index extent and for fitting the map. */
export function unionBoxes(boxes) {
  const out = [Infinity, Infinity, -Infinity, -Infinity];
  for (const b of boxes) {
    out[0] = Math.min(out[0], b[0]);
    out[1] = Math.min(out[1], b[1]);
    out[2] = Math.max(out[2], b[2]);
    out[3] = Math.max(out[3], b[3]);
  }
  return out;
}

const TILE = 256;
const MAX_LAT = 85.0511287798;

/** Web Mercator world pixel at `zoom` (EPSG:3857 as Leaflet's default CRS places it). */
export function lonLatToPixel(lon, lat, zoom) {
  const scale = TILE * 2 ** zoom;
  const clamped = Math.max(-MAX_LAT, Math.min(MAX_LAT, lat));
  const sin = Math.sin((clamped * Math.PI) / 180);
  return [((lon + 180) / 360) * scale, (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * scale];
}

export function pixelToLonLat(x, y, zoom) {
  const scale = TILE * 2 ** zoom;
  const lon = (x / scale) * 360 - 180;
  const n = Math.PI - (2 * Math.PI * y) / scale;
  return [lon, (180 / Math.PI) * Math.atan(Math.sinh(n))];
}

/** The lon/lat box a tile covers, widened by `padPx` pixels so that strokes at its edge are drawn whole. */
export function tileBBox(x, y, z, padPx = 0) {
  const [minLon, maxLat] = pixelToLonLat(x * TILE - padPx, y * TILE - padPx, z);
  const [maxLon, minLat] = pixelToLonLat((x + 1) * TILE + padPx, (y + 1) * TILE + padPx, z);
  return [minLon, minLat, maxLon, maxLat];
}

// GCJ-02 ("Mars coordinates"), the offset some Chinese intranet tile services use. The published
// algorithm; points outside mainland China's rough box are returned unshifted, as the services do.
const GCJ_A = 6378245.0;
const GCJ_EE = 0.00669342162296594323;

function outOfChina(lon, lat) {
  return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

function transformLat(x, y) {
  let r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  r += ((20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2) / 3;
  r += ((20 * Math.sin(y * Math.PI) + 40 * Math.sin((y / 3) * Math.PI)) * 2) / 3;
  r += ((160 * Math.sin((y / 12) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30)) * 2) / 3;
  return r;
}

function transformLon(x, y) {
  let r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  r += ((20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2) / 3;
  r += ((20 * Math.sin(x * Math.PI) + 40 * Math.sin((x / 3) * Math.PI)) * 2) / 3;
  r += ((150 * Math.sin((x / 12) * Math.PI) + 300 * Math.sin((x / 30) * Math.PI)) * 2) / 3;
  return r;
}

/** WGS-84 → GCJ-02: [lon, lat] */
export function wgs84ToGcj02(lon, lat) {
  if (outOfChina(lon, lat)) return [lon, lat];
  let dLat = transformLat(lon - 105, lat - 35);
  let dLon = transformLon(lon - 105, lat - 35);
  const radLat = (lat / 180) * Math.PI;
  let magic = Math.sin(radLat);
  magic = 1 - GCJ_EE * magic * magic;
  const sqrtMagic = Math.sqrt(magic);
  dLat = (dLat * 180) / (((GCJ_A * (1 - GCJ_EE)) / (magic * sqrtMagic)) * Math.PI);
  dLon = (dLon * 180) / ((GCJ_A / sqrtMagic) * Math.cos(radLat) * Math.PI);
  return [lon + dLon, lat + dLat];
}

/** Great-circle distance in kilometres, for "距离 0.8 公里" when the back end did not send one. */
export function distanceKm(lon1, lat1, lon2, lat2) {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 12742 * Math.asin(Math.sqrt(a));
}
