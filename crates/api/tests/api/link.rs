//! The station's link to the broker as the people at the desk depend on it: a task dispatched while the
//! broker is down waits in the outbox and reaches the terminal once when the broker returns; the link
//! state turns bad within the keep-alive of a broker that stops answering. Each test runs a Mosquitto of
//! its own, because it stops or freezes it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redgrid_api::dispatch::DispatchChoice;
use redgrid_api::serve::{start, BrokerChoice, Running, ServeOptions};
use redgrid_api::{Station, StationConfig};
use redgrid_bus::client::{connect, Health, Link, MqttConfig};
use redgrid_bus::mosquitto::{Mosquitto, MosquittoConfig};
use redgrid_bus::payload::{decode_outbound, Outbound};
use redgrid_bus::topics::Topics;
use redgrid_core::closed_loop::{Actor, Command, NewEvent, Role};
use redgrid_core::event::{Category, Severity, Source};

use crate::station::{demo_station, TestStation};

fn officer() -> Actor {
    Actor { id: "duty1".into(), name: "值班员甲".into(), role: Role::DutyOfficer, station: "test".into() }
}

async fn serving(broker: &Mosquitto, keep_alive: Duration) -> (TestStation, Station, Running) {
    let t = demo_station(1).await;
    let config = StationConfig { station_id: format!("link-{}", broker.port), topics: Topics::default() };
    let station = Station::with_store(t.station.store().clone(), config, t.clock.clone()).await.unwrap();
    let mut options = ServeOptions::new(BrokerChoice::External(broker.url()));
    options.watchdog_every = Duration::from_millis(200);
    options.keep_alive = keep_alive;
    let running = start(station.clone(), options).await.unwrap();
    (t, station, running)
}

async fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A worker's terminal as the documentation asks it to connect: a stable client id and a persistent
/// session. It counts every task message it receives, by task id.
struct Terminal {
    received: Arc<Mutex<HashMap<String, usize>>>,
    health: tokio::sync::watch::Receiver<Health>,
    _task: tokio::task::JoinHandle<()>,
}

