//! `redgrid backup` and `redgrid restore` from the command line: a copy of a seeded station, restored into
//! a new file that verifies; an existing database replaced only with --force and kept aside; PostgreSQL
//! answered with the pg_dump command.

use crate::{redgrid, redgrid_with_password, temp_dir, text};

fn json(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("JSON ({e}): {}", text(output)))
}

#[test]
fn a_backup_restores_into_a_database_that_verifies_and_nothing_is_replaced_unasked() {
    let dir = temp_dir("backup");
    let db = format!("sqlite://{}", dir.join("live.db").display());
    assert!(redgrid(&["demo", "seed", "--db", &db, "--days", "2"]).status.success());
    let file = dir.join("copy.db");
    let made = redgrid(&["backup", "--to", file.to_str().unwrap(), "--db", &db, "--json"]);
    assert!(made.status.success(), "{}", text(&made));
    let made = json(&made);
    assert_eq!(made["audit_ok"], true);
    assert!(made["audit_records"].as_i64().unwrap() > 50, "a seeded history: {made}");
    let twice = redgrid(&["backup", "--to", file.to_str().unwrap(), "--db", &db]);
    assert_eq!(twice.status.code(), Some(2));
    assert!(text(&twice).contains("exists"), "{}", text(&twice));

    let fresh = format!("sqlite://{}", dir.join("fresh.db").display());
    let restored = redgrid(&["restore", file.to_str().unwrap(), "--db", &fresh, "--json"]);
    assert!(restored.status.success(), "{}", text(&restored));
    assert_eq!(json(&restored)["audit_records"], made["audit_records"]);
    let verify = redgrid(&["audit", "verify", "--db", &fresh]);
    assert!(verify.status.success(), "the restored chain verifies: {}", text(&verify));
    let queue = redgrid(&["queue", "--db", &fresh, "--json"]);
    assert_eq!(json(&queue), json(&redgrid(&["queue", "--db", &db, "--json"])), "the same open queue");

    // Onto the live database: refused without --force, then kept aside with it.
    let unasked = redgrid(&["restore", file.to_str().unwrap(), "--db", &db]);
    assert_eq!(unasked.status.code(), Some(2), "{}", text(&unasked));
    let forced = redgrid(&["restore", file.to_str().unwrap(), "--db", &db, "--force", "--json"]);
    assert!(forced.status.success(), "{}", text(&forced));
    let before = json(&forced)["before_restore"].as_str().unwrap().to_string();
    assert!(before.ends_with("live.db.before-restore") && std::path::Path::new(&before).exists());

    let as_someone =
        redgrid_with_password("x", &["--as", "duty1", "restore", file.to_str().unwrap(), "--db", &fresh]);
    assert!(!as_someone.status.success(), "a restore is not a console account's act");
    let not_a_backup = dir.join("junk.db");
    std::fs::write(&not_a_backup, "not sqlite").unwrap();
    let junk = redgrid(&["restore", not_a_backup.to_str().unwrap(), "--db", &fresh, "--force"]);
    assert_eq!(junk.status.code(), Some(2));
    assert!(text(&junk).contains("not_a_backup"), "{}", text(&junk));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn postgres_is_answered_with_its_own_tools() {
    let dir = temp_dir("backup-pg");
    let out = dir.join("pg.dump");
    let pg = redgrid(&[
        "backup",
        "--to",
        out.to_str().unwrap(),
        "--db",
        "postgres://postgres@127.0.0.1:5432/test",
    ]);
    assert_eq!(pg.status.code(), Some(2), "{}", text(&pg));
    assert!(text(&pg).contains("pg_dump --format=custom"), "{}", text(&pg));
    assert!(text(&pg).contains("postgres_backup"));
    assert!(!out.exists());
    std::fs::remove_dir_all(&dir).ok();
}
