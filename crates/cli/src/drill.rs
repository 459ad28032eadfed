//! `redgrid drill …`: drill scenarios (演练脚本) from the command line. A commissioner writes the file in
//! Excel; checking it here, against the station's own township, finds every cell to fix before the drill
//! rather than one at a time during it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use redgrid_api::drill::{DrillValidation, RowError, MAX_FILE_BYTES};
use serde_json::json;

use crate::{output, DbArg};

#[derive(Subcommand)]
pub enum DrillCommand {
    /// Checks a scenario file (XLSX or CSV) against the station's villages, grids, cameras and workers;
    /// exits 0 when it can be run, 2 with every problem when it cannot.
    Validate {
        /// The scenario: .xlsx, or .csv in UTF-8 or GBK.
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
        /// Print `{ok, title, injects, errors}` for scripts.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(command: DrillCommand) -> anyhow::Result<ExitCode> {
    match command {
        DrillCommand::Validate { file, db, json } => validate(&file, &db, json).await,
    }
}

async fn validate(file: &Path, db: &DbArg, json: bool) -> anyhow::Result<ExitCode> {
    // The size is taken from the metadata before the file is read: it may come from anywhere (a USB
    // stick, a chat group), and a video picked by mistake should not be read into memory to be refused.
    let metadata = std::fs::metadata(file).with_context(|| format!("无法读取演练脚本 {}", file.display()))?;
    if !metadata.is_file() {
        anyhow::bail!("{} 不是文件，请指定演练脚本（.xlsx 或 .csv）", file.display());
    }
    let validation = if metadata.len() > MAX_FILE_BYTES as u64 {
        too_large(file, metadata.len())
    } else {
        let bytes = std::fs::read(file).with_context(|| format!("无法读取演练脚本 {}", file.display()))?;
        let file_name = file
            .file_name()
            .map_or_else(|| file.display().to_string(), |name| name.to_string_lossy().into_owned());
        let station = db.station().await?;
        station.validate_drill_scenario(&bytes, &file_name).await?
    };
    if json {
        output::print_json(&json!({
            "ok": validation.ok,
            "title": validation.title,
            "injects": validation.injects,
            "errors": validation.errors,
        }));
    } else if validation.ok && validation.title.is_empty() {
        say!("演练脚本有效（未填写标题），共 {} 条", validation.injects);
    } else if validation.ok {
        say!("演练脚本有效：《{}》，共 {} 条", validation.title, validation.injects);
    } else {
        say!("演练脚本 {} 有 {} 处错误，请修改后重新校验：", file.display(), validation.errors.len());
        for error in &validation.errors {
            say!("{}", error.message);
        }
    }
    Ok(if validation.ok { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

/// A file too large is refused as a scenario, not as a failure of the command, so that a script reads
/// the same answer (`ok: false`, exit 2) as for any other bad file.
fn too_large(file: &Path, bytes: u64) -> DrillValidation {
    let message = format!(
        "文件 {} 有 {:.1} MiB，超过演练脚本的上限 {} MiB；请删去图片或无关的工作表",
        file.display(),
        bytes as f64 / (1024.0 * 1024.0),
        MAX_FILE_BYTES / (1024 * 1024)
    );
    DrillValidation {
        ok: false,
        title: String::new(),
        injects: 0,
        errors: vec![RowError { row: 0, column: String::new(), message }],
        scenario: None,
    }
}
