//! Backing up a SQLite station and restoring a backup (`redgrid backup`, `redgrid restore`, the station's
//! daily backup).
//!
//! A backup is `VACUUM INTO` through the store's own read pool: one read transaction, so the copy is the
//! committed state of one instant while writers carry on beside it (WAL lets them). It is written under a
//! hidden temporary name in the target's folder — created 0600 before SQLite opens it, because SQLite would
//! create it readable by everyone —, synced, checked (`quick_check` and the audit chain, read-only) and only
//! then given its name: by a hard link when an existing file must not be replaced, by a rename otherwise.
//! A file under a backup's name is therefore always complete.
//!
//! A restore touches nothing until the backup has passed: copied into a private folder beside the target
//! and opened read-only (`immutable`), it must be a SQLite file that passes `quick_check`, hold RedGrid's
//! tables and no migration this build does not know, and its audit chain must verify. Then the target must
//! not be in use: a connection in exclusive locking mode cannot start a transaction while any other
//! connection (a running station, a `redgrid` command) has the file open; when it can, it folds the old
//! file's write-ahead log in before it closes. The old file (with any -wal, -shm or -journal left beside
//! it) is kept as `<db>.before-restore`, and the verified copy is renamed into place: the very bytes that
//! were verified.
//!
//! PostgreSQL has tools of its own that take a consistent snapshot online: [`pg_commands`] names them for
//! a database.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::NaiveDate;
use sqlx::{Connection, Row};

use crate::audit::VerifyReport;
use crate::{Backend, Store, StoreError};

/// What to do when the file to be written already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Refuse, and leave it as it is.
    Refuse,
    /// Replace it (`--force`).
    Replace,
}

/// The commands that back a PostgreSQL database up and restore it, without its password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgCommands {
    pub pg_dump: String,
    pub pg_restore: String,
}

/// Why a backup or a restore was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// PostgreSQL is backed up with `pg_dump` and restored with `pg_restore`; the commands are here.
    #[error(
        "PostgreSQL 数据库请用 pg_dump 备份、pg_restore 恢复（pg_dump 本身就是一致的在线快照；密码不写在命令里，\
         用 PGPASSWORD 环境变量或 ~/.pgpass 提供；恢复前先停止所有站点）"
    )]
    Postgres(PgCommands),
    #[error("{} 已存在，未做改动；确认替换请加 --force", .0.display())]
    Exists(PathBuf),
    #[error("上次恢复时保存的原数据库 {} 还在：请先移走或删除它，再恢复；未做改动", .0.display())]
    BeforeRestoreExists(PathBuf),
    #[error("{0}")]
    SameFile(String),
    #[error("{} 不是可以恢复的红格指挥台备份：{why}；未做改动", path.display())]
    NotABackup { path: PathBuf, why: String },
    #[error("备份 {} 的审计链校验失败（第 {seq} 条：{problem}），不能用于恢复；未做改动", path.display())]
    AuditBroken { path: PathBuf, seq: i64, problem: String },
    #[error(
        "数据库 {} 正在使用中（站点 redgrid serve、指挥台或其他 redgrid 命令打开着它）：请先停止它们再恢复；未做改动",
        .0.display()
    )]
    InUse(PathBuf),
    // Not `#[source]`: the message already carries the cause, and a source would print it twice in a chain.
    #[error("{what}：{cause}")]
    Io { what: String, cause: std::io::Error },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl BackupError {
    /// A stable code the caller may branch on.
    pub fn code(&self) -> &'static str {
        match self {
            BackupError::Postgres(_) => "postgres_backup",
            BackupError::Exists(_) | BackupError::BeforeRestoreExists(_) => "exists",
            BackupError::SameFile(_) => "same_file",
            BackupError::NotABackup { .. } => "not_a_backup",
            BackupError::AuditBroken { .. } => "audit_broken",
            BackupError::InUse(_) => "in_use",
            BackupError::Io { .. } => "io",
            BackupError::Store(error) => error.code(),
        }
    }
}

impl From<sqlx::Error> for BackupError {
    fn from(error: sqlx::Error) -> Self {
        BackupError::Store(StoreError::from(error))
    }
}

