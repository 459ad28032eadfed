//! The `redgrid` binary as a person runs it: seed, queue, statistics, audit verification after tampering,
//! on a SQLite file and on the real PostgreSQL.

mod accounts;
mod backup;
mod callup;
mod drill;
mod feeds;
mod level;
mod stations;
mod terminal;
mod zero_report;

use std::path::PathBuf;
use std::process::{Command, Output};

use sqlx::Connection;

fn redgrid(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_redgrid"))
        .args(args)
        .env("REDGRID_LOG", "warn")
        .output()
        .expect("the binary runs")
}

/// The binary with a password given as a person gives it: in the environment, never in argv.
fn redgrid_with_password(password: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_redgrid"))
        .args(args)
        .env("REDGRID_LOG", "warn")
        .env("REDGRID_PASSWORD", password)
        .output()
        .expect("the binary runs")
}

/// The binary with lines on its standard input (passwords, one a line).
fn redgrid_with_stdin(input: &str, args: &[&str]) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_redgrid"))
        .args(args)
        .env("REDGRID_LOG", "warn")
        .env_remove("REDGRID_PASSWORD")
        .env_remove("REDGRID_NEW_PASSWORD")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("redgrid_cli_{tag}_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn seed_and_tamper(db: &str, tamper: &str) -> (Output, Output) {
    let seeded = redgrid(&["demo", "seed", "--db", db, "--days", "30"]);
    assert!(seeded.status.success(), "demo seed: {}", text(&seeded));
    let out = text(&seeded);
    assert!(
        out.contains("大圩镇") && out.contains("duty1"),
        "the summary names the township and the demo accounts: {out}"
    );

    let queue = redgrid(&["queue", "--db", db, "--json"]);
    assert!(queue.status.success(), "{}", text(&queue));
    let json: serde_json::Value = serde_json::from_slice(&queue.stdout).expect("queue --json prints JSON");
    let events = json["events"].as_array().unwrap();
    assert!(!events.is_empty(), "a township always has open work");
    let lefts: Vec<i64> = events.iter().filter_map(|e| e["seconds_left"].as_i64()).collect();
    assert!(lefts.windows(2).all(|w| w[0] <= w[1]), "most urgent first: {lefts:?}");

    let stats = redgrid(&["stats", "--db", db, "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&stats.stdout).expect("stats --json prints JSON");
    assert!(json["total"]["reported"].as_i64().unwrap() > 0);
    assert!(json["total"]["handling_rate"].as_f64().is_some());
    let human = redgrid(&["stats", "--db", db]);
    assert!(text(&human).contains("处置率"), "{}", text(&human));

    let verified = redgrid(&["audit", "verify", "--db", db]);
    assert!(verified.status.success(), "a fresh demo verifies: {}", text(&verified));

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        sqlx::any::install_default_drivers();
        let url = if db.starts_with("sqlite") { format!("{db}?mode=rw") } else { db.to_string() };
        let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
        sqlx::raw_sql(tamper).execute(&mut conn).await.unwrap();
    });
    let after = redgrid(&["audit", "verify", "--db", db]);
    (verified, after)
}

#[test]
fn editing_an_audit_row_by_hand_makes_verify_fail_on_sqlite() {
    let dir = temp_dir("sqlite");
    let db = format!("sqlite://{}", dir.join("demo.db").display());
    let (_, after) = seed_and_tamper(&db, "UPDATE audit_log SET reason = '改过的理由' WHERE seq = 100");
    assert!(!after.status.success(), "verify exits non-zero after an edit");
    assert!(text(&after).contains("第 100 条"), "and names the first bad record: {}", text(&after));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn deleting_the_newest_audit_rows_makes_verify_fail_on_postgres() {
    let admin =
        std::env::var("REDGRID_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let name = format!("redgrid_cli_{}", std::process::id());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL is required ({admin}): {e}"));
        // Two statements, two round trips: PostgreSQL runs a multi-statement string as one transaction,
        // which DROP DATABASE refuses.
        sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::raw_sql(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
    });
    let base = admin.rsplit_once('/').unwrap().0;
    let db = format!("{base}/{name}");
    let (_, after) =
        seed_and_tamper(&db, "DELETE FROM audit_log WHERE seq > (SELECT MAX(seq) - 3 FROM audit_log)");
    assert_eq!(after.status.code(), Some(2), "verify exits non-zero: {}", text(&after));
    assert!(text(&after).contains("被删除"), "the head catches a cut-off end: {}", text(&after));
    rt.block_on(async {
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
        sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn)
            .await
            .unwrap();
    });
}

