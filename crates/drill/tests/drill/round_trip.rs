//! A scenario written with to_csv reads back as the same scenario.

use redgrid_drill::{Catalogue, Scenario};

use crate::support::{csv, demo_catalogue, parse_ok, small_catalogue};

/// The scenario with rows dropped: to_csv writes injects in time order, so rows are renumbered.
fn without_rows(mut scenario: Scenario) -> Scenario {
    for inject in &mut scenario.injects {
        inject.row = 0;
    }
    scenario
}

fn round_trip(scenario: &Scenario, catalogue: &Catalogue) -> Scenario {
    let text = scenario.to_csv(catalogue);
    parse_ok(text.as_bytes(), "round-trip.csv").resolve(catalogue).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

#[test]
fn a_shipped_scenario_round_trips() {
    let catalogue = demo_catalogue();
    let (name, bytes) = redgrid_drill::shipped()[0];
    let scenario = parse_ok(bytes, name).resolve(&catalogue).expect("the shipped scenario resolves");
    let again = round_trip(&scenario, &catalogue);
    assert_eq!(without_rows(again), without_rows(scenario));
}

#[test]
fn awkward_text_and_ambiguous_names_round_trip() {
    let catalogue = small_catalogue();
    // Content with commas, quotes and a line break; a village and camera whose names are shared.
    let file = parse_ok(
        &csv(&[
            "2,1:00:05,电话,450802101203,,C45080210120302,W1010003,矛盾纠纷·邻里,特别重大,\"他说：\"\"你好,再见\"\"\n第二行\",提级、结案,\"目标,一\"",
            "1,0:07,失联,大圩村,,,W1010002,,,,,",
        ]),
        "awkward.csv",
    );
    let mut scenario = file.resolve(&catalogue).expect("resolves by codes and ids");
    scenario.title = "标题".into();
    scenario.description = "一\n二".into();
    scenario.author = "某人".into();
    let text = scenario.to_csv(&catalogue);
    assert!(text.starts_with("# 标题：标题\n# 说明：一\n# 说明：二\n# 编写人：某人\n序号,时间,类型,村社区,网格,摄像头,人员,类别,等级,内容,预期处置,考核目标\n"), "{text}");
    // Ambiguous names are written as codes and ids, unique ones as names.
    assert!(text.contains(",450802101203,,C45080210120302,W1010003,"), "{text}");
    assert!(text.contains("1,0:00:07,失联,大圩村,,,W1010002,"), "{text}");
    assert_eq!(without_rows(round_trip(&scenario, &catalogue)), without_rows(scenario));
}