type Result<T, E = BackupError> = std::result::Result<T, E>;

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BackupError {
    let what = what.into();
    move |cause| BackupError::Io { what, cause }
}

/// A backup written and checked.
#[derive(Debug, Clone)]
pub struct BackupFile {
    pub path: PathBuf,
    pub bytes: u64,
    /// The audit chain as the backup holds it, verified in the backup itself.
    pub audit: VerifyReport,
}

impl Store {
    /// Writes a consistent copy of the database to `target` while the station keeps working (see the
    /// module's comment). On PostgreSQL, refused with the `pg_dump` and `pg_restore` commands.
    pub async fn backup_to(&self, target: &Path, existing: Existing) -> Result<BackupFile> {
        if self.backend() == Backend::Postgres {
            return Err(BackupError::Postgres(pg_commands(self.url(), target)?));
        }
        let target = std::path::absolute(target).map_err(io(format!("无效的路径 {}", target.display())))?;
        let (dir, name) = folder_and_name(&target)?;
        if sqlite_file(self.url()).is_some_and(|db| same_path(&db, &target)) {
            return Err(BackupError::SameFile(format!(
                "备份不能写到数据库文件本身（{}）：请换一个文件名",
                target.display()
            )));
        }
        if existing == Existing::Refuse && target.symlink_metadata().is_ok() {
            return Err(BackupError::Exists(target));
        }
        private_folder(&dir)?;
        let partial = dir.join(format!(".{name}.partial-{}", unique()));
        create_private_file(&partial)?;
        let audit = match self.vacuum_into(&partial).await {
            Ok(()) => check_copy(&partial).await,
            Err(error) => Err(error),
        };
        let placed = audit.and_then(|audit| place(&partial, &target, existing).map(|()| audit));
        let audit = match placed {
            Ok(audit) => audit,
            Err(error) => {
                std::fs::remove_file(&partial).ok();
                return Err(error);
            }
        };
        sync_folder(&dir);
        let bytes = std::fs::metadata(&target).map_err(io(format!("无法读取 {}", target.display())))?.len();
        tracing::info!(path = %target.display(), bytes, records = audit.records, "backup written");
        Ok(BackupFile { path: target, bytes, audit })
    }

    /// `VACUUM INTO` in one read transaction of the read pool, then synced: SQLite does not sync the file
    /// it writes.
    async fn vacuum_into(&self, partial: &Path) -> Result<()> {
        let path = utf8(partial)?;
        sqlx::query("VACUUM INTO ?").bind(path.to_string()).execute(self.read_pool()).await?;
        std::fs::File::open(partial)
            .and_then(|file| file.sync_all())
            .map_err(io(format!("无法写入 {}", partial.display())))?;
        Ok(())
    }
}

/// Checks a backup just written: it must read as a whole RedGrid database; its audit chain is reported as
/// it is (a broken chain in the live database is copied faithfully, and `redgrid restore` will refuse it).
async fn check_copy(path: &Path) -> Result<VerifyReport> {
    let pool = open_read_only(path).await?;
    let report = inspect(&pool, path).await;
    pool.close().await;
    report
}

/// A read-only, immutable pool of one connection on a copy nobody writes: SQLite takes no locks and
/// creates no -wal or -shm beside it.
async fn open_read_only(path: &Path) -> Result<sqlx::AnyPool> {
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}?mode=ro&immutable=true", url_path(utf8(path)?));
    Ok(sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&url).await?)
}

