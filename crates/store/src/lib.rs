//! RedGrid persistence on SQLite (the single-station default) and PostgreSQL (several stations).
//!
//! A short tour:
//! - [`Store`]: opens either backend from a URL, runs its migrations, and hands out a read pool and
//!   write transactions ([`WriteTx`]).
//! - [`audit`]: the append-only, hash-chained audit log and its verification.
//! - [`events`]: events, the open queue and histories.
//! - [`registers`]: grids, the four registers, workers, cameras, accounts.
//! - [`stats`]: the statistics counters computed in SQL.
//! - [`pg_cluster`]: a private PostgreSQL cluster for tests and benchmarks that restart their server.
//!
//! Both backends go through sqlx's `Any` driver with one dialect-neutral SQL text wherever possible;
//! instants are stored as UTC milliseconds so they sort and compare the same way on both.
//!
//! Writes: every write goes through a [`WriteTx`], which takes the write lock up front (`BEGIN IMMEDIATE`
//! on SQLite; `SELECT … FOR UPDATE` of the chain head on PostgreSQL) so that the audit chain and the
//! change-feed sequence are extended in commit order, with no gaps and no forks.

pub mod accounts;
pub mod audit;
pub mod backup;
pub mod broker_logins;
pub mod callups;
pub mod console;
pub mod dispatch;
pub mod drills;
pub mod events;
pub mod feeds;
pub mod history;
pub mod pg_cluster;
pub mod registers;
pub mod response;
pub mod retention;
pub mod rosters;
pub mod shifts;
mod sql;
pub mod stats;
pub mod vocabulary;
pub mod watch;
pub mod zero_reports;

pub use vocabulary::FeedEntity;

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Row};

pub use accounts::Account;
pub use audit::{AuditEntry, AuditRecord, VerifyReport};
pub use events::{QueueFilter, QueuePage, StoredEvent};
pub use registers::{Cell, GridNode, GridRecord, Registers, WorkerRecord};
pub use watch::{FeedSignal, FEED_CHANNEL};

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "事件 #{id} 已被 {by} 修改（您看到的是第 {expected} 版，现在是第 {current} 版），请刷新后再操作"
    )]
    Conflict { id: i64, expected: i64, current: i64, by: String },
    #[error("找不到事件 #{0}")]
    EventNotFound(i64),
    #[error("不支持的数据库地址：{0}（应为 sqlite://路径 或 postgres://…）")]
    BadUrl(String),
    #[error("数据库中的数据无法解读：{0}")]
    Corrupt(String),
    // Not `#[from]`: the message already carries the cause, and a source would print it twice in a chain.
    #[error("数据库错误：{0}")]
    Database(sqlx::Error),
    #[error("数据库迁移失败：{0}")]
    Migrate(sqlx::migrate::MigrateError),
    /// The disk (or the database's quota) is full: nothing of the failed write was kept, everything
    /// committed before is intact, and writing resumes by itself once there is room.
    #[error("磁盘已满，数据库无法写入（{0}）：请清理数据库所在磁盘的空间，腾出后自动恢复写入，已保存的数据不受影响")]
    StorageFull(String),
    /// The database cannot be written: a read-only file, folder or disk, or a read-only opening.
    #[error(
        "数据库为只读，无法修改（{0}）：现为只读查看模式；请检查数据库文件及其目录的写权限或磁盘是否只读挂载"
    )]
    ReadOnly(String),
    /// The disk returned an error reading or writing the database file.
    #[error("数据库磁盘读写错误（{0}）：请检查磁盘；已提交的数据不受这次失败影响")]
    Io(String),
}

impl From<sqlx::Error> for StoreError {
    /// Full disks, read-only files and I/O errors get variants of their own (the console says what to do
    /// about each); everything else is a database error.
    fn from(error: sqlx::Error) -> Self {
        let storage = match &error {
            sqlx::Error::Database(db) => db.code().map(|code| code.into_owned()),
            _ => None,
        };
        match storage.as_deref().map(storage_kind) {
            Some(Some(kind)) => kind(error.to_string()),
            _ => StoreError::Database(error),
        }
    }
}

