//! A running station: the broker (embedded or external), MQTT ingest stored exactly once and acknowledged
//! after commit, the outbox publisher, and the watchdog for unacknowledged tasks. The headless
//! `redgrid serve` and the desktop console both run exactly this.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

use redgrid_bus::client::{Health, Link, MqttConfig, Received};
use redgrid_bus::payload::{encode_presence, PresenceState};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::{ApiError, Result, Station};

/// Which broker the station uses.
#[derive(Debug, Clone)]
pub enum BrokerChoice {
    /// Start the built-in broker listening here (the single-station default).
    Embedded(SocketAddr),
    /// An external broker: `mqtt://host:port`.
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
}

impl ServeOptions {
    pub fn new(broker: BrokerChoice) -> ServeOptions {
        ServeOptions { broker, watchdog_every: Duration::from_secs(5) }
    }
}

/// A station at work; dropping it does not stop it, [`Running::stop`] does.
pub struct Running {
    pub broker_url: String,
    pub health: watch::Receiver<Health>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    /// Stops ingest, the publisher and the watchdog, letting a batch in progress finish.
    pub async fn stop(self) {
        self.stop.send_replace(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// Starts the broker if embedded, connects, announces presence, and runs ingest, the outbox publisher
/// and the watchdog in the background.
pub async fn start(station: Station, options: ServeOptions) -> Result<Running> {
    let broker_url = match &options.broker {
        BrokerChoice::Embedded(listen) => {
            redgrid_bus::broker::start_embedded(*listen)
                .map_err(|e| ApiError::Invalid(format!("内置消息服务器无法启动：{e}")))?;
            tracing::info!(%listen, "embedded broker started");
            format!("mqtt://{listen}")
        }
        BrokerChoice::External(url) => url.clone(),
    };
    let topics = station.topics();
    let client_id = format!("redgrid-{}", station.station_id());
    let mut config =
        MqttConfig::from_url(&broker_url, &client_id).map_err(|e| ApiError::Invalid(e.to_string()))?;
    config.subscriptions = topics.subscriptions();
    let presence = topics.station_presence(station.station_id());
    config.last_will = Some((presence.clone(), encode_presence(PresenceState::Offline, None)));
    let link = redgrid_bus::client::connect(config);
    let online = encode_presence(PresenceState::Online, Some(station.now()));
    // Queued in rumqttc until the connection is up; never lost to a slow first connect.
    link.publish(&presence, online, true)
        .await
        .map_err(|e| ApiError::Invalid(format!("消息服务器连接失败：{e}")))?;
    let health = link.health.clone();
    let client = link.client.clone();
    let (stop, shutdown) = watch::channel(false);
    let tasks = vec![
        tokio::spawn(run_ingest(station.clone(), link, shutdown.clone())),
        tokio::spawn(run_outbox(station.clone(), client, shutdown.clone())),
        tokio::spawn(run_watchdog(station, options.watchdog_every, shutdown)),
    ];
    Ok(Running { broker_url, health, stop, tasks })
}

/// Publishes the station's outbox in order. A message is marked published once rumqttc has taken it;
/// rumqttc keeps QoS 1 messages across reconnects of its session, so what it has taken reaches the
/// broker unless this process dies first. A terminal that never acknowledges is caught by the watchdog,
/// which is the loop's answer to that last gap.
pub async fn run_outbox(station: Station, client: rumqttc::AsyncClient, mut shutdown: watch::Receiver<bool>) {
    loop {
        match station.store().pending_outbox(station.station_id(), 200).await {
            Ok(rows) if !rows.is_empty() => {
                let mut done = Vec::with_capacity(rows.len());
                for row in rows {
                    let published =
                        client.publish(&row.topic, rumqttc::QoS::AtLeastOnce, row.retained, row.payload);
                    tokio::select! {
                        result = published => match result {
                            Ok(()) => done.push(row.id),
                            Err(error) => {
                                tracing::warn!(%error, topic = %row.topic, "publishing failed; will retry");
                                break;
                            }
                        },
                        _ = shutdown.changed() => break,
                    }
                }
                if let Err(error) = station.store().mark_published(&done, station.now()).await {
                    tracing::error!(%error, "marking outbox messages failed; they will be sent again");
                }
                if *shutdown.borrow() {
                    return;
                }
                continue;
            }
            Ok(_) => {}
            Err(error) => tracing::error!(%error, "reading the outbox failed"),
        }
        tokio::select! {
            _ = station.outbox_woken() => {}
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// How long before a deadline the "due soon" alert is raised.
pub const DUE_SOON_MINUTES: i64 = 30;

/// Marks tasks nobody acknowledged in time and raises deadline alerts (the feed entries are the officer's
/// alerts).
pub async fn run_watchdog(station: Station, every: Duration, mut shutdown: watch::Receiver<bool>) {
    loop {
        if let Err(error) = station.check_acknowledgements().await {
            tracing::error!(%error, "checking acknowledgements failed");
        }
        if let Err(error) = station.check_deadlines(chrono::Duration::minutes(DUE_SOON_MINUTES)).await {
            tracing::error!(%error, "checking deadlines failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => return,
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
            match station.ingest(&messages).await {
                Ok(report) => {
                    tracing::debug!(?report, elapsed_us = started.elapsed().as_micros() as u64, "ingested");
                    break;
                }
                Err(error) => {
                    tracing::error!(%error, messages = batch.len(), retry_in_ms = wait.as_millis() as u64, "ingest failed; will retry");
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
