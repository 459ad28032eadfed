//! A running station: the broker (the managed Mosquitto or an external one), MQTT ingest stored exactly once and acknowledged
//! after commit, the outbox publisher, and the watchdog for unacknowledged tasks. The headless
//! `redgrid serve` and the desktop console both run exactly this.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use std::collections::HashSet;

use redgrid_bus::client::{
    BrokerLogin, Delivery, Health, Link, MqttConfig, Outgoing, Publisher, Received, TlsSettings,
};
use redgrid_bus::managed::{ManagedBroker, ManagedConfig, SIM_LOGIN, STATION_LOGIN};
use redgrid_bus::payload::{encode_presence, PresenceState};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::terminal::ManagedHandle;
use crate::{ApiError, Result, Station};

/// Which broker the station uses.
#[derive(Debug, Clone)]
pub enum BrokerChoice {
    /// Start the station's own Mosquitto listening here (the single-station default,
    /// `redgrid_bus::managed`): logins and topic ACLs from the stored broker logins.
    Embedded(SocketAddr),
    /// An external broker: `mqtt://[user@]host:port` or `mqtts://…`.
    External(String),
}

impl BrokerChoice {
    /// `embedded` or a URL.
    pub fn parse(text: &str, listen: SocketAddr) -> BrokerChoice {
        if text == "embedded" {
            BrokerChoice::Embedded(listen)
        } else {
            BrokerChoice::External(text.to_string())
        }
    }
}

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub broker: BrokerChoice,
    /// How often unacknowledged tasks are looked for.
    pub watchdog_every: Duration,
    /// A broker that stops answering shows as down within this long.
    pub keep_alive: Duration,
    /// The managed broker's folder; `None`: [`crate::terminal::default_broker_dir`].
    pub broker_dir: Option<PathBuf>,
    /// The password of an external broker's login (its username is in the URL).
    pub broker_password: Option<String>,
    /// The CA (PEM) an external `mqtts://` broker's certificate must chain to; `None`: the system's roots.
    pub broker_ca: Option<Vec<u8>>,
}

impl ServeOptions {
    pub fn new(broker: BrokerChoice) -> ServeOptions {
        ServeOptions {
            broker,
            watchdog_every: Duration::from_secs(5),
            keep_alive: Duration::from_secs(15),
            broker_dir: None,
            broker_password: None,
            broker_ca: None,
        }
    }
}

/// The password of an external broker's login: the first line of `file`, else `REDGRID_MQTT_PASSWORD`. Never
/// from argv (every user of the machine sees a process's arguments); the variable is read once and removed
/// from the environment so that no child process inherits it.
pub fn broker_password(file: Option<&std::path::Path>) -> Result<Option<String>> {
    if let Some(file) = file {
        let text = std::fs::read_to_string(file)
            .map_err(|e| ApiError::Invalid(format!("无法读取消息服务器密码文件 {}：{e}", file.display())))?;
        let password = text.lines().next().unwrap_or_default().trim().to_string();
        if password.is_empty() {
            return Err(ApiError::Invalid(format!("消息服务器密码文件 {} 是空的", file.display())));
        }
        return Ok(Some(password));
    }
    let from_env = std::env::var("REDGRID_MQTT_PASSWORD").ok();
    std::env::remove_var("REDGRID_MQTT_PASSWORD");
    Ok(from_env.filter(|p| !p.is_empty()))
}

/// The CA certificate (PEM) an `mqtts://` broker's certificate must chain to, read from `file`.
pub fn broker_ca(file: Option<&std::path::Path>) -> Result<Option<Vec<u8>>> {
    let Some(file) = file else { return Ok(None) };
    let pem = std::fs::read(file)
        .map_err(|e| ApiError::Invalid(format!("无法读取 CA 证书 {}：{e}", file.display())))?;
    if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
        return Err(ApiError::Invalid(format!("{} 不是 PEM 格式的证书", file.display())));
    }
    Ok(Some(pem))
}