/// The storage failure a database error code stands for: SQLite's result codes (primary code = the low
/// byte of the extended one) and PostgreSQL's SQLSTATEs.
fn storage_kind(code: &str) -> Option<fn(String) -> StoreError> {
    if let Ok(extended) = code.parse::<i64>() {
        return match extended & 0xff {
            13 => Some(StoreError::StorageFull),
            8 => Some(StoreError::ReadOnly),
            10 => Some(StoreError::Io),
            _ => None,
        };
    }
    match code {
        "53100" => Some(StoreError::StorageFull),
        "25006" => Some(StoreError::ReadOnly),
        "58030" => Some(StoreError::Io),
        _ => None,
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        StoreError::Migrate(error)
    }
}

impl StoreError {
    /// A stable code the UI may branch on.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Conflict { .. } => "conflict",
            StoreError::EventNotFound(_) => "not_found",
            StoreError::BadUrl(_) => "bad_url",
            StoreError::Corrupt(_) => "corrupt",
            StoreError::Database(_) => "database",
            StoreError::Migrate(_) => "migrate",
            StoreError::StorageFull(_) => "storage_full",
            StoreError::ReadOnly(_) => "read_only",
            StoreError::Io(_) => "io_error",
        }
    }

    /// A failure of the database or its disk rather than of what was asked: worth trying again later,
    /// never a reason to refuse (or quarantine) the input.
    pub fn is_storage(&self) -> bool {
        matches!(
            self,
            StoreError::Database(_)
                | StoreError::StorageFull(_)
                | StoreError::ReadOnly(_)
                | StoreError::Io(_)
        )
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// How SQLite makes commits durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synchronous {
    /// In WAL mode a commit survives a crash of the program, and a power cut may lose the last commits.
    Normal,
    /// Every commit is synced to disk before it returns.
    Full,
}

impl Synchronous {
    pub fn pragma(self) -> &'static str {
        match self {
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        }
    }
}

/// Options for opening a store.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub synchronous: Synchronous,
    pub max_read_connections: u32,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig { synchronous: Synchronous::Full, max_read_connections: 8 }
    }
}

/// A handle to the database; cheap to clone (the pools are reference-counted).
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
    url: String,
    synchronous: Synchronous,
    read: AnyPool,
    /// On SQLite a pool of one connection: SQLite has one writer at a time anyway, and queuing writers in
    /// the pool rather than in SQLite's busy handler keeps them in order and never spins. On PostgreSQL a
    /// small pool of its own (see `open_with`).
    write: AnyPool,
    /// Opened for viewing only (`mode=ro`, or a file this process may not write): every write is refused
    /// with [`StoreError::ReadOnly`] at once.
    read_only: bool,
    /// What the disk did to the last write, and when the last probe ran ([`Store::storage_health`]).
    storage: std::sync::Arc<std::sync::Mutex<StorageState>>,
}

/// A write that failed for the disk, kept until a write succeeds again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteFailure {
    /// `storage_full`, `read_only`, `io_error` or `database`.
    pub code: &'static str,
    pub message: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Default)]
struct StorageState {
    failure: Option<WriteFailure>,
    probed_at: Option<std::time::Instant>,
}

impl StorageState {
    /// As just probed: opening the store (and migrating it) was a write that worked.
    fn fresh() -> std::sync::Arc<std::sync::Mutex<StorageState>> {
        std::sync::Arc::new(std::sync::Mutex::new(StorageState {
            failure: None,
            probed_at: Some(std::time::Instant::now()),
        }))
    }
}

/// The database's disk as the status bar shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageHealth {
    pub read_only: bool,
    /// The last write that failed, if none has succeeded since (a probe write counts).
    pub failure: Option<WriteFailure>,
    /// Free bytes on the SQLite file's disk for this user; `None` on PostgreSQL.
    pub free_bytes: Option<u64>,
}

/// How often [`Store::storage_health`] probes with a write of its own when nothing failed: often enough
/// that a disk filling up shows within a refresh or two, rarely enough to cost nothing.
const PROBE_EVERY: Duration = Duration::from_secs(10);

/// Free space below which the disk counts as full: less than one large transaction's worth.
const FULL_BYTES: u64 = 4 * 1024 * 1024;

/// Milliseconds since the epoch, the stored form of an instant.
pub fn to_millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

