// The console measuring itself (`redgrid-desktop --bench-ui --out FILE.json`, see src-tauri/src/bench.rs).
// main.js has already loaded everything with every grid level above the household shown and noted when
// the tree (map) and the queue finished loading; here the map's tiles are awaited, a scripted pan is
// timed frame by frame, and the figures go back to the shell, which adds memory, writes the file and quits.

/** The value at quantile `q` (0–1) of `values`, by the nearest-rank method; NaN for no values. */
export function percentile(values, q) {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/**
 * The pan: `frames` steps of `step` pixels round a square (right, down, left, up), so that new tiles come
 * into view on every side and the map ends where it started.
 */
export function panSteps(frames, step) {
  const side = Math.max(1, Math.floor(frames / 4));
  const dirs = [[step, 0], [0, step], [-step, 0], [0, -step]];
  const out = [];
  for (let i = 0; i < frames; i++) out.push(dirs[Math.min(3, Math.floor(i / side))]);
  return out;
}

const IDLE_BEFORE_MEMORY_MS = 3000;

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));

/** Resolves once every tile of the grid layer in view is drawn and a frame has been painted. */
export async function tilesDrawn(layer, timeoutMs = 60000) {
  const until = performance.now() + timeoutMs;
  await nextFrame();
  while (layer.isLoading()) {
    if (performance.now() > until) throw new Error('网格瓦片绘制超时');
    await nextFrame();
  }
  // One more frame: the last tiles are on screen and the main thread is free for input.
  await nextFrame();
}

import { allMarks, mark } from './marks.js';

export async function runBench({ ui, started, done, ipc }) {
  const figures = { map_ready_ms: NaN, queue_ready_ms: NaN, pan_frame_p95_ms: NaN };
  try {
    const map = ui.map.map;
    if (done.map == null || done.queue == null) throw new Error('网格或事件队列未能载入');
    figures.map_ready_ms = done.map - started;
    // The queue counts as ready when its rows are all in and the frame showing them has been painted
    // (main.js stamps it); it loads alongside the map, as at every start.
    figures.queue_ready_ms = done.queue - started;
    figures.polygons = ui.map.polygonCount();
    figures.queue_rows = ui.queue.model.all(Date.now()).length;
    figures.workers = ui.map.workers.points.size;
    // What is drawn at this view: bubbles and points per layer (workers and cameras only from zoom 11).
    figures.markers = { events: ui.map.events.layers.size, workers: ui.map.workers.layers.size, cameras: ui.map.cameras.layers.size };
    figures.zoom = map.getZoom();
    figures.viewport = { width: map.getSize().x, height: map.getSize().y };

    // The pan is a mouse drag, as an officer pans: Leaflet moves the map on every mousemove and ends the
    // move once, on mouseup (a `panBy` per frame would end a move every frame and re-cluster the markers
    // each time, which no person does). One move per animation frame; the frame times are measured.
    const container = map.getContainer();
    const box = container.getBoundingClientRect();
    let x = box.left + box.width / 2;
    let y = box.top + box.height / 2;
    const mouse = (type, target) =>
      target.dispatchEvent(new MouseEvent(type, { clientX: x, clientY: y, button: 0, buttons: type === 'mouseup' ? 0 : 1, bubbles: true, cancelable: true, view: window }));
    mouse('mousedown', container);
    const intervals = [];
    await nextFrame();
    let last = performance.now();
    for (const [dx, dy] of panSteps(240, 12)) {
      x += dx;
      y += dy;
      mouse('mousemove', document);
      await nextFrame();
      const t = performance.now();
      intervals.push(t - last);
      last = t;
    }
    mouse('mouseup', document);
    figures.pan_frames = intervals.length;
    figures.pan_frame_p95_ms = percentile(intervals, 0.95);
    figures.pan_frame_p50_ms = percentile(intervals, 0.5);
    // Memory is read by the shell when the figures arrive: after a few idle seconds, as the console sits
    // on a night shift, rather than in the middle of the load's garbage (the shell also reports the peak).
    await new Promise((resolve) => setTimeout(resolve, IDLE_BEFORE_MEMORY_MS));
  } catch (error) {
    figures.error = String(error?.message ?? error);
  }
  figures.marks = allMarks();
  const tiles = ui.map.grids.drawStats;
  figures.tiles = { drawn: tiles.tiles, mean_ms: Math.round((tiles.totalMs / Math.max(1, tiles.tiles)) * 10) / 10, max_ms: Math.round(tiles.maxMs) };
  for (const key of ['map_ready_ms', 'queue_ready_ms', 'pan_frame_p95_ms']) {
    if (!Number.isFinite(figures[key])) {
      figures[key] = -1;
      figures.error ??= `未测得 ${key}`;
    }
  }
  await ipc.benchReport(figures);
}
