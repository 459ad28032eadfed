// What the 登记事件 dialog offers, apart from the DOM: the sources a hand-logged event may have (a drill
// event must carry the drill source, or the back end refuses it), and the grids within a village — its small
// grids with their micro grids beneath — from the village's own subtree, which the map never loads.

/** The sources offered: in the drill queue only 演练; otherwise a phone call or walk-in, or a hotline transfer. */
export function reportSources(drill) {
  if (drill) return [{ value: 'drill', label: '演练（指挥台登记）' }];
  return [
    { value: 'by_hand', label: '来电来访' },
    { value: 'hotline', label: '热线转办（12345/110）' },
  ];
}

/**
 * The grid options below a village: every node of `subtree` but the village itself, parents before
 * children, indented by how far below the village each lies. `subtree` is `grid_subtree` (code order).
 */
export function gridChoices(subtree, villageCode) {
  const village = subtree.find((n) => n.code === villageCode);
  if (!village) return [];
  return subtree
    .filter((n) => n.code !== villageCode)
    .map((n) => ({ value: n.code, label: `${'　'.repeat(Math.max(0, n.depth - village.depth - 1))}${n.depth - village.depth > 1 ? '└ ' : ''}${n.name}` }));
}