pub fn from_millis(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// Adds `mode=rwc` to a SQLite URL without a mode, so that a new station creates its file.
fn normalise_url(url: &str) -> Result<(Backend, String)> {
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let mut url = if rest.starts_with("//") { url.to_string() } else { format!("sqlite://{rest}") };
        if !url.contains("mode=") {
            url.push_str(if url.contains('?') { "&mode=rwc" } else { "?mode=rwc" });
        }
        Ok((Backend::Sqlite, url))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok((Backend::Postgres, url.to_string()))
    } else {
        Err(StoreError::BadUrl(url.to_string()))
    }
}

impl Store {
    /// Opens (creating a SQLite file if needed) and migrates.
    pub async fn open(url: &str) -> Result<Store> {
        Store::open_with(url, StoreConfig::default()).await
    }

    pub async fn open_with(url: &str, config: StoreConfig) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let (backend, url) = normalise_url(url)?;
        // Big bulk inserts are slow by design; sqlx would log each as a "slow statement" with its full text.
        let options = AnyConnectOptions::from_str(&url)?
            .log_statements(tracing::log::LevelFilter::Trace)
            .log_slow_statements(tracing::log::LevelFilter::Debug, Duration::from_secs(5));
        let mut read_only = backend == Backend::Sqlite && url.contains("mode=ro");
        let mut options = options;
        let (read, write) = match backend {
            Backend::Sqlite => {
                if let Some(path) = sqlite_path(&url).filter(|_| !read_only) {
                    let path = std::path::Path::new(&path);
                    if let Some(why) = not_writable(path) {
                        // A file this process may only read opens at once in the viewing mode instead of
                        // failing every write (or hanging in the busy handler) later.
                        tracing::warn!(path = %path.display(), why, "database not writable: opening read-only");
                        read_only = true;
                        options = AnyConnectOptions::from_str(&url.replace("mode=rwc", "mode=ro"))?
                            .log_statements(tracing::log::LevelFilter::Trace);
                    } else {
                        private_file(path).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
                    }
                }
                // journal_size_limit: a checkpointed WAL is truncated back to 64 MiB instead of keeping the
                // size of the largest transaction ever (a city seed leaves gigabytes).
                let pragmas = format!(
                    "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                     PRAGMA synchronous = {}; PRAGMA journal_size_limit = 67108864;",
                    config.synchronous.pragma()
                );
                let make_pool = |max: u32| {
                    let pragmas = pragmas.clone();
                    AnyPoolOptions::new()
                        .max_connections(max)
                        .acquire_timeout(Duration::from_secs(60))
                        .after_connect(move |conn, _meta| {
                            let pragmas = pragmas.clone();
                            Box::pin(async move {
                                sqlx::Executor::execute(&mut *conn, sqlx::raw_sql(&pragmas)).await?;
                                Ok(())
                            })
                        })
                };
                let write = make_pool(1).connect_with(options.clone()).await?;
                if !read_only {
                    // WAL is a property of the file; sqlx no longer sets it, so the store does, before any
                    // reader.
                    sqlx::raw_sql("PRAGMA journal_mode = WAL;").execute(&write).await?;
                }
                let read = make_pool(config.max_read_connections).connect_with(options).await?;
                (read, write)
            }
            Backend::Postgres => {
                // Two pools, as on SQLite: a writer holding the chain-head lock still reads through the
                // store (a worker, a setting). With one pool, writers queued on that lock could hold every
                // connection, and the holder would wait for one until the pool timed out (seen with two
                // stations making hundreds of concurrent dispatches). Readers never wait on the lock, so
                // a separate read pool always frees up.
                let make_pool = |max: u32| {
                    AnyPoolOptions::new().max_connections(max).acquire_timeout(Duration::from_secs(60))
                };
                let read =
                    make_pool(config.max_read_connections.max(4) + 4).connect_with(options.clone()).await?;
                // Writers run one at a time behind the lock anyway; a few connections let the next ones
                // be ready, more would only wait in PostgreSQL instead of in the pool.
                let write = make_pool(4).connect_with(options).await?;
                (read, write)
            }
        };
        let store = Store {
            backend,
            url,
            synchronous: config.synchronous,
            read,
            write,
            read_only,
            storage: StorageState::fresh(),
        };
        if store.read_only {
            store.check_schema_current().await?;
        } else {
            store.migrate().await?;
        }
        tracing::debug!(backend = backend.name(), "store opened");
        Ok(store)
    }

    /// A database opened read-only cannot be migrated: it is viewed only if it already has every migration
    /// this build knows (an older one would be read with the wrong columns).
    async fn check_schema_current(&self) -> Result<()> {
        let known = self.migrator().migrations.len() as i64;
        let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
            .fetch_one(&self.read)
            .await
            .map_err(|e| {
                StoreError::ReadOnly(format!("只读打开的文件不是红格指挥台数据库或无法读取：{e}"))
            })?;
        if applied < known {
            return Err(StoreError::ReadOnly(format!(
                "数据库需要升级（已有 {applied} 个迁移，本版本有 {known} 个），只读打开时无法升级"
            )));
        }
        Ok(())
    }

    fn migrator(&self) -> sqlx::migrate::Migrator {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
        }
    }

    async fn migrate(&self) -> Result<()> {
        self.migrator().run(&self.write).await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The SQLite durability setting in force (meaningless on PostgreSQL, reported as is).
    pub fn synchronous(&self) -> Synchronous {
        self.synchronous
    }

    pub fn read_pool(&self) -> &AnyPool {
        &self.read
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The write pool, for maintenance outside transactions (a checkpoint) and for tests that must make
    /// the write connection fail.
    pub fn write_pool(&self) -> &AnyPool {
        &self.write
    }

    /// Starts a write transaction holding the write lock and the chain head.
    ///
    /// The transaction is driven by hand (`BEGIN`/`COMMIT`/`ROLLBACK` as statements on a pooled connection),
    /// not by sqlx's transaction type: when a COMMIT fails for a full disk or an I/O error SQLite rolls the
    /// transaction back by itself, sqlx still counts it as open, and every later BEGIN on that connection
    /// failed, until a restart. Here a connection whose BEGIN, COMMIT or ROLLBACK failed is closed, and the
    /// next write gets a fresh one.
    pub async fn begin_write(&self) -> Result<WriteTx> {
        if self.read_only {
            return Err(StoreError::ReadOnly("以只读方式打开".into()));
        }
        let mut conn = self.write.acquire().await.map_err(|e| self.failed(e.into()))?;
        let begin = match self.backend {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        if let Err(error) = exec(&mut conn, begin).await {
            let _ = conn.close().await;
            return Err(self.failed(error.into()));
        }
        let mut tx = WriteConn { conn: Some(conn) };
        let lock = match self.backend {
            Backend::Sqlite => "SELECT audit_count, audit_hash, feed_seq FROM chain_head WHERE id = 1",
            Backend::Postgres => {
                "SELECT audit_count, audit_hash, feed_seq FROM chain_head WHERE id = 1 FOR UPDATE"
            }
        };
        let row = sqlx::query(lock).fetch_one(&mut *tx).await?;
        let head = audit::ChainHead {
            audit_count: row.try_get("audit_count")?,
            audit_hash: row.try_get("audit_hash")?,
            feed_seq: row.try_get("feed_seq")?,
        };
        Ok(WriteTx {
            backend: self.backend,
            tx,
            head: head.clone(),
            head_at_start: head,
            store: self.storage.clone(),
        })
    }

    /// Notes a failed write for [`Store::storage_health`] and passes the error on.
    fn failed(&self, error: StoreError) -> StoreError {
        self.note_write_failure(&error);
        error
    }

    /// Folds the write-ahead log into the database file and truncates it (SQLite; at idle, hourly, and on
    /// close). A reader holding an old snapshot only makes it partial, never wrong.
    pub async fn checkpoint(&self) -> Result<()> {
        if self.backend == Backend::Sqlite && !self.read_only {
            sqlx::raw_sql("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.write).await?;
        }
        Ok(())
    }

    /// The database's disk now: read-only or not, the last failed write, the free space. When nothing
    /// has been probed for [`PROBE_EVERY`], or a write failed, it probes with a write of its own (a
    /// transaction that rewrites the chain head as it is), so that a full disk shows before an officer's
    /// act fails on it, and the alarm clears by itself once a write works again.
    pub async fn storage_health(&self) -> StorageHealth {
        let free_bytes = store_folder(&self.url).and_then(|dir| free_space(&dir));
        if self.read_only {
            return StorageHealth { read_only: true, failure: None, free_bytes };
        }
        let due = {
            let state = self.storage.lock().expect("storage state lock");
            state.failure.is_some() || state.probed_at.is_none_or(|at| at.elapsed() >= PROBE_EVERY)
        };
        if due {
            let probe = async {
                let mut tx = self.begin_write().await?;
                sqlx::query("UPDATE chain_head SET feed_seq = feed_seq WHERE id = 1")
                    .execute(tx.conn())
                    .await?;
                tx.commit().await
            };
            if let Err(error) = probe.await {
                tracing::warn!(code = error.code(), %error, "the storage probe's write failed");
                note_failure(&self.storage, &error);
            }
            self.storage.lock().expect("storage state lock").probed_at = Some(std::time::Instant::now());
        }
        let mut failure = self.storage.lock().expect("storage state lock").failure.clone();
        if failure.is_none() && free_bytes.is_some_and(|free| free < FULL_BYTES) {
            // A probe fits in the log's reusable frames even on a full disk, and a real write would not:
            // a disk with less than this left is full for the station's purposes.
            let error = StoreError::StorageFull(format!("磁盘仅剩 {} KB", free_bytes.unwrap_or(0) / 1024));
            failure = Some(WriteFailure { code: error.code(), message: error.to_string(), at: Utc::now() });
        }
        StorageHealth { read_only: false, failure, free_bytes }
    }

    /// Notes a write that failed for the disk outside [`Store::begin_write`] and [`WriteTx::commit`] (a
    /// statement inside a transaction), so that the status shows it until a write succeeds.
    pub fn note_write_failure(&self, error: &StoreError) {
        note_failure(&self.storage, error);
    }

    /// Refreshes the planner's statistics (and on PostgreSQL the visibility map that index-only scans need)
    /// after a bulk load; autovacuum and SQLite's own upkeep do the same in time.
    pub async fn maintain(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => {
                sqlx::raw_sql("ANALYZE").execute(&self.write).await?;
            }
            Backend::Postgres => {
                // VACUUM refuses to run inside a transaction block, so one statement per call.
                for table in ["events", "audit_log", "change_feed", "grids", "residents"] {
                    sqlx::raw_sql(&format!("VACUUM ANALYZE {table}")).execute(&self.write).await?;
                }
            }
        }
        Ok(())
    }

    pub async fn close(&self) {
        if let Err(error) = self.checkpoint().await {
            tracing::warn!(%error, "the checkpoint at close failed; the log is folded in at the next open");
        }
        self.read.close().await;
        self.write.close().await;
    }

    /// A setting's value.
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.read)
            .await?)
    }

    /// The newest change-feed sequence number.
    pub async fn feed_head(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT feed_seq FROM chain_head WHERE id = 1").fetch_one(&self.read).await?)
    }

    /// Feed entries after `after`, oldest first.
    pub async fn feed_since(&self, after: i64, limit: i64) -> Result<Vec<FeedEntry>> {
        let rows = sqlx::query(
            "SELECT seq, at, entity, entity_id, change, version FROM change_feed WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(FeedEntry {
                    seq: row.try_get("seq")?,
                    at: from_millis(row.try_get("at")?),
                    entity: {
                        let key: String = row.try_get("entity")?;
                        FeedEntity::parse(&key)
                            .ok_or_else(|| StoreError::Corrupt(format!("变更记录的实体类型“{key}”未知")))?
                    },
                    entity_id: row.try_get("entity_id")?,
                    change: row.try_get("change")?,
                    version: row.try_get("version")?,
                })
            })
            .collect()
    }
}

