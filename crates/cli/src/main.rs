//! `redgrid`: the headless station — demo data, imports, the queue, statistics, the audit check,
//! benchmarks. Every subcommand that touches a store takes `--db URL` (default: the SQLite file in the
//! app data folder).

#[macro_use]
mod output;
mod accounts;
mod backup;
mod bench;
mod callup;
mod dispatch_bench;
mod drill;
mod identity;
mod ingest_bench;
mod level;
mod roster;
mod sync_bench;
mod terminal;
mod zero_report;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use redgrid_api::{Station, StationConfig, SystemClock};

use redgrid_core::event::{Category, Severity, Status};
use redgrid_core::time::Month;
use redgrid_demo::township::{self as demo, DemoConfig};
use redgrid_store::QueueFilter;

#[derive(Parser)]
#[command(
    name = "redgrid",
    version,
    about = "红格指挥台：乡镇综治中心指挥台（无界面站点、演示数据、导入、统计、审计、基准测试）"
)]
struct Cli {
    /// Act as this account (its password: REDGRID_PASSWORD, else the first line of standard input). Without
    /// it the CLI is the administrator, named by the operating-system user, and takes only the
    /// administrator's acts.
    #[arg(long = "as", global = true, value_name = "ACCOUNT")]
    as_account: Option<String>,
    #[command(subcommand)]
    command: Top,
}

/// How the simulator's terminals answer call-ups.
#[derive(Args, Clone)]
struct SimCallupArgs {
    /// Workers whose terminals never answer a call-up (their backups are called).
    #[arg(long, value_delimiter = ',')]
    callup_silent: Vec<String>,
    /// Share of call-ups answered "unavailable".
    #[arg(long, default_value_t = 0.1)]
    callup_unavailable_share: f64,
    /// Share of call-ups a terminal never answers (beyond the --callup-silent workers).
    #[arg(long, default_value_t = 0.03)]
    callup_ignore_share: f64,
}

#[derive(Args, Clone)]
struct DbArg {
    /// Database URL: sqlite://PATH or postgres://… (default: the SQLite file in the app data folder).
    #[arg(long, env = "REDGRID_DB")]
    db: Option<String>,
}

impl DbArg {
    fn url(&self) -> anyhow::Result<String> {
        match &self.db {
            Some(url) => Ok(url.clone()),
            None => {
                let dir =
                    dirs::data_dir().context("找不到应用数据目录，请用 --db 指定数据库")?.join("redgrid");
                Ok(format!("sqlite://{}", dir.join("redgrid.db").display()))
            }
        }
    }

    async fn station(&self) -> anyhow::Result<Station> {
        let url = self.url()?;
        Station::open(&url, StationConfig::default(), Arc::new(SystemClock))
            .await
            .with_context(|| format!("无法打开数据库 {url}"))
    }

    /// The station as `station_id`: what it queues goes out through that station's outbox.
    async fn station_as(&self, station_id: &str) -> anyhow::Result<Station> {
        let url = self.url()?;
        let config = StationConfig { station_id: station_id.to_string(), ..StationConfig::default() };
        Station::open(&url, config, Arc::new(SystemClock))
            .await
            .with_context(|| format!("无法打开数据库 {url}"))
    }
}