/// Whole (`quick_check`), RedGrid's (its tables, no migration unknown to this build), and its audit chain.
async fn inspect(pool: &sqlx::AnyPool, path: &Path) -> Result<VerifyReport> {
    let not_a_backup = |why: String| BackupError::NotABackup { path: path.to_path_buf(), why };
    let check: Vec<String> = match sqlx::query_scalar("PRAGMA quick_check").fetch_all(pool).await {
        Ok(rows) => rows,
        Err(error) if sqlite_code(&error) == Some(SQLITE_NOTADB) => {
            return Err(not_a_backup("它不是 SQLite 数据库文件".into()))
        }
        Err(error) => return Err(not_a_backup(format!("无法读取（{error}）"))),
    };
    if check != ["ok"] {
        let first = check.first().cloned().unwrap_or_default();
        return Err(not_a_backup(format!("文件已损坏（quick_check：{first}）")));
    }
    let tables: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' \
         AND name IN ('audit_log', 'chain_head', 'settings', '_sqlx_migrations')",
    )
    .fetch_one(pool)
    .await?;
    if tables != 4 {
        return Err(not_a_backup("缺少红格指挥台的数据表（审计日志、链头、设置、迁移记录）".into()));
    }
    let known = sqlx::migrate!("./migrations/sqlite");
    let applied =
        sqlx::query("SELECT version, checksum FROM _sqlx_migrations WHERE success = TRUE ORDER BY version")
            .fetch_all(pool)
            .await?;
    for row in &applied {
        let version: i64 = row.try_get("version")?;
        let checksum: Vec<u8> = row.try_get("checksum")?;
        match known.iter().find(|m| m.version == version && !m.migration_type.is_down_migration()) {
            None => {
                return Err(not_a_backup(format!(
                    "它由较新版本的红格指挥台写成（本版本没有第 {version} 号迁移），请用新版本恢复"
                )))
            }
            Some(migration) if *migration.checksum != checksum[..] => {
                return Err(not_a_backup(format!("它的第 {version} 号迁移与本版本的不同")))
            }
            Some(_) => {}
        }
    }
    Ok(crate::audit::verify_chain(pool).await?)
}

/// A backup checked and copied beside the target, ready to take its place ([`PreparedRestore::install`]).
/// Dropping it removes the copy and touches nothing else.
#[derive(Debug)]
pub struct PreparedRestore {
    source: PathBuf,
    target: PathBuf,
    existing: Existing,
    /// Holds the checked copy, `restore.db`.
    work: WorkFolder,
    /// The audit records in the backup, every one verified.
    pub audit_records: i64,
    pub bytes: u64,
}

/// Checks `source` as a backup to restore onto the SQLite file `target` (see the module's comment). A
/// refusal leaves the target as it was.
pub async fn prepare_restore(source: &Path, target: &Path, existing: Existing) -> Result<PreparedRestore> {
    let source = std::path::absolute(source).map_err(io(format!("无效的路径 {}", source.display())))?;
    let target = std::path::absolute(target).map_err(io(format!("无效的路径 {}", target.display())))?;
    let metadata = std::fs::metadata(&source).map_err(io(format!("无法读取备份 {}", source.display())))?;
    if !metadata.is_file() {
        return Err(BackupError::NotABackup { path: source, why: "它不是普通文件".into() });
    }
    if sidecar(&source, "-wal").exists() {
        return Err(BackupError::NotABackup {
            why: "它旁边有 -wal 文件，是一个正在使用（或未正常关闭）的数据库，而不是备份；请用 redgrid backup 制作备份"
                .into(),
            path: source,
        });
    }
    if same_path(&source, &target) {
        return Err(BackupError::SameFile("备份文件和要恢复到的数据库是同一个文件".into()));
    }
    let target_exists = target.symlink_metadata().is_ok();
    if target_exists && existing == Existing::Refuse {
        return Err(BackupError::Exists(target));
    }
    let before = before_restore_path(&target);
    if target_exists && before.symlink_metadata().is_ok() {
        return Err(BackupError::BeforeRestoreExists(before));
    }
    let (dir, _) = folder_and_name(&target)?;
    private_folder(&dir)?;
    // Beside the target, so that the verified copy is renamed into place, not copied again.
    let work = WorkFolder::create(dir.join(format!(".redgrid-restore-{}", unique())))?;
    let copy = work.copy();
    create_private_file(&copy)?;
    std::fs::copy(&source, &copy).map_err(io(format!("无法复制备份 {}", source.display())))?;
    let pool = open_read_only(&copy).await?;
    let report = inspect(&pool, &source).await;
    pool.close().await;
    let report = report?;
    if let Some(bad) = report.first_bad {
        return Err(BackupError::AuditBroken { path: source, seq: bad.seq, problem: bad.problem });
    }
    let bytes = metadata.len();
    Ok(PreparedRestore { source, target, existing, work, audit_records: report.records, bytes })
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    pub source: PathBuf,
    pub target: PathBuf,
    /// Where the replaced database was kept, with its -wal and -shm if any were left.
    pub before_restore: Option<PathBuf>,
}

