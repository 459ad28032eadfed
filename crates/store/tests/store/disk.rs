//! The store and its disk failing under it, for real: a full file system (a tmpfs of a few MiB filled to the
//! last byte), a commit that fails on the write connection, a PostgreSQL that drops the station's
//! connections, a database opened read-only. Each time only the failed write is lost, the status says why,
//! and writing resumes by itself.

use chrono::{Duration, TimeZone, Utc};
use redgrid_store::{AuditEntry, Store};

fn entry(i: usize, reason_bytes: usize) -> AuditEntry {
    AuditEntry {
        at: Utc.with_ymd_and_hms(2026, 11, 18, 2, 0, 0).unwrap() + Duration::seconds(i as i64),
        actor_id: "duty1".into(),
        actor_name: "黄志明".into(),
        role: "duty_officer".into(),
        station: "s1".into(),
        event_id: None,
        command: "remind".into(),
        from_status: None,
        to_status: None,
        reason: format!("第 {i} 条：{}", "备".repeat(reason_bytes / 3)),
    }
}

async fn write(
    store: &Store,
    from: usize,
    count: usize,
    reason_bytes: usize,
) -> Result<(), redgrid_store::StoreError> {
    let mut tx = store.begin_write().await?;
    for i in from..from + count {
        tx.append_audit(&entry(i, reason_bytes)).await?;
    }
    tx.commit().await
}

async fn records(store: &Store) -> i64 {
    let report = store.verify_audit().await.unwrap();
    assert!(report.first_bad.is_none(), "the chain holds: {report:?}");
    report.records
}

/// A tmpfs of `mib` MiB, unmounted (with everything in it) when dropped.
struct SmallDisk {
    dir: std::path::PathBuf,
}

