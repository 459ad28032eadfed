//! Bringing the station up inside the desktop process: the store, the demo township when asked for, the
//! MQTT side (embedded broker or an external one, ingest, outbox, watchdog), the simulator with `--demo`,
//! and the seat the console signs in at. The same pieces `redgrid serve` runs headless.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use redgrid_api::console::ModeSince;
use redgrid_api::serve::{BrokerChoice, Running, ServeOptions};
use redgrid_api::session::Seat;
use redgrid_api::{Station, StationConfig, SystemClock};
use redgrid_bus::client::Health;
use redgrid_demo::sim::{SimConfig, SimCounters, SimWorld};
use redgrid_demo::township::{self as demo, DemoConfig};
use tokio::sync::watch;

/// Hears what startup is doing, in Chinese (stderr and the window title).
pub type Progress = Arc<dyn Fn(String) + Send + Sync>;

/// The demo duty officer the console opens as with `--demo`.
pub const DEMO_ACCOUNT: &str = "duty1";

#[derive(Parser, Debug, Clone)]
#[command(name = "redgrid-desktop", version, about = "红格指挥台：乡镇综治中心指挥台（桌面）")]
pub struct Args {
    /// Database URL: sqlite://PATH or postgres://… (default: redgrid.db in the app data folder, the same
    /// file the `redgrid` command uses).
    #[arg(long, env = "REDGRID_DB")]
    pub db: Option<String>,
    /// MQTT broker: `embedded` (the station's own Mosquitto, listening on --listen, taking only the issued
    /// logins) or mqtt://[user@]host:port, mqtts://….
    #[arg(long, env = "REDGRID_BROKER", default_value = "embedded")]
    pub broker: String,
    /// Where the station's own broker listens.
    #[arg(long, default_value = "127.0.0.1:18830")]
    pub listen: SocketAddr,
    /// The station's own broker's folder; default: beside the SQLite file (`<file>.broker`).
    #[arg(long)]
    pub broker_dir: Option<std::path::PathBuf>,
    /// A file whose first line is the password of an external broker's login (or REDGRID_MQTT_PASSWORD).
    #[arg(long)]
    pub broker_password_file: Option<std::path::PathBuf>,
    /// The CA certificate (PEM) of an mqtts:// broker (default: the system's roots).
    #[arg(long)]
    pub broker_ca: Option<std::path::PathBuf>,
    /// This workstation's id in audit records and MQTT presence.
    #[arg(long, env = "REDGRID_STATION", default_value = "station-1")]
    pub station: String,
    /// Demo: seed the demo township into an empty database, run the simulator, and open signed in as the
    /// demo duty officer.
    #[arg(long)]
    pub demo: bool,
    /// Days of history the demo seed writes.
    #[arg(long, default_value_t = 30)]
    pub demo_days: i64,
    /// Demo: how many times faster than real life the simulated workers acknowledge, travel and handle
    /// (as `redgrid sim --pace`). The end-to-end tests raise it so that a dispatch comes back in seconds.
    #[arg(long, default_value_t = SimConfig::default().pace)]
    pub sim_pace: f64,
    /// Demo: share of tasks a simulated terminal never acknowledges (as `redgrid sim --no-ack-share`).
    /// The end-to-end tests set 0 so that the worker they dispatch always answers.
    #[arg(long, default_value_t = SimConfig::default().no_ack_share)]
    pub sim_no_ack_share: f64,
    /// Demo: camera alerts per minute over all cameras (as `redgrid sim --alerts-per-minute`); the default
    /// is a township's ordinary night, the end-to-end tests raise it so that an alert comes within seconds.
    #[arg(long, default_value_t = SimConfig::default().alerts_per_minute)]
    pub sim_alerts_per_minute: f64,
    /// Benchmark: open signed in as the demo duty officer, show every grid level at the whole-city view,
    /// load the queue, pan, and write map_ready_ms, queue_ready_ms, pan_frame_p95_ms and rss_total_mb to
    /// --out; then quit. Meant for a station from `redgrid demo seed --scale city`, under Xvfb.
    #[arg(long, requires = "out")]
    pub bench_ui: bool,
    /// Where --bench-ui writes its figures (JSON).
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
}

impl Args {
    pub fn database_url(&self) -> anyhow::Result<String> {
        match &self.db {
            Some(url) => Ok(url.clone()),
            None => {
                let dir =
                    dirs::data_dir().context("找不到应用数据目录，请用 --db 指定数据库")?.join("redgrid");
                Ok(format!("sqlite://{}", dir.join("redgrid.db").display()))
            }
        }
    }
}

/// The broker as the status bar shows it.
pub struct BrokerState {
    pub kind: &'static str,
    pub url: String,
    /// `None` when the MQTT side could not start (the console still works on the store).
    pub health: Option<watch::Receiver<Health>>,
    /// Counts the outbox messages the broker took: the waiting count beside the link changes with it.
    pub delivered: Option<watch::Receiver<u64>>,
    pub error: Option<String>,
}

/// A station at work, ready for the console.
pub struct Ready {
    pub seat: Seat,
    pub broker: BrokerState,
    pub mode_since: ModeSince,
    running: tokio::sync::Mutex<Option<Running>>,
    stop_sim: watch::Sender<bool>,
}

impl Ready {
    pub fn station(&self) -> &Station {
        self.seat.station()
    }