/// The `n`th (1-based) bound parameter. SQLite gets anonymous `?`: sqlx binds SQLite parameters by looking
/// each one's name up, a linear walk inside SQLite, which made a 16,000-parameter insert quadratic (60% of a
/// seed's time went there). Parameters are bound in order, so `?` binds the same values as `$n`.
pub(crate) fn param(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Sqlite => "?".to_string(),
        Backend::Postgres => format!("${n}"),
    }
}

/// `(…),(…)` for `rows` rows of `width` parameters each, numbered from 1.
pub(crate) fn values_rows(backend: Backend, rows: usize, width: usize) -> String {
    let mut sql = String::with_capacity(rows * width * 6);
    for row in 0..rows {
        if row > 0 {
            sql.push(',');
        }
        sql.push('(');
        for column in 0..width {
            if column > 0 {
                sql.push(',');
            }
            sql.push_str(&param(backend, row * width + column + 1));
        }
        sql.push(')');
    }
    sql
}

fn sqlite_path(url: &str) -> Option<String> {
    let rest = url.strip_prefix("sqlite://")?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| path.to_string())
}

/// One entry of the change feed: which entity changed, not its content.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub entity: FeedEntity,
    pub entity_id: String,
    pub change: String,
    pub version: i64,
}

/// A write transaction holding the write lock. Audit records and feed entries appended through it are
/// numbered from the chain head it locked; [`WriteTx::commit`] stores the new head with them.
pub struct WriteTx {
    backend: Backend,
    tx: WriteConn,
    head: audit::ChainHead,
    head_at_start: audit::ChainHead,
    store: std::sync::Arc<std::sync::Mutex<StorageState>>,
}

