//! The headless station against real brokers: killed mid-stream, its broker restarted, flooded with bad
//! input. Each test runs a Mosquitto of its own (the shared one on 1883 is never stopped).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use redgrid_bus::mosquitto::{Mosquitto, MosquittoConfig};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use serde_json::json;
use sqlx::Connection;

struct Serve {
    child: Child,
}

impl Serve {
    fn start(db: &str, broker: &str) -> Serve {
        let child = Command::new(env!("CARGO_BIN_EXE_redgrid"))
            .args(["serve", "--db", db, "--broker", broker, "--station", "feeds-test"])
            .env("REDGRID_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redgrid serve starts");
        Serve { child }
    }

    fn kill(&mut self) {
        // Child::kill is SIGKILL: no chance to finish a batch or say goodbye.
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn alert(id: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({"v": 1, "alert_id": id, "camera": "t101_market_1", "kind": "crowd",
        "confidence": 0.9, "at": "2026-11-18T22:40:00+08:00"}))
    .unwrap()
}

/// A publisher that keeps its session (so unacknowledged messages are resent after a broker restart) and
/// counts acknowledgements.
fn publisher(port: u16, id: &str) -> (AsyncClient, tokio::sync::mpsc::UnboundedReceiver<()>) {
    let mut options = MqttOptions::new(id, "127.0.0.1", port);
    options.set_clean_session(false);
    options.set_keep_alive(Duration::from_secs(5));
    options.set_max_packet_size(1024 * 1024, 1024 * 1024);
    options.set_inflight(100);
    let (client, mut eventloop) = AsyncClient::new(options, 1000);
    let (acks, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::PubAck(_))) => {
                    let _ = acks.send(());
                }
                Ok(_) => {}
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    });
    (client, rx)
}

struct Counts {
    alerts: i64,
    applied: i64,
    quarantined: i64,
}

async fn counts(db: &str) -> Counts {
    sqlx::any::install_default_drivers();
    let Ok(mut conn) = sqlx::AnyConnection::connect(&format!("{db}?mode=ro")).await else {
        return Counts { alerts: 0, applied: 0, quarantined: 0 };
    };
    let alerts: (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), CAST(COALESCE(SUM(updates), 0) AS BIGINT) FROM camera_alerts")
            .fetch_one(&mut conn)
            .await
            .unwrap_or((0, 0));
    let quarantined: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM quarantine").fetch_one(&mut conn).await.unwrap_or(0);
    Counts { alerts: alerts.0, applied: alerts.1, quarantined }
}

