//! The store conformance suite: every case runs against a SQLite file and against the real PostgreSQL.
//!
//! PostgreSQL comes from `REDGRID_TEST_PG` (default `postgres://postgres@127.0.0.1:5432/test`, the shared
//! service); each case gets a database of its own, dropped afterwards. A case fails loudly when PostgreSQL
//! is not there: it is never skipped.

mod backup;
mod cases;
mod disk;
mod pg_cluster;
mod pools;

/// Declares one test per backend for an async case `cases::$name(&Store)`.
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = redgrid_testkit::TestDb::sqlite().await;
                    crate::cases::$name(&db.store).await;
                    db.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = redgrid_testkit::TestDb::postgres().await;
                    crate::cases::$name(&db.store).await;
                    db.finish().await;
                }
            )*
        }
    };
}

conformance!(
    events_round_trip,
    a_stale_version_is_a_conflict_naming_who_acted,
    the_audit_chain_verifies,
    an_edited_audit_record_is_named,
    deleting_the_newest_records_is_caught,
    deleting_a_record_in_the_middle_is_caught,
    a_rolled_back_command_leaves_no_trace,
    concurrent_writers_keep_one_gapless_chain_and_feed,
    the_queue_is_most_urgent_first_and_filters,
    stats_in_sql_match_the_core_definitions,
    registers_round_trip,
    settings_policy_and_calendar_round_trip,
    tasks_outbox_and_dispatch_counts,
    history_finds_any_event_by_number_words_status_and_date,
    old_delivery_bookkeeping_is_pruned_and_the_record_kept,
    zero_reports_keep_the_latest_per_village_the_facts_and_one_reminder_per_period,
    broker_logins_issue_reissue_and_revoke_with_feed_entries,
);

#[tokio::test]
async fn sqlite_runs_in_wal_with_foreign_keys_on() {
    let db = redgrid_testkit::TestDb::sqlite().await;
    let mode: String =
        sqlx::query_scalar("PRAGMA journal_mode").fetch_one(db.store.read_pool()).await.unwrap();
    assert_eq!(mode.to_lowercase(), "wal", "WAL is set explicitly; sqlx no longer does it");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(db.store.read_pool()).await.unwrap();
    assert_eq!(fk, 1, "foreign keys are on for every connection");
    db.finish().await;
}

#[tokio::test]
async fn a_bad_url_is_a_clear_error() {
    let error = redgrid_store::Store::open("mysql://localhost/x").await.unwrap_err();
    assert_eq!(error.code(), "bad_url");
    assert!(error.to_string().contains("sqlite://"), "the message says what is accepted: {error}");
}

/// The feed's vocabulary is one list in three places: the store's enum, `docs/ipc.md` and `ui/js/feed.js`.
#[test]
fn the_feed_vocabulary_is_the_same_in_the_store_the_docs_and_the_console() {
    use redgrid_store::FeedEntity;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let keys: std::collections::BTreeSet<&str> = FeedEntity::ALL.iter().map(|e| e.key()).collect();
    let feed_js = std::fs::read_to_string(root.join("ui/js/feed.js")).unwrap();
    let line =
        feed_js.lines().find(|l| l.contains("export const FEED_ENTITIES")).expect("FEED_ENTITIES in feed.js");
    let console: std::collections::BTreeSet<&str> =
        line.split('\'').enumerate().filter(|(i, _)| i % 2 == 1).map(|(_, s)| s).collect();
    assert_eq!(console, keys, "ui/js/feed.js");
    let ipc = std::fs::read_to_string(root.join("docs/ipc.md")).unwrap();
    let start = ipc.find("(kinds: ").expect("the kinds in docs/ipc.md") + "(kinds: ".len();
    let end = start + ipc[start..].find(')').unwrap();
    let documented: std::collections::BTreeSet<&str> =
        ipc[start..end].split(',').map(|k| k.trim().trim_matches('`')).filter(|k| !k.is_empty()).collect();
    assert_eq!(documented, keys, "docs/ipc.md");
    for key in keys {
        assert_eq!(FeedEntity::parse(key).map(FeedEntity::key), Some(key));
    }
}

/// The file holds the registers, the audit log and the accounts: nobody but the station's user reads it.
#[tokio::test]
async fn a_new_sqlite_store_is_0600_in_a_0700_folder() {
    use std::os::unix::fs::PermissionsExt;
    let base = std::env::temp_dir().join(format!("redgrid-perms-{}", std::process::id()));
    let dir = base.join("station");
    let file = dir.join("r.db");
    let store = redgrid_store::Store::open(&format!("sqlite://{}", file.display())).await.unwrap();
    let mut tx = store.begin_write().await.unwrap();
    tx.set_setting("mode", "peacetime", chrono::Utc::now()).await.unwrap();
    tx.commit().await.unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700, "the folder it created");
    assert_eq!(mode(&file), 0o600, "the database");
    let wal = dir.join("r.db-wal");
    assert!(wal.exists());
    assert_eq!(mode(&wal), 0o600, "and its write-ahead log");
    store.close().await;
    // A file someone left readable is tightened when the store opens it.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let store = redgrid_store::Store::open(&format!("sqlite://{}", file.display())).await.unwrap();
    assert_eq!(mode(&file), 0o600);
    store.close().await;
    std::fs::remove_dir_all(&base).ok();
}
