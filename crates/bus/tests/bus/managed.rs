//! The station-managed Mosquitto, for real: what a login may publish and receive is what its ACL says,
//! a wrong or revoked password gets nothing, an oversized packet is refused, and a broker left behind by a
//! station that died is replaced.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use redgrid_bus::managed::{
    hash_password, station_acl, worker_acl, Login, ManagedBroker, ManagedConfig, MAX_PACKET_BYTES,
    STATION_LOGIN,
};
use redgrid_bus::topics::{TerminalChannel, Topics};
use rumqttc::{AsyncClient, ConnectReturnCode, Event, MqttOptions, Packet, QoS};
use tokio::sync::mpsc;

fn free_listen() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

fn fresh_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "redgrid-managed-{tag}-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_micros()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn login(username: &str, password: &str, acl: Vec<(redgrid_bus::managed::Access, String)>) -> Login {
    Login { username: username.into(), password_hash: hash_password(password), acl }
}

/// A connected client and what it receives; `Err` with the broker's answer when it refuses the login.
struct Client {
    client: AsyncClient,
    inbox: mpsc::UnboundedReceiver<(String, Vec<u8>)>,
    /// SUBACK return codes, in order.
    subacks: mpsc::UnboundedReceiver<Vec<rumqttc::SubscribeReasonCode>>,
    closed: tokio::sync::watch::Receiver<bool>,
}

async fn connect(listen: SocketAddr, id: &str, credentials: Option<(&str, &str)>) -> Result<Client, String> {
    let mut options = MqttOptions::new(id, listen.ip().to_string(), listen.port());
    options.set_keep_alive(Duration::from_secs(5));
    options.set_max_packet_size(4 * MAX_PACKET_BYTES, 4 * MAX_PACKET_BYTES);
    if let Some((user, password)) = credentials {
        options.set_credentials(user, password);
    }
    let (client, mut eventloop) = AsyncClient::new(options, 64);
    let first =
        tokio::time::timeout(Duration::from_secs(10), eventloop.poll()).await.expect("the broker answers");
    match first {
        Ok(Event::Incoming(Packet::ConnAck(ack))) if ack.code == ConnectReturnCode::Success => {}
        Ok(other) => return Err(format!("{other:?}")),
        Err(error) => return Err(error.to_string()),
    }
    let (inbox_tx, inbox) = mpsc::unbounded_channel();
    let (suback_tx, subacks) = mpsc::unbounded_channel();
    let (closed_tx, closed) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::Publish(p))) => {
                    let _ = inbox_tx.send((p.topic.clone(), p.payload.to_vec()));
                }
                Ok(Event::Incoming(Packet::SubAck(ack))) => {
                    let _ = suback_tx.send(ack.return_codes);
                }
                Ok(_) => {}
                Err(_) => {
                    closed_tx.send_replace(true);
                    return;
                }
            }
        }
    });
    Ok(Client { client, inbox, subacks, closed })
}

impl Client {
    async fn subscribe(&mut self, filter: &str) -> rumqttc::SubscribeReasonCode {
        self.client.subscribe(filter, QoS::AtLeastOnce).await.unwrap();
        let codes = tokio::time::timeout(Duration::from_secs(5), self.subacks.recv()).await.unwrap().unwrap();
        codes[0]
    }

    async fn publish(&self, topic: &str, payload: &[u8]) {
        self.client.publish(topic, QoS::AtLeastOnce, false, payload.to_vec()).await.unwrap();
    }

    /// Everything received within `wait`.
    async fn drain(&mut self, wait: Duration) -> Vec<(String, Vec<u8>)> {
        let mut got = Vec::new();
        let until = tokio::time::Instant::now() + wait;
        while let Ok(Some(message)) = tokio::time::timeout_at(until, self.inbox.recv()).await {
            got.push(message);
        }
        got
    }
}

struct Township {
    topics: Topics,
    broker: ManagedBroker,
    dir: PathBuf,
}

