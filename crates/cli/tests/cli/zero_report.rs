//! `redgrid zero-report …` as a person runs it: nothing owed in peacetime, every village due after the
//! switch, one recorded on its behalf by the duty officer, and the refusals.

use crate::{redgrid, redgrid_with_password, temp_dir, text};

fn json(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("JSON ({e}): {}", text(output)))
}

const DAXU_VILLAGE: &str = "450802101201";

#[test]
fn the_zero_report_board_and_a_report_recorded_by_the_duty_officer() {
    let dir = temp_dir("zero_report");
    let db = format!("sqlite://{}", dir.join("demo.db").display());
    assert!(redgrid(&["demo", "seed", "--db", &db, "--days", "1"]).status.success());
    let demo = "redgrid-demo";

    let peacetime = json(&redgrid(&["zero-report", "status", "--db", &db, "--json"]));
    assert_eq!(peacetime, serde_json::json!([]), "平时 asks for no zero reports");
    let plain = text(&redgrid(&["zero-report", "status", "--db", &db]));
    assert!(plain.contains("不要求零报告"), "{plain}");

    let switched = redgrid_with_password(
        demo,
        &["--as", "leader", "level", "set", "Ⅳ级", "--reason", "台风", "--db", &db],
    );
    assert!(switched.status.success(), "{}", text(&switched));
    let board = json(&redgrid(&["zero-report", "status", "--db", &db, "--json"]));
    let rows = board.as_array().unwrap();
    assert_eq!(rows.len(), 19, "every village of 大圩镇 owes a report");
    assert!(rows.iter().all(|r| r["state"] == "due" && r["last_at"].is_null()), "{board}");
    let daxu = rows.iter().find(|r| r["village_code"] == DAXU_VILLAGE).unwrap();
    assert_eq!(daxu["village_name"], "大圩村");
    assert!(
        daxu["due_at"].as_str().is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).is_ok()),
        "{daxu}"
    );

    let prefill = json(&redgrid(&["zero-report", "prefill", "大圩村", "--db", &db, "--json"]));
    assert_eq!((prefill["village_code"].as_str(), prefill["new"].as_i64()), (Some(DAXU_VILLAGE), Some(0)));

    let anonymous = redgrid(&["zero-report", "record", "大圩村", "--new", "0", "--open", "0", "--db", &db]);
    assert!(!anonymous.status.success() && text(&anonymous).contains("--as"), "{}", text(&anonymous));
    let admin = redgrid_with_password(
        demo,
        &["--as", "admin", "zero-report", "record", "大圩村", "--new", "0", "--open", "0", "--db", &db],
    );
    assert_eq!(admin.status.code(), Some(2), "{}", text(&admin));
    assert!(
        text(&admin).contains("forbidden"),
        "the administrator does not record reports: {}",
        text(&admin)
    );
    let unknown = redgrid_with_password(
        demo,
        &["--as", "duty1", "zero-report", "record", "不存在村", "--new", "0", "--open", "0", "--db", &db],
    );
    assert_eq!(unknown.status.code(), Some(2), "{}", text(&unknown));
    assert!(text(&unknown).contains("不存在"), "{}", text(&unknown));

    let recorded = redgrid_with_password(
        demo,
        &[
            "--as",
            "duty1",
            "zero-report",
            "record",
            "大圩村",
            "--new",
            "0",
            "--open",
            "2",
            "--note",
            "网格长电话报平安",
            "--db",
            &db,
            "--json",
        ],
    );
    assert!(recorded.status.success(), "{}", text(&recorded));
    let recorded = json(&recorded);
    assert_eq!((recorded["by"].as_str(), recorded["channel"].as_str()), (Some("duty1"), Some("phone")));
    assert_eq!((recorded["new"].as_i64(), recorded["open"].as_i64()), (Some(0), Some(2)));
    assert_eq!(recorded["contradicted"], false, "nothing is known against it");

    let board = json(&redgrid(&["zero-report", "status", "--db", &db, "--json"]));
    let rows = board.as_array().unwrap();
    let daxu = rows.iter().find(|r| r["village_code"] == DAXU_VILLAGE).unwrap();
    assert_eq!(daxu["state"], "ok", "{daxu}");
    assert_eq!(daxu["last_at"], recorded["reported_at"]);
    assert_eq!(rows.iter().filter(|r| r["state"] == "due").count(), 18, "the others still owe theirs");
    let plain = text(&redgrid(&["zero-report", "status", "--db", &db]));
    assert!(plain.contains("大圩村") && plain.contains("已报") && plain.contains("待报"), "{plain}");

    let search = json(&redgrid(&["audit", "search", "--actor", "duty1", "--db", &db, "--json"]));
    assert!(
        search.to_string().contains("零报告") && search.to_string().contains("黄志明代为登记"),
        "the act is audited as the officer's: {search}"
    );
    std::fs::remove_dir_all(dir).ok();
}
