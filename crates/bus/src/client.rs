//! The connection to a broker.
//!
//! rumqttc moves requests only while its event loop is polled, and publishing from the task that polls can
//! deadlock under load. So the event loop runs in a task of its own that does nothing but poll, forward each
//! inbound publish into a bounded channel (whose back-pressure stops the poll, and so the broker's flow
//! control takes over), and report health. Acknowledgements are manual: the station acks a message only
//! after it has committed it, so a crash between receipt and commit means redelivery, never loss.
//! rumqttc has no reconnect backoff of its own; this loop waits 1 s, 2 s, 4 s … up to 30 s between tries.

use std::time::Duration;

use rumqttc::{AsyncClient, ConnectionError, Event, MqttOptions, Packet, Publish, QoS};
use tokio::sync::{mpsc, watch};

/// Where and how to connect.
#[derive(Debug, Clone)]
pub struct MqttConfig {
    pub host: String,
    pub port: u16,
    /// Stable per station, so that the broker keeps the session (and queued messages) across restarts.
    pub client_id: String,
    /// Filters subscribed at QoS 1 on every connect.
    pub subscriptions: Vec<String>,
    /// Messages the broker may have in flight to us before it waits for acknowledgements.
    pub inflight: u16,
    /// Capacity of the channel to the station.
    pub channel_capacity: usize,
    /// A retained message published as the last will (station presence: offline).
    pub last_will: Option<(String, Vec<u8>)>,
    pub keep_alive: Duration,
}

impl MqttConfig {
    /// Parses `mqtt://host:port` (or `host:port`, or `tcp://…`); the port defaults to 1883.
    pub fn from_url(url: &str, client_id: &str) -> Result<MqttConfig, BrokerUrlError> {
        let rest = url.strip_prefix("mqtt://").or_else(|| url.strip_prefix("tcp://")).unwrap_or(url);
        let rest = rest.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) => {
                (host.to_string(), port.parse().map_err(|_| BrokerUrlError(url.to_string()))?)
            }
            None => (rest.to_string(), 1883),
        };
        if host.is_empty() || host.contains('/') {
            return Err(BrokerUrlError(url.to_string()));
        }
        Ok(MqttConfig {
            host,
            port,
            client_id: client_id.to_string(),
            subscriptions: Vec::new(),
            inflight: 100,
            channel_capacity: 1024,
            last_will: None,
            keep_alive: Duration::from_secs(15),
        })
    }
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("消息服务器地址无效：{0}（应为 mqtt://主机:端口）")]
pub struct BrokerUrlError(pub String);

/// What the console shows of the connection.
#[derive(Debug, Clone, PartialEq)]
pub enum Health {
    Connecting,
    Connected,
    /// Waiting `retry_in` before the next try, after `error`.
    Disconnected {
        error: String,
        retry_in: Duration,
    },
}

impl Health {
    pub fn name_zh(&self) -> String {
        match self {
            Health::Connecting => "正在连接".into(),
            Health::Connected => "已连接".into(),
            Health::Disconnected { retry_in, .. } => format!("已断开，{} 秒后重连", retry_in.as_secs()),
        }
    }
}

/// An inbound message, with what is needed to acknowledge it once stored.
#[derive(Debug)]
pub struct Received {
    pub topic: String,
    pub payload: Vec<u8>,
    publish: Publish,
}

/// A live connection: publish through `client`, read from `inbound`, watch `health`.
pub struct Link {
    pub client: AsyncClient,
    pub inbound: mpsc::Receiver<Received>,
    pub health: watch::Receiver<Health>,
    task: tokio::task::JoinHandle<()>,
}

impl Link {
    /// Acknowledges a stored message without waiting: `false` when rumqttc's request channel is full, and
    /// the caller keeps the message to try again. Waiting here could deadlock: under a flood the event loop
    /// may be blocked handing us messages while we wait for it to take the acknowledgement.
    pub fn try_ack(&self, received: &Received) -> bool {
        self.client.try_ack(&received.publish).is_ok()
    }

    /// Publishes at QoS 1.
    pub async fn publish(
        &self,
        topic: &str,
        payload: Vec<u8>,
        retain: bool,
    ) -> Result<(), rumqttc::ClientError> {
        self.client.publish(topic, QoS::AtLeastOnce, retain, payload).await
    }

    /// Stops the event loop (the broker sees the connection drop and publishes the last will).
    pub fn abort(&self) {
        self.task.abort();
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.task.abort();
    }
}

const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The next wait after a failed try.
pub fn next_backoff(current: Duration) -> Duration {
    (current * 2).min(MAX_BACKOFF)
}

/// Connects (in the background; the first try starts at once) and returns the link.
pub fn connect(config: MqttConfig) -> Link {
    let mut options = MqttOptions::new(config.client_id.clone(), config.host.clone(), config.port);
    options.set_clean_session(false);
    options.set_manual_acks(true);
    options.set_keep_alive(config.keep_alive);
    options.set_inflight(config.inflight);
    options.set_max_packet_size(512 * 1024, 512 * 1024);
    if let Some((topic, payload)) = &config.last_will {
        options.set_last_will(rumqttc::LastWill::new(topic, payload.clone(), QoS::AtLeastOnce, true));
    }
    // The request channel must never be the thing that blocks the poller: it is sized for a burst of acks.
    let (client, mut eventloop) = AsyncClient::new(options, 4096);
    let (inbound_tx, inbound) = mpsc::channel(config.channel_capacity);
    let (health_tx, health) = watch::channel(Health::Connecting);
    let subscriber = client.clone();
    let subscriptions = config.subscriptions.clone();
    let task = tokio::spawn(async move {
        let mut backoff = FIRST_BACKOFF;
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::Publish(publish))) => {
                    let received =
                        Received { topic: publish.topic.clone(), payload: publish.payload.to_vec(), publish };
                    if inbound_tx.send(received).await.is_err() {
                        tracing::debug!("station stopped reading; MQTT event loop ends");
                        return;
                    }
                }
                Ok(Event::Incoming(Packet::ConnAck(ack))) => {
                    backoff = FIRST_BACKOFF;
                    tracing::info!(session_present = ack.session_present, "MQTT connected");
                    health_tx.send_replace(Health::Connected);
                    // Subscribing again when the broker kept the session is harmless (queued messages stay
                    // queued) and necessary when the configured topics changed since the session began.
                    {
                        // Subscribing goes through the request channel; doing it from another task keeps this
                        // loop polling whatever happens to that channel.
                        let client = subscriber.clone();
                        let filters = subscriptions.clone();
                        tokio::spawn(async move {
                            for filter in filters {
                                if let Err(error) = client.subscribe(&filter, QoS::AtLeastOnce).await {
                                    tracing::warn!(%filter, %error, "MQTT subscribe failed");
                                }
                            }
                        });
                    }
                }
                Ok(_) => {}
                Err(error) => {
                    let retry_in = backoff;
                    tracing::warn!(%error, retry_in_s = retry_in.as_secs(), "MQTT connection lost");
                    health_tx.send_replace(Health::Disconnected { error: describe(&error), retry_in });
                    tokio::time::sleep(retry_in).await;
                    backoff = next_backoff(backoff);
                    health_tx.send_replace(Health::Connecting);
                }
            }
        }
    });
    Link { client, inbound, health, task }
}

fn describe(error: &ConnectionError) -> String {
    match error {
        ConnectionError::Io(e) => format!("网络错误：{e}"),
        ConnectionError::ConnectionRefused(code) => format!("服务器拒绝连接：{code:?}"),
        other => other.to_string(),
    }
}
