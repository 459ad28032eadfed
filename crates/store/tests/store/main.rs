//! The store conformance suite: every case runs against a SQLite file and against the real PostgreSQL.
//!
//! PostgreSQL comes from `REDGRID_TEST_PG` (default `postgres://postgres@127.0.0.1:5432/test`, the shared
//! service); each case gets a database of its own, dropped afterwards. A case fails loudly when PostgreSQL
//! is not there: it is never skipped.

mod cases;
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
