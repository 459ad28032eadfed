// Timestamps of the console's first load, for `--bench-ui` to report where the time went. Recording is off
// unless the benchmark switches it on, so a normal start keeps nothing.

let origin = null;
const marks = [];

export function startMarks(at) {
  origin = at;
  marks.length = 0;
}

/** Notes that `name` happened now (milliseconds since the benchmark's start). */
export function mark(name) {
  if (origin != null) marks.push([name, Math.round(performance.now() - origin)]);
}

export function allMarks() {
  return Object.fromEntries(marks);
}
