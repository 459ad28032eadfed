//! The `redgrid` binary as a person runs it: seed, queue, statistics, audit verification after tampering,
//! on a SQLite file and on the real PostgreSQL.

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
