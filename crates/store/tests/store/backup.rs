//! Backups of a SQLite store taken while it works, and restoring them: a copy is a consistent snapshot, only
//! its owner reads it, a tampered or foreign copy is refused before anything changes, and a database in
//! use is never replaced.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use redgrid_store::backup::{self, BackupError, Existing};
use redgrid_store::{AuditEntry, FeedEntity, Store};
use redgrid_testkit::TestDb;

fn entry(i: usize) -> AuditEntry {
    AuditEntry {
        at: Utc.with_ymd_and_hms(2026, 11, 18, 2, 0, 0).unwrap() + chrono::Duration::seconds(i as i64),
        actor_id: "admin".into(),
        actor_name: "管理员".into(),
        role: "administrator".into(),
        station: "s1".into(),
        event_id: None,
        command: "setting_set".into(),
        from_status: None,
        to_status: None,
        reason: format!("第 {i} 次修改"),
    }
}

/// One commit of a command: an audit record and a feed entry together, as every facade call writes them.
async fn command(store: &Store, i: usize) {
    let mut tx = store.begin_write().await.unwrap();
    tx.append_audit(&entry(i)).await.unwrap();
    tx.append_feed(entry(i).at, FeedEntity::Setting, "k", "updated", 0).await.unwrap();
    tx.commit().await.unwrap();
}