async fn wait_for(db: &str, what: &str, deadline: Duration, done: impl Fn(&Counts) -> bool) -> Counts {
    let until = Instant::now() + deadline;
    loop {
        let c = counts(db).await;
        if done(&c) {
            return c;
        }
        assert!(
            Instant::now() < until,
            "{what}: alerts {} (applied {}), quarantined {}",
            c.alerts,
            c.applied,
            c.quarantined
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Publishes probes until the station has stored one: from then on its session (and subscriptions) exist at
/// the broker, and everything published reaches it, running or not.
async fn wait_until_subscribed(client: &AsyncClient, db: &str) {
    let until = Instant::now() + Duration::from_secs(30);
    let mut n = 0;
    while counts(db).await.alerts == 0 {
        assert!(Instant::now() < until, "the station never took in a probe");
        client
            .publish("redgrid/v1/alerts/probe", QoS::AtLeastOnce, false, alert(&format!("probe-{n}")))
            .await
            .unwrap();
        n += 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn temp_db(tag: &str) -> (std::path::PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("redgrid_feeds_{tag}_{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}", dir.join("station.db").display());
    (dir, db)
}

async fn stream(
    client: &AsyncClient,
    acks: &mut tokio::sync::mpsc::UnboundedReceiver<()>,
    prefix: &str,
    n: usize,
) {
    for i in 0..n {
        client
            .publish("redgrid/v1/alerts/nvr1", QoS::AtLeastOnce, false, alert(&format!("{prefix}-{i}")))
            .await
            .unwrap();
    }
    let until = Instant::now() + Duration::from_secs(120);
    let mut acked = 0;
    while acked < n {
        assert!(Instant::now() < until, "the broker acknowledged {acked} of {n}");
        if tokio::time::timeout(Duration::from_secs(1), acks.recv()).await.is_ok_and(|a| a.is_some()) {
            acked += 1;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_station_killed_mid_stream_stores_every_alert_exactly_once() {
    let broker = Mosquitto::start(&MosquittoConfig::default()).expect("mosquitto starts");
    let (dir, db) = temp_db("kill");
    let mut serve = Serve::start(&db, &broker.url());
    let (client, mut acks) = publisher(broker.port, "feeds-kill-publisher");
    wait_until_subscribed(&client, &db).await;
    let probes = counts(&db).await.alerts;
    let sender = {
        let client = client.clone();
        tokio::spawn(async move { stream(&client, &mut acks, "kill", 20_000).await })
    };
    wait_for(&db, "some alerts stored before the kill", Duration::from_secs(60), |c| {
        c.alerts >= probes + 3_000
    })
    .await;
    serve.kill();
    let at_kill = counts(&db).await.alerts;
    let mut serve = Serve::start(&db, &broker.url());
    sender.await.unwrap();
    let done = wait_for(&db, "every alert after the restart", Duration::from_secs(120), |c| {
        c.alerts >= 20_000 + probes
    })
    .await;
    assert!(at_kill < 20_000 + probes, "the kill landed mid-stream ({at_kill} stored)");
    assert_eq!(done.alerts, 20_000 + probes, "none lost, none doubled (alert ids are unique keys)");
    assert_eq!(
        done.applied, done.alerts,
        "no alert was applied twice: redeliveries after the kill were recognised"
    );
    assert!(serve.is_running());
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_restart_mid_stream_loses_nothing() {
    let mut broker =
        Mosquitto::start(&MosquittoConfig { persistence: true, ..MosquittoConfig::default() }).unwrap();
    let (dir, db) = temp_db("restart");
    let mut serve = Serve::start(&db, &broker.url());
    let (client, mut acks) = publisher(broker.port, "feeds-restart-publisher");
    wait_until_subscribed(&client, &db).await;
    let probes = counts(&db).await.alerts;
    let sender = {
        let client = client.clone();
        tokio::spawn(async move { stream(&client, &mut acks, "restart", 20_000).await })
    };
    wait_for(&db, "some alerts before the restart", Duration::from_secs(60), |c| c.alerts >= probes + 3_000)
        .await;
    tokio::task::block_in_place(|| broker.restart()).expect("the broker comes back on its port");
    sender.await.unwrap();
    let done = wait_for(&db, "every alert after the broker restart", Duration::from_secs(120), |c| {
        c.alerts >= 20_000 + probes
    })
    .await;
    assert_eq!(done.alerts, 20_000 + probes, "the station reconnected and nothing was lost");
    assert_eq!(done.applied, done.alerts, "and nothing was applied twice");
    assert!(serve.is_running(), "the station rode out the broker restart");
    std::fs::remove_dir_all(dir).ok();
}

/// Deterministic bad payloads, each certain to be refused.
fn malformed(i: usize) -> Vec<u8> {
    let good = alert(&format!("bad-{i}"));
    match i % 7 {
        0 => good[..(i * 7919) % (good.len() - 1)].to_vec(),
        1 => serde_json::to_vec(
            &json!({"v": 1, "alert_id": format!("bad-{i}"), "camera": "c", "kind": "crowd",
            "confidence": "high", "at": "2026-11-18T22:40:00+08:00"}),
        )
        .unwrap(),
        2 => [&[0xff, 0xfe, 0xfd][..], &good].concat(),
        3 => serde_json::to_vec(&json!({"v": 1, "camera": "c", "kind": "crowd", "confidence": 0.5,
            "at": "2026-11-18T22:40:00+08:00"}))
        .unwrap(),
        4 => serde_json::to_vec(
            &json!({"v": 2, "alert_id": format!("bad-{i}"), "camera": "c", "kind": "crowd",
            "confidence": 0.5, "at": "2026-11-18T22:40:00+08:00"}),
        )
        .unwrap(),
        5 => {
            serde_json::to_vec(&json!({"_type": "location", "lat": 23.1, "lon": 109.7, "tst": 1_763_460_000}))
                .unwrap()
        }
        _ if i % 500 == 6 => format!("{{\"v\":1,\"alert_id\":\"{}\"}}", "x".repeat(300 * 1024)).into_bytes(),
        _ => serde_json::to_vec(&json!([1, 2, {"deep": [[[[[[[[[[[]]]]]]]]]]]}])).unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_bad_payloads_are_quarantined_and_good_traffic_still_arrives() {
    let broker = Mosquitto::start(&MosquittoConfig::default()).unwrap();
    let (dir, db) = temp_db("bad");
    let mut serve = Serve::start(&db, &broker.url());
    let (client, mut acks) = publisher(broker.port, "feeds-bad-publisher");
    wait_until_subscribed(&client, &db).await;
    let probes = counts(&db).await.alerts;
    let mut sent = 0;
    for i in 0..10_000 {
        client.publish("redgrid/v1/alerts/nvr1", QoS::AtLeastOnce, false, malformed(i)).await.unwrap();
        sent += 1;
        if i % 10 == 0 {
            client
                .publish("redgrid/v1/alerts/nvr1", QoS::AtLeastOnce, false, alert(&format!("good-{i}")))
                .await
                .unwrap();
            sent += 1;
        }
    }
    let until = Instant::now() + Duration::from_secs(120);
    let mut acked = 0;
    while acked < sent {
        assert!(Instant::now() < until, "acknowledged {acked} of {sent}");
        if tokio::time::timeout(Duration::from_secs(1), acks.recv()).await.is_ok_and(|a| a.is_some()) {
            acked += 1;
        }
    }
    let done = wait_for(&db, "bad and good traffic", Duration::from_secs(120), |c| {
        c.quarantined >= 10_000 && c.alerts >= probes + 1_000
    })
    .await;
    assert_eq!(done.quarantined, 10_000, "every bad payload is quarantined, each once");
    assert_eq!(done.alerts, probes + 1_000, "the good alerts between them all arrived");
    assert!(serve.is_running(), "no panic");
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn serve_stops_cleanly_on_sigterm_as_a_service_manager_stops_it() {
    let broker = Mosquitto::start(&MosquittoConfig::default()).expect("mosquitto must be installed");
    let dir = std::env::temp_dir().join(format!("redgrid-sigterm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}", dir.join("r.db").display());
    let seeded = Command::new(env!("CARGO_BIN_EXE_redgrid"))
        .args(["demo", "seed", "--db", &db, "--days", "1"])
        .output()
        .unwrap();
    assert!(seeded.status.success());
    let mut serve = Serve::start(&db, &broker.url());
    // Wait until the station announced itself (retained presence online).
    let presence = "redgrid/v1/stations/feeds-test/presence";
    let read_presence = || async {
        let mut options = MqttOptions::new(
            format!("watch-{}", Instant::now().elapsed().as_nanos()),
            "127.0.0.1",
            broker.port,
        );
        options.set_clean_session(true);
        let (client, mut eventloop) = AsyncClient::new(options, 10);
        client.subscribe(presence, QoS::AtLeastOnce).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Ok(Event::Incoming(Packet::Publish(p)))) =
                tokio::time::timeout(Duration::from_millis(500), eventloop.poll()).await
            {
                return Some(String::from_utf8_lossy(&p.payload).into_owned());
            }
        }
        None
    };
    let started = Instant::now();
    loop {
        if read_presence().await.is_some_and(|p| p.contains("online")) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the station never came online");
    }
    let pid = serve.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let stopping = Instant::now();
    let status = loop {
        if let Some(status) = serve.child.try_wait().unwrap() {
            break status;
        }
        assert!(stopping.elapsed() < Duration::from_secs(20), "redgrid serve did not stop on SIGTERM");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "a stop requested by SIGTERM is a clean exit: {status:?}");
    assert!(!serve.is_running());
    assert!(
        read_presence().await.is_some_and(|p| p.contains("offline")),
        "the broker tells the others it left"
    );
    std::fs::remove_dir_all(&dir).ok();
}