fn township(tag: &str) -> Township {
    let topics = Topics::default();
    let dir = fresh_dir(tag);
    let logins = vec![
        login(STATION_LOGIN, "station-secret-0001", station_acl(&topics)),
        login("W1", "w1-secret-000000001", worker_acl(&topics, "W1")),
        login("W2", "w2-secret-000000002", worker_acl(&topics, "W2")),
    ];
    let broker = ManagedBroker::start(&ManagedConfig { dir: dir.clone(), listen: free_listen(), logins })
        .expect("the managed broker starts");
    Township { topics, broker, dir }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_publishes_and_reads_only_under_its_own_id() {
    let t = township("acl");
    let listen = t.broker.listen;
    let mut station = connect(listen, "station", Some((STATION_LOGIN, "station-secret-0001"))).await.unwrap();
    let ack_filter = t.topics.terminal("+", TerminalChannel::Ack);
    assert_ne!(station.subscribe(&ack_filter).await, rumqttc::SubscribeReasonCode::Failure);
    let mut w1 = connect(listen, "w1", Some(("W1", "w1-secret-000000001"))).await.unwrap();
    let mut w2 = connect(listen, "w2", Some(("W2", "w2-secret-000000002"))).await.unwrap();

    w1.publish(&t.topics.terminal("W1", TerminalChannel::Ack), b"own").await;
    w1.publish(&t.topics.terminal("W2", TerminalChannel::Ack), b"forged").await;
    let got = station.drain(Duration::from_millis(1500)).await;
    let payloads: Vec<&[u8]> = got.iter().map(|(_, p)| p.as_slice()).collect();
    assert_eq!(payloads, vec![b"own".as_slice()], "W1's own ack arrives, its ack as W2 never does: {got:?}");

    // Reading: Mosquitto grants any subscription and checks read access per message, so W1 subscribed to
    // W2's tasks by name and by wildcard still gets none of them; W2 gets its own.
    let w2_tasks = t.topics.terminal("W2", TerminalChannel::Tasks);
    w1.subscribe(&w2_tasks).await;
    w1.subscribe(&t.topics.terminal("+", TerminalChannel::Tasks)).await;
    w2.subscribe(&w2_tasks).await;
    station.publish(&w2_tasks, b"task for W2").await;
    assert_eq!(w2.drain(Duration::from_millis(1000)).await.len(), 1, "W2 gets its task");
    assert!(w1.drain(Duration::from_millis(500)).await.is_empty(), "W1 never reads W2's task");

    // A worker may not write the station's topics (a broadcast, a task for itself).
    let mut listener =
        connect(listen, "station-2", Some((STATION_LOGIN, "station-secret-0001"))).await.unwrap();
    listener.subscribe(&format!("{}/#", t.topics.root)).await;
    listener.subscribe(&format!("{}/#", t.topics.owntracks_prefix)).await;
    w1.publish(&format!("{}/broadcast/mode", t.topics.root), b"wartime").await;
    // A last will forged for another worker's phone would take that worker out of the ranking.
    let forged_will = br#"{"_type":"lwt","tst":1763460000}"#;
    w1.publish(&format!("{}/W2/phone", t.topics.owntracks_prefix), forged_will).await;
    w1.publish(&t.topics.terminal("W1", TerminalChannel::Tasks), b"self-assigned").await;
    let got = listener.drain(Duration::from_millis(1000)).await;
    assert!(got.is_empty(), "nothing a worker writes outside its topics is delivered: {got:?}");
    w1.publish(&format!("{}/W1/phone", t.topics.owntracks_prefix), forged_will).await;
    assert_eq!(listener.drain(Duration::from_millis(1000)).await.len(), 1, "its own phone's will is");
    drop(t.dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_and_wrong_passwords_are_refused() {
    let t = township("auth");
    let listen = t.broker.listen;
    let anonymous = connect(listen, "anon", None).await.err().expect("anonymous is refused");
    assert!(anonymous.contains("NotAuthorized") || anonymous.contains("BadUserNamePassword"), "{anonymous}");
    let wrong = connect(listen, "w1-wrong", Some(("W1", "w2-secret-000000002"))).await.err();
    assert!(wrong.is_some(), "another worker's password does not open W1's login");
    let unknown = connect(listen, "nobody", Some(("W9", "w1-secret-000000001"))).await.err();
    assert!(unknown.is_some(), "a login that was never issued is refused");
    assert!(connect(listen, "w1-right", Some(("W1", "w1-secret-000000001"))).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_login_loses_its_topics_at_once_and_cannot_come_back() {
    let t = township("revoke");
    let listen = t.broker.listen;
    let mut station = connect(listen, "station", Some((STATION_LOGIN, "station-secret-0001"))).await.unwrap();
    station.subscribe(&t.topics.terminal("+", TerminalChannel::Location)).await;
    let w1 = connect(listen, "w1", Some(("W1", "w1-secret-000000001"))).await.unwrap();
    let location = t.topics.terminal("W1", TerminalChannel::Location);
    w1.publish(&location, b"before").await;
    assert_eq!(station.drain(Duration::from_millis(1000)).await.len(), 1);

    let topics = &t.topics;
    t.broker
        .reload(&[
            login(STATION_LOGIN, "station-secret-0001", station_acl(topics)),
            login("W2", "w2-secret-000000002", worker_acl(topics, "W2")),
        ])
        .unwrap();
    // The broker drops the connection of a login it no longer has; whatever the terminal still sends is lost.
    let mut closed = w1.closed.clone();
    tokio::time::timeout(Duration::from_secs(5), closed.wait_for(|c| *c))
        .await
        .expect("the revoked terminal is disconnected at the reload")
        .unwrap();
    let _ = w1.client.publish(&location, QoS::AtLeastOnce, false, b"after".to_vec()).await;
    let got = station.drain(Duration::from_millis(1000)).await;
    assert!(got.is_empty(), "nothing from the revoked terminal arrives: {got:?}");
    assert!(
        connect(listen, "w1-again", Some(("W1", "w1-secret-000000001"))).await.is_err(),
        "and it cannot log in again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_packet_costs_its_sender_the_connection_and_nobody_else_anything() {
    let t = township("size");
    let listen = t.broker.listen;
    let mut station = connect(listen, "station", Some((STATION_LOGIN, "station-secret-0001"))).await.unwrap();
    station.subscribe(&t.topics.terminal("+", TerminalChannel::Feedback)).await;
    let w1 = connect(listen, "w1", Some(("W1", "w1-secret-000000001"))).await.unwrap();
    let mut closed = w1.closed.clone();
    let feedback = t.topics.terminal("W1", TerminalChannel::Feedback);
    w1.publish(&feedback, &vec![b'x'; MAX_PACKET_BYTES + 1]).await;
    tokio::time::timeout(Duration::from_secs(10), closed.wait_for(|c| *c))
        .await
        .expect("the broker drops a connection that sends more than its packet limit")
        .unwrap();
    let w2 = connect(listen, "w2", Some(("W2", "w2-secret-000000002"))).await.unwrap();
    w2.publish(&t.topics.terminal("W2", TerminalChannel::Feedback), b"small").await;
    let got = station.drain(Duration::from_millis(1500)).await;
    assert_eq!(
        got.len(),
        1,
        "only the small message arrives: {:?}",
        got.iter().map(|(t, p)| (t, p.len())).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_broker_of_a_station_that_died_is_replaced_and_its_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let topics = Topics::default();
    let dir = fresh_dir("leftover");
    let listen = free_listen();
    let logins = vec![login(STATION_LOGIN, "station-secret-0001", station_acl(&topics))];
    let config = ManagedConfig { dir: dir.clone(), listen, logins };
    let first = ManagedBroker::start(&config).unwrap();
    let pid: u32 = std::fs::read_to_string(dir.join("broker.pid")).unwrap().trim().parse().unwrap();
    // The station "dies" without stopping it (its Drop never runs), as after a crash of the window.
    std::mem::forget(first);
    assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());
    let second = ManagedBroker::start(&config).expect("a new station takes over the folder and its port");
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists()
            || std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default().contains(") Z"),
        "the old broker was stopped"
    );
    assert!(connect(listen, "station", Some((STATION_LOGIN, "station-secret-0001"))).await.is_ok());
    for name in ["mosquitto.conf", "passwd", "acl"] {
        let mode = std::fs::metadata(dir.join(name)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{name} is the station's alone");
    }
    let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    let passwd = std::fs::read_to_string(dir.join("passwd")).unwrap();
    assert!(!passwd.contains("station-secret-0001"), "only hashes are written");

    // Another folder on the same port is a different station: refused, the first left alone.
    let other = ManagedConfig { dir: fresh_dir("other"), ..config.clone() };
    let error = ManagedBroker::start(&other).err().expect("the port is taken");
    assert!(error.to_string().contains("已被占用"), "{error}");
    drop(second);
    assert!(std::net::TcpStream::connect(listen).is_err(), "stopping the station's broker frees its port");
}
