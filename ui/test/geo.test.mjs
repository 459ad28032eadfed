import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bboxOf, pointInGeometry, BucketIndex, labelPoint, lonLatToPixel, pixelToLonLat, tileBBox, wgs84ToGcj02, distanceKm, unionBoxes } from '../js/geo.js';

const square = (x, y, s = 1) => ({ type: 'Polygon', coordinates: [[[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]]] });
const withHole = { type: 'Polygon', coordinates: [square(0, 0, 10).coordinates[0], square(4, 4, 2).coordinates[0]] };

test('boxes and point-in-polygon, holes excluded', () => {
  assert.deepEqual(bboxOf(square(2, 3)), [2, 3, 3, 4]);
  assert.ok(pointInGeometry(1, 1, withHole));
  assert.ok(!pointInGeometry(5, 5, withHole), 'inside the hole is outside the grid');
  assert.ok(!pointInGeometry(11, 1, withHole));
  const multi = { type: 'MultiPolygon', coordinates: [square(0, 0).coordinates, square(5, 5).coordinates] };
  assert.ok(pointInGeometry(5.5, 5.5, multi));
});

test('the bucket index finds what a tile or a click touches, each once', () => {
  const items = [];
  for (let x = 0; x < 20; x++) for (let y = 0; y < 20; y++) items.push({ code: `${x}-${y}`, geometry: square(x, y), bbox: bboxOf(square(x, y)) });
  const index = new BucketIndex(unionBoxes(items.map((i) => i.bbox)), 8);
  for (const item of items) index.insert(item);
  const hits = index.search([2.5, 2.5, 4.5, 3.5]);
  assert.deepEqual(hits.map((h) => h.code).sort(), ['2-2', '2-3', '3-2', '3-3', '4-2', '4-3'].sort());
  assert.deepEqual(index.at(7.5, 9.2).map((h) => h.code), ['7-9']);
  assert.deepEqual(index.search([100, 100, 101, 101]), []);
});

test('a label sits inside its polygon', () => {
  const [x, y] = labelPoint(square(0, 0, 2));
  assert.ok(Math.abs(x - 1) < 1e-9 && Math.abs(y - 1) < 1e-9);
  const u = { type: 'Polygon', coordinates: [[[0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3], [0, 0]]] };
  const p = labelPoint(u);
  assert.ok(pointInGeometry(p[0], p[1], u) || (p[0] === 1.5 && p[1] === 1.5));
});

test('Web Mercator pixels match Leaflet at zoom 0 and round-trip', () => {
  assert.deepEqual(lonLatToPixel(0, 0, 0), [128, 128]);
  const [x, y] = lonLatToPixel(109.6, 23.1, 12);
  const [lon, lat] = pixelToLonLat(x, y, 12);
  assert.ok(Math.abs(lon - 109.6) < 1e-9 && Math.abs(lat - 23.1) < 1e-9);
  const box = tileBBox(0, 0, 1);
  assert.ok(box[0] === -180 && Math.abs(box[3] - 85.0511287798) < 1e-6);
});

test('GCJ-02 shifts points in China by a few hundred metres and leaves others alone', () => {
  const [lon, lat] = wgs84ToGcj02(109.6, 23.1);
  const shift = distanceKm(109.6, 23.1, lon, lat);
  assert.ok(shift > 0.2 && shift < 0.8, `shift ${shift} km`);
  assert.deepEqual(wgs84ToGcj02(2.35, 48.85), [2.35, 48.85]);
});
