//! `redgrid drill …`: drill scenarios (演练脚本) from the command line. A commissioner writes the file in
//! Excel; checking it here, against the station's own township, finds every cell to fix before the drill
//! rather than one at a time during it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use redgrid_api::drill::{DrillValidation, RowError, MAX_FILE_BYTES};
use redgrid_api::drill_run::{run_injector, state_zh, DrillChange};
use redgrid_api::ApiError;
use serde_json::json;

use crate::identity::Identity;
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
    /// Runs a scenario to its end as the --as commissioner, through the station serving on the same
    /// database: prints the drill's id, then one JSON line per inject as it goes in.
    Run {
        file: PathBuf,
        /// 1 = real time; up to 60 for training and tests.
        #[arg(long, default_value_t = 1)]
        speed: u32,
        /// Villages mapped elsewhere: 原=新,… (names or codes).
        #[arg(long)]
        villages: Option<String>,
        #[command(flatten)]
        db: DbArg,
    },
    /// The drill's scorecard: each inject's steps against their limits, the expected actions, the score.
    Scorecard {
        id: String,
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
    /// Every drill, newest first.
    List {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
    /// Pauses a running drill (its schedule waits).
    Pause {
        id: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// Resumes a paused drill.
    Resume {
        id: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// Ends a drill before its last inject.
    Stop {
        id: String,
        #[command(flatten)]
        db: DbArg,
    },
}

pub async fn run(command: DrillCommand, identity: &mut Identity) -> anyhow::Result<ExitCode> {
    match command {
        DrillCommand::Validate { file, db, json } => validate(&file, &db, json).await,
        DrillCommand::Run { file, speed, villages, db } => {
            run_drill(&file, speed, villages.as_deref(), &db, identity).await
        }
        DrillCommand::List { db, json } => {
            let station = db.station().await?;
            let drills = station.drills().await?;
            if json {
                output::print_json(&serde_json::Value::Array(
                    drills
                        .iter()
                        .map(|d| {
                            json!({ "drill_id": d.id, "title": d.title, "state": d.state, "speed": d.speed,
                                    "started_at": d.started_at.to_rfc3339(), "started_by": d.started_by_name })
                        })
                        .collect(),
                ));
            } else {
                for d in &drills {
                    say!(
                        "{}\t《{}》\t{}\t{} 倍速\t{} {}",
                        d.id,
                        d.title,
                        state_zh(&d.state),
                        d.speed,
                        output::local_time(d.started_at),
                        d.started_by_name
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        DrillCommand::Scorecard { id, db, json } => {
            let station = db.station().await?;
            let card = station.drill_scorecard(&id).await?;
            if json {
                output::print_json(&scorecard_json(&card));
            } else {
                say!(
                    "演练 {}《{}》：{} 分，{}",
                    card.drill.id,
                    card.drill.title,
                    card.score,
                    card.conclusion
                );
                for i in &card.injects {
                    let steps: Vec<String> = i
                        .steps
                        .iter()
                        .map(|s| {
                            format!(
                                "{} {}s{}",
                                s.step,
                                s.seconds,
                                if s.on_time == Some(false) { "（超时）" } else { "" }
                            )
                        })
                        .collect();
                    let missed: Vec<&str> = i.expected.iter().filter(|e| !e.done).map(|e| e.action).collect();
                    say!(
                        "  #{} {} {} 分  {}{}",
                        i.seq,
                        i.kind,
                        i.score,
                        steps.join("，"),
                        if missed.is_empty() {
                            String::new()
                        } else {
                            format!("；未完成：{}", missed.join("、"))
                        }
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        DrillCommand::Pause { id, db } => control(&id, &db, DrillChange::Pause, identity).await,
        DrillCommand::Resume { id, db } => control(&id, &db, DrillChange::Resume, identity).await,
        DrillCommand::Stop { id, db } => control(&id, &db, DrillChange::Stop, identity).await,
    }
}

async fn control(
    id: &str,
    db: &DbArg,
    change: DrillChange,
    identity: &mut Identity,
) -> anyhow::Result<ExitCode> {
    let station = db.station().await?;
    let actor = identity.person(&station).await?;
    let drill = station.control_drill(&actor, id, change).await?;
    say!("演练 {id} 已{}（{}）", change.name_zh(), state_zh(&drill.state));
    Ok(ExitCode::SUCCESS)
}

async fn run_drill(
    file: &Path,
    speed: u32,
    villages: Option<&str>,
    db: &DbArg,
    identity: &mut Identity,
) -> anyhow::Result<ExitCode> {
    // The injects go out through the station that serves this database: its outbox, its broker.
    let probe = db.station().await?;
    let online = probe.store().stations_online().await?;
    let Some(serving) = online.first().cloned() else {
        return Err(anyhow::Error::new(ApiError::NoStation(
            "没有在此数据库上运行的站点：请先启动 redgrid serve 或指挥台，再运行演练".into(),
        )));
    };
    let station = db.station_as(&serving).await?;
    let actor = identity.person(&station).await?;
    let metadata = std::fs::metadata(file).with_context(|| format!("无法读取演练脚本 {}", file.display()))?;
    anyhow::ensure!(
        metadata.len() <= MAX_FILE_BYTES as u64,
        "演练脚本 {} 超过 {} MiB",
        file.display(),
        MAX_FILE_BYTES / (1024 * 1024)
    );
    let bytes = std::fs::read(file).with_context(|| format!("无法读取演练脚本 {}", file.display()))?;
    let name =
        file.file_name().map_or_else(|| file.display().to_string(), |n| n.to_string_lossy().into_owned());
    let validation = station.validate_drill_scenario(&bytes, &name).await?;
    let Some(mut scenario) = validation.scenario.filter(|_| validation.ok) else {
        for error in &validation.errors {
            eprintln!("{}", error.message);
        }
        return Ok(ExitCode::from(2));
    };
    if let Some(text) = villages {
        let mapping = redgrid_drill::parse_village_mapping(text).map_err(|e| anyhow::anyhow!("{e}"))?;
        scenario
            .remap_villages(&mapping, &station.drill_catalogue().await?)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let drill = station.start_drill(&actor, &scenario, speed).await?;
    output::print_json_line(
        &json!({ "drill_id": drill.id, "title": drill.title, "speed": drill.speed, "station": serving }),
    );
    let (_stop, shutdown) = tokio::sync::watch::channel(false);
    let started = drill.started_at;
    let mut sent = Vec::new();
    let finished =
        run_injector(station.clone(), drill.id.clone(), shutdown, |inject| sent.push(inject.clone())).await;
    // Reports become events at the station's ingest a moment after they go out: wait a little for the links.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let mut rows = station.store().drill_injects(&drill.id).await?;
    while rows.iter().any(|r| needs_event(&r.kind) && r.injected_at.is_some() && r.event_id.is_none())
        && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        rows = station.store().drill_injects(&drill.id).await?;
    }
    for r in &rows {
        let planned = started + chrono::Duration::milliseconds(r.planned_offset_ms / drill.speed.max(1));
        output::print_json_line(&json!({
            "drill_id": r.drill_id, "seq": r.seq, "kind": r.kind, "planned_at": planned.to_rfc3339(),
            "injected_at": r.injected_at.map(|t| t.to_rfc3339()), "event_id": r.event_id, "detail": r.detail,
        }));
    }
    let finished = finished?;
    eprintln!("演练 {}：{}，注入 {} 条", finished.id, state_zh(&finished.state), sent.len());
    Ok(ExitCode::SUCCESS)
}

/// The kinds whose inject becomes an event by itself (a hotline's waits for the officer).
fn needs_event(kind: &str) -> bool {
    matches!(kind, "resident_report" | "worker_report")
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

fn scorecard_json(card: &redgrid_api::drill_run::Scorecard) -> serde_json::Value {
    json!({
        "drill_id": card.drill.id, "title": card.drill.title, "score": card.score, "conclusion": card.conclusion,
        "injects": card.injects.iter().map(|i| json!({
            "seq": i.seq, "kind": i.kind, "planned_at": i.planned_at.to_rfc3339(),
            "injected_at": i.injected_at.map(|t| t.to_rfc3339()), "event_id": i.event_id,
            "steps": i.steps.iter().map(|s| (s.step.to_string(), json!({
                "at": s.at.to_rfc3339(), "seconds": s.seconds, "limit_seconds": s.limit_seconds, "on_time": s.on_time,
            }))).collect::<serde_json::Map<_, _>>(),
            "expected": i.expected.iter().map(|e| json!({ "action": e.action, "done": e.done, "by": e.by })).collect::<Vec<_>>(),
            "score": i.score,
        })).collect::<Vec<_>>(),
        "officers": card.officers.iter().map(|(name, n)| json!({ "name": name, "steps": n })).collect::<Vec<_>>(),
        "workers": card.workers.iter().map(|(id, n)| json!({ "worker_id": id, "steps": n })).collect::<Vec<_>>(),
        "callup": card.callup.map(|(called, answered)| json!({ "called": called, "answered": answered })),
    })
}
