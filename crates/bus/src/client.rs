//! The connection to a broker.
//!
//! rumqttc moves requests only while its event loop is polled, and publishing from the task that polls can
//! deadlock under load. So the event loop runs in a task of its own that does nothing but poll, forward each
//! inbound publish into a bounded channel (whose back-pressure stops the poll, and so the broker's flow
//! control takes over), and report health. Acknowledgements are manual: the station acks a message only
//! after it has committed it, so a crash between receipt and commit means redelivery, never loss.
//! rumqttc has no reconnect backoff of its own; this loop waits 1 s, 2 s, 4 s … up to 30 s between tries.

use std::time::Duration;

use rumqttc::{AsyncClient, ConnectionError, Event, MqttOptions, Packet, Publish, QoS, SubscribeReasonCode};
use tokio::sync::{mpsc, watch};

/// Where and how to connect.
#[derive(Debug, Clone)]
pub struct MqttConfig {
    pub host: String,
    pub port: u16,
    /// Stable per station, so that the broker keeps the session (and queued messages) across restarts.
    pub client_id: String,
    /// The login, when the broker asks for one. The password comes from a file or the environment, never
    /// from the URL (which ends up in process lists, logs and the status bar).
    pub login: Option<BrokerLogin>,
    /// TLS (`mqtts://`): the broker's certificate is checked against the system's roots, or against this
    /// CA (PEM) when a centre runs its own.
    pub tls: Option<TlsSettings>,
    /// Filters subscribed at QoS 1 on every connect.
    pub subscriptions: Vec<String>,
    /// Messages the broker may have in flight to us before it waits for acknowledgements.
    pub inflight: u16,
    /// Capacity of the channel to the station.
    pub channel_capacity: usize,
    /// A retained message published as the last will (station presence: offline).
    pub last_will: Option<(String, Vec<u8>)>,
    /// The promise to the desk: a broker that stops answering shows as down within this long. The client
    /// pings every half of it (whole seconds, at least one), and a ping unanswered by the next is a lost
    /// connection.
    pub keep_alive: Duration,
}

/// A username and password for the broker; the password never shows in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct BrokerLogin {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for BrokerLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrokerLogin").field("username", &self.username).field("password", &"***").finish()
    }
}

/// TLS to the broker.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsSettings {
    /// The CA certificate(s) (PEM) the broker's certificate must chain to; `None`: the system's roots.
    pub ca_pem: Option<Vec<u8>>,
}

impl MqttConfig {
    /// Parses `mqtt://[user@]host[:port]` (or `tcp://…`, or `host:port`; port 1883) and
    /// `mqtts://[user@]host[:port]` (or `ssl://…`; TLS, port 8883). A password in the URL is refused:
    /// it would be visible to every user of the machine and in the logs.
    pub fn from_url(url: &str, client_id: &str) -> Result<MqttConfig, BrokerUrlError> {
        let bad = || BrokerUrlError::Invalid(url.to_string());
        let (tls, rest) =
            if let Some(rest) = url.strip_prefix("mqtts://").or_else(|| url.strip_prefix("ssl://")) {
                (true, rest)
            } else {
                (false, url.strip_prefix("mqtt://").or_else(|| url.strip_prefix("tcp://")).unwrap_or(url))
            };
        let rest = rest.trim_end_matches('/');
        let (user, rest) = match rest.rsplit_once('@') {
            Some((user, rest)) => {
                if user.contains(':') {
                    return Err(BrokerUrlError::PasswordInUrl);
                }
                if user.is_empty() {
                    return Err(bad());
                }
                (Some(user.to_string()), rest)
            }
            None => (None, rest),
        };
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) => (host.to_string(), port.parse().map_err(|_| bad())?),
            None => (rest.to_string(), if tls { 8883 } else { 1883 }),
        };
        if host.is_empty() || host.contains('/') {
            return Err(bad());
        }
        Ok(MqttConfig {
            host,
            port,
            client_id: client_id.to_string(),
            login: user.map(|username| BrokerLogin { username, password: String::new() }),
            tls: tls.then(TlsSettings::default),
            subscriptions: Vec::new(),
            inflight: 100,
            channel_capacity: 1024,
            last_will: None,
            keep_alive: Duration::from_secs(15),
        })
    }

    /// Sets the login's password (the username comes from the URL, or is given here).
    pub fn with_password(mut self, username: Option<&str>, password: String) -> MqttConfig {
        let username = username
            .map(str::to_string)
            .or_else(|| self.login.as_ref().map(|l| l.username.clone()))
            .unwrap_or_default();
        self.login = Some(BrokerLogin { username, password });
        self
    }

    /// The address as shown to people: scheme, user, host and port, never a password.
    pub fn display_url(&self) -> String {
        let scheme = if self.tls.is_some() { "mqtts" } else { "mqtt" };
        match &self.login {
            Some(login) => format!("{scheme}://{}@{}:{}", login.username, self.host, self.port),
            None => format!("{scheme}://{}:{}", self.host, self.port),
        }
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum BrokerUrlError {
    #[error("消息服务器地址无效：{0}（应为 mqtt://[用户名@]主机:端口 或 mqtts://…）")]
    Invalid(String),
    #[error(
        "消息服务器地址中不能包含密码：请用环境变量 REDGRID_MQTT_PASSWORD 或 --broker-password-file 提供密码"
    )]
    PasswordInUrl,
}