/// The connection of a write transaction in progress. Dropped before its commit, it is rolled back; a
/// connection whose rollback fails is closed rather than given back to the pool.
struct WriteConn {
    conn: Option<sqlx::pool::PoolConnection<sqlx::Any>>,
}

impl std::ops::Deref for WriteConn {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &sqlx::AnyConnection {
        self.conn.as_ref().expect("the write connection is held until commit")
    }
}

impl std::ops::DerefMut for WriteConn {
    fn deref_mut(&mut self) -> &mut sqlx::AnyConnection {
        self.conn.as_mut().expect("the write connection is held until commit")
    }
}

impl Drop for WriteConn {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        match tokio::runtime::Handle::try_current() {
            // The connection goes back to the pool only once the ROLLBACK is done, so the next writer
            // waits for it and never finds the transaction still open.
            Ok(runtime) => {
                runtime.spawn(roll_back(conn));
            }
            // No runtime to roll back on: closing the connection rolls the transaction back.
            Err(_) => drop(conn.detach()),
        }
    }
}

/// One statement of transaction control on a connection, as a prepared statement: `raw_sql` on an
/// `AnyConnection` makes the futures of the station's tasks fail the compiler's `Send` proof for every
/// lifetime (rust-lang/rust#100013).
async fn exec(conn: &mut sqlx::AnyConnection, sql: &'static str) -> std::result::Result<(), sqlx::Error> {
    sqlx::query(sql).execute(conn).await.map(|_| ())
}

