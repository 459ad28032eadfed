//! `redgrid bench …`: benchmark programs. Each prints its figures and writes them to a JSON file; no test
//! asserts a time.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use clap::Subcommand;
use redgrid_api::{Station, StationConfig, SystemClock};
use redgrid_core::closed_loop::{Actor, Command, Role};
use redgrid_core::event::{Evaluation, Outcome, Status};
use redgrid_core::time::Month;
use redgrid_demo::township::{self as demo, DemoConfig};
use redgrid_store::{QueueFilter, Store, StoreConfig, Synchronous};
use serde_json::json;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Seeds N historical events, then measures the open queue, concurrent transitions and a month's statistics.
    Store {
        #[arg(long)]
        db: String,
        #[arg(long, default_value_t = 1_000_000)]
        events: usize,
        #[arg(long)]
        out: PathBuf,
        /// SQLite durability: normal (WAL, the station default for throughput) or full.
        #[arg(long, default_value = "normal")]
        synchronous: String,
        /// Measure an already seeded database instead of seeding a new one.
        #[arg(long)]
        reuse: bool,
        /// Concurrent officers issuing commands.
        #[arg(long, default_value_t = 8)]
        officers: usize,
        /// Skip re-verifying the whole audit chain at the end (minutes at city scale).
        #[arg(long)]
        no_verify: bool,
    },
    /// Publishes N Frigate-like alerts at QoS 1 through a broker into a station and measures sustained
    /// rate, latency, loss and duplication, beside a bare subscriber on the same broker.
    Ingest {
        /// `mosquitto` starts a Mosquitto of its own on a free port with a config it writes; otherwise a URL.
        #[arg(long, default_value = "mosquitto")]
        broker: String,
        /// Default: a fresh SQLite file in a temporary folder.
        #[arg(long)]
        db: Option<String>,
        #[arg(long, default_value_t = 50_000)]
        alerts: usize,
        #[arg(long)]
        out: PathBuf,
    },
}

