//! `redgrid level list | set`: the ladder, a dry run that changes nothing, and the leader's switch as
//! `--as leader`.

use crate::{redgrid, redgrid_with_password, temp_dir, text};

fn json(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("JSON ({e}): {}", text(output)))
}

#[test]
fn a_leader_dry_runs_then_switches_levels_from_the_command_line() {
    let dir = temp_dir("level");
    let db = format!("sqlite://{}", dir.join("demo.db").display());
    let seeded = redgrid(&["demo", "seed", "--db", &db, "--days", "10"]);
    assert!(seeded.status.success(), "{}", text(&seeded));

    let list = json(&redgrid(&["level", "list", "--db", &db, "--json"]));
    assert_eq!(list["current"]["key"], "peacetime");
    let keys: Vec<&str> =
        list["levels"].as_array().unwrap().iter().map(|l| l["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["peacetime", "watch", "level_4", "level_3", "level_2", "level_1"]);
    assert_eq!(list["levels"][5]["time_limit_percent"], 50);
    assert_eq!(list["levels"][1]["legacy_mode"], "peacetime", "关注 is peacetime");
    let plain = text(&redgrid(&["level", "list", "--db", &db]));
    assert!(plain.contains("Ⅰ级") && plain.contains("关注"), "{plain}");

    let demo = "redgrid-demo";
    let dry = redgrid_with_password(
        demo,
        &["--as", "leader", "level", "set", "Ⅰ级", "--dry-run", "--db", &db, "--json"],
    );
    assert!(dry.status.success(), "{}", text(&dry));
    let dry = json(&dry);
    assert!(dry["overdue"].is_array() && dry["due_within_hour"].is_array());
    assert_eq!(dry["duty_required"]["leader_on_duty"], true);
    assert!(!dry["callup"].as_array().unwrap().is_empty());
    assert_eq!(
        json(&redgrid(&["level", "list", "--db", &db, "--json"]))["current"]["key"],
        "peacetime",
        "a dry run changes nothing"
    );

    let officer = redgrid_with_password(
        demo,
        &["--as", "duty1", "level", "set", "level_4", "--reason", "台风", "--db", &db],
    );
    assert_eq!(officer.status.code(), Some(2), "a duty officer may not switch: {}", text(&officer));
    assert!(text(&officer).contains("forbidden"));
    let no_reason = redgrid_with_password(demo, &["--as", "leader", "level", "set", "level_4", "--db", &db]);
    assert_eq!(no_reason.status.code(), Some(2), "{}", text(&no_reason));
    let set = redgrid_with_password(
        demo,
        &["--as", "leader", "level", "set", "4级", "--reason", "台风橙色预警", "--db", &db, "--json"],
    );
    assert!(set.status.success(), "{}", text(&set));
    assert_eq!(json(&set)["to"], "level_4");
    let now = json(&redgrid(&["level", "list", "--db", &db, "--json"]));
    assert_eq!(
        (now["current"]["key"].as_str(), now["current"]["by"].as_str()),
        (Some("level_4"), Some("陈永福"))
    );
    std::fs::remove_dir_all(dir).ok();
}