/// A station at work; dropping it does not stop it, [`Running::stop`] does.
pub struct Running {
    /// The broker as people are shown it (never with a password).
    pub broker_url: String,
    /// The managed broker's privileged login for the simulator and test senders, when this station runs
    /// the broker; `None` on an external broker.
    pub sim_login: Option<BrokerLogin>,
    /// The link as the desk sees it: good only while both connections are up and every subscription is
    /// granted; otherwise the worse of the two.
    pub health: watch::Receiver<Health>,
    /// How many outbox messages the broker has acknowledged since the start: the backlog shown beside
    /// the link changed.
    pub delivered: watch::Receiver<u64>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    station: Station,
}

impl Running {
    /// Stops ingest, the publisher and the watchdog, letting a batch in progress finish, then the managed
    /// broker (which saves its sessions and queued messages first).
    pub async fn stop(self) {
        self.stop.send_replace(true);
        for task in self.tasks {
            let _ = task.await;
        }
        if let Some(handle) = self.station.managed_broker() {
            self.station.set_managed_broker(None);
            let _ = tokio::task::spawn_blocking(move || handle.broker.stop()).await;
        }
    }
}

/// Writes the managed broker's files from the stored logins and starts it; the station's and the
/// simulator's passwords are secrets kept in its folder (0600), made on the first start.
async fn start_managed(station: &Station, dir: PathBuf, listen: SocketAddr) -> Result<Arc<ManagedHandle>> {
    let folder_error =
        |e: std::io::Error| ApiError::Invalid(format!("消息服务器文件夹 {} 无法写入：{e}", dir.display()));
    let station_password = redgrid_bus::managed::secret(&dir, "station").map_err(folder_error)?;
    let sim_password = redgrid_bus::managed::secret(&dir, "sim").map_err(folder_error)?;
    let logins = station.managed_logins(&station_password, &sim_password).await?;
    let config = ManagedConfig { dir: dir.clone(), listen, logins };
    let broker = tokio::task::spawn_blocking(move || ManagedBroker::start(&config))
        .await
        .map_err(|e| ApiError::Invalid(format!("消息服务器启动失败：{e}")))?
        .map_err(|e| ApiError::Invalid(e.to_string()))?;
    tracing::info!(%listen, dir = %dir.display(), "managed broker started");
    Ok(Arc::new(ManagedHandle { broker, station_password, sim_password }))
}

/// Starts the broker if embedded, connects, announces presence, and runs ingest, the outbox publisher
/// and the watchdog in the background.
pub async fn start(station: Station, options: ServeOptions) -> Result<Running> {
    if station.store().is_read_only() {
        // Ingest would fail every batch and the outbox could mark nothing: a viewing station hears nothing.
        return Err(ApiError::Store(redgrid_store::StoreError::ReadOnly(
            "只读查看模式下站点不接收消息、不派发任务".into(),
        )));
    }
    let topics = station.topics();
    let client_id = format!("redgrid-{}", station.station_id());
    let bad_url = |e: redgrid_bus::client::BrokerUrlError| ApiError::Invalid(e.to_string());
    let (mut config, sim_login) = match &options.broker {
        BrokerChoice::Embedded(listen) => {
            let dir = options
                .broker_dir
                .clone()
                .unwrap_or_else(|| crate::terminal::default_broker_dir(station.store().url(), *listen));
            let handle = start_managed(&station, dir, *listen).await?;
            let config = MqttConfig::from_url(&handle.broker.url(), &client_id)
                .map_err(bad_url)?
                .with_password(Some(STATION_LOGIN), handle.station_password.clone());
            let sim = BrokerLogin { username: SIM_LOGIN.into(), password: handle.sim_password.clone() };
            station.set_managed_broker(Some(handle));
            (config, Some(sim))
        }
        BrokerChoice::External(url) => {
            let mut config = MqttConfig::from_url(url, &client_id).map_err(bad_url)?;
            if let Some(password) = &options.broker_password {
                config = config.with_password(None, password.clone());
            }
            if let Some(ca) = &options.broker_ca {
                if config.tls.is_none() {
                    return Err(ApiError::Invalid(format!(
                        "给出了 CA 证书，但消息服务器地址 {url} 不是 mqtts://：证书只用于加密连接"
                    )));
                }
                config.tls = Some(TlsSettings { ca_pem: Some(ca.clone()) });
            }
            (config, None)
        }
    };
    let broker_url = config.display_url();
    config.subscriptions = topics.subscriptions();
    let presence = topics.station_presence(station.station_id());
    config.last_will = Some((presence.clone(), encode_presence(PresenceState::Offline, None)));
    config.keep_alive = options.keep_alive;
    let publisher = redgrid_bus::client::connect_publisher(&config);
    let link = redgrid_bus::client::connect(config);
    let online = encode_presence(PresenceState::Online, Some(station.now()));
    // Queued in rumqttc until the connection is up; never lost to a slow first connect.
    if let Err(error) = link.publish(&presence, online, true).await {
        station.set_managed_broker(None);
        return Err(ApiError::Invalid(format!("消息服务器连接失败：{error}")));
    }
    let (stop, shutdown) = watch::channel(false);
    let health = combined_health(&link, &publisher, shutdown.clone());
    let (delivered_tx, delivered) = watch::channel(0);
    let tasks = vec![
        tokio::spawn(run_ingest(station.clone(), link, shutdown.clone())),
        tokio::spawn(run_outbox(station.clone(), publisher, delivered_tx, shutdown.clone())),
        tokio::spawn(run_watchdog(station.clone(), options.watchdog_every, shutdown.clone())),
        tokio::spawn(run_daily_backup(station.clone(), shutdown.clone())),
        tokio::spawn(crate::follow::run_follower(station.clone(), shutdown)),
    ];
    Ok(Running { broker_url, sim_login, health, delivered, stop, tasks, station })
}