impl PreparedRestore {
    pub fn source(&self) -> &Path {
        &self.source
    }

    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Puts the checked copy in the target's place, keeping the old file as `<db>.before-restore`.
    /// Refused (`in_use`) while anything has the target open.
    pub async fn install(self) -> Result<Installed> {
        let target = self.target.clone();
        let (dir, _) = folder_and_name(&target)?;
        let mut before_restore = None;
        if target.symlink_metadata().is_ok() {
            if self.existing == Existing::Refuse {
                return Err(BackupError::Exists(target));
            }
            take_over(&target).await?;
            let before = before_restore_path(&target);
            if before.symlink_metadata().is_ok() {
                return Err(BackupError::BeforeRestoreExists(before));
            }
            rename(&target, &before)?;
            for suffix in ["-wal", "-shm", "-journal"] {
                let left = sidecar(&target, suffix);
                if left.symlink_metadata().is_ok() {
                    rename(&left, &sidecar(&before, suffix))?;
                }
            }
            before_restore = Some(before);
        }
        if let Err(error) = rename(&self.work.copy(), &target) {
            if let Some(before) = &before_restore {
                // Put the old database back rather than leave no database at all.
                std::fs::rename(before, &target).ok();
            }
            return Err(error);
        }
        sync_folder(&dir);
        tracing::info!(target = %target.display(), from = %self.source.display(), "backup restored");
        Ok(Installed { source: self.source.clone(), target, before_restore })
    }
}

const SQLITE_BUSY: i64 = 5;
const SQLITE_LOCKED: i64 = 6;
const SQLITE_NOTADB: i64 = 26;

/// SQLite's primary result code of a database error.
fn sqlite_code(error: &sqlx::Error) -> Option<i64> {
    let sqlx::Error::Database(db) = error else { return None };
    db.code()?.parse::<i64>().ok().map(|code| code & 0xff)
}

/// Makes sure nothing else has `target` open, and folds its write-ahead log into the file so that the file
/// set aside is whole on its own. In exclusive locking mode SQLite's first read needs an exclusive lock on
/// the file, which it cannot have while any other connection holds its shared lock — and every connection
/// of a WAL database holds one from its first read until it closes.
async fn take_over(target: &Path) -> Result<()> {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteLockingMode};
    let options = SqliteConnectOptions::new()
        .filename(target)
        .create_if_missing(false)
        .locking_mode(SqliteLockingMode::Exclusive)
        // A `redgrid` command that is just finishing lets go within this; a station never does.
        .busy_timeout(Duration::from_secs(2));
    let mut conn = SqliteConnection::connect_with(&options).await?;
    let taken = sqlx::raw_sql("BEGIN EXCLUSIVE; SELECT COUNT(*) FROM sqlite_master; COMMIT;")
        .execute(&mut conn)
        .await;
    let outcome = match taken {
        Ok(_) => sqlx::raw_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut conn)
            .await
            .map(|_| ())
            .map_err(Into::into),
        Err(error) if matches!(sqlite_code(&error), Some(SQLITE_BUSY | SQLITE_LOCKED)) => {
            Err(BackupError::InUse(target.to_path_buf()))
        }
        // Not a database at all: nothing can be using it as one; it is set aside as it is.
        Err(error) if sqlite_code(&error) == Some(SQLITE_NOTADB) => Ok(()),
        Err(error) => Err(error.into()),
    };
    conn.close().await.ok();
    outcome
}

/// The SQLite file of a store URL; `None` for PostgreSQL or an in-memory database.
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let (backend, url) = crate::normalise_url(url).ok()?;
    if backend != Backend::Sqlite {
        return None;
    }
    crate::sqlite_path(&url).map(PathBuf::from)
}

/// `<db>.before-restore`: where a restore keeps the database it replaced.
pub fn before_restore_path(target: &Path) -> PathBuf {
    sidecar(target, ".before-restore")
}