    /// Stops the simulator and the station's MQTT side, letting a batch in progress finish.
    pub async fn stop(&self) {
        self.stop_sim.send_replace(true);
        if let Some(running) = self.running.lock().await.take() {
            running.stop().await;
        }
    }
}

/// Opens the store and starts everything. `progress` hears what is happening, in Chinese.
pub async fn start(args: &Args, progress: Progress) -> anyhow::Result<Ready> {
    let url = args.database_url()?;
    progress(format!("正在打开数据库 {}", url.split('?').next().unwrap_or(&url)));
    let config = StationConfig { station_id: args.station.clone(), ..StationConfig::default() };
    let station = Station::open(&url, config, Arc::new(SystemClock))
        .await
        .with_context(|| format!("无法打开数据库 {url}"))?;

    if args.demo {
        let (events, _) = station.store().count_events().await?;
        if events == 0 && station.store().grid_count().await? == 0 {
            progress(format!("正在生成演示乡镇（{} 天历史）…", args.demo_days));
            let chunks = progress.clone();
            let report = Arc::new(move |done: usize, all: usize| {
                chunks(format!("正在生成演示数据：历史事件 {done}/{all}"));
            });
            let config =
                DemoConfig { history_days: args.demo_days, progress: Some(report), ..DemoConfig::default() };
            let summary = demo::seed(&station, &config).await.context("演示数据生成失败")?;
            station.reload_rules().await?;
            progress(format!(
                "演示乡镇 {} 已生成：{} 个网格，{} 名网格员，{} 个摄像头，{} 件事件",
                summary.township_name, summary.grids, summary.workers, summary.cameras, summary.events
            ));
        } else if !station.is_demo().await? {
            // The simulator's terminals would acknowledge and "handle" real tasks, and the demo account
            // would sign in without a password: never on a township's own data.
            anyhow::bail!("该数据库不是演示数据库：--demo 只能用于新数据库或演示数据生成的数据库");
        }
    }

    let broker_choice = BrokerChoice::parse(&args.broker, args.listen);
    let kind = match broker_choice {
        BrokerChoice::Embedded(_) => "embedded",
        BrokerChoice::External(_) => "external",
    };
    progress("正在连接消息服务器…".into());
    let mut options = ServeOptions::new(broker_choice);
    options.broker_dir = args.broker_dir.clone();
    options.broker_password = redgrid_api::serve::broker_password(args.broker_password_file.as_deref())?;
    options.broker_ca = redgrid_api::serve::broker_ca(args.broker_ca.as_deref())?;
    let (running, broker) = match redgrid_api::serve::start(station.clone(), options).await {
        Ok(running) => {
            let broker = BrokerState {
                kind,
                url: running.broker_url.clone(),
                health: Some(running.health.clone()),
                delivered: Some(running.delivered.clone()),
                error: None,
            };
            (Some(running), broker)
        }
        Err(error) => {
            // The console still shows and changes the store; the status bar says MQTT is down and why.
            tracing::error!(%error, "the station's MQTT side did not start");
            let url = match &args.broker[..] {
                "embedded" => format!("mqtt://{}", args.listen),
                other => other.to_string(),
            };
            (None, BrokerState { kind, url, health: None, delivered: None, error: Some(error.to_string()) })
        }
    };

    let (stop_sim, sim_shutdown) = watch::channel(false);
    if running.is_none() {
        // Without its MQTT side the station still follows what other stations change (serve::start runs
        // the follower otherwise); it stops with the rest at exit.
        tokio::spawn(redgrid_api::follow::run_follower(station.clone(), sim_shutdown.clone()));
    }
    let sim_login = running.as_ref().and_then(|r| r.sim_login.clone());
    if args.demo && running.is_some() {
        let world = SimWorld::load(&station).await.context("模拟器无法载入乡镇数据")?;
        progress(format!(
            "模拟器已启动：{} 个摄像头，{} 名网格员终端",
            world.camera_count(),
            world.worker_count()
        ));
        let topics = station.topics();
        let broker_url = broker.url.clone();
        let counters = Arc::new(SimCounters::default());
        let (pace, no_ack_share, alerts_per_minute) =
            (args.sim_pace, args.sim_no_ack_share, args.sim_alerts_per_minute);
        tokio::spawn(async move {
            let config = SimConfig {
                pace,
                no_ack_share,
                alerts_per_minute,
                broker_login: sim_login,
                ..SimConfig::default()
            };
            if let Err(error) =
                redgrid_demo::sim::run(world, topics, &broker_url, config, sim_shutdown, counters.clone())
                    .await
            {
                tracing::error!(%error, "the simulator stopped");
            }
            tracing::info!(summary = %counters.summary_zh(), "simulator finished");
        });
    }

    let seat = Seat::new(station);
    if args.demo || args.bench_ui {
        // A database that was not seeded as the demo may lack the account: then the console asks.
        if let Err(error) = seat.sign_in_for_demo(DEMO_ACCOUNT).await {
            progress(format!("演示值班员 {DEMO_ACCOUNT} 未能自动登录（{error}），请手动登录"));
        }
    }
    Ok(Ready {
        seat,
        broker,
        mode_since: ModeSince::default(),
        running: tokio::sync::Mutex::new(running),
        stop_sim,
    })
}