/// What the console shows of the connection. Only [`Health::Connected`] is good: connected *and* every
/// subscription granted, so that a green light means the station hears what it should.
#[derive(Debug, Clone, PartialEq)]
pub enum Health {
    Connecting,
    /// Connected; waiting for the broker to grant the subscriptions.
    Subscribing,
    Connected,
    /// Connected, but the broker refused a subscription (an ACL, most often): the station would miss
    /// what that filter carries.
    Refused {
        filter: String,
    },
    /// Waiting `retry_in` before the next try, after `error`.
    Disconnected {
        error: String,
        retry_in: Duration,
    },
    /// Connected now, but the connection dropped `drops` times in the last minute: most often another
    /// station connecting with the same client id, each taking the session from the other.
    Unstable {
        drops: usize,
    },
}

impl Health {
    /// A stable key for callers that style by state.
    pub fn key(&self) -> &'static str {
        match self {
            Health::Connecting => "connecting",
            Health::Subscribing => "subscribing",
            Health::Connected => "connected",
            Health::Refused { .. } => "refused",
            Health::Disconnected { .. } => "disconnected",
            Health::Unstable { .. } => "unstable",
        }
    }

    pub fn name_zh(&self) -> String {
        match self {
            Health::Connecting => "正在连接".into(),
            Health::Subscribing => "已连接，正在订阅".into(),
            Health::Connected => "已连接".into(),
            Health::Refused { filter } => format!("服务器拒绝订阅 {filter}"),
            Health::Disconnected { retry_in, .. } => format!("已断开，{} 秒后重连", retry_in.as_secs()),
            Health::Unstable { drops } => format!("连接不稳定：1 分钟内断开 {drops} 次"),
        }
    }

    /// The state with its cause, in Chinese, for a tooltip.
    pub fn detail_zh(&self) -> String {
        match self {
            Health::Disconnected { error, .. } => format!("{}：{error}", self.name_zh()),
            Health::Unstable { .. } => format!(
                "{}。若服务器日志有“Duplicate client_id”，是另一台工作站用了相同的站点编号，两者互相挤占连接",
                self.name_zh()
            ),
            other => other.name_zh(),
        }
    }
}

/// A link that dropped this often within [`FLAP_WINDOW`] is shown as [`Health::Unstable`], not green.
const FLAP_DROPS: usize = 3;
const FLAP_WINDOW: Duration = Duration::from_secs(60);

/// The connection drops of the last [`FLAP_WINDOW`].
#[derive(Default)]
struct Drops(std::collections::VecDeque<std::time::Instant>);

impl Drops {
    fn record(&mut self) {
        self.0.push_back(std::time::Instant::now());
    }

    fn recent(&mut self) -> usize {
        while self.0.front().is_some_and(|at| at.elapsed() > FLAP_WINDOW) {
            self.0.pop_front();
        }
        self.0.len()
    }

