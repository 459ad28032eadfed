//! `redgrid backup` and `redgrid restore`: a consistent copy of a running station's SQLite file, and
//! putting one back once it has passed every check. PostgreSQL's are `pg_dump`'s and `pg_restore`'s: the
//! commands are printed and the exit is 2 (`postgres_backup`).

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use redgrid_api::store::backup::{BackupError, Existing};
use redgrid_api::ApiError;
use serde_json::json;

use crate::identity::Identity;
use crate::{output, DbArg};

#[derive(Args)]
pub struct BackupArgs {
    /// The file to write (an existing one is replaced only with --force).
    #[arg(long, value_name = "FILE")]
    to: PathBuf,
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    db: DbArg,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct RestoreArgs {
    /// The backup to restore (a file `redgrid backup` or the daily backup wrote).
    file: PathBuf,
    /// Replace an existing database (it is kept as <db>.before-restore).
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    db: DbArg,
    #[arg(long)]
    json: bool,
}

fn existing(force: bool) -> Existing {
    if force {
        Existing::Replace
    } else {
        Existing::Refuse
    }
}

/// PostgreSQL's refusal carries the commands to use: they are printed before the error, to be copied.
fn show_pg_commands(error: &ApiError) {
    if let ApiError::Backup(BackupError::Postgres(commands)) = error {
        say!("备份：{}", commands.pg_dump);
        say!("恢复：{}", commands.pg_restore);
    }
}

pub async fn run_backup(args: BackupArgs, identity: &mut Identity) -> anyhow::Result<()> {
    let station = args.db.station().await?;
    let actor = identity.administrator(&station).await?;
    let file = match station.backup(&actor, &args.to, existing(args.force)).await {
        Ok(file) => file,
        Err(error) => {
            show_pg_commands(&error);
            return Err(error.into());
        }
    };
    if args.json {
        output::print_json(&json!({
            "path": file.path.display().to_string(), "bytes": file.bytes,
            "audit_records": file.audit.records, "audit_ok": file.audit.first_bad.is_none(),
        }));
    } else {
        say!(
            "已备份到 {}（{:.1} MB，审计记录 {} 条{}）。",
            file.path.display(),
            file.bytes as f64 / 1_048_576.0,
            file.audit.records,
            if file.audit.first_bad.is_none() {
                "，校验通过"
            } else {
                "；注意：审计链校验未通过，此备份不能用于恢复"
            }
        );
    }
    Ok(())
}

pub async fn run_restore(args: RestoreArgs, identity: &Identity) -> anyhow::Result<()> {
    // The database is about to be replaced: nothing may have it open, not even this command to check a
    // password, so a restore is the operating-system user's act (whoever can write the file can anyway).
    anyhow::ensure!(
        identity.account().is_none(),
        "恢复数据库以系统用户（管理员）身份执行，不能加 --as：执行前数据库不能被任何程序打开"
    );
    let url = args.db.url()?;
    let user = crate::identity::os_user();
    let actor = redgrid_core::closed_loop::Actor {
        id: format!("os:{user}"),
        name: format!("命令行（系统用户 {user}）"),
        role: redgrid_core::closed_loop::Role::Administrator,
        station: "restore".into(),
    };
    let restored = match redgrid_api::backup::restore(&actor, &args.file, &url, existing(args.force)).await {
        Ok(restored) => restored,
        Err(error) => {
            show_pg_commands(&error);
            return Err(error).with_context(|| format!("未能由 {} 恢复", args.file.display()));
        }
    };
    let installed = &restored.installed;
    if args.json {
        output::print_json(&json!({
            "source": installed.source.display().to_string(),
            "target": installed.target.display().to_string(),
            "before_restore": installed.before_restore.as_ref().map(|p| p.display().to_string()),
            "audit_records": restored.audit_records, "bytes": restored.bytes,
        }));
    } else {
        say!(
            "已由 {} 恢复到 {}（审计记录 {} 条，全部校验通过）。",
            installed.source.display(),
            installed.target.display(),
            restored.audit_records
        );
        if let Some(before) = &installed.before_restore {
            say!("原数据库保存为 {}。", before.display());
        }
    }
    Ok(())
}
