//! The station's backups as the administrator and the night see them: a backup by hand is the
//! administrator's act and is audited; the daily backup is written once a day after its hour, beside the
//! database unless told otherwise, and keeps only the newest few; a restore puts a verified copy back and
//! records itself in the restored audit log.

use chrono::Duration;
use redgrid_api::store::backup::Existing;
use redgrid_core::closed_loop::{Actor, Role};
use redgrid_store::FeedEntity;

use crate::station::{test_station, TestStation};

fn person(role: Role) -> Actor {
    Actor { id: "zhang".into(), name: "张管理".into(), role, station: "test".into() }
}

fn db_dir(t: &TestStation) -> std::path::PathBuf {
    redgrid_api::store::backup::sqlite_file(t.station.store().url()).unwrap().parent().unwrap().to_path_buf()
}

#[tokio::test]
async fn a_backup_by_hand_is_the_administrators_and_is_audited() {
    let t = test_station().await;
    let s = &t.station;
    let target = db_dir(&t).join("hand.db");
    let refused = s.backup(&person(Role::DutyOfficer), &target, Existing::Refuse).await.unwrap_err();
    assert_eq!(refused.code(), "forbidden");
    assert!(!target.exists(), "nothing written for a refused act");
    let head = s.store().feed_head().await.unwrap();
    let file = s.backup(&person(Role::Administrator), &target, Existing::Refuse).await.unwrap();
    assert!(file.bytes > 0 && file.audit.first_bad.is_none());
    let again = s.backup(&person(Role::Administrator), &target, Existing::Refuse).await.unwrap_err();
    assert_eq!(again.code(), "exists");
    let audit = s.store().recent_audit(3).await.unwrap();
    let made = audit.iter().find(|r| r.entry.command == "backup_made").expect("the backup is audited");
    assert_eq!(made.entry.actor_id, "zhang");
    assert!(made.entry.reason.contains("hand.db"), "{}", made.entry.reason);
    let feed = s.store().feed_since(head, 10).await.unwrap();
    assert!(feed.iter().any(|e| e.entity == FeedEntity::Station && e.change == "backup"));
}

#[tokio::test]
async fn the_daily_backup_comes_once_a_day_after_its_hour_and_keeps_the_newest() {
    let t = test_station().await;
    let s = &t.station;
    let admin = person(Role::Administrator);
    let dir = db_dir(&t).join("backups");
    // 02:00 UTC is 10:00 in Guigang: past the default hour (3).
    let daily = s.backup_if_due(s.now()).await.unwrap().expect("due at 10:00");
    assert_eq!(daily.file.path, dir.join("redgrid-2026-11-18.db"));
    assert!(s.backup_if_due(s.now()).await.unwrap().is_none(), "once a day");
    let audit = s.store().recent_audit(1).await.unwrap();
    assert_eq!(audit[0].entry.command, "backup_made");
    assert_eq!(audit[0].entry.actor_id, "station:test-station");

    // The next day, before the hour set (Guigang 05:00 < 06:00): not yet; after it: the second file.
    s.change_setting(&admin, "backup_hour", "6").await.unwrap();
    let early = s.now() + Duration::hours(19); // 2026-11-19 05:00 in Guigang
    assert!(s.backup_if_due(early).await.unwrap().is_none(), "not before its hour");
    let later = early + Duration::hours(2);
    assert_eq!(s.backup_if_due(later).await.unwrap().unwrap().file.path, dir.join("redgrid-2026-11-19.db"));

    // Keeping two: a third day's backup removes the oldest, and a file the station did not name stays.
    std::fs::write(dir.join("notes.txt"), "the administrator's").unwrap();
    s.change_setting(&admin, "backup_keep", "2").await.unwrap();
    let third = s.backup_if_due(later + Duration::days(1)).await.unwrap().unwrap();
    assert_eq!(third.removed, vec![dir.join("redgrid-2026-11-18.db")]);
    let mut left: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    left.sort();
    assert_eq!(left, ["notes.txt", "redgrid-2026-11-19.db", "redgrid-2026-11-20.db"]);

    // Another folder, then off.
    let elsewhere = db_dir(&t).join("nas");
    s.change_setting(&admin, "backup_dir", elsewhere.to_str().unwrap()).await.unwrap();
    let moved = s.backup_if_due(later + Duration::days(2)).await.unwrap().unwrap();
    assert_eq!(moved.file.path, elsewhere.join("redgrid-2026-11-21.db"));
    s.change_setting(&admin, "backup_keep", "0").await.unwrap();
    assert!(s.backup_if_due(later + Duration::days(3)).await.unwrap().is_none(), "0 turns it off");
}

#[tokio::test]
async fn a_restore_is_recorded_in_the_restored_audit_log_which_still_verifies() {
    let t = test_station().await;
    let s = &t.station;
    let admin = person(Role::Administrator);
    let backup = db_dir(&t).join("b.db");
    s.backup(&admin, &backup, Existing::Refuse).await.unwrap();
    let records = s.store().verify_audit().await.unwrap().records;
    let target = db_dir(&t).join("restored.db");
    let url = format!("sqlite://{}", target.display());
    let refused = redgrid_api::backup::restore(&person(Role::Leader), &backup, &url, Existing::Refuse).await;
    assert_eq!(refused.unwrap_err().code(), "forbidden");
    let restored = redgrid_api::backup::restore(&admin, &backup, &url, Existing::Refuse).await.unwrap();
    assert_eq!(
        restored.audit_records,
        records - 1,
        "the backup holds the chain as it was before its own record"
    );
    assert!(restored.installed.before_restore.is_none(), "there was nothing to keep aside");
    let store = redgrid_store::Store::open(&url).await.unwrap();
    let report = store.verify_audit().await.unwrap();
    assert!(report.first_bad.is_none(), "{report:?}");
    let last = store.recent_audit(1).await.unwrap();
    assert_eq!(last[0].entry.command, "database_restored");
    assert!(last[0].entry.reason.contains("b.db"));
    store.close().await;
    let pg =
        redgrid_api::backup::restore(&admin, &backup, "postgres://postgres@127.0.0.1/test", Existing::Refuse)
            .await
            .unwrap_err();
    assert_eq!(pg.code(), "postgres_backup");
}
