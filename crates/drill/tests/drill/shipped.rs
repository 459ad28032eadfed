//! The scenarios shipped in assets/drills.

use std::collections::BTreeSet;

use redgrid_drill::InjectKind;

use crate::support::{demo_catalogue, parse_ok};

#[test]
fn shipped_scenarios_parse() {
    let shipped = redgrid_drill::shipped();
    let names: Vec<&str> = shipped.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        names,
        [
            "flood-evacuation-three-villages.csv",
            "market-crowd-night.csv",
            "factory-fire.csv",
            "typhoon-callup-muster.csv"
        ]
    );
    for (name, bytes) in shipped {
        let file = parse_ok(bytes, name);
        assert!(!file.title.is_empty(), "{name} has a title");
        assert!(file.injects.len() >= 5, "{name} has {} injects", file.injects.len());
        assert!(
            std::str::from_utf8(bytes).is_ok() && !bytes.starts_with(b"\xef\xbb\xbf"),
            "{name} is plain UTF-8"
        );
    }
}

#[test]
fn the_flood_drill_has_every_kind_of_inject_over_half_an_hour() {
    let (name, bytes) = redgrid_drill::shipped()[0];
    let file = parse_ok(bytes, name);
    assert_eq!(file.title, "洪水转移演练（三村）");
    let kinds: BTreeSet<InjectKind> = file.injects.iter().map(|i| i.kind).collect();
    assert_eq!(kinds, InjectKind::ALL.into_iter().collect(), "all seven kinds");
    let villages: BTreeSet<&str> = file.injects.iter().map(|i| i.village.as_str()).collect();
    assert_eq!(villages.len(), 3, "three villages: {villages:?}");
    let last = file.injects.last().unwrap().offset.as_secs();
    assert!((25 * 60..=35 * 60).contains(&last), "about thirty minutes, not {last} s");
    assert!(file.injects.iter().all(|i| i.kind == InjectKind::Unreachable || !i.expected.is_empty()));
}

#[test]
fn shipped_scenarios_resolve_against_the_demo_townships_fixed_layout() {
    // The demo's villages, seat grids, first two cameras per village, market cameras and first 262
    // worker ids do not depend on its seed; the scenarios use nothing else.
    let catalogue = demo_catalogue();
    for (name, bytes) in redgrid_drill::shipped() {
        let scenario = parse_ok(bytes, name).resolve(&catalogue).unwrap_or_else(|e| panic!("{name}:\n{e}"));
        assert_eq!(scenario.injects.len(), parse_ok(bytes, name).injects.len());
    }
}