/// Rolls a dropped write transaction back; a connection that cannot is closed instead of reused.
async fn roll_back(mut conn: sqlx::pool::PoolConnection<sqlx::Any>) {
    if let Err(error) = exec(&mut conn, "ROLLBACK").await {
        tracing::warn!(%error, "rolling a write back failed; its connection is closed");
        let _ = conn.close().await;
    }
}

fn note_failure(state: &std::sync::Mutex<StorageState>, error: &StoreError) {
    if !error.is_storage() {
        return;
    }
    let failure = WriteFailure { code: error.code(), message: error.to_string(), at: Utc::now() };
    state.lock().expect("storage state lock").failure = Some(failure);
}

/// `mode=rwc` cannot open a file for writing that this process may only read: then, why not. Asked with
/// `access(2)`, never by opening the file: closing any descriptor of a SQLite file drops every POSIX lock
/// this process holds on it, so a second store opened on a file the first one is using would silently take
/// the first one's locks away.
fn not_writable(path: &std::path::Path) -> Option<&'static str> {
    if !path.exists() {
        return None;
    }
    match rustix::fs::access(path, rustix::fs::Access::WRITE_OK) {
        Err(rustix::io::Errno::ACCESS | rustix::io::Errno::PERM) => Some("no write permission"),
        Err(rustix::io::Errno::ROFS) => Some("read-only file system"),
        _ => None,
    }
}

/// The folder of a SQLite store's file.
fn store_folder(url: &str) -> Option<std::path::PathBuf> {
    let path = std::path::PathBuf::from(sqlite_path(url)?);
    let dir = path.parent()?.to_path_buf();
    Some(if dir.as_os_str().is_empty() { std::path::PathBuf::from(".") } else { dir })
}

/// Free bytes for an unprivileged user on the disk holding `dir`.
fn free_space(dir: &std::path::Path) -> Option<u64> {
    let stat = rustix::fs::statvfs(dir).ok()?;
    Some(stat.f_bavail.saturating_mul(stat.f_frsize))
}

