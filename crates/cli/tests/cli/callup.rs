//! `redgrid callup …` and `redgrid setting …` as a person runs them.

use crate::{redgrid, redgrid_with_password, temp_dir, text};

fn json(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("JSON ({e}): {}", text(output)))
}

#[test]
fn a_call_up_from_the_command_line_with_an_answer_recorded_by_phone() {
    let dir = temp_dir("callup");
    let db = format!("sqlite://{}", dir.join("demo.db").display());
    assert!(redgrid(&["demo", "seed", "--db", &db, "--days", "1"]).status.success());
    let demo = "redgrid-demo";

    let empty = redgrid_with_password(
        demo,
        &[
            "--as",
            "leader",
            "callup",
            "start",
            "--reason",
            "台风",
            "--reply-by",
            "30m",
            "--db",
            &db,
            "--json",
        ],
    );
    assert_eq!(empty.status.code(), Some(2), "{}", text(&empty));
    assert!(text(&empty).contains("empty_selection"), "{}", text(&empty));
    let anonymous = redgrid(&[
        "callup",
        "start",
        "--villages",
        "大圩村",
        "--reason",
        "台风",
        "--reply-by",
        "30m",
        "--db",
        &db,
    ]);
    assert!(!anonymous.status.success() && text(&anonymous).contains("--as"));

    let started = redgrid_with_password(
        demo,
        &[
            "--as",
            "leader",
            "callup",
            "start",
            "--villages",
            "大圩村",
            "--part-time",
            "--reason",
            "防汛到岗",
            "--reply-by",
            "90s",
            "--db",
            &db,
            "--json",
        ],
    );
    assert!(started.status.success(), "{}", text(&started));
    let started = json(&started);
    let id = started["callup_id"].as_str().unwrap().to_string();
    let called = started["called"].as_u64().unwrap();
    assert!(called > 0);
    let first = started["workers"][0].as_str().unwrap().to_string();

    let answered = redgrid_with_password(
        demo,
        &[
            "--as",
            "duty1",
            "callup",
            "answer",
            &id,
            &first,
            "unavailable",
            "--channel",
            "phone",
            "--note",
            "在外地",
            "--db",
            &db,
            "--json",
        ],
    );
    assert!(answered.status.success(), "{}", text(&answered));
    let bad = redgrid_with_password(
        demo,
        &["--as", "duty1", "callup", "answer", "CU-X", &first, "available", "--db", &db],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad).contains("unknown_callup"), "{}", text(&bad));

    let status = json(&redgrid(&["callup", "status", &id, "--db", &db, "--json"]));
    assert_eq!(status["called"].as_u64(), Some(called));
    assert_eq!((status["unavailable"].as_u64(), status["silent"].as_u64()), (Some(1), Some(called - 1)));
    let person =
        status["people"].as_array().unwrap().iter().find(|p| p["worker_id"] == first.as_str()).unwrap();
    assert_eq!((person["state"].as_str(), person["channel"].as_str()), (Some("unavailable"), Some("phone")));
    assert_eq!(status["by_village"][0]["village_name"], "大圩村");

    // Settings: listed with their defaults, set by the administrator, a bad value refused.
    let list = json(&redgrid(&["setting", "list", "--db", &db, "--json"]));
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["key"] == "callup_recall_after_s" && s["value"] == "300"));
    let set = redgrid(&["setting", "set", "callup_recall_after_s", "45", "--db", &db, "--json"]);
    assert!(set.status.success(), "{}", text(&set));
    let bad = redgrid(&["setting", "set", "callup_recall_after_s", "0", "--db", &db]);
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
    let unknown = redgrid(&["setting", "set", "demo_seed", "1", "--db", &db]);
    assert_eq!(unknown.status.code(), Some(2), "the demo marker is not a setting: {}", text(&unknown));
    std::fs::remove_dir_all(dir).ok();
}
