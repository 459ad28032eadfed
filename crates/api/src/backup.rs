//! Backups of the station's database and restoring one (`redgrid backup`, `redgrid restore`), and the
//! station's own daily backup. The copying and checking is `redgrid_store::backup`; here are who may, the
//! audit record and feed entry of each, and the daily schedule from the settings.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Timelike, Utc};
use redgrid_core::acts::StationAct;
use redgrid_core::closed_loop::{Actor, Role};
use redgrid_store::backup::{self as store_backup, BackupFile, Existing, Installed};
use redgrid_store::{FeedEntity, Store};

use crate::{allow, station_audit, ApiError, Result, Station};

/// Settings of the daily backup.
pub const BACKUP_DIR: &str = "backup_dir";
pub const BACKUP_HOUR: &str = "backup_hour";
pub const BACKUP_KEEP: &str = "backup_keep";

/// A daily backup the station made, and the old ones it removed.
#[derive(Debug, Clone)]
pub struct DailyBackup {
    pub file: BackupFile,
    pub removed: Vec<PathBuf>,
}

/// A restore done: what was installed, and the audit records the backup held (all verified).
#[derive(Debug, Clone)]
pub struct Restored {
    pub installed: Installed,
    pub audit_records: i64,
    pub bytes: u64,
}

impl Station {
    /// Writes a consistent copy of the database to `target` while the station works on; audited as
    /// `backup_made` and announced on the feed (station `backup`). PostgreSQL is refused with the
    /// `pg_dump`/`pg_restore` commands to use instead (`postgres_backup`).
    pub async fn backup(&self, actor: &Actor, target: &Path, existing: Existing) -> Result<BackupFile> {
        allow(actor.role, StationAct::Backup)?;
        let file = self.store().backup_to(target, existing).await?;
        self.record_backup(actor, &file, "backup_made", "备份").await?;
        Ok(file)
    }

    async fn record_backup(&self, actor: &Actor, file: &BackupFile, command: &str, what: &str) -> Result<()> {
        let now = self.now();
        let reason = format!(
            "{what}到 {}（{} 字节，含审计记录 {} 条{}）",
            file.path.display(),
            file.bytes,
            file.audit.records,
            if file.audit.first_bad.is_some() { "，审计链校验未通过" } else { "" }
        );
        let mut tx = self.store().begin_write().await?;
        tx.append_audit(&station_audit(actor, now, command, None, reason)).await?;
        tx.append_feed(now, FeedEntity::Station, self.station_id(), "backup", 0).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The station's daily backup: once the hour of `backup_hour` (Beijing time) has passed and today's
    /// `redgrid-YYYY-MM-DD.db` is not in `backup_dir` (default: `backups/` beside the database), writes
    /// it and keeps the newest `backup_keep` (0: no daily backup). `None` when nothing was due, or on
    /// PostgreSQL, whose backups are `pg_dump`'s.
    pub async fn backup_if_due(&self, now: DateTime<Utc>) -> Result<Option<DailyBackup>> {
        let keep = self.int_setting(BACKUP_KEEP, 14).await?;
        let Some(db_file) = store_backup::sqlite_file(self.store().url()) else { return Ok(None) };
        if keep <= 0 {
            return Ok(None);
        }
        let local = now.with_timezone(&redgrid_core::time::shanghai());
        if i64::from(local.hour()) < self.int_setting(BACKUP_HOUR, 3).await? {
            return Ok(None);
        }
        let dir = match self.store().setting(BACKUP_DIR).await?.filter(|d| !d.trim().is_empty()) {
            Some(dir) => PathBuf::from(dir.trim()),
            None => db_file.parent().map(|p| p.join("backups")).unwrap_or_else(|| PathBuf::from("backups")),
        };
        let target = dir.join(store_backup::dated_name(local.date_naive()));
        if target.exists() {
            return Ok(None);
        }
        let actor = Actor {
            id: format!("station:{}", self.station_id()),
            name: "站点每日自动备份".into(),
            role: Role::Administrator,
            station: self.station_id().into(),
        };
        let file = self.store().backup_to(&target, Existing::Refuse).await?;
        self.record_backup(&actor, &file, "backup_made", "每日自动备份").await?;
        let removed = store_backup::prune_dated_backups(&dir, keep as usize)?;
        tracing::info!(path = %file.path.display(), removed = removed.len(), "daily backup written");
        Ok(Some(DailyBackup { file, removed }))
    }

    async fn int_setting(&self, key: &str, default: i64) -> Result<i64> {
        Ok(self.store().setting(key).await?.and_then(|v| v.trim().parse().ok()).unwrap_or(default))
    }
}

/// Replaces the SQLite database at `url` by the backup `source`, once the backup has passed every check
/// and nothing has the database open; the old file is kept as `<db>.before-restore`. The restored database
/// then records the restore in its own audit log (`database_restored`) and feed. PostgreSQL is refused
/// with the `pg_restore` command to use.
pub async fn restore(actor: &Actor, source: &Path, url: &str, existing: Existing) -> Result<Restored> {
    allow(actor.role, StationAct::Restore)?;
    let Some(target) = store_backup::sqlite_file(url) else {
        return Err(store_backup::BackupError::Postgres(store_backup::pg_commands(url, source)?).into());
    };
    let prepared = store_backup::prepare_restore(source, &target, existing).await?;
    let (audit_records, bytes) = (prepared.audit_records, prepared.bytes);
    let installed = prepared.install().await?;
    let store = Store::open(url).await?;
    let now = Utc::now();
    let reason = format!(
        "由备份 {} 恢复（{bytes} 字节，审计记录 {audit_records} 条均已校验）{}",
        installed.source.display(),
        installed
            .before_restore
            .as_ref()
            .map(|p| format!("；原数据库保存为 {}", p.display()))
            .unwrap_or_default()
    );
    let recorded = async {
        let mut tx = store.begin_write().await?;
        tx.append_audit(&station_audit(actor, now, "database_restored", None, reason)).await?;
        tx.append_feed(now, FeedEntity::Station, &actor.station, "restored", 0).await?;
        tx.commit().await?;
        Ok::<_, ApiError>(())
    }
    .await;
    store.close().await;
    recorded?;
    tracing::info!(source = %installed.source.display(), target = %installed.target.display(), "database restored");
    Ok(Restored { installed, audit_records, bytes })
}