fn terminal(broker: &Mosquitto, topics: &Topics, worker_id: &str) -> Terminal {
    let mut config = MqttConfig::from_url(&broker.url(), &format!("terminal-{worker_id}")).unwrap();
    config.subscriptions = vec![topics.terminal_tasks(worker_id)];
    let mut link: Link = connect(config);
    let health = link.health.clone();
    let received = Arc::new(Mutex::new(HashMap::new()));
    let counts = received.clone();
    let topics = topics.clone();
    let task = tokio::spawn(async move {
        while let Some(message) = link.inbound.recv().await {
            if let Ok(Outbound::Task { task, .. }) =
                decode_outbound(&topics, &message.topic, &message.payload)
            {
                *counts.lock().unwrap().entry(task.task_id).or_insert(0) += 1;
            }
            while !link.try_ack(&message) {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    });
    Terminal { received, health, _task: task }
}

async fn accepted_event(s: &Station) -> (i64, i64) {
    let workers = s.store().workers(&s.scheme()).await.unwrap();
    let anchor = workers.iter().find(|w| w.on_duty && w.lat.is_some()).expect("a located on-duty worker");
    let new = NewEvent {
        title: "鱼塘边护栏倒塌".into(),
        description: "群众来电：护栏倒塌，有落水危险".into(),
        category: Category::Safety,
        severity: Severity::General,
        source: Source::ByHand,
        grid: anchor.worker.grids[0].clone(),
        lon: anchor.lon,
        lat: anchor.lat,
        address: "鱼塘边".into(),
        reporter: "来电群众".into(),
        drill: false,
    };
    let view = s.report(&officer(), new).await.unwrap();
    let id = view.stored.event.id;
    let accept = Command::Accept { category: None, severity: None, grid: None };
    let view = s.act(&officer(), id, Some(view.stored.event.version), accept).await.unwrap();
    (id, view.stored.event.version)
}

#[tokio::test]
async fn a_task_dispatched_while_the_broker_is_down_reaches_the_terminal_once_it_returns() {
    let mut broker = Mosquitto::start(&MosquittoConfig { persistence: true, ..MosquittoConfig::default() })
        .expect("mosquitto must be installed (scripts/setup.sh)");
    let (_t, s, running) = serving(&broker, Duration::from_secs(4)).await;
    let (id, version) = accepted_event(&s).await;
    let worker = s.recommend(id, 3).await.unwrap().candidates[0].worker_id.clone();
    let phone = terminal(&broker, &Topics::default(), &worker);
    let linked =
        || *running.health.borrow() == Health::Connected && *phone.health.borrow() == Health::Connected;
    wait_until("station and terminal connected and subscribed", Duration::from_secs(20), linked).await;

    broker.stop();
    let health = running.health.clone();
    wait_until("the station sees the broker gone", Duration::from_secs(10), || {
        *health.borrow() != Health::Connected
    })
    .await;
    let choice = DispatchChoice { workers: vec![worker.clone()], note: String::new(), override_reason: None };
    let view = s.dispatch(&officer(), id, Some(version), choice).await.unwrap();
    let task_id = s.store().event_tasks(id).await.unwrap()[0].task_id.clone();
    let _ = view;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        s.store().outbox_backlog().await.unwrap(),
        1,
        "the task waits in the outbox while the broker is down"
    );

    broker.start_again().unwrap();
    let received = phone.received.clone();
    wait_until("the terminal receives the task", Duration::from_secs(60), || {
        received.lock().unwrap().contains_key(&task_id)
    })
    .await;
    let store = s.store().clone();
    let mut backlog = 1;
    for _ in 0..100 {
        backlog = store.outbox_backlog().await.unwrap();
        if backlog == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(backlog, 0, "the outbox row is marked once the broker acknowledged it");
    // Long enough for a second copy to arrive, had one been sent.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(phone.received.lock().unwrap().get(&task_id), Some(&1), "exactly one copy");
    running.stop().await;
}

#[tokio::test]
async fn the_link_turns_bad_within_the_keep_alive_of_a_broker_that_stops_answering() {
    let broker = Mosquitto::start(&MosquittoConfig::default()).expect("mosquitto must be installed");
    let keep_alive = Duration::from_secs(6);
    let (_t, _s, running) = serving(&broker, keep_alive).await;
    let health = running.health.clone();
    wait_until("connected and subscribed", Duration::from_secs(20), || *health.borrow() == Health::Connected)
        .await;
    // Let a ping or two pass so that the freeze falls anywhere in the keep-alive cycle.
    tokio::time::sleep(Duration::from_millis(4500)).await;
    broker.pause();
    let frozen = Instant::now();
    // A broker that stops answering closes no socket: only the keep-alive can tell.
    wait_until("the link turns bad", keep_alive + Duration::from_secs(1), || {
        *health.borrow() != Health::Connected
    })
    .await;
    let noticed = frozen.elapsed();
    broker.resume();
    wait_until("the link recovers", Duration::from_secs(40), || *health.borrow() == Health::Connected).await;
    assert!(noticed <= keep_alive + Duration::from_secs(1), "noticed after {noticed:?}");
    running.stop().await;
}

#[tokio::test]
async fn two_stations_with_one_client_id_show_an_unstable_link_not_a_green_one() {
    let broker = Mosquitto::start(&MosquittoConfig::default()).expect("mosquitto must be installed");
    let config = MqttConfig::from_url(&broker.url(), "redgrid-station-1").unwrap();
    // The broker drops the older connection of a client id whenever the other connects: each reconnects
    // after a second, and so on for ever.
    let first = connect(config.clone());
    let second = connect(config);
    let (a, b) = (first.health.clone(), second.health.clone());
    wait_until("the link to show as unstable", Duration::from_secs(40), || {
        matches!(*a.borrow(), Health::Unstable { .. }) || matches!(*b.borrow(), Health::Unstable { .. })
    })
    .await;
    let shown =
        if matches!(*a.borrow(), Health::Unstable { .. }) { a.borrow().clone() } else { b.borrow().clone() };
    assert!(shown.name_zh().starts_with("连接不稳定"), "{}", shown.name_zh());
    assert!(shown.detail_zh().contains("相同的站点编号"), "{}", shown.detail_zh());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_station_does_not_start_its_broker_on_a_port_another_station_listens_on() {
    let listen: std::net::SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let first = demo_station(1).await;
    let mut options = ServeOptions::new(BrokerChoice::Embedded(listen));
    options.broker_dir =
        Some(std::env::temp_dir().join(format!("redgrid-link-a-{}-{listen}", std::process::id())));
    let running = start(first.station.clone(), options.clone()).await.expect("the first station starts");
    let second = demo_station(1).await;
    options.broker_dir =
        Some(std::env::temp_dir().join(format!("redgrid-link-b-{}-{listen}", std::process::id())));
    let error = start(second.station.clone(), options).await.err().expect("the port is taken");
    assert!(error.to_string().contains("已被占用"), "{error}");
    assert!(second.station.managed_broker().is_none());
    running.stop().await;
    assert!(std::net::TcpStream::connect(listen).is_err(), "the first station's broker stopped with it");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Publishes raw bytes at QoS 1 from a sender of its own, as an NVR or a misbehaving client would.
async fn publish_raw(broker: &Mosquitto, topic: &str, payload: Vec<u8>) {
    let mut options =
        rumqttc::MqttOptions::new(format!("sender-{}", payload.len()), "127.0.0.1", broker.port);
    options.set_max_packet_size(128 * 1024 * 1024, 128 * 1024 * 1024);
    let (client, mut eventloop) = rumqttc::AsyncClient::new(options, 16);
    client.publish(topic, rumqttc::QoS::AtLeastOnce, false, payload).await.unwrap();
    let started = Instant::now();
    loop {
        match tokio::time::timeout(Duration::from_secs(5), eventloop.poll()).await {
            Ok(Ok(rumqttc::Event::Incoming(rumqttc::Packet::PubAck(_)))) => break,
            Ok(Ok(_)) => {}
            other => panic!("publishing to the test broker failed: {other:?}"),
        }
        assert!(started.elapsed() < Duration::from_secs(10), "no PUBACK");
    }
}

#[tokio::test]
async fn an_oversized_message_is_quarantined_and_the_station_carries_on() {
    let broker = Mosquitto::start(&MosquittoConfig::default()).expect("mosquitto must be installed");
    let (_t, s, running) = serving(&broker, Duration::from_secs(4)).await;
    let health = running.health.clone();
    wait_until("connected and subscribed", Duration::from_secs(20), || *health.borrow() == Health::Connected)
        .await;
    let cameras = s.store().cameras(&s.scheme()).await.unwrap();
    let topic = Topics::default().camera_alerts("nvr1");
    // Two megabytes where an alert is a few hundred bytes: a broken NVR, or someone testing the station.
    let mut huge = br#"{"v":1,"alert_id":"huge","camera":"x","kind":"crowd","confidence":0.9,"at":"2026-11-18T10:00:00+08:00","pad":""#.to_vec();
    huge.extend(std::iter::repeat_n(b'x', 2 * 1024 * 1024));
    huge.extend(br#""}"#);
    publish_raw(&broker, &topic, huge).await;
    let normal = serde_json::to_vec(&serde_json::json!({
        "v": 1, "alert_id": "after-huge", "camera": cameras[0].nvr_name, "kind": "crowd", "confidence": 0.9,
        "at": "2026-11-18T10:00:00+08:00"
    }))
    .unwrap();
    publish_raw(&broker, &topic, normal).await;
    let store = s.store().clone();
    let mut stored = false;
    for _ in 0..200 {
        if store.new_alert_count().await.unwrap() == 1 {
            stored = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(stored, "the alert after the oversized message is taken in");
    let quarantined = store.quarantine_list(10).await.unwrap();
    let big = quarantined.iter().find(|q| q.code == "too_large").expect("the oversized one is quarantined");
    assert_eq!(
        big.payload.len(),
        redgrid_store::feeds::QUARANTINE_KEEPS,
        "its first 4 KiB are kept, not 2 MiB"
    );
    assert!(big.payload_len.unwrap() > 2 * 1024 * 1024, "with its length");
    assert_eq!(big.payload_sha256.as_ref().map(String::len), Some(64), "and its SHA-256");
    assert_eq!(*health.borrow(), Health::Connected, "and the link stayed up");
    running.stop().await;
}