fn folder_of(db: &TestDb) -> PathBuf {
    backup::sqlite_file(db.url()).unwrap().parent().unwrap().to_path_buf()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

async fn open_copy(path: &Path) -> Store {
    Store::open(&format!("sqlite://{}", path.display())).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_writers_commit_is_a_consistent_snapshot_that_verifies() {
    let db = TestDb::sqlite().await;
    for i in 0..50 {
        command(&db.store, i).await;
    }
    let mut writers = Vec::new();
    for writer in 0..4 {
        let store = db.store.clone();
        writers.push(tokio::spawn(async move {
            for i in 0..100 {
                command(&store, 1000 * (writer + 1) + i).await;
            }
        }));
    }
    let dir = folder_of(&db).join("backups");
    let mut copies = Vec::new();
    for n in 0..4 {
        let path = dir.join(format!("copy-{n}.db"));
        let made = db.store.backup_to(&path, Existing::Refuse).await.unwrap();
        assert_eq!(made.audit.first_bad, None, "the copy's chain verifies as it is written");
        assert_eq!(made.bytes, std::fs::metadata(&path).unwrap().len());
        copies.push((path, made.audit.records));
    }
    for writer in writers {
        writer.await.unwrap();
    }
    assert_eq!(mode(&dir), 0o700, "the folder the backup created is private");
    let mut sizes = Vec::new();
    for (path, records) in &copies {
        assert_eq!(mode(path), 0o600, "only the station's user reads a backup: {}", path.display());
        let copy = open_copy(path).await;
        let report = copy.verify_audit().await.unwrap();
        assert_eq!((report.records, report.first_bad), (*records, None), "{}", path.display());
        // Every command wrote one record and one feed entry in one transaction: a snapshot taken between
        // commits has as many of each; a torn copy would not.
        assert_eq!(copy.feed_head().await.unwrap(), report.records, "{}", path.display());
        assert!(report.records >= 50, "the copy holds what was committed before it began");
        sizes.push(report.records);
        copy.close().await;
    }
    assert!(sizes.windows(2).all(|w| w[0] <= w[1]), "later copies hold no less: {sizes:?}");
    let live = db.store.verify_audit().await.unwrap();
    assert_eq!((live.records, live.first_bad), (450, None), "the writers were not disturbed");
    let leftovers: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "no partial file is left behind: {leftovers:?}");
    db.finish().await;
}

#[tokio::test]
async fn a_backup_never_replaces_a_file_unless_told_to_nor_the_database_itself() {
    let db = TestDb::sqlite().await;
    command(&db.store, 1).await;
    let path = folder_of(&db).join("mine.db");
    std::fs::write(&path, "someone else's file").unwrap();
    let refused = db.store.backup_to(&path, Existing::Refuse).await.unwrap_err();
    assert_eq!(refused.code(), "exists", "{refused}");
    assert_eq!(std::fs::read(&path).unwrap(), b"someone else's file", "the file is left as it was");
    let made = db.store.backup_to(&path, Existing::Replace).await.unwrap();
    assert_eq!(made.audit.records, 1);
    assert_eq!(mode(&path), 0o600, "the replacement is private too");
    let itself = backup::sqlite_file(db.url()).unwrap();
    let refused = db.store.backup_to(&itself, Existing::Replace).await.unwrap_err();
    assert_eq!(refused.code(), "same_file", "--force never lets a backup overwrite the live file: {refused}");
    db.finish().await;
}

#[tokio::test]
async fn a_tampered_or_foreign_copy_is_refused_before_anything_changes() {
    let db = TestDb::sqlite().await;
    for i in 0..5 {
        command(&db.store, i).await;
    }
    let dir = folder_of(&db);
    let good = dir.join("good.db");
    db.store.backup_to(&good, Existing::Refuse).await.unwrap();
    let tampered = dir.join("tampered.db");
    std::fs::copy(&good, &tampered).unwrap();
    {
        let copy = open_copy(&tampered).await;
        sqlx::query("UPDATE audit_log SET reason = '改过的理由' WHERE seq = 3")
            .execute(copy.read_pool())
            .await
            .unwrap();
        copy.close().await;
    }
    let target = dir.join("target.db");
    std::fs::copy(&good, &target).unwrap();
    let before = std::fs::read(&target).unwrap();
    let error = backup::prepare_restore(&tampered, &target, Existing::Replace).await.unwrap_err();
    assert!(matches!(&error, BackupError::AuditBroken { seq: 3, .. }), "the edited record is named: {error}");
    let foreign = dir.join("notes.db");
    std::fs::write(&foreign, "这不是数据库".repeat(200)).unwrap();
    let error = backup::prepare_restore(&foreign, &target, Existing::Replace).await.unwrap_err();
    assert_eq!(error.code(), "not_a_backup", "{error}");
    assert_eq!(std::fs::read(&target).unwrap(), before, "the target is byte for byte what it was");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.contains("restore")),
        "no work folder or .before-restore left: {names:?}"
    );
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_in_use_is_not_replaced_and_a_closed_one_is_kept_aside() {
    let db = TestDb::sqlite().await;
    for i in 0..3 {
        command(&db.store, i).await;
    }
    let dir = folder_of(&db);
    let good = dir.join("good.db");
    db.store.backup_to(&good, Existing::Refuse).await.unwrap();
    let target = dir.join("running.db");
    let running = open_copy(&target).await;
    for i in 0..7 {
        command(&running, i).await;
    }
    let prepared = backup::prepare_restore(&good, &target, Existing::Replace).await.unwrap();
    assert_eq!(prepared.audit_records, 3);
    let error = prepared.install().await.unwrap_err();
    assert_eq!(error.code(), "in_use", "an open store holds the file: {error}");
    assert_eq!(running.verify_audit().await.unwrap().records, 7, "and the running store keeps its data");
    running.close().await;

    let prepared = backup::prepare_restore(&good, &target, Existing::Replace).await.unwrap();
    let installed = prepared.install().await.unwrap();
    let kept = installed.before_restore.clone().expect("the old file is kept");
    assert_eq!(kept, backup::before_restore_path(&target));
    let old = open_copy(&kept).await;
    assert_eq!(old.verify_audit().await.unwrap().records, 7, "the file kept aside is whole on its own");
    old.close().await;
    let restored = open_copy(&target).await;
    let report = restored.verify_audit().await.unwrap();
    assert_eq!((report.records, report.first_bad), (3, None), "the target now holds the backup");
    restored.close().await;
    let again = backup::prepare_restore(&good, &target, Existing::Replace).await.unwrap_err();
    assert_eq!(again.code(), "exists", "a second restore does not overwrite the kept file: {again}");
    let refused = backup::prepare_restore(&good, &target, Existing::Refuse).await.unwrap_err();
    assert_eq!(refused.code(), "exists", "{refused}");
    db.finish().await;
}

#[tokio::test]
async fn postgres_is_backed_up_with_its_own_tools() {
    let db = TestDb::postgres().await;
    let error = db.store.backup_to(Path::new("/tmp/redgrid.dump"), Existing::Refuse).await.unwrap_err();
    let BackupError::Postgres(commands) = &error else { panic!("PostgreSQL is refused: {error}") };
    assert_eq!(error.code(), "postgres_backup");
    let database = db.url().rsplit('/').next().unwrap();
    assert!(commands.pg_dump.starts_with("pg_dump --format=custom --file=/tmp/redgrid.dump"), "{commands:?}");
    assert!(commands.pg_dump.contains(&format!("--dbname={database}")), "{commands:?}");
    assert!(commands.pg_restore.contains(&format!("--dbname={database}")), "{commands:?}");
    db.finish().await;
}