impl WriteTx {
    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }

    /// Appends a change-feed entry, numbered in commit order.
    pub async fn append_feed(
        &mut self,
        at: DateTime<Utc>,
        entity: FeedEntity,
        entity_id: &str,
        change: &str,
        version: i64,
    ) -> Result<i64> {
        self.head.feed_seq += 1;
        sqlx::query(
            "INSERT INTO change_feed (seq, at, entity, entity_id, change, version) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(self.head.feed_seq)
        .bind(to_millis(at))
        .bind(entity.key())
        .bind(entity_id)
        .bind(change)
        .bind(version)
        .execute(&mut *self.tx)
        .await?;
        Ok(self.head.feed_seq)
    }

    /// Appends feed entries for many entities of one kind at once (bulk seeding and imports).
    pub async fn append_feed_batch(
        &mut self,
        at: DateTime<Utc>,
        entity: FeedEntity,
        changes: &[(String, i64)],
        change: &str,
    ) -> Result<()> {
        let mut rows = Vec::with_capacity(changes.len());
        for (entity_id, version) in changes {
            self.head.feed_seq += 1;
            rows.push(vec![
                registers::Cell::Int(self.head.feed_seq),
                registers::Cell::Int(to_millis(at)),
                registers::Cell::Text(entity.key().to_string()),
                registers::Cell::Text(entity_id.clone()),
                registers::Cell::Text(change.to_string()),
                registers::Cell::Int(*version),
            ]);
        }
        self.insert_rows("change_feed", &["seq", "at", "entity", "entity_id", "change", "version"], &rows, "")
            .await
    }

    /// Writes a setting and its feed entry.
    /// A setting read under the write lock, for a change decided on what it holds now.
    pub async fn setting(&mut self, key: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&mut *self.tx)
            .await?;
        Ok(row.map(|r| r.try_get("value")).transpose()?)
    }

    /// Rows of a table, under the write lock: numbering what this transaction adds.
    pub async fn count_rows(&mut self, table: &'static str) -> Result<i64> {
        let row = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}")).fetch_one(&mut *self.tx).await?;
        Ok(row.try_get("n")?)
    }

    pub async fn set_setting(&mut self, key: &str, value: &str, at: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&mut *self.tx)
        .await?;
        self.append_feed(at, FeedEntity::Setting, key, "updated", 0).await?;
        Ok(())
    }

    /// Stores the new chain head and commits everything.
    pub async fn commit(mut self) -> Result<()> {
        if let Err(error) = self.store_head().await {
            note_failure(&self.store, &error);
            return Err(error);
        }
        let mut conn = self.tx.conn.take().expect("the write connection is held until commit");
        match exec(&mut conn, "COMMIT").await {
            Ok(_) => {
                self.store.lock().expect("storage state lock").failure = None;
                Ok(())
            }
            Err(error) => {
                // After a full disk or an I/O error SQLite has rolled back by itself; after a busy one the
                // transaction is still open. Either way nothing of it is kept, and the connection is not
                // trusted again.
                let _ = exec(&mut conn, "ROLLBACK").await;
                let _ = conn.close().await;
                let error = StoreError::from(error);
                tracing::error!(code = error.code(), %error, "a commit failed; the write connection is replaced");
                note_failure(&self.store, &error);
                Err(error)
            }
        }
    }

    /// Writes the chain head the transaction moved to, and on PostgreSQL the notification of it.
    async fn store_head(&mut self) -> Result<()> {
        if self.head != self.head_at_start {
            sqlx::query(
                "UPDATE chain_head SET audit_count = $1, audit_hash = $2, feed_seq = $3 WHERE id = 1",
            )
            .bind(self.head.audit_count)
            .bind(&self.head.audit_hash)
            .bind(self.head.feed_seq)
            .execute(&mut *self.tx)
            .await?;
            if self.backend == Backend::Postgres && self.head.feed_seq != self.head_at_start.feed_seq {
                // Delivered at commit, and only if it commits: other stations learn that the feed moved
                // on (the number, never the rows) and read the entries themselves.
                sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(FEED_CHANNEL)
                    .bind(self.head.feed_seq.to_string())
                    .execute(&mut *self.tx)
                    .await?;
            }
        }
        Ok(())
    }
}

/// The registers, the audit log and the accounts live in this file: a folder the store creates is 0700,
/// the file 0600 (SQLite gives its -wal and -shm files the file's mode). An existing file that others may
/// read is tightened, and the log says so.
fn private_file(path: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    }
    if !path.exists() {
        // An empty file is a new database to SQLite; created here so that it never exists with wider rights.
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
        return Ok(());
    }
    let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        tracing::warn!(path = %path.display(), mode = format!("{mode:o}"), "database file readable by others; setting 0600");
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}