fn combined_health(
    link: &Link,
    publisher: &Publisher,
    mut shutdown: watch::Receiver<bool>,
) -> watch::Receiver<Health> {
    let (mut inbound, mut outbound) = (link.health.clone(), publisher.health.clone());
    let worse = |a: &Health, b: &Health| if *a != Health::Connected { a.clone() } else { b.clone() };
    let (tx, rx) = watch::channel(worse(&inbound.borrow(), &outbound.borrow()));
    tokio::spawn(async move {
        loop {
            tokio::select! {
                changed = inbound.changed() => if changed.is_err() { return },
                changed = outbound.changed() => if changed.is_err() { return },
                _ = shutdown.changed() => return,
            }
            tx.send_replace(worse(&inbound.borrow(), &outbound.borrow()));
        }
    });
    rx
}

/// Publishes the station's outbox in order, through a connection of its own that learns of every PUBACK:
/// a row is marked published only once the broker has acknowledged it, and whatever was in flight when a
/// connection dropped is sent again on the next. When the broker comes back without the station's
/// session (it lost its state: every queued message and subscription) and when the station starts, the
/// tasks still waiting for a worker's acknowledgement are sent again; terminals recognise a task they
/// hold by its id. A terminal that never acknowledges is caught by the watchdog.
pub async fn run_outbox(
    station: Station,
    mut publisher: Publisher,
    delivered: watch::Sender<u64>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut sessions = publisher.sessions.clone();
    let mut health = publisher.health.clone();
    let mut seen_epoch = 0;
    // Handed to the connection and not yet acknowledged; acknowledged and not yet marked.
    let mut in_flight: HashSet<i64> = HashSet::new();
    let mut acknowledged: Vec<i64> = Vec::new();
    loop {
        let session = *sessions.borrow_and_update();
        if session.epoch != seen_epoch {
            if seen_epoch == 0 || !session.session_present {
                match station.store().requeue_unacknowledged(station.station_id()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(tasks = n, "sending unacknowledged tasks again"),
                    Err(error) => tracing::error!(%error, "putting unacknowledged tasks back failed"),
                }
            }
            seen_epoch = session.epoch;
        }
        if !acknowledged.is_empty() {
            match station.store().mark_published(&acknowledged, station.now()).await {
                Ok(()) => {
                    delivered.send_modify(|n| *n += acknowledged.len() as u64);
                    acknowledged.clear();
                }
                Err(error) => tracing::error!(%error, "marking outbox messages failed; will retry"),
            }
        }
        if *health.borrow_and_update() == Health::Connected {
            match station.store().pending_outbox(station.station_id(), 200).await {
                Ok(rows) => {
                    for row in rows {
                        if in_flight.contains(&row.id) || acknowledged.contains(&row.id) {
                            continue;
                        }
                        let message = Outgoing {
                            id: row.id,
                            topic: row.topic,
                            payload: row.payload,
                            retain: row.retained,
                        };
                        if !publisher.try_send(&message) {
                            break;
                        }
                        in_flight.insert(row.id);
                    }
                }
                Err(error) => tracing::error!(%error, "reading the outbox failed"),
            }
        }
        tokio::select! {
            delivery = publisher.deliveries.recv() => match delivery {
                Some(Delivery::Acknowledged(id)) => {
                    in_flight.remove(&id);
                    acknowledged.push(id);
                    // Mark a burst of acknowledgements in one statement.
                    while let Ok(more) = publisher.deliveries.try_recv() {
                        match more {
                            Delivery::Acknowledged(id) => {
                                in_flight.remove(&id);
                                acknowledged.push(id);
                            }
                            Delivery::Reset => in_flight.clear(),
                        }
                    }
                }
                Some(Delivery::Reset) => in_flight.clear(),
                None => return,
            },
            _ = station.outbox_woken() => {}
            _ = sessions.changed() => {}
            _ = health.changed() => {}
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            _ = shutdown.changed() => {
                if !acknowledged.is_empty() {
                    let _ = station.store().mark_published(&acknowledged, station.now()).await;
                }
                return;
            }
        }
    }
}