#[derive(Subcommand)]
enum Top {
    /// Sets a new station up for a township: its grids, rules and first administrator; no demo data.
    Init(accounts::InitArgs),
    /// Console accounts: add, list, disable, enable, reset, role, scope, passwd.
    #[command(subcommand)]
    Account(accounts::AccountCommand),
    /// Call-ups (叫应): start, status, answer, close.
    #[command(subcommand)]
    Callup(callup::CallupCommand),
    /// Station settings: list, set KEY VALUE.
    #[command(subcommand)]
    Setting(callup::SettingCommand),
    /// Graded response levels: list, set (with --dry-run).
    #[command(subcommand)]
    Level(level::LevelCommand),
    /// Writes a consistent copy of the station's SQLite database while it runs (PostgreSQL: pg_dump).
    Backup(backup::BackupArgs),
    /// Replaces the database by a backup, after checking it; the station must be stopped.
    Restore(backup::RestoreArgs),
    /// Broker logins of workers' terminals, NVRs and report sources: issue, revoke, list.
    #[command(subcommand)]
    Terminal(terminal::TerminalCommand),
    /// Zero reports (零报告): status, prefill, record.
    #[command(subcommand)]
    ZeroReport(zero_report::ZeroReportCommand),
    /// Demo data.
    #[command(subcommand)]
    Demo(DemoCommand),
    /// The open queue, most urgent first.
    Queue(QueueArgs),
    /// One event: its state, deadline and full history.
    Event {
        id: i64,
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
    /// Statistics of a month (default: this month).
    Stats(StatsArgs),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Imports: divisions, grid boundaries, registers.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Runs the station headless: MQTT ingest into the store until Ctrl-C.
    Serve(ServeArgs),
    /// Simulates the demo township's cameras, worker terminals and residents over MQTT.
    Sim(SimArgs),
    /// The working-day calendar: public holidays and make-up working days.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// Messages that could not be taken in.
    #[command(subcommand)]
    Quarantine(QuarantineCommand),
    /// The station's settings.
    #[command(subcommand)]
    Settings(SettingsCommand),
    /// Silencing a noisy camera for a while (its alerts are dismissed as they arrive).
    #[command(subcommand)]
    Camera(CameraCommand),
    /// The worker board (人员看板): every worker, on shift first, with terminal and load.
    Board {
        /// Only those on shift now.
        #[arg(long)]
        on_shift: bool,
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
    /// Records a phone call made about an event (联系记录) on its history.
    Contact {
        event: i64,
        /// Who was called (a worker, the reporter, a department).
        #[arg(long)]
        whom: String,
        /// reached, no_answer, unreachable or copied.
        #[arg(long, default_value = "reached")]
        outcome: String,
        #[arg(long, default_value = "")]
        note: String,
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
    /// Events whatever their status (closed, escalated, voided, merged, rejected, open), newest first.
    History {
        /// An event number, or words in the title, description, reporter, address or grid name.
        #[arg(default_value = "")]
        text: String,
        /// Only this status (closed, escalated, voided, merged, rejected, …).
        #[arg(long)]
        status: Option<String>,
        /// Only ended events.
        #[arg(long)]
        ended: bool,
        /// Reported from this day (YYYY-MM-DD, Shanghai time).
        #[arg(long)]
        since: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
    /// Benchmarks that print their figures and write them to a JSON file.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Rosters.
    #[command(subcommand)]
    Roster(RosterCommand),
    /// Drill scenarios: validate (run, list, scorecard to come).
    #[command(subcommand)]
    Drill(drill::DrillCommand),
}

#[derive(Subcommand)]
enum DemoCommand {
    /// Builds the demo township (real division codes, generated grids, registers, a year of events).
    Seed {
        #[command(flatten)]
        db: DbArg,
        /// 9-digit township code from the division files (default 450802101, 港北区大圩镇).
        #[arg(long, default_value = "450802101")]
        township: String,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Days of history to generate.
        #[arg(long, default_value_t = 365)]
        days: i64,
        /// `township` (one township with registers and a year of history) or `city` (all of Guigang:
        /// about 32,000 grids, 65,000 workers, 2,000 cameras, 10,000 open events; for benchmarks).
        #[arg(long, value_enum, default_value_t = Scale::Township)]
        scale: Scale,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Scale {
    Township,
    City,
}

#[derive(Args)]
struct QueueArgs {
    #[command(flatten)]
    db: DbArg,
    /// Only this status (reported, accepted, dispatched, handled, verified, parked).
    #[arg(long)]
    status: Option<String>,
    /// Only events at or below this grid code.
    #[arg(long)]
    grid: Option<String>,
    /// Category key or Chinese name.
    #[arg(long)]
    category: Option<String>,
    /// Minimum severity, 1–4.
    #[arg(long)]
    min_severity: Option<i64>,
    /// Only overdue events.
    #[arg(long)]
    overdue: bool,
    #[arg(long, default_value_t = 50)]
    limit: i64,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct StatsArgs {
    #[command(flatten)]
    db: DbArg,
    /// YYYY-MM (Asia/Shanghai); default this month.
    #[arg(long)]
    month: Option<String>,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    db: DbArg,
    /// Broker URL (mqtt://[user@]host:port, mqtts://…), or `embedded` to run the station's own Mosquitto
    /// with the issued logins (`redgrid terminal`).
    #[arg(long, default_value = "embedded")]
    broker: String,
    /// Where the station's own broker listens.
    #[arg(long, default_value = "127.0.0.1:18830")]
    listen: std::net::SocketAddr,
    /// The station's own broker's folder (config, password file, ACL, persistence, secrets); default:
    /// beside the SQLite file (`<file>.broker`), else in the user's data folder.
    #[arg(long, value_name = "DIR")]
    broker_dir: Option<PathBuf>,
    #[command(flatten)]
    auth: terminal::BrokerAuthArgs,
    /// This station's id: its MQTT client id and its name in audit records.
    #[arg(long, default_value = "station-1")]
    station: String,
    /// Topic root of RedGrid's own topics.
    #[arg(long, default_value = "redgrid/v1")]
    topic_root: String,
    /// Topic prefix the Frigate NVRs publish under.
    #[arg(long, default_value = "frigate")]
    frigate_prefix: String,
    /// Also run the simulator (cameras, terminals, residents) against the same broker.
    #[arg(long)]
    sim: bool,
    /// The simulator's seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[command(flatten)]
    sim_callup: SimCallupArgs,
    /// Print each change at the station as it happens.
    #[arg(long)]
    watch: bool,
}

#[derive(Args)]
struct SimArgs {
    #[command(flatten)]
    db: DbArg,
    /// Broker URL (mqtt://[user@]host:port). Against a station's own broker, log in as redgrid-sim with
    /// the password in its folder: --broker mqtt://redgrid-sim@127.0.0.1:18830 --broker-password-file
    /// <db>.broker/sim.secret.
    #[arg(long, default_value = "mqtt://127.0.0.1:18830")]
    broker: String,
    #[command(flatten)]
    auth: terminal::BrokerAuthArgs,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Camera alerts per minute, all cameras together (default: a township's ordinary night).
    #[arg(long, default_value_t = redgrid_demo::sim::SimConfig::default().alerts_per_minute)]
    alerts_per_minute: f64,
    /// Share of camera alerts in Frigate's format (the rest native).
    #[arg(long, default_value_t = 0.5)]
    frigate_share: f64,
    /// Residents' reports per minute.
    #[arg(long, default_value_t = redgrid_demo::sim::SimConfig::default().reports_per_minute)]
    reports_per_minute: f64,
    /// How many times faster than real life workers acknowledge, travel and handle.
    #[arg(long, default_value_t = 10.0)]
    pace: f64,
    /// Seconds between location fixes of an idle terminal.
    #[arg(long, default_value_t = 30.0)]
    location_every: f64,
    /// Share of tasks a terminal never acknowledges.
    #[arg(long, default_value_t = 0.03)]
    no_ack_share: f64,
    #[command(flatten)]
    callup: SimCallupArgs,
    /// Stop after this many seconds (default: until Ctrl-C).
    #[arg(long)]
    seconds: Option<f64>,
    /// Topic root of RedGrid's own topics.
    #[arg(long, default_value = "redgrid/v1")]
    topic_root: String,
    /// Topic prefix the simulated Frigate NVR publishes under.
    #[arg(long, default_value = "frigate")]
    frigate_prefix: String,
}

#[derive(Subcommand)]
enum CameraCommand {
    /// Mutes a camera for some minutes, with a reason (duty officer's act, audited).
    Mute {
        camera: String,
        #[arg(long, default_value_t = 60)]
        minutes: i64,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
    /// Ends a camera's silence before its time.
    Unmute {
        camera: String,
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
    /// The cameras muted now.
    Muted {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum SettingsCommand {
    /// Sets the minutes a worker has to acknowledge (签收) a task in peacetime; wartime takes the same
    /// percentage of it as of every step limit. Administrator's act, audited. Without a value, shows it.
    AckMinutes {
        minutes: Option<i64>,
        #[arg(long, default_value = "")]
        reason: String,
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// Holidays and make-up working days of a year.
    List {
        #[command(flatten)]
        db: DbArg,
        /// Default: this year.
        #[arg(long)]
        year: Option<i32>,
    },
    /// Marks a day: holiday (节假日), make_up (调休上班) or ordinary. Administrator's act, audited.
    Set {
        /// YYYY-MM-DD.
        day: String,
        kind: String,
        #[arg(long, default_value = "")]
        reason: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// Imports `day,kind,name` lines (the format of assets/calendar/cn-holidays.csv), all or nothing.
    Import {
        file: PathBuf,
        #[arg(long, default_value = "")]
        reason: String,
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand)]
enum QuarantineCommand {
    /// The newest quarantined messages with why each was refused.
    List {
        #[command(flatten)]
        db: DbArg,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recomputes the hash chain; exits non-zero naming the first bad record.
    Verify {
        #[command(flatten)]
        db: DbArg,
    },
    /// Audit records by person, station, event and time, newest first (the console's 审计日志).
    Search {
        /// The account that acted.
        #[arg(long)]
        actor: Option<String>,
        #[arg(long)]
        station: Option<String>,
        #[arg(long)]
        event: Option<i64>,
        /// From this day (YYYY-MM-DD, Shanghai time).
        #[arg(long)]
        since: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: i64,
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Division files (counties, townships, villages CSV) from a folder.
    Divisions {
        dir: PathBuf,
        #[command(flatten)]
        db: DbArg,
    },
    /// Grid boundaries from GeoJSON (features carry the grid code).
    Grids {
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
    },
    /// Residents register from CSV or XLSX.
    Residents {
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
    },
    /// Key places register from CSV or XLSX.
    Places {
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
    },
    /// Grid workers from CSV or XLSX.
    Workers {
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// `bench store` and `bench ingest`: the asynchronous benchmarks over a store and a broker.
    #[command(flatten)]
    Io(bench::BenchCommand),
    /// Times the top-5 worker recommendation over a synthetic Guigang-sized grid force (no store needed).
    Dispatch(dispatch_bench::DispatchBenchArgs),
    /// Times how soon a change made at one station reaches another's feed watcher on a shared PostgreSQL.
    Sync(sync_bench::SyncBenchArgs),
}

#[derive(Subcommand)]
enum RosterCommand {
    /// Solves the Curtois–Qu shift-scheduling benchmark instances and reports the gap to the best known.
    Bench(roster::RosterBenchArgs),
    /// Plans the township roster (all full-time workers and the part-time 1+3+N force) and stores it.
    Plan(roster::RosterPlanArgs),
    /// Writes a stored roster (default: the newest) as an XLSX sheet for printing.
    Export(roster::RosterExportArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("REDGRID_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()).await {
        Ok(code) => code,
        Err(error) => {
            // A refusal the api typed (a weak password, a forbidden act, bad input) is the caller's to fix:
            // exit 2 with its stable code, as scripts branch on it.
            match error.chain().find_map(|e| e.downcast_ref::<redgrid_api::ApiError>()) {
                Some(api) => {
                    eprintln!("错误（{}）：{error:#}", api.code());
                    ExitCode::from(2)
                }
                None => {
                    eprintln!("错误：{error:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut identity = identity::Identity::new(cli.as_account);
    match cli.command {
        Top::Init(args) => accounts::run_init(args, &mut identity).await?,
        Top::Account(command) => accounts::run(command, &mut identity).await?,
        Top::Level(command) => level::run(command, &mut identity).await?,
        Top::ZeroReport(command) => zero_report::run(command, &mut identity).await?,
        Top::Terminal(command) => terminal::run(command, &mut identity).await?,
        Top::Backup(args) => backup::run_backup(args, &mut identity).await?,
        Top::Restore(args) => backup::run_restore(args, &identity).await?,
        Top::Callup(command) => callup::run(command, &mut identity).await?,
        Top::Setting(command) => callup::run_setting(command, &mut identity).await?,
        Top::Demo(DemoCommand::Seed { db, seed, scale: Scale::City, .. }) => {
            let station = db.station().await?;
            let config = redgrid_demo::city::CityConfig {
                seed,
                progress: Some(Arc::new(|what, done, all| eprintln!("  {what} {done}/{all}"))),
                ..Default::default()
            };
            let summary = redgrid_demo::city::seed_city(&station, &config).await?;
            output::demo_summary(&summary, &db.url()?);
        }
        Top::Demo(DemoCommand::Seed { db, township, seed, days, scale: Scale::Township }) => {
            let station = db.station().await?;
            let config = DemoConfig {
                township_code: township,
                seed,
                history_days: days,
                progress: Some(Arc::new(|done, all| eprintln!("  历史事件 {done}/{all}"))),
                ..DemoConfig::default()
            };
            let summary = demo::seed(&station, &config).await?;
            output::demo_summary(&summary, &db.url()?);
        }
        Top::Queue(args) => {
            let station = args.db.station().await?;
            let filter = QueueFilter {
                status: args
                    .status
                    .as_deref()
                    .map(|s| Status::from_key(s).with_context(|| format!("未知状态“{s}”")))
                    .transpose()?,
                grid_prefix: args.grid.clone(),
                village_code: None,
                grid_prefixes: Vec::new(),
                category: args
                    .category
                    .as_deref()
                    .map(|c| Category::parse(c).with_context(|| format!("未知类别“{c}”")))
                    .transpose()?,
                min_severity: args
                    .min_severity
                    .map(|s| Severity::from_level(s).with_context(|| format!("等级应为 1–4，收到 {s}")))
                    .transpose()?,
                overdue_at: args.overdue.then(|| station.now()),
                drill: false,
            };
            let (events, total) = station.queue(&filter, 0, args.limit).await?;
            if args.json {
                output::print_json(&output::queue_json(&events, total));
            } else {
                output::queue_table(&events, total);
            }
        }
        Top::Event { id, db, json } => {
            let station = db.station().await?;
            let view = station.event(id).await?;
            let history = station.history(id).await?;
            if json {
                output::print_json(&output::event_json(&view, &history));
            } else {
                output::event_detail(&view, &history);
            }
        }
        Top::Stats(args) => {
            let station = args.db.station().await?;
            let month = match &args.month {
                Some(text) => {
                    Month::parse(text).with_context(|| format!("月份应为 YYYY-MM，收到“{text}”"))?
                }
                None => Month::of(station.now()),
            };
            let report = station.stats(month).await?;
            let duty = station.duty_stats(month).await?;
            if args.json {
                let mut value = output::stats_json(month, &report);
                value["dispatch"] = output::duty_json(&duty);
                output::print_json(&value);
            } else {
                output::stats_table(month, &report, &station).await?;
                output::duty_table(&duty);
            }
        }
        Top::Audit(AuditCommand::Verify { db }) => {
            let station = db.station().await?;
            let report = station.store().verify_audit().await?;
            match report.first_bad {
                None => say!("审计链完整：共 {} 条记录，逐条校验通过。", report.records),
                Some(bad) => {
                    say!("审计链校验失败：第 {} 条记录有问题——{}", bad.seq, bad.problem);
                    return Ok(ExitCode::from(2));
                }
            }
        }
        Top::Board { on_shift, db, json } => {
            let station = db.station().await?;
            let rows: Vec<_> =
                station.worker_board().await?.into_iter().filter(|r| r.on_shift || !on_shift).collect();
            if json {
                let rows: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "id": r.worker.id, "name": r.worker.name, "group": r.worker.group.key(),
                            "home_grid": r.worker.grids.first().map(|g| g.as_str()), "on_shift": r.on_shift,
                            "terminal_state": r.terminal_state, "active_tasks": r.active_tasks, "max_tasks": r.max_tasks,
                        })
                    })
                    .collect();
                output::print_json(&serde_json::json!({ "workers": rows }));
            } else {
                for r in &rows {
                    say!(
                        "{} {}（{}）{} 终端{} 任务 {}/{}",
                        r.worker.id,
                        r.worker.name,
                        r.worker.group.name_zh(),
                        if r.on_shift { "在班" } else { "不在班" },
                        match r.terminal_state.as_str() {
                            "online" => "在线",
                            "offline" => "离线",
                            _ => "未上线",
                        },
                        r.active_tasks,
                        r.max_tasks
                    );
                }
            }
        }
        Top::Camera(command) => match command {
            CameraCommand::Mute { camera, minutes, reason, db, json } => {
                let station = db.station().await?;
                let officer = identity.person(&station).await?;
                let until = station.mute_camera(&officer, &camera, minutes, &reason).await?;
                if json {
                    output::print_json(&serde_json::json!({ "camera": camera, "until": until.to_rfc3339() }));
                } else {
                    say!("已静默摄像头 {camera}，至 {}。", output::local_time(until));
                }
            }
            CameraCommand::Unmute { camera, db, json } => {
                let station = db.station().await?;
                let officer = identity.person(&station).await?;
                let was = station.unmute_camera(&officer, &camera).await?;
                if json {
                    output::print_json(&serde_json::json!({ "camera": camera, "was_muted": was }));
                } else if was {
                    say!("已解除静默：{camera}。");
                } else {
                    say!("摄像头 {camera} 未在静默中。");
                }
            }
            CameraCommand::Muted { db, json } => {
                let station = db.station().await?;
                let mutes = station.muted_cameras().await?;
                if json {
                    let rows: Vec<serde_json::Value> = mutes
                            .iter()
                            .map(|m| serde_json::json!({ "camera": m.camera_id, "name": m.camera_name, "until": m.until.to_rfc3339(), "by": m.muted_by, "reason": m.reason }))
                            .collect();
                    output::print_json(&serde_json::json!({ "muted": rows }));
                } else if mutes.is_empty() {
                    say!("没有静默中的摄像头。");
                } else {
                    for m in &mutes {
                        say!(
                            "{}（{}）至 {}：{}（{}）",
                            m.camera_name,
                            m.camera_id,
                            output::local_time(m.until),
                            m.reason,
                            m.muted_by
                        );
                    }
                }
            }
        },
        Top::Contact { event, whom, outcome, note, db, json } => {
            let station = db.station().await?;
            let parsed = redgrid_api::console::ContactOutcome::parse(&outcome).with_context(|| {
                format!("联系结果应为 reached、no_answer、unreachable 或 copied，收到“{outcome}”")
            })?;
            let officer = identity.person(&station).await?;
            station.log_contact(&officer, event, &whom, parsed, &note).await?;
            if json {
                output::print_json(
                    &serde_json::json!({ "event_id": event, "whom": whom, "outcome": parsed.key() }),
                );
            } else {
                say!("已记录：事件 #{event} 联系 {whom}，{}。", parsed.name_zh());
            }
        }
        Top::History { text, status, ended, since, limit, db, json } => {
            let station = db.station().await?;
            let status = status
                .map(|s| {
                    redgrid_core::event::Status::from_key(&s).with_context(|| format!("未知的事件状态“{s}”"))
                })
                .transpose()?;
            let query = redgrid_store::history::HistoryQuery {
                text,
                status,
                ended_only: ended,
                from: since.as_deref().map(local_day_start).transpose()?,
                limit,
                ..Default::default()
            };
            let found = station.search_history(&query).await?;
            if json {
                output::print_json(&output::queue_json(&found, found.len() as i64));
            } else {
                output::queue_table(&found, found.len() as i64);
            }
        }
        Top::Audit(AuditCommand::Search { actor, station: at, event, since, limit, db, json }) => {
            let station = db.station().await?;
            let query = redgrid_store::history::AuditQuery {
                actor_id: actor,
                station: at,
                event_id: event,
                from: since.as_deref().map(local_day_start).transpose()?,
                until: None,
                limit,
            };
            let actor = identity.administrator(&station).await?;
            let records = station.search_audit(&actor, &query).await?;
            if json {
                output::print_json(&output::audit_json(&records));
            } else {
                output::audit_table(&records);
            }
        }
        Top::Import(command) => {
            let (db, what) = match &command {
                ImportCommand::Divisions { db, .. } => (db, "divisions"),
                ImportCommand::Grids { db, .. } => (db, "grids"),
                ImportCommand::Residents { db, .. } => (db, "residents"),
                ImportCommand::Places { db, .. } => (db, "places"),
                ImportCommand::Workers { db, .. } => (db, "workers"),
            };
            let station = db.station().await?;
            let actor = identity.administrator(&station).await?;
            use redgrid_api::import;
            let result = match &command {
                ImportCommand::Divisions { dir, .. } => import::import_divisions(&station, &actor, dir).await,
                ImportCommand::Grids { file, .. } => {
                    import::import_grids_geojson(&station, &actor, file).await
                }
                ImportCommand::Residents { file, .. } => {
                    import::import_residents(&station, &actor, file).await
                }
                ImportCommand::Places { file, .. } => import::import_places(&station, &actor, file).await,
                ImportCommand::Workers { file, .. } => import::import_workers(&station, &actor, file).await,
            };
            match result {
                Ok(summary) => say!("导入完成（{what}）：{summary}"),
                Err(error) => {
                    eprintln!("导入失败，未写入任何数据：\n{error}");
                    return Ok(ExitCode::from(2));
                }
            }
        }
        Top::Drill(command) => return drill::run(command, &mut identity).await,
        Top::Serve(args) => serve(args).await?,
        Top::Sim(args) => sim(args).await?,
        Top::Calendar(command) => calendar(command, &mut identity).await?,
        Top::Settings(SettingsCommand::AckMinutes { minutes, reason, db, json }) => {
            let station = db.station().await?;
            if let Some(minutes) = minutes {
                let actor = identity.administrator(&station).await?;
                station.set_ack_minutes(&actor, minutes, &reason).await?;
            }
            let now = station.ack_minutes().await?;
            if json {
                output::print_json(
                    &serde_json::json!({ "task_ack_minutes": now, "mode": station.mode().key() }),
                );
            } else {
                say!("签收时限：{now} 分钟（{}）", station.mode().name_zh());
            }
        }
        Top::Quarantine(QuarantineCommand::List { db, limit, json }) => {
            let station = db.station().await?;
            let rows = station.store().quarantine_list(limit).await?;
            if json {
                output::print_json(&output::quarantine_json(&rows));
            } else {
                output::quarantine_table(&rows);
            }
        }
        Top::Bench(BenchCommand::Io(command)) => bench::run(command).await?,
        Top::Bench(BenchCommand::Dispatch(args)) => dispatch_bench::run(&args)?,
        Top::Bench(BenchCommand::Sync(args)) => sync_bench::run(&args).await?,
        Top::Roster(RosterCommand::Bench(args)) => roster::run_bench(&args)?,
        Top::Roster(RosterCommand::Plan(args)) => roster::run_plan(&args, &mut identity).await?,
        Top::Roster(RosterCommand::Export(args)) => roster::run_export(&args).await?,
    }
    Ok(ExitCode::SUCCESS)
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let url = args.db.url()?;
    let topics = redgrid_bus::topics::Topics {
        root: args.topic_root.clone(),
        frigate_prefix: args.frigate_prefix.clone(),
        ..redgrid_bus::topics::Topics::default()
    };
    // The station decodes with the same topics it subscribes to.
    let config = StationConfig { station_id: args.station.clone(), topics: topics.clone() };
    let station = Station::open(&url, config, Arc::new(SystemClock))
        .await
        .with_context(|| format!("无法打开数据库 {url}"))?;
    let broker = redgrid_api::serve::BrokerChoice::parse(&args.broker, args.listen);
    let mut options = redgrid_api::serve::ServeOptions::new(broker);
    options.broker_dir = args.broker_dir.clone();
    options.broker_password = args.auth.password()?;
    options.broker_ca = args.auth.ca()?;
    let running = redgrid_api::serve::start(station.clone(), options).await?;
    let broker_url = running.broker_url.clone();
    if args.broker == "embedded" {
        eprintln!("本站消息服务器已启动：{broker_url}（只接受已签发的登录，见 redgrid terminal）");
    }
    let mut health = running.health.clone();
    tokio::spawn(async move {
        while health.changed().await.is_ok() {
            let state = health.borrow().name_zh();
            eprintln!("消息服务器：{state}");
        }
    });
    let (stop_sim, sim_shutdown) = tokio::sync::watch::channel(false);
    let sim = if args.sim {
        let world = redgrid_demo::sim::SimWorld::load(&station).await?;
        let counters = Arc::new(redgrid_demo::sim::SimCounters::default());
        let config = redgrid_demo::sim::SimConfig {
            seed: args.seed,
            callup_silent: args.sim_callup.callup_silent.clone(),
            callup_unavailable_share: args.sim_callup.callup_unavailable_share,
            callup_ignore_share: args.sim_callup.callup_ignore_share,
            broker_login: running.sim_login.clone(),
            ..Default::default()
        };
        eprintln!("模拟器已启动：{} 个摄像头，{} 名网格员终端", world.camera_count(), world.worker_count());
        let broker_url = broker_url.clone();
        let shown = counters.clone();
        Some((
            tokio::spawn(async move {
                redgrid_demo::sim::run(world, topics, &broker_url, config, sim_shutdown, counters).await
            }),
            shown,
        ))
    } else {
        None
    };
    eprintln!("站点 {} 已运行（数据库 {url}，消息服务器 {broker_url}），按 Ctrl-C 停止。", args.station);
    if args.watch {
        watch_feed(&station).await?;
    } else {
        stop_requested().await?;
    }
    eprintln!("正在停止站点 {}…", args.station);
    stop_sim.send_replace(true);
    if let Some((task, counters)) = sim {
        task.await??;
        eprintln!("{}", counters.summary_zh());
    }
    running.stop().await;
    eprintln!("站点 {} 已停止。", args.station);
    Ok(())
}

/// Ctrl-C at a terminal, or SIGTERM from a service manager (`systemctl stop`, `docker stop`): either lets
/// the batch in progress finish, stops the station's loops and exits 0.
async fn stop_requested() -> anyhow::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result?,
        _ = term.recv() => {}
    }
    Ok(())
}

/// Prints what happens at the station, one line per change, until Ctrl-C: the headless console.
async fn watch_feed(station: &Station) -> anyhow::Result<()> {
    let mut signals = redgrid_store::watch::watch_feed(station.store(), Default::default());
    let mut last = station.store().feed_head().await?;
    loop {
        tokio::select! {
            signal = signals.recv() => {
                if signal.is_none() {
                    return Ok(());
                }
                for entry in station.store().feed_since(last, 500).await? {
                    last = entry.seq;
                    if let Some(line) = output::feed_line(station, &entry).await {
                        say!("{line}");
                    }
                }
            }
            stopped = stop_requested() => return stopped,
        }
    }
}

/// Runs the simulator against a broker, reading the township from the database.
async fn sim(args: SimArgs) -> anyhow::Result<()> {
    let station = args.db.station().await?;
    let topics = redgrid_bus::topics::Topics {
        root: args.topic_root.clone(),
        frigate_prefix: args.frigate_prefix.clone(),
        ..redgrid_bus::topics::Topics::default()
    };
    let world = redgrid_demo::sim::SimWorld::load(&station).await?;
    let config = redgrid_demo::sim::SimConfig {
        seed: args.seed,
        alerts_per_minute: args.alerts_per_minute,
        frigate_share: args.frigate_share,
        reports_per_minute: args.reports_per_minute,
        pace: args.pace,
        location_every_s: args.location_every,
        no_ack_share: args.no_ack_share,
        duration: args.seconds.map(std::time::Duration::from_secs_f64),
        callup_silent: args.callup.callup_silent.clone(),
        callup_unavailable_share: args.callup.callup_unavailable_share,
        callup_ignore_share: args.callup.callup_ignore_share,
        zero_report_silent_villages: Vec::new(),
        broker_login: match args.auth.password()? {
            Some(password) => {
                let url = redgrid_bus::client::MqttConfig::from_url(&args.broker, "redgrid-sim")?;
                let username = url.login.map(|l| l.username).unwrap_or_else(|| "redgrid-sim".into());
                Some(redgrid_bus::client::BrokerLogin { username, password })
            }
            None => None,
        },
    };
    eprintln!(
        "模拟器连接 {}：{} 个摄像头，{} 名网格员终端，种子 {}",
        args.broker,
        world.camera_count(),
        world.worker_count(),
        args.seed
    );
    let counters = Arc::new(redgrid_demo::sim::SimCounters::default());
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        if stop_requested().await.is_ok() {
            stop.send_replace(true);
        }
    });
    redgrid_demo::sim::run(world, topics, &args.broker, config, shutdown, counters.clone()).await?;
    eprintln!("{}", counters.summary_zh());
    Ok(())
}

async fn calendar(command: CalendarCommand, identity: &mut identity::Identity) -> anyhow::Result<()> {
    use chrono::Datelike;
    use redgrid_api::calendar::{parse_calendar_csv, DayKind};
    match command {
        CalendarCommand::List { db, year } => {
            let station = db.station().await?;
            let year = year.unwrap_or_else(|| redgrid_core::time::local_date(station.now()).year());
            let calendar = station.calendar().await?;
            say!("{year} 年节假日：");
            for day in calendar.holidays.iter().filter(|d| d.year() == year) {
                say!("  {day} {}", weekday_zh(day.weekday()));
            }
            say!("{year} 年调休上班日：");
            for day in calendar.make_up_days.iter().filter(|d| d.year() == year) {
                say!("  {day} {}", weekday_zh(day.weekday()));
            }
        }
        CalendarCommand::Set { day, kind, reason, db } => {
            let date = chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
                .with_context(|| format!("日期应为 YYYY-MM-DD，收到“{day}”"))?;
            let kind = DayKind::parse(&kind)
                .with_context(|| format!("类型应为 holiday、make_up 或 ordinary，收到“{kind}”"))?;
            let station = db.station().await?;
            station
                .set_calendar_days(&identity.administrator(&station).await?, &[(date, kind)], &reason)
                .await?;
            say!("已将 {date} 设为{}。", kind.name_zh());
        }
        CalendarCommand::Import { file, reason, db } => {
            let text =
                std::fs::read_to_string(&file).with_context(|| format!("无法读取 {}", file.display()))?;
            let days = parse_calendar_csv(&text)?;
            let station = db.station().await?;
            let actor = identity.administrator(&station).await?;
            station.set_calendar_days(&actor, &days, &reason).await?;
            say!("已导入 {} 天。", days.len());
        }
    }
    Ok(())
}

fn weekday_zh(day: chrono::Weekday) -> &'static str {
    ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][day.num_days_from_monday() as usize]
}

/// The first instant of a day given as YYYY-MM-DD, in Shanghai time.
fn local_day_start(day: &str) -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
    let date = chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
        .with_context(|| format!("日期应为 YYYY-MM-DD，收到“{day}”"))?;
    Ok(redgrid_core::time::start_of_local_day(date))
}