    /// What a link that is up and subscribed shows.
    fn up(&mut self) -> Health {
        match self.recent() {
            drops if drops >= FLAP_DROPS => Health::Unstable { drops },
            _ => Health::Connected,
        }
    }
}

/// One connection to the broker, as its ConnAck told: `epoch` counts connections since the link began
/// (0 before the first), `session_present` is whether the broker still had the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Session {
    pub epoch: u64,
    pub session_present: bool,
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
    pub sessions: watch::Receiver<Session>,
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

/// The largest packet the station reads: 64 MiB (Mosquitto's `max_packet_size` should not exceed it).
pub const MAX_INCOMING_PACKET: usize = 64 * 1024 * 1024;

fn options(config: &MqttConfig, client_id: &str) -> MqttOptions {
    let mut options = MqttOptions::new(client_id, config.host.clone(), config.port);
    if let Some(login) = &config.login {
        options.set_credentials(login.username.clone(), login.password.clone());
    }
    if let Some(tls) = &config.tls {
        let tls = match &tls.ca_pem {
            Some(ca) => rumqttc::TlsConfiguration::SimpleNative { ca: ca.clone(), client_auth: None },
            None => rumqttc::TlsConfiguration::Native,
        };
        options.set_transport(rumqttc::Transport::tls_with_config(tls));
    }
    options.set_clean_session(false);
    options.set_manual_acks(true);
    options.set_keep_alive(ping_every(config.keep_alive));
    options.set_inflight(config.inflight);
    // Incoming packets far beyond any payload the station accepts are still read whole, so that the
    // station can quarantine them (too_large) and acknowledge them. A packet over rumqttc's limit is a
    // connection error instead, and the broker redelivers it after every reconnect: one message would stop
    // the station for good. The broker must cap packets at this size (docs/mqtt.md).
    options.set_max_packet_size(MAX_INCOMING_PACKET, 512 * 1024);
    options
}

/// rumqttc pings every `keep_alive` and gives up when a ping is still unanswered at the next one, so a
/// broker that stops answering is noticed one to two intervals later; pinging at half the promise keeps
/// that within it.
fn ping_every(keep_alive: Duration) -> Duration {
    Duration::from_secs((keep_alive.as_secs() / 2).max(1))
}

/// Connects (in the background; the first try starts at once) and returns the link.
pub fn connect(config: MqttConfig) -> Link {
    let mut options = options(&config, &config.client_id);
    if let Some((topic, payload)) = &config.last_will {
        options.set_last_will(rumqttc::LastWill::new(topic, payload.clone(), QoS::AtLeastOnce, true));
    }
    // The request channel must never be the thing that blocks the poller: it is sized for a burst of acks.
    let (client, mut eventloop) = AsyncClient::new(options, 4096);
    let (inbound_tx, inbound) = mpsc::channel(config.channel_capacity);
    let (health_tx, health) = watch::channel(Health::Connecting);
    let (session_tx, sessions) = watch::channel(Session::default());
    let subscriber = client.clone();
    let subscriptions = config.subscriptions.clone();
    let task = tokio::spawn(async move {
        let mut backoff = FIRST_BACKOFF;
        // SubAcks still owed on this connection; green only once every filter is granted.
        let mut owed = 0usize;
        let mut drops = Drops::default();
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
                    session_tx.send_modify(|s| {
                        s.epoch += 1;
                        s.session_present = ack.session_present;
                    });
                    owed = subscriptions.len();
                    health_tx.send_replace(if owed == 0 { drops.up() } else { Health::Subscribing });
                    // Subscribing again when the broker kept the session is harmless (queued messages stay
                    // queued) and necessary when the configured topics changed since the session began.
                    // It goes through the request channel; doing it from another task keeps this loop
                    // polling whatever happens to that channel.
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
                Ok(Event::Incoming(Packet::SubAck(ack))) => {
                    // Filters are subscribed one per request, in order, so the owed count names the filter.
                    let index = subscriptions.len().saturating_sub(owed);
                    owed = owed.saturating_sub(1);
                    if ack.return_codes.iter().any(|c| matches!(c, SubscribeReasonCode::Failure)) {
                        let filter = subscriptions.get(index).cloned().unwrap_or_default();
                        tracing::error!(%filter, "the broker refused a subscription");
                        health_tx.send_replace(Health::Refused { filter });
                    } else if owed == 0 && *health_tx.borrow() == Health::Subscribing {
                        health_tx.send_replace(drops.up());
                    }
                }
                Ok(_) => {
                    // Pings keep coming while the link is up: a minute without a drop makes it green again.
                    if matches!(*health_tx.borrow(), Health::Unstable { .. }) {
                        let now = drops.up();
                        health_tx.send_if_modified(|h| {
                            let changed = *h != now;
                            *h = now;
                            changed
                        });
                    }
                }
                Err(error) => {
                    let retry_in = backoff;
                    drops.record();
                    tracing::warn!(%error, retry_in_s = retry_in.as_secs(), "MQTT connection lost");
                    health_tx.send_replace(Health::Disconnected { error: describe(&error), retry_in });
                    tokio::time::sleep(retry_in).await;
                    backoff = next_backoff(backoff);
                    health_tx.send_replace(Health::Connecting);
                }
            }
        }
    });
    Link { client, inbound, health, sessions, task }
}