/// `path` with `suffix` appended to its file name (`x.db` → `x.db-wal`).
fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// The `pg_dump` and `pg_restore` commands for the database at `url`, writing or reading `file`; the
/// password, if the URL has one, is left out.
pub fn pg_commands(url: &str, file: &Path) -> Result<PgCommands> {
    let options = sqlx::postgres::PgConnectOptions::from_str(url)
        .map_err(|_| BackupError::Store(StoreError::BadUrl(strip_password(url))))?;
    let host = match options.get_socket() {
        Some(socket) => socket.display().to_string(),
        None => options.get_host().to_string(),
    };
    let user = options.get_username().to_string();
    let database = options.get_database().map(str::to_string).unwrap_or_else(|| user.clone());
    let connection = format!(
        "--host={} --port={} --username={} --dbname={}",
        shell_word(&host),
        options.get_port(),
        shell_word(&user),
        shell_word(&database)
    );
    let file = shell_word(&file.display().to_string());
    Ok(PgCommands {
        pg_dump: format!("pg_dump --format=custom --file={file} {connection}"),
        pg_restore: format!("pg_restore --clean --if-exists --exit-on-error {connection} {file}"),
    })
}

/// A URL as it may be shown: `postgres://user:secret@host/db` → `postgres://user@host/db`.
fn strip_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    match rest.split_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}@{host}")
        }
        None => url.to_string(),
    }
}

/// A word for a POSIX shell: as it is when it is plain, else in single quotes.
fn shell_word(word: &str) -> String {
    let plain =
        !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The file name of a dated backup: `redgrid-2026-11-18.db`.
pub fn dated_name(date: NaiveDate) -> String {
    format!("redgrid-{}.db", date.format("%Y-%m-%d"))
}

fn date_of(name: &str) -> Option<NaiveDate> {
    let day = name.strip_prefix("redgrid-")?.strip_suffix(".db")?;
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok().filter(|date| dated_name(*date) == name)
}

/// The dated backups in `dir`, newest first (none when the folder does not exist). Other files there are
/// not the station's to count or remove.
pub fn dated_backups(dir: &Path) -> Result<Vec<(NaiveDate, PathBuf)>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(io(format!("无法读取备份目录 {}", dir.display()))(error)),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io(format!("无法读取备份目录 {}", dir.display())))?;
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if let Some(date) = entry.file_name().to_str().and_then(date_of).filter(|_| is_file) {
            found.push((date, entry.path()));
        }
    }
    found.sort_by_key(|b| std::cmp::Reverse(b.0));
    Ok(found)
}

/// Removes the dated backups in `dir` beyond the newest `keep`, and the partial files an interrupted
/// backup of an earlier day left behind; returns the backups removed, oldest last.
pub fn prune_dated_backups(dir: &Path, keep: usize) -> Result<Vec<PathBuf>> {
    let backups = dated_backups(dir)?;
    let mut removed = Vec::new();
    for (_, path) in backups.iter().skip(keep) {
        std::fs::remove_file(path).map_err(io(format!("无法删除旧备份 {}", path.display())))?;
        removed.push(path.clone());
    }
    if let Some((newest, _)) = backups.first() {
        for entry in
            std::fs::read_dir(dir).map_err(io(format!("无法读取备份目录 {}", dir.display())))?.flatten()
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            let stale = name
                .strip_prefix('.')
                .and_then(|rest| rest.split_once(".partial-"))
                .and_then(|(backup, _)| date_of(backup))
                .is_some_and(|date| date < *newest);
            if stale {
                std::fs::remove_file(entry.path()).ok();
            }
        }
    }
    Ok(removed)
}

/// A folder of the restore's own beside the target, removed with everything in it when dropped.
#[derive(Debug)]
struct WorkFolder(PathBuf);

impl WorkFolder {
    fn create(path: PathBuf) -> Result<WorkFolder> {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&path)
            .map_err(io(format!("无法创建临时目录 {}", path.display())))?;
        Ok(WorkFolder(path))
    }

    fn copy(&self) -> PathBuf {
        self.0.join("restore.db")
    }
}