/// How often the watchdog removes old delivery bookkeeping (`redgrid_store::retention`).
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// How long before a deadline the "due soon" alert is raised.
pub const DUE_SOON_MINUTES: i64 = 30;

/// Marks tasks nobody acknowledged in time and raises deadline alerts (the feed entries are the officer's
/// alerts).
pub async fn run_watchdog(station: Station, every: Duration, mut shutdown: watch::Receiver<bool>) {
    // Old delivery bookkeeping goes once an hour (and at start), not on every round, and the write-ahead log
    // is checkpointed then.
    let mut pruned_at: Option<std::time::Instant> = None;
    loop {
        if pruned_at.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
            let retention = redgrid_store::retention::Retention::default();
            match station.store().prune(station.now(), &retention).await {
                Ok(_) => pruned_at = Some(std::time::Instant::now()),
                Err(error) => tracing::error!(%error, "removing old delivery bookkeeping failed"),
            }
            // And the write-ahead log folded in, so that it never grows past its size limit for long.
            if let Err(error) = station.store().checkpoint().await {
                tracing::warn!(%error, "the hourly checkpoint failed");
            }
        }
        if let Err(error) = station.check_acknowledgements().await {
            tracing::error!(%error, "checking acknowledgements failed");
        }
        if let Err(error) = station.check_deadlines(chrono::Duration::minutes(DUE_SOON_MINUTES)).await {
            tracing::error!(%error, "checking deadlines failed");
        }
        if let Err(error) = station.check_callups().await {
            tracing::error!(%error, "checking call-ups failed");
        }
        if let Err(error) = station.check_zero_reports().await {
            tracing::error!(%error, "checking zero reports failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// How often the daily backup looks whether it is due.
const BACKUP_CHECK_EVERY: Duration = Duration::from_secs(600);

/// The station's daily backup (`Station::backup_if_due`), in a task of its own: a copy of a large database
/// takes seconds, and the acknowledgement and deadline checks must not wait for it. A failure is logged and
/// tried again at the next check.
pub async fn run_daily_backup(station: Station, mut shutdown: watch::Receiver<bool>) {
    loop {
        // Not at the very start: a station starting up (an officer signing in, a first run) is not the
        // moment for a copy of the whole database; the first check comes one interval later.
        tokio::select! {
            _ = tokio::time::sleep(BACKUP_CHECK_EVERY) => {}
            _ = shutdown.changed() => return,
        }
        match station.backup_if_due(station.now()).await {
            Ok(Some(daily)) => tracing::info!(
                path = %daily.file.path.display(),
                bytes = daily.file.bytes,
                removed = daily.removed.len(),
                "daily backup done"
            ),
            Ok(None) => {}
            Err(error) => tracing::error!(code = error.code(), %error, "the daily backup failed"),
        }
    }
}

/// How many messages one transaction takes at most: enough to amortise a commit, few enough that the first
/// of them waits little.
const BATCH: usize = 500;

/// Runs until `shutdown` turns true or the link closes. A batch that cannot be stored is retried (with
/// backoff) and never acknowledged meanwhile, so the broker keeps it.
pub async fn run_ingest(station: Station, mut link: Link, mut shutdown: watch::Receiver<bool>) {
    let mut batch: Vec<Received> = Vec::with_capacity(BATCH);
    // Stored but not yet acknowledged: acks never wait (see `Link::try_ack`), they queue here instead.
    let mut unacked: VecDeque<Received> = VecDeque::new();
    loop {
        while let Some(received) = unacked.front() {
            if !link.try_ack(received) {
                break;
            }
            unacked.pop_front();
        }
        let first = tokio::select! {
            received = link.inbound.recv() => received,
            _ = shutdown.changed() => None,
            _ = tokio::time::sleep(Duration::from_millis(20)), if !unacked.is_empty() => continue,
        };
        let Some(first) = first else { break };
        batch.push(first);
        while batch.len() < BATCH {
            match link.inbound.try_recv() {
                Ok(received) => batch.push(received),
                Err(_) => break,
            }
        }
        let mut wait = Duration::from_millis(200);
        loop {
            let messages: Vec<(&str, &[u8])> =
                batch.iter().map(|r| (r.topic.as_str(), r.payload.as_slice())).collect();
            let started = std::time::Instant::now();
            match station.ingest_batch(&messages).await {
                Ok(report) => {
                    tracing::debug!(?report, elapsed_us = started.elapsed().as_micros() as u64, "ingested");
                    break;
                }
                Err(error) => {
                    tracing::error!(%error, messages = batch.len(), retry_in_ms = wait.as_millis() as u64, "ingest failed; will retry");
                    if let ApiError::Store(error) = &error {
                        // The status bar shows it until a write works again; nothing is acknowledged meanwhile.
                        station.store().note_write_failure(error);
                    }
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(10));
                    if *shutdown.borrow() {
                        return;
                    }
                }
            }
        }
        unacked.extend(batch.drain(..));
    }
}

/// The link to the broker as the status bar shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkView {
    /// Connected, subscribed, publishing.
    pub ok: bool,
    /// `Health::key`, or `not_started`.
    pub state: &'static str,
    /// The state, in Chinese.
    pub state_zh: String,
    /// The state with its cause and what waits, in Chinese.
    pub detail_zh: String,
    /// Tasks for terminals in the outbox, not yet acknowledged by the broker.
    pub waiting_tasks: i64,
    /// All messages in the outbox not yet acknowledged by the broker.
    pub waiting_messages: i64,
}

impl Station {
    /// The link as it is: `health` of the running station, or the error it failed to start with.
    pub async fn link_view(&self, health: std::result::Result<&Health, &str>) -> LinkView {
        let (waiting_messages, waiting_tasks) =
            self.store().outbox_waiting(self.station_id()).await.unwrap_or((0, 0));
        let (ok, state, state_zh, mut detail_zh) = match health {
            Ok(health) => (*health == Health::Connected, health.key(), health.name_zh(), health.detail_zh()),
            Err(error) => (false, "not_started", "未启动".to_string(), format!("消息总线未启动：{error}")),
        };
        if waiting_tasks > 0 {
            detail_zh.push_str(&format!("；{waiting_tasks} 条任务在待发队列中，链路恢复后自动发出"));
        } else if waiting_messages > 0 {
            detail_zh.push_str(&format!("；{waiting_messages} 条消息待发"));
        }
        LinkView { ok, state, state_zh, detail_zh, waiting_tasks, waiting_messages }
    }
}
