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
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        StoreError::Database(error)
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
        }
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
}

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
        let store = match backend {
            Backend::Sqlite => {
                if let Some(path) = sqlite_path(&url) {
                    private_file(std::path::Path::new(&path))
                        .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
                }
                // A 64 MiB page cache per connection: the default 2 MiB thrashes on a city-scale file.
                let pragmas = format!(
                    "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                     PRAGMA synchronous = {};",
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
                // WAL is a property of the file; sqlx no longer sets it, so the store does, before any reader.
                sqlx::raw_sql("PRAGMA journal_mode = WAL;").execute(&write).await?;
                let read = make_pool(config.max_read_connections).connect_with(options).await?;
                Store { backend, url, synchronous: config.synchronous, read, write }
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
                Store { backend, url, synchronous: config.synchronous, read, write }
            }
        };
        store.migrate().await?;
        tracing::debug!(backend = backend.name(), "store opened");
        Ok(store)
    }

    async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite").run(&self.write).await?,
            Backend::Postgres => sqlx::migrate!("./migrations/postgres").run(&self.write).await?,
        }
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

    /// Starts a write transaction holding the write lock and the chain head.
    pub async fn begin_write(&self) -> Result<WriteTx> {
        let mut tx = match self.backend {
            Backend::Sqlite => self.write.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.write.begin().await?,
        };
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
        Ok(WriteTx { backend: self.backend, tx, head: head.clone(), head_at_start: head })
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
    tx: sqlx::Transaction<'static, sqlx::Any>,
    head: audit::ChainHead,
    head_at_start: audit::ChainHead,
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
        self.tx.commit().await?;
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