impl Drop for WorkFolder {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

/// A name no other backup or restore is using: this process and a counter.
fn unique() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!("{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

fn folder_and_name(path: &Path) -> Result<(PathBuf, String)> {
    let name = path.file_name().and_then(|n| n.to_str()).filter(|n| !n.is_empty());
    match (path.parent(), name) {
        (Some(dir), Some(name)) => Ok((dir.to_path_buf(), name.to_string())),
        _ => Err(BackupError::SameFile(format!("{} 不是一个文件路径", path.display()))),
    }
}

fn utf8(path: &Path) -> Result<&str> {
    path.to_str().ok_or_else(|| BackupError::Io {
        what: format!("路径 {} 不是 UTF-8", path.display()),
        cause: std::io::Error::from(std::io::ErrorKind::InvalidInput),
    })
}

/// A path as sqlx reads it in a URL, which it percent-decodes.
fn url_path(path: &str) -> String {
    path.replace('%', "%25").replace('?', "%3F").replace('#', "%23")
}

/// Whether two paths name the same file, whether or not it exists yet (their folders resolved).
fn same_path(a: &Path, b: &Path) -> bool {
    let resolve = |p: &Path| {
        let dir = p.parent().map(|d| std::fs::canonicalize(d).unwrap_or_else(|_| d.to_path_buf()));
        dir.map(|d| d.join(p.file_name().unwrap_or_default()))
    };
    resolve(a) == resolve(b)
}

/// A folder for backups: created 0700 (like the database's own), left as it is when it exists.
fn private_folder(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.exists() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io(format!("无法创建目录 {}", dir.display())))
}

/// An empty file only its owner may read: `VACUUM INTO` fills an empty file it is given and keeps its mode.
fn create_private_file(path: &Path) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map(drop)
        .map_err(io(format!("无法创建 {}", path.display())))
}

/// Gives the checked partial file its name.
fn place(partial: &Path, target: &Path, existing: Existing) -> Result<()> {
    match existing {
        Existing::Replace => rename(partial, target),
        // A hard link never replaces a file that appeared meanwhile (another station's backup of the day).
        Existing::Refuse => match std::fs::hard_link(partial, target) {
            Ok(()) => {
                std::fs::remove_file(partial).ok();
                Ok(())
            }
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                Err(BackupError::Exists(target.to_path_buf()))
            }
            // A file system without hard links (FAT on a USB stick): look, then rename.
            Err(_) if target.symlink_metadata().is_ok() => Err(BackupError::Exists(target.to_path_buf())),
            Err(_) => rename(partial, target),
        },
    }
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to).map_err(io(format!("无法把 {} 改名为 {}", from.display(), to.display())))
}

/// Makes a rename in `dir` durable. Some file systems cannot sync a folder; the rename stands anyway.
fn sync_folder(dir: &Path) {
    if let Err(error) = std::fs::File::open(dir).and_then(|d| d.sync_all()) {
        tracing::debug!(%error, dir = %dir.display(), "could not sync the folder");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pg_commands_name_the_database_and_never_the_password() {
        let commands =
            pg_commands("postgres://redgrid:s3cret@db.example:6543/township", Path::new("/srv/备份 1.dump"))
                .unwrap();
        assert_eq!(
            commands.pg_dump,
            "pg_dump --format=custom --file='/srv/备份 1.dump' --host=db.example --port=6543 \
             --username=redgrid --dbname=township"
        );
        assert!(commands.pg_restore.starts_with("pg_restore --clean --if-exists"), "{}", commands.pg_restore);
        assert!(!commands.pg_dump.contains("s3cret") && !commands.pg_restore.contains("s3cret"));
        assert_eq!(strip_password("postgres://u:p@h/d"), "postgres://u@h/d");
    }

    #[test]
    fn only_exact_dated_names_count_as_the_stations_backups() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 18).unwrap();
        assert_eq!(date_of(&dated_name(date)), Some(date));
        for other in ["redgrid-2026-11-18.db.partial-1-2", "redgrid-2026-1-18.db", "mine.db", "redgrid-x.db"]
        {
            assert_eq!(date_of(other), None, "{other}");
        }
    }
}
