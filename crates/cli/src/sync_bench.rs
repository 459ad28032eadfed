//! `redgrid bench sync`: how long a change made at one station takes to reach another station sharing the
//! PostgreSQL. Two stations in this process, each with its own connection pool and feed listener, on a
//! fresh database created on the given server (and dropped afterwards): station A makes N changes at a
//! steady pace, station B's feed watcher reads each one's feed entry the way the console does, and the
//! delay is taken from the moment A issued the command. So the figure is an upper bound: it includes A's
//! own commit, which the console's officer waits for too.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use redgrid_api::{Station, StationConfig, SystemClock};
use redgrid_core::closed_loop::{Actor, Command, NewEvent, Role};
use redgrid_core::event::{Category, Severity, Source};
use redgrid_demo::township::{self as demo, DemoConfig};
use redgrid_store::watch::{watch_feed, WatchConfig};
use redgrid_store::FeedSignal;
use serde_json::json;
use sqlx::Connection;

use crate::output;

#[derive(Args)]
pub struct SyncBenchArgs {
    /// A PostgreSQL server (postgres://user@host:port/db); a fresh database is created beside `db`.
    #[arg(long)]
    db: String,
    #[arg(long)]
    out: PathBuf,
    /// Changes station A makes.
    #[arg(long, default_value_t = 500)]
    changes: usize,
    /// Changes per second: a steady officer-like pace, not a flood.
    #[arg(long, default_value_t = 20.0)]
    rate: f64,
}

/// The delay target the design sets for stations to see each other's changes.
const TARGET_P95_MS: f64 = 1_000.0;

pub async fn run(args: &SyncBenchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.db.starts_with("postgres://") || args.db.starts_with("postgresql://"),
        "bench sync 需要 PostgreSQL：--db postgres://…（SQLite 只有一个站点）"
    );
    anyhow::ensure!(args.changes > 0 && args.rate > 0.0, "--changes 与 --rate 须大于 0");
    let name = format!(
        "redgrid_bench_sync_{}_{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.subsec_nanos()
    );
    let mut admin = sqlx::PgConnection::connect(&args.db)
        .await
        .with_context(|| format!("无法连接 PostgreSQL {}", args.db))?;
    sqlx::raw_sql(&format!("CREATE DATABASE {name}")).execute(&mut admin).await?;
    let url = with_database(&args.db, &name)?;
    let result = measure(&url, args).await;
    // Dropped whatever happened: a benchmark leaves no database behind on a shared server.
    let dropped =
        sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await;
    let figures = result?;
    dropped.with_context(|| format!("无法删除基准数据库 {name}"))?;
    std::fs::write(&args.out, serde_json::to_string_pretty(&figures)?)
        .with_context(|| format!("无法写入 {}", args.out.display()))?;
    output::print_json(&figures);
    Ok(())
}

/// What station B's watcher has seen: event id and version → when B read the feed entry.
#[derive(Default)]
struct Seen {
    at: HashMap<(i64, i64), Instant>,
    resyncs: usize,
}