/// A message handed to the [`Publisher`], with the caller's id for it.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: i64,
    pub topic: String,
    pub payload: Vec<u8>,
    pub retain: bool,
}

/// What the broker made of what the [`Publisher`] sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The broker acknowledged (PUBACK) the message with this id: it is the broker's now.
    Acknowledged(i64),
    /// The connection dropped: every message sent and not yet acknowledged is the caller's again, to send
    /// once the publisher is connected.
    Reset,
}

/// Messages sent on this connection in request order until rumqttc gives them a packet id, then by
/// packet id until the broker acknowledges them. One lock covers handing a request to rumqttc and this
/// bookkeeping, so the order of ids here is the order of publishes on the wire.
#[derive(Default)]
struct Tracker {
    unnumbered: std::collections::VecDeque<i64>,
    numbered: std::collections::HashMap<u16, i64>,
}

/// A connection only for publishing, that learns when the broker has each message. rumqttc's own
/// promise ends when it takes a request: after a lost connection it replays unacknowledged messages only
/// if the broker kept the session, and drops them otherwise. So this connection replays nothing itself;
/// it hands every unacknowledged message back ([`Delivery::Reset`]) and the caller sends it again.
pub struct Publisher {
    client: AsyncClient,
    tracker: std::sync::Arc<std::sync::Mutex<Tracker>>,
    pub deliveries: mpsc::UnboundedReceiver<Delivery>,
    pub health: watch::Receiver<Health>,
    pub sessions: watch::Receiver<Session>,
    task: tokio::task::JoinHandle<()>,
}

impl Publisher {
    /// Hands a message to the connection without waiting; `false` when it cannot take it now (not
    /// connected, or its request channel is full), and the caller keeps it.
    pub fn try_send(&self, message: &Outgoing) -> bool {
        // Checked under the lock: the event loop turns the health bad under it when the connection drops,
        // so a message is either handed back by that drop's Reset or refused here, never lost between.
        let mut tracker = self.tracker.lock().expect("publisher tracker");
        if *self.health.borrow() != Health::Connected {
            return false;
        }
        let sent = self.client.try_publish(
            &message.topic,
            QoS::AtLeastOnce,
            message.retain,
            message.payload.clone(),
        );
        if sent.is_ok() {
            tracker.unnumbered.push_back(message.id);
        }
        sent.is_ok()
    }

    /// Messages handed over and not yet acknowledged by the broker.
    pub fn in_flight(&self) -> usize {
        let tracker = self.tracker.lock().expect("publisher tracker");
        tracker.unnumbered.len() + tracker.numbered.len()
    }

    pub fn abort(&self) {
        self.task.abort();
    }
}