impl SmallDisk {
    fn mount(mib: u32) -> SmallDisk {
        let dir = std::env::temp_dir().join(format!(
            "redgrid-small-disk-{}-{}",
            std::process::id(),
            Utc::now().timestamp_micros()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mib}m,mode=0700"), "tmpfs"])
            .arg(&dir)
            .output()
            .expect("mount runs");
        assert!(
            out.status.success(),
            "this test needs to mount a small tmpfs (root, as on the CI machine): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        SmallDisk { dir }
    }

    /// Fills the disk to its last byte with a file of its own.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let filler = self.dir.join("filler");
        let mut file = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 64 * 1024];
        loop {
            match file.write(&block) {
                Ok(0) => break,
                Ok(_) => {}
                Err(error) if error.raw_os_error() == Some(28) => break,
                Err(error) => panic!("filling the disk: {error}"),
            }
        }
        // The last partial block, byte by byte.
        while file.write(&[0u8]).is_ok_and(|n| n == 1) {}
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.dir).status();
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_fails_the_write_raises_the_alarm_and_writing_resumes_once_there_is_room() {
    let disk = SmallDisk::mount(8);
    let url = format!("sqlite://{}", disk.dir.join("station.db").display());
    let store = Store::open(&url).await.unwrap();
    write(&store, 1, 10, 300).await.unwrap();
    assert_eq!(records(&store).await, 10);
    assert!(store.storage_health().await.failure.is_none());
    let free = store.storage_health().await.free_bytes.expect("the free space of a SQLite disk");
    assert!(free > 0 && free <= 8 * 1024 * 1024, "{free}");

    let filler = disk.fill();
    let mut failed = None;
    // A few hundred KiB more than the disk has: it fails at a statement or at the commit.
    for attempt in 0..20 {
        match write(&store, 100 + attempt * 100, 100, 3000).await {
            Ok(()) => continue,
            Err(error) => {
                failed = Some(error);
                break;
            }
        }
    }
    let error = failed.expect("a write fails on a full disk");
    assert_eq!(error.code(), "storage_full", "{error}");
    assert!(error.to_string().contains("磁盘已满"), "{error}");
    let health = store.storage_health().await;
    let failure = health.failure.expect("the status shows the failed write");
    assert_eq!(failure.code, "storage_full");
    assert!(health.free_bytes.unwrap() < 64 * 1024);
    let accepted = records(&store).await;
    assert!(accepted >= 10, "what was committed before is still there");
    // The disk is still full: more writes keep failing the same clear way, and reads keep working.
    assert_eq!(write(&store, 9000, 50, 3000).await.unwrap_err().code(), "storage_full");
    assert_eq!(records(&store).await, accepted);

    std::fs::remove_file(&filler).unwrap();
    let health = store.storage_health().await;
    assert!(health.failure.is_none(), "the probe's write works again and clears the alarm: {health:?}");
    write(&store, 10_000, 5, 300).await.expect("writing resumes by itself");
    assert_eq!(records(&store).await, accepted + 5, "nothing accepted was lost, nothing failed was kept");
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_that_fails_on_the_write_connection_does_not_leave_it_broken() {
    let db = redgrid_testkit::TestDb::sqlite().await;
    let store = &db.store;
    write(store, 1, 3, 100).await.unwrap();
    // The write pool has one connection: cap its file at the pages it has, so the next commit that needs a
    // new page fails there (SQLITE_FULL), as on a full disk.
    let pages: i64 = sqlx::query_scalar("PRAGMA page_count").fetch_one(store.write_pool()).await.unwrap();
    sqlx::raw_sql(&format!("PRAGMA max_page_count = {pages}")).execute(store.write_pool()).await.unwrap();
    let error = write(store, 10, 200, 2000).await.expect_err("no room for the new pages");
    assert_eq!(error.code(), "storage_full", "{error}");
    // The limit lived on that connection only; the next write gets a fresh one and works. Before, the old
    // connection stayed in a transaction sqlx believed open and every later write failed until a restart.
    write(store, 1000, 2, 100).await.expect("the next write works on a new connection");
    write(store, 1002, 2, 100).await.expect("and the one after");
    assert_eq!(records(store).await, 7);
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_dropping_the_stations_connections_costs_at_most_the_write_in_flight() {
    let db = redgrid_testkit::TestDb::postgres().await;
    let store = &db.store;
    write(store, 1, 3, 100).await.unwrap();
    let name: String =
        sqlx::query_scalar("SELECT current_database()::text").fetch_one(store.read_pool()).await.unwrap();
    let admin = redgrid_testkit::admin_url();
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await.unwrap();
    let killed: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(&name)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert!(!killed.is_empty(), "the store's connections were there to drop");
    let mut written = 0;
    for attempt in 0..3 {
        if write(store, 100 + attempt, 1, 100).await.is_ok() {
            written += 1;
        }
    }
    assert!(written >= 2, "writes work again at once after a dropped connection ({written} of 3)");
    assert_eq!(records(store).await, 3 + written);
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_opened_read_only_is_viewed_and_every_write_is_refused_at_once() {
    let db = redgrid_testkit::TestDb::sqlite().await;
    write(&db.store, 1, 4, 100).await.unwrap();
    db.store.close().await;
    let url = format!("{}?mode=ro", db.url());
    let started = std::time::Instant::now();
    let viewer = Store::open(&url).await.expect("a read-only database opens");
    assert!(viewer.is_read_only());
    assert_eq!(records(&viewer).await, 4, "and reads");
    let refused = write(&viewer, 10, 1, 100).await.unwrap_err();
    assert_eq!(refused.code(), "read_only");
    assert!(refused.to_string().contains("只读查看模式"), "{refused}");
    assert!(started.elapsed() < std::time::Duration::from_secs(30), "never waits on a lock it cannot take");
    assert!(viewer.storage_health().await.read_only);
    viewer.close().await;

    // A file that is not a migrated RedGrid database is not viewed as one.
    let other = std::env::temp_dir().join(format!("redgrid-ro-{}.db", std::process::id()));
    std::fs::write(&other, b"").unwrap();
    let error = Store::open(&format!("sqlite://{}?mode=ro", other.display())).await.unwrap_err();
    assert_eq!(error.code(), "read_only", "{error}");
    std::fs::remove_file(&other).ok();
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_write_ahead_log_is_folded_in_and_truncated_by_a_checkpoint() {
    let db = redgrid_testkit::TestDb::sqlite().await;
    write(&db.store, 1, 500, 1000).await.unwrap();
    let wal = std::path::PathBuf::from(format!("{}-wal", db.url().trim_start_matches("sqlite://")));
    assert!(std::fs::metadata(&wal).unwrap().len() > 0, "the writes are in the log");
    db.store.checkpoint().await.unwrap();
    assert_eq!(std::fs::metadata(&wal).unwrap().len(), 0, "folded into the file and truncated");
    assert_eq!(records(&db.store).await, 500);
    db.finish().await;
}