async fn measure(url: &str, args: &SyncBenchArgs) -> anyhow::Result<serde_json::Value> {
    let open = |id: &str| {
        let config = StationConfig { station_id: id.into(), ..StationConfig::default() };
        Station::open(url, config, Arc::new(SystemClock))
    };
    let a = open("bench-sync-a").await?;
    eprintln!("生成演示数据……");
    demo::seed(&a, &DemoConfig { history_days: 1, ..DemoConfig::default() })
        .await
        .context("生成演示数据失败")?;
    let b = open("bench-sync-b").await?;

    let seen = Arc::new(Mutex::new(Seen::default()));
    let mut signals = watch_feed(b.store(), WatchConfig::default());
    // The first signal is the resync of a watcher that has just connected: from then on it listens.
    anyhow::ensure!(
        tokio::time::timeout(Duration::from_secs(30), signals.recv()).await?.is_some(),
        "站点 B 的变更监听没有启动"
    );
    let watcher = {
        let (b, seen) = (b.clone(), seen.clone());
        let mut cursor = b.store().feed_head().await?;
        tokio::spawn(async move {
            while let Some(signal) = signals.recv().await {
                if signal == FeedSignal::Resync {
                    seen.lock().expect("seen lock").resyncs += 1;
                }
                // On a resync too, reading on from the cursor is enough here: the feed table keeps every
                // entry, only notifications can be lost.
                loop {
                    let entries = match b.store().feed_since(cursor, 500).await {
                        Ok(entries) => entries,
                        Err(error) => {
                            tracing::warn!(%error, "station B could not read the feed");
                            break;
                        }
                    };
                    let now = Instant::now();
                    let Some(last) = entries.last().map(|e| e.seq) else { break };
                    let mut seen = seen.lock().expect("seen lock");
                    for entry in entries.iter().filter(|e| e.entity == "event") {
                        if let Ok(id) = entry.entity_id.parse::<i64>() {
                            seen.at.entry((id, entry.version)).or_insert(now);
                        }
                    }
                    cursor = last;
                }
            }
        })
    };

    let actor = Actor {
        id: "bench-a".into(),
        name: "基准值班员".into(),
        role: Role::DutyOfficer,
        station: a.station_id().into(),
    };
    let workers = a.store().workers(&a.scheme()).await?;
    let grid = workers
        .iter()
        .find(|w| w.on_duty)
        .map(|w| w.worker.grids[0].clone())
        .context("演示数据没有在岗网格员")?;
    eprintln!("站点 A 以每秒 {} 次的速度做 {} 次变更……", args.rate, args.changes);
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / args.rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Each change is one command: a report, then the accept of the event just reported.
    let mut issued: Vec<((i64, i64), Instant)> = Vec::with_capacity(args.changes);
    let mut command_ms = Vec::with_capacity(args.changes);
    let mut open_event: Option<(i64, i64)> = None;
    for n in 0..args.changes {
        tick.tick().await;
        let started = Instant::now();
        let key = match open_event.take() {
            None => {
                let new = NewEvent {
                    title: format!("基准来电（{n}）"),
                    description: String::new(),
                    category: Category::Livelihood,
                    severity: Severity::General,
                    source: Source::ByHand,
                    grid: grid.clone(),
                    lon: None,
                    lat: None,
                    address: String::new(),
                    reporter: "来电群众".into(),
                    drill: false,
                };
                let view = a.report(&actor, new).await?;
                let key = (view.stored.event.id, view.stored.event.version);
                open_event = Some(key);
                key
            }
            Some((id, version)) => {
                let accept = Command::Accept { category: None, severity: None, grid: None };
                let view = a.act(&actor, id, Some(version), accept).await?;
                (id, view.stored.event.version)
            }
        };
        command_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        issued.push((key, started));
    }

    let until = Instant::now() + Duration::from_secs(30);
    let all_seen = || {
        let seen = seen.lock().expect("seen lock");
        issued.iter().all(|(key, _)| seen.at.contains_key(key))
    };
    while Instant::now() < until && !all_seen() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    watcher.abort();
    let (mut delays, resyncs) = {
        let seen = seen.lock().expect("seen lock");
        let delays: Vec<f64> = issued
            .iter()
            .filter_map(|(key, at)| {
                seen.at.get(key).map(|seen| seen.saturating_duration_since(*at).as_secs_f64() * 1000.0)
            })
            .collect();
        (delays, seen.resyncs)
    };
    let unseen = issued.len() - delays.len();
    delays.sort_by(f64::total_cmp);
    command_ms.sort_by(f64::total_cmp);
    let p95 = percentile(&delays, 95.0);
    a.store().close().await;
    b.store().close().await;
    Ok(json!({
        "changes": args.changes,
        "propagation_p50_ms": round(percentile(&delays, 50.0)),
        "propagation_p95_ms": round(p95),
        "propagation_max_ms": round(delays.last().copied().unwrap_or(f64::NAN)),
        "resyncs": resyncs,
        "unseen": unseen,
        "rate_per_s": args.rate,
        "command_p50_ms": round(percentile(&command_ms, 50.0)),
        "command_p95_ms": round(percentile(&command_ms, 95.0)),
        "measured_from": "A issues the command (its commit included)",
        "target_p95_ms": TARGET_P95_MS,
        "target_met": unseen == 0 && p95 <= TARGET_P95_MS,
    }))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn round(ms: f64) -> f64 {
    (ms * 100.0).round() / 100.0
}

/// The same server URL naming another database (user, host, port and parameters kept).
fn with_database(url: &str, database: &str) -> anyhow::Result<String> {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let (scheme, rest) = base.split_once("://").context("数据库地址应为 postgres://…")?;
    let authority = rest.split('/').next().unwrap_or(rest);
    Ok(format!("{scheme}://{authority}/{database}{query}"))
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn another_database_on_the_same_server() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x").unwrap(),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgresql://u:p@h/db?sslmode=disable", "x").unwrap(),
            "postgresql://u:p@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h:5433", "x").unwrap(), "postgres://h:5433/x");
    }
}