impl Drop for Publisher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Connects a publishing connection as `<client_id>-out` (a client id of its own: two connections
/// sharing one would take the session from each other) with a persistent session, so that a ConnAck
/// without a session says the broker lost its state.
pub fn connect_publisher(config: &MqttConfig) -> Publisher {
    let client_id = format!("{}-out", config.client_id);
    let mut options = options(config, &client_id);
    options.set_manual_acks(false);
    let (client, mut eventloop) = AsyncClient::new(options, 4096);
    let (health_tx, health) = watch::channel(Health::Connecting);
    let (session_tx, sessions) = watch::channel(Session::default());
    let (deliveries_tx, deliveries) = mpsc::unbounded_channel();
    let tracker = std::sync::Arc::new(std::sync::Mutex::new(Tracker::default()));
    let book = tracker.clone();
    let task = tokio::spawn(async move {
        let mut backoff = FIRST_BACKOFF;
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::ConnAck(ack))) => {
                    backoff = FIRST_BACKOFF;
                    tracing::info!(session_present = ack.session_present, "MQTT publisher connected");
                    session_tx.send_modify(|s| {
                        s.epoch += 1;
                        s.session_present = ack.session_present;
                    });
                    health_tx.send_replace(Health::Connected);
                }
                Ok(Event::Outgoing(rumqttc::Outgoing::Publish(pkid))) => {
                    let mut tracker = book.lock().expect("publisher tracker");
                    if let Some(id) = tracker.unnumbered.pop_front() {
                        tracker.numbered.insert(pkid, id);
                    }
                }
                Ok(Event::Incoming(Packet::PubAck(ack))) => {
                    let id = book.lock().expect("publisher tracker").numbered.remove(&ack.pkid);
                    if let Some(id) = id {
                        if deliveries_tx.send(Delivery::Acknowledged(id)).is_err() {
                            return;
                        }
                    }
                }
                Ok(_) => {}
                Err(error) => {
                    let retry_in = backoff;
                    {
                        let mut tracker = book.lock().expect("publisher tracker");
                        health_tx.send_replace(Health::Disconnected { error: describe(&error), retry_in });
                        // Whatever rumqttc holds (sent, or still in its request channel) is dropped here and
                        // handed back to the caller, who sends it again on the next connection.
                        eventloop.clean();
                        eventloop.pending.clear();
                        tracker.unnumbered.clear();
                        tracker.numbered.clear();
                    }
                    if deliveries_tx.send(Delivery::Reset).is_err() {
                        return;
                    }
                    tracing::warn!(%error, retry_in_s = retry_in.as_secs(), "MQTT publisher connection lost");
                    tokio::time::sleep(retry_in).await;
                    backoff = next_backoff(backoff);
                    health_tx.send_replace(Health::Connecting);
                }
            }
        }
    });
    Publisher { client, tracker, deliveries, health, sessions, task }
}

/// The cause in Chinese; the English original goes to the log with the warning.
fn describe(error: &ConnectionError) -> String {
    match error {
        ConnectionError::Io(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            "消息服务器未运行或拒绝连接".into()
        }
        ConnectionError::Io(e) => format!("网络错误（{}）", e.kind()),
        ConnectionError::ConnectionRefused(
            rumqttc::ConnectReturnCode::BadUserNamePassword | rumqttc::ConnectReturnCode::NotAuthorized,
        ) => {
            "服务器拒绝登录：用户名或密码错误（检查 REDGRID_MQTT_PASSWORD 或 --broker-password-file）".into()
        }
        ConnectionError::ConnectionRefused(code) => format!("服务器拒绝连接（{code:?}）"),
        ConnectionError::Tls(error) => format!(
            "TLS 握手失败：服务器证书不受信任或与主机名不符（用 --broker-ca 指定中心的 CA 证书）：{error}"
        ),
        ConnectionError::NetworkTimeout | ConnectionError::FlushTimeout => "连接超时".into(),
        ConnectionError::MqttState(rumqttc::StateError::AwaitPingResp) => {
            "消息服务器无响应（心跳超时）".into()
        }
        ConnectionError::MqttState(_) => "通信协议错误，已断开重连".into(),
        _ => "连接中断".into(),
    }
}