#[test]
fn bad_input_gets_a_clear_chinese_error() {
    let bad_url = redgrid(&["queue", "--db", "mysql://x"]);
    assert!(!bad_url.status.success());
    assert!(text(&bad_url).contains("sqlite://"), "{}", text(&bad_url));
    let dir = temp_dir("bad");
    let db = format!("sqlite://{}", dir.join("s.db").display());
    let bad_month = redgrid(&["stats", "--db", &db, "--month", "2026-13"]);
    assert!(!bad_month.status.success());
    assert!(text(&bad_month).contains("YYYY-MM"), "{}", text(&bad_month));
    let csv = dir.join("residents.csv");
    std::fs::write(&csv, "身份证号,姓名,户编号,网格编码,电话\n123,张三,H1,450802101201001,12345\n").unwrap();
    let import = redgrid(&["import", "residents", csv.to_str().unwrap(), "--db", &db]);
    assert_eq!(import.status.code(), Some(2), "{}", text(&import));
    assert!(text(&import).contains("第 2 行"), "the report names the row: {}", text(&import));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn roster_plan_then_export_writes_a_sheet_that_reads_back() {
    use calamine::{Data, Reader};
    let dir = temp_dir("roster");
    let db = format!("sqlite://{}", dir.join("roster.db").display());
    let seeded = redgrid(&["demo", "seed", "--db", &db, "--days", "3"]);
    assert!(seeded.status.success(), "demo seed: {}", text(&seeded));

    let args = ["roster", "plan", "--db", &db, "--from", "2026-11-23", "--weeks", "2", "--seconds", "3"];
    let anonymous = redgrid(&args);
    assert!(!anonymous.status.success(), "planning a roster needs a person: {}", text(&anonymous));
    assert!(text(&anonymous).contains("--as"), "and says how: {}", text(&anonymous));
    let mut as_leader = vec!["--as", "leader"];
    as_leader.extend(args);
    let plan = redgrid_with_password(redgrid_demo_password(), &as_leader);
    let out = text(&plan);
    assert!(plan.status.success(), "roster plan: {out}");
    assert!(out.contains("已保存排班 #1"), "the plan names the stored roster: {out}");
    assert!(out.contains("违反硬性规则 0 条"), "a stored roster keeps every hard rule: {out}");

    let file = dir.join("排班表.xlsx");
    let export = redgrid(&["roster", "export", "--db", &db, "--xlsx", file.to_str().unwrap()]);
    assert!(export.status.success(), "roster export: {}", text(&export));

    let mut workbook = calamine::open_workbook_auto(&file).expect("the export is a workbook calamine reads");
    let range = workbook.worksheet_range("排班表").expect("the sheet is named 排班表");
    let get = |r: u32, c: u32| match range.get_value((r, c)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(f)) => format!("{f}"),
        Some(Data::Int(i)) => format!("{i}"),
        _ => String::new(),
    };
    let title = get(0, 0);
    assert!(
        title.contains("大圩镇") && title.contains("平时") && title.contains("2026-11-23"),
        "title: {title}"
    );
    let header: Vec<String> = (0..19).map(|c| get(2, c)).collect();
    assert_eq!(header[..4], ["姓名", "类别", "所属", "11-23 周一"], "header: {header:?}");
    assert_eq!(header[16], "12-06 周日", "fourteen day columns: {header:?}");
    assert_eq!(header[17..], ["合计班次", "合计小时"], "totals at the end: {header:?}");

    // Worker rows run from row 3 until the first totals row; each row's codes add up to its total.
    let mut row = 3;
    let mut sum_of_rows = 0.0;
    let mut full_time = 0;
    while !get(row, 0).contains("人数") {
        let name = get(row, 0);
        assert!(!name.is_empty(), "row {row} has a worker's name");
        let codes: Vec<String> = (3..17).map(|c| get(row, c)).filter(|s| !s.is_empty()).collect();
        assert!(codes.iter().all(|c| ["白", "夜", "巡", "备"].contains(&c.as_str())), "row {row}: {codes:?}");
        let total: f64 = get(row, 17).parse().unwrap();
        assert_eq!(total as usize, codes.len(), "row {row} ({name}): total {total} against {codes:?}");
        let hours: f64 = get(row, 18).parse().unwrap();
        let expected: f64 = codes.iter().map(|c| if c == "巡" { 8.0 } else { 12.0 }).sum();
        assert_eq!(hours, expected, "row {row} ({name}): hours");
        if get(row, 1) == "专职网格员" {
            full_time += 1;
            assert!(total > 0.0, "every full-time worker has shifts: {name}");
        }
        sum_of_rows += total;
        row += 1;
        assert!(row < 2000, "the totals rows exist");
    }
    assert!(full_time >= 10, "the demo's full-time workers are listed: {full_time}");
    // Four per-shift count rows, then the day totals.
    assert_eq!(get(row + 4, 0), "当日在岗合计");
    let grand: f64 = get(row + 4, 17).parse().unwrap();
    assert_eq!(grand, sum_of_rows, "the day totals add up to the worker totals");
    let duty_row =
        (row..row + 4).find(|&r| get(r, 0).contains("值班白班")).expect("a count row for day duty");
    for c in 3..17 {
        assert_eq!(
            get(duty_row, c),
            "1",
            "peacetime staffs the day desk with one worker every day (column {c})"
        );
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn the_worker_board_and_the_history_have_their_cli_twins() {
    let dir = temp_dir("board");
    let db = format!("sqlite://{}", dir.join("r.db").display());
    assert!(redgrid(&["demo", "seed", "--db", &db, "--days", "2"]).status.success());
    let board = redgrid(&["board", "--db", &db, "--json"]);
    assert!(board.status.success(), "{}", text(&board));
    let value: serde_json::Value = serde_json::from_slice(&board.stdout).unwrap();
    let workers = value["workers"].as_array().expect("workers");
    assert_eq!(workers.len(), 380, "every demo worker");
    let on_shift = redgrid(&["board", "--on-shift", "--db", &db, "--json"]);
    let value: serde_json::Value = serde_json::from_slice(&on_shift.stdout).unwrap();
    let shown = value["workers"].as_array().unwrap();
    assert!(!shown.is_empty() && shown.len() < workers.len() && shown.iter().all(|w| w["on_shift"] == true));
    let closed = redgrid(&["history", "--status", "closed", "--db", &db, "--json"]);
    let value: serde_json::Value = serde_json::from_slice(&closed.stdout).unwrap();
    let events = value["events"].as_array().unwrap();
    assert!(!events.is_empty() && events.iter().all(|e| e["status"] == "closed"), "{value}");
    std::fs::remove_dir_all(&dir).ok();
}

fn redgrid_demo_password() -> &'static str {
    "redgrid-demo"
}