pub async fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Store { db, events, out, synchronous, reuse, officers, no_verify } => {
            bench_store(&db, events, &out, &synchronous, reuse, officers, !no_verify).await
        }
        BenchCommand::Ingest { broker, db, alerts, out } => {
            crate::ingest_bench::run(&broker, db, alerts, &out).await
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn sorted(mut values: Vec<f64>) -> Vec<f64> {
    values.sort_by(|a, b| a.total_cmp(b));
    values
}

async fn bench_store(
    url: &str,
    events: usize,
    out: &PathBuf,
    synchronous: &str,
    reuse: bool,
    officers: usize,
    verify: bool,
) -> anyhow::Result<()> {
    let synchronous = match synchronous {
        "normal" => Synchronous::Normal,
        "full" => Synchronous::Full,
        other => anyhow::bail!("--synchronous 应为 normal 或 full，收到“{other}”"),
    };
    let store = Store::open_with(url, StoreConfig { synchronous, max_read_connections: 8 }).await?;
    let station = Station::with_store(store.clone(), StationConfig::default(), Arc::new(SystemClock)).await?;
    if !reuse {
        let started = Instant::now();
        let config = DemoConfig {
            events_per_day: events as f64 / 365.0,
            stall_fraction: 0.007,
            stall_window_days: 365,
            progress: Some(Arc::new(move |done, all| {
                eprintln!("  写入历史事件 {done}/{all}（{:.0} 秒）", started.elapsed().as_secs_f64())
            })),
            ..DemoConfig::default()
        };
        demo::seed(&station, &config).await.context("生成基准数据失败")?;
        eprintln!("基准数据生成用时 {:.1} 秒", started.elapsed().as_secs_f64());
    }
    let (total, open) = store.count_events().await?;
    eprintln!("事件 {total} 件，待办 {open} 件");

    // The open queue: the first page of 50 by urgency, unfiltered and filtered to one village.
    let villages: Vec<String> =
        store.grid_tree(1).await?.into_iter().filter(|n| n.depth == 1).map(|n| n.code).collect();
    let mut unfiltered = Vec::new();
    let mut filtered = Vec::new();
    for round in 0..400 {
        let village = &villages[round % villages.len()];
        let started = Instant::now();
        station.queue(&QueueFilter::default(), 0, 50).await?;
        unfiltered.push(started.elapsed().as_secs_f64() * 1000.0);
        let filter = QueueFilter { village_code: Some(village.clone()), ..QueueFilter::default() };
        let started = Instant::now();
        station.queue(&filter, 0, 50).await?;
        filtered.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let both = sorted(unfiltered.iter().chain(&filtered).copied().collect());
    let (unfiltered, filtered) = (sorted(unfiltered), sorted(filtered));

    // A month's statistics: this month, median of seven.
    let month = Month::of(station.now());
    let mut stats_ms = Vec::new();
    for _ in 0..7 {
        let started = Instant::now();
        station.stats(month).await?;
        stats_ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let stats_ms = sorted(stats_ms);

    // Transitions: officers working distinct open events concurrently, full commands each.
    let ids = store.open_event_ids(officers as i64 * 600).await?;
    let workers: Vec<String> =
        store.workers(&station.scheme()).await?.into_iter().map(|w| w.worker.id).take(officers).collect();
    anyhow::ensure!(!workers.is_empty(), "基准数据中没有网格员");
    let started = Instant::now();
    let mut tasks = Vec::new();
    for officer in 0..officers {
        let station = station.clone();
        let mine: Vec<i64> = ids.iter().skip(officer).step_by(officers).copied().collect();
        let worker = workers[officer % workers.len()].clone();
        tasks.push(tokio::spawn(async move { work_events(&station, officer, &worker, &mine).await }));
    }
    let mut transitions = 0usize;
    for task in tasks {
        transitions += task.await.context("值班员任务异常退出")??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let transitions_per_s = transitions as f64 / elapsed;

    let verify_started = Instant::now();
    let verify = if verify { Some(store.verify_audit().await?) } else { None };
    let verify_s = verify_started.elapsed().as_secs_f64();
    let (total, open) = store.count_events().await?;
    let result = json!({
        "backend": store.backend().name(),
        "synchronous": synchronous.pragma(),
        "events": total,
        "open_events": open,
        "open_queue_p50_ms": percentile(&both, 50.0),
        "open_queue_p99_ms": percentile(&both, 99.0),
        "open_queue_unfiltered_p50_ms": percentile(&unfiltered, 50.0),
        "open_queue_unfiltered_p99_ms": percentile(&unfiltered, 99.0),
        "open_queue_village_p50_ms": percentile(&filtered, 50.0),
        "open_queue_village_p99_ms": percentile(&filtered, 99.0),
        "transitions": transitions,
        "transitions_per_s": transitions_per_s,
        "officers": officers,
        "stats_month_ms": percentile(&stats_ms, 50.0),
        "audit_records": verify.as_ref().map(|v| v.records),
        "audit_verify_s": verify.as_ref().map(|_| verify_s),
        "audit_chain_ok": verify.as_ref().map(|v| v.first_bad.is_none()),
    });
    say!("{}", serde_json::to_string_pretty(&result)?);
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(out, serde_json::to_string_pretty(&result)?)
        .with_context(|| format!("无法写入 {}", out.display()))?;
    Ok(())
}

/// Moves each event on by the next command of its loop until closed; returns commands applied.
async fn work_events(station: &Station, officer: usize, worker: &str, ids: &[i64]) -> anyhow::Result<usize> {
    let actor = Actor {
        id: format!("bench{officer}"),
        name: format!("基准值班员{officer}"),
        role: Role::DutyOfficer,
        station: format!("bench-station-{officer}"),
    };
    let mut applied = 0;
    for &id in ids {
        loop {
            let view = station.event(id).await?;
            let event = &view.stored.event;
            let command = match event.status {
                Status::Reported => Command::Accept { category: None, severity: None, grid: None },
                Status::Accepted => {
                    Command::Dispatch { workers: vec![worker.to_string()], note: String::new() }
                }
                Status::Dispatched => Command::Feedback {
                    notes: "基准测试反馈".into(),
                    photos: Vec::new(),
                    on_behalf_of: event.tasks.first().map(|t| t.worker_id.clone()),
                },
                Status::Handled => Command::Verify { note: String::new() },
                Status::Verified => Command::Close {
                    outcome: if event.category.is_dispute() {
                        Outcome::MediatedSuccessfully
                    } else {
                        Outcome::Resolved
                    },
                    evaluation: Evaluation::Satisfied,
                    note: String::new(),
                },
                _ => break,
            };
            station.act(&actor, id, Some(event.version), command).await?;
            applied += 1;
        }
    }
    Ok(applied)
}
