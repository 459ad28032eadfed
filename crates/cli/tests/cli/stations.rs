//! Several stations on one PostgreSQL and one broker: two `redgrid serve` processes and two in-process
//! stations (one per station id) on a fresh database of the shared PostgreSQL, with a topic root of
//! their own on the shared Mosquitto (127.0.0.1:1883). The restart test runs a PostgreSQL cluster of its
//! own (`redgrid_store::pg_cluster`): the shared server is never stopped.

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redgrid_api::dispatch::DispatchChoice;
use redgrid_api::{ApiError, Station, StationConfig, SystemClock};
use redgrid_bus::topics::Topics;
use redgrid_core::closed_loop::{Actor, Command as LoopCommand, NewEvent, Role};
use redgrid_core::event::{Category, Severity, Source, Status};
use redgrid_store::pg_cluster::PgCluster;
use redgrid_store::watch::{watch_feed, WatchConfig};
use redgrid_store::{FeedSignal, QueueFilter, StoreError};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use serde_json::json;
use sqlx::Connection;

const MOSQUITTO_HOST: &str = "127.0.0.1";
const MOSQUITTO_PORT: u16 = 1883;

fn unique(tag: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{tag}_{}_{nanos}", std::process::id())
}

fn admin_url() -> String {
    std::env::var("REDGRID_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A fresh database on the shared PostgreSQL; dropped by [`Db::drop_now`] at the end of a passing test (a
/// failing one leaves it to look at).
struct Db {
    name: String,
    url: String,
}

impl Db {
    async fn create(tag: &str) -> Db {
        let admin = admin_url();
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL is required ({admin}): {e}"));
        let name = unique(&format!("redgrid_st_{tag}"));
        sqlx::raw_sql(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
        conn.close().await.ok();
        let base = admin.rsplit_once('/').map(|(base, _)| base.to_string()).unwrap_or(admin);
        Db { url: format!("{base}/{name}"), name }
    }

    async fn drop_now(self) {
        let mut conn = sqlx::PgConnection::connect(&admin_url()).await.unwrap();
        sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))
            .execute(&mut conn)
            .await
            .unwrap();
    }
}

fn seed(db: &str) {
    let seeded = tokio::task::block_in_place(|| crate::redgrid(&["demo", "seed", "--db", db, "--days", "1"]));
    assert!(seeded.status.success(), "demo seed: {}", crate::text(&seeded));
}

/// Topics no other test (or run) shares on the shared broker.
fn private_topics(tag: &str) -> Topics {
    let unique = unique(tag);
    Topics {
        root: format!("rgtest/{unique}/v1"),
        frigate_prefix: format!("rgtest/{unique}/frigate"),
        owntracks_prefix: format!("rgtest/{unique}/owntracks"),
    }
}

/// A `redgrid serve` process; its stderr goes to a log file beside the test, and with `--watch` its
/// stdout (one line per change it sees on the feed) comes back through `lines`.
struct Serve {
    child: Child,
    log: std::path::PathBuf,
    lines: Option<std::sync::mpsc::Receiver<String>>,
}

impl Serve {
    fn start(db: &str, station: &str, topics: &Topics, watch: bool) -> Serve {
        let log = std::env::temp_dir().join(format!("{station}.log"));
        let mut command = Command::new(env!("CARGO_BIN_EXE_redgrid"));
        command
            .args(["serve", "--db", db, "--station", station])
            .args(["--broker", &format!("mqtt://{MOSQUITTO_HOST}:{MOSQUITTO_PORT}")])
            .args(["--topic-root", &topics.root, "--frigate-prefix", &topics.frigate_prefix])
            .env("REDGRID_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(if watch { Stdio::piped() } else { Stdio::null() })
            .stderr(std::fs::File::create(&log).unwrap());
        if watch {
            command.arg("--watch");
        }
        let mut child = command.spawn().expect("redgrid serve starts");
        let lines = child.stdout.take().map(|stdout| {
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        return;
                    }
                }
            });
            rx
        });
        Serve { child, log, lines }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits for a line of `--watch` output containing `needle`.
    fn wait_for_line(&self, needle: &str, within: Duration) -> Option<String> {
        let lines = self.lines.as_ref().expect("started with --watch");
        let until = Instant::now() + within;
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            match tokio::task::block_in_place(|| lines.recv_timeout(left)) {
                Ok(line) if line.contains(needle) => return Some(line),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
        None
    }

    fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
        if !std::thread::panicking() {
            std::fs::remove_file(&self.log).ok();
        }
    }
}

/// Two stations on one seeded database: `serves[i]` runs headless as station `ids[i]`, `stations[i]` is
/// the same station id in this process (its outbox rows are published by `serves[i]`).
struct Pair {
    db: Db,
    topics: Topics,
    ids: [String; 2],
    serves: Vec<Serve>,
    stations: [Station; 2],
}

impl Pair {
    /// Station B's serve process runs with `--watch`, so what it sees of the feed can be read back.
    async fn start(tag: &str) -> Pair {
        let db = Db::create(tag).await;
        seed(&db.url);
        let topics = private_topics(tag);
        let suffix = unique("");
        let ids = [format!("st-a{suffix}"), format!("st-b{suffix}")];
        let serves = vec![
            Serve::start(&db.url, &ids[0], &topics, false),
            Serve::start(&db.url, &ids[1], &topics, true),
        ];
        let open = |id: &String| {
            let config = StationConfig { station_id: id.clone(), topics: topics.clone() };
            Station::open(&db.url, config, Arc::new(SystemClock))
        };
        let stations = [open(&ids[0]).await.unwrap(), open(&ids[1]).await.unwrap()];
        Pair { db, topics, ids, serves, stations }
    }

    fn logs(&self) -> String {
        self.serves.iter().map(Serve::log_text).collect::<Vec<_>>().join("\n---\n")
    }

    async fn finish(mut self) {
        for serve in &mut self.serves {
            assert!(serve.is_running(), "a serve process died:\n{}", serve.log_text());
        }
        self.serves.clear();
        for station in &self.stations {
            station.store().close().await;
        }
        self.db.drop_now().await;
    }
}

fn officer(station: &str, n: usize) -> Actor {
    Actor {
        id: format!("duty{n}@{station}"),
        name: format!("值班员{n}（{station}）"),
        role: Role::DutyOfficer,
        station: station.to_string(),
    }
}

/// Reports an event beside an on-duty worker and accepts it; returns its id and version.
async fn accepted_event(s: &Station, actor: &Actor, n: usize) -> (i64, i64) {
    let workers = s.store().workers(&s.scheme()).await.unwrap();
    let located: Vec<_> = workers.iter().filter(|w| w.on_duty && w.lat.is_some()).collect();
    let anchor = located[n % located.len()];
    let new = NewEvent {
        title: format!("村道有大树倒伏阻断交通（{n}）"),
        description: "群众来电：大树倒在村道上，车辆无法通行".into(),
        category: Category::Livelihood,
        severity: Severity::General,
        source: Source::ByHand,
        grid: anchor.worker.grids[0].clone(),
        lon: anchor.lon.map(|x| x + 0.004),
        lat: anchor.lat.map(|y| y + 0.003),
        address: "村道".into(),
        reporter: "来电群众".into(),
        drill: false,
    };
    let view = s.report(actor, new).await.unwrap();
    let id = view.stored.event.id;
    let accept = LoopCommand::Accept { category: None, severity: None, grid: None };
    let view = s.act(actor, id, Some(view.stored.event.version), accept).await.unwrap();
    (id, view.stored.event.version)
}

/// A clean-session subscriber on the shared broker; returns once the broker has acknowledged the
/// subscription, so nothing published afterwards is missed.
async fn subscriber(filter: &str) -> tokio::sync::mpsc::UnboundedReceiver<(String, Vec<u8>)> {
    let mut options = MqttOptions::new(unique("rg-sub"), MOSQUITTO_HOST, MOSQUITTO_PORT);
    options.set_keep_alive(Duration::from_secs(10));
    options.set_max_packet_size(1024 * 1024, 1024 * 1024);
    let (client, mut eventloop) = AsyncClient::new(options, 100);
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let (subscribed_tx, subscribed) = tokio::sync::oneshot::channel();
    let mut subscribed_tx = Some(subscribed_tx);
    let filter = filter.to_string();
    tokio::spawn(async move {
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    let client = client.clone();
                    let filter = filter.clone();
                    tokio::spawn(async move { client.subscribe(filter, QoS::AtLeastOnce).await });
                }
                Ok(Event::Incoming(Packet::SubAck(_))) => {
                    if let Some(done) = subscribed_tx.take() {
                        let _ = done.send(());
                    }
                }
                Ok(Event::Incoming(Packet::Publish(p))) => {
                    if tx.send((p.topic.clone(), p.payload.to_vec())).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    });
    tokio::time::timeout(Duration::from_secs(30), subscribed)
        .await
        .expect("the shared Mosquitto on 127.0.0.1:1883 must run")
        .unwrap();
    rx
}

/// One dispatch attempt's outcome.
struct Attempt {
    event: i64,
    station: usize,
    actor: Actor,
    read_version: i64,
    result: Result<i64, ApiError>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_dispatches_on_two_stations_have_one_winner_each_and_one_task_each() {
    const EVENTS: usize = 100;
    const ATTEMPTS: usize = 10;
    let pair = Pair::start("dispatch").await;
    let [a, b] = &pair.stations;
    let mut tasks = subscriber(&format!("{}/terminals/+/tasks", pair.topics.root)).await;

    let mut events = Vec::with_capacity(EVENTS);
    for n in 0..EVENTS {
        let station = if n % 2 == 0 { a } else { b };
        events.push(accepted_event(station, &officer(station.station_id(), 0), n).await.0);
    }

    // Every attempt reads the event (through its own station) before any attempt writes: then each loser
    // holds a stale version, and the only thing that can stop it is the version check.
    let barrier = Arc::new(tokio::sync::Barrier::new(EVENTS * ATTEMPTS));
    let mut handles = Vec::with_capacity(EVENTS * ATTEMPTS);
    for (e, &event) in events.iter().enumerate() {
        let candidates: Vec<String> =
            a.recommend(event, 3).await.unwrap().candidates.into_iter().map(|c| c.worker_id).collect();
        assert!(!candidates.is_empty(), "the demo has candidates for an event in a worker's grid");
        for k in 0..ATTEMPTS {
            let which = (e + k) % 2;
            let station = pair.stations[which].clone();
            let actor = officer(station.station_id(), k + 1);
            let barrier = barrier.clone();
            let worker = candidates[k % candidates.len()].clone();
            handles.push(tokio::spawn(async move {
                let view = station.event(event).await.unwrap();
                let read_version = view.stored.event.version;
                barrier.wait().await;
                let choice = DispatchChoice {
                    workers: vec![worker],
                    note: String::new(),
                    // Officers on two desks pick differently; the choice is recorded, never refused.
                    override_reason: Some("值班员另选".into()),
                };
                let result = station
                    .dispatch(&actor, event, Some(read_version), choice)
                    .await
                    .map(|v| v.stored.event.version);
                Attempt { event, station: which, actor, read_version, result }
            }));
        }
    }
    let started = Instant::now();
    let mut attempts = Vec::with_capacity(handles.len());
    for handle in handles {
        attempts.push(handle.await.unwrap());
    }
    eprintln!("{} dispatch attempts settled in {:.1} s", attempts.len(), started.elapsed().as_secs_f64());
    assert_eq!(attempts.len(), 1_000);

    let mut by_event: HashMap<i64, Vec<&Attempt>> = HashMap::new();
    for attempt in &attempts {
        by_event.entry(attempt.event).or_default().push(attempt);
    }
    let mut winners: HashMap<i64, (usize, String)> = HashMap::new();
    for (&event, tries) in &by_event {
        let won: Vec<&&Attempt> = tries.iter().filter(|t| t.result.is_ok()).collect();
        assert_eq!(won.len(), 1, "event {event}: exactly one winner of {}", tries.len());
        let winner = won[0];
        for attempt in tries.iter().filter(|t| t.result.is_err()) {
            match attempt.result.as_ref().unwrap_err() {
                ApiError::Store(StoreError::Conflict { id, expected, current, by }) => {
                    assert_eq!(*id, event);
                    assert_eq!(*expected, attempt.read_version);
                    assert_eq!(*current, attempt.read_version + 1, "one write happened in between");
                    assert_eq!(by, &winner.actor.name, "the conflict names who acted");
                    let message = attempt.result.as_ref().unwrap_err().to_string();
                    assert!(message.contains(&winner.actor.name), "and says it in Chinese: {message}");
                }
                other => {
                    panic!("event {event}: a loser got {other:?} ({}) instead of a conflict", other.code())
                }
            }
        }
        let stored = a.event(event).await.unwrap().stored;
        assert_eq!(stored.event.status, Status::Dispatched);
        assert_eq!(Some(stored.event.version), winner.result.as_ref().ok().copied());
        assert_eq!(stored.updated_by, winner.actor.name, "no lost update: the winner's write stands");
        let dispatches: Vec<_> =
            a.history(event).await.unwrap().into_iter().filter(|r| r.entry.command == "dispatch").collect();
        assert_eq!(dispatches.len(), 1, "event {event}: one dispatch in the audit trail");
        assert_eq!(dispatches[0].entry.station, pair.ids[winner.station]);
        winners.insert(event, (winner.station, winner.actor.name.clone()));
    }
    let won_by_b = winners.values().filter(|(s, _)| *s == 1).count();
    assert!(
        won_by_b > 0 && won_by_b < EVENTS,
        "both stations won some events (B won {won_by_b}), so both serve processes publish"
    );
    assert_eq!(a.store().verify_audit().await.unwrap().first_bad, None, "the audit chain verifies");

    // Each task is in exactly one outbox, the winner's, and leaves through that station's serve process.
    let pool = a.store().read_pool();
    let tasks_of: HashMap<i64, String> =
        sqlx::query_as::<_, (i64, String)>("SELECT event_id, task_id FROM dispatch_tasks")
            .fetch_all(pool)
            .await
            .unwrap()
            .into_iter()
            .filter(|(event, _)| winners.contains_key(event))
            .collect();
    assert_eq!(tasks_of.len(), EVENTS, "one task per event");
    let until = Instant::now() + Duration::from_secs(60);
    let outbox: Vec<(String, Vec<u8>, Option<i64>)> = loop {
        let rows: Vec<(String, Vec<u8>, Option<i64>)> = sqlx::query_as(
            "SELECT station, payload, published_at FROM outbox WHERE topic LIKE $1 ORDER BY id",
        )
        .bind(format!("{}/terminals/%/tasks", pair.topics.root))
        .fetch_all(pool)
        .await
        .unwrap();
        if rows.iter().all(|r| r.2.is_some()) || Instant::now() > until {
            break rows;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(outbox.iter().all(|r| r.2.is_some()), "every task was published:\n{}", pair.logs());
    let mut holders: HashMap<String, Vec<&str>> = HashMap::new();
    for (station, payload, _) in &outbox {
        let message: serde_json::Value = serde_json::from_slice(payload).unwrap();
        holders.entry(message["task_id"].as_str().unwrap().to_string()).or_default().push(station);
    }
    assert_eq!(outbox.len(), EVENTS, "one task message queued per event");
    for (event, task) in &tasks_of {
        let winner = pair.ids[winners[event].0].as_str();
        assert_eq!(
            holders.get(task),
            Some(&vec![winner]),
            "event {event}: only the winner's outbox holds {task}"
        );
    }

    let mut received: HashMap<String, usize> = HashMap::new();
    let until = Instant::now() + Duration::from_secs(60);
    while received.len() < EVENTS && Instant::now() < until {
        if let Ok(Some((_, payload))) = tokio::time::timeout(Duration::from_millis(500), tasks.recv()).await {
            let message: serde_json::Value = serde_json::from_slice(&payload).unwrap();
            *received.entry(message["task_id"].as_str().unwrap().to_string()).or_default() += 1;
        }
    }
    // Anything published twice would arrive right behind the first copy.
    let quiet = Instant::now() + Duration::from_secs(2);
    while let Some(left) = quiet.checked_duration_since(Instant::now()) {
        if let Ok(Some((_, payload))) = tokio::time::timeout(left, tasks.recv()).await {
            let message: serde_json::Value = serde_json::from_slice(&payload).unwrap();
            *received.entry(message["task_id"].as_str().unwrap().to_string()).or_default() += 1;
        }
    }
    for (event, task) in &tasks_of {
        assert_eq!(received.get(task), Some(&1), "event {event}: task {task} published exactly once");
    }
    assert_eq!(received.len(), EVENTS, "no other task was published");
    pair.finish().await;
}

/// Waits for the watcher's first resync (it has connected and listens), then returns the receiver.
async fn listening(station: &Station) -> tokio::sync::mpsc::Receiver<FeedSignal> {
    let mut signals = watch_feed(station.store(), WatchConfig::default());
    let first = tokio::time::timeout(Duration::from_secs(30), signals.recv()).await.unwrap();
    assert_eq!(first, Some(FeedSignal::Resync), "a watcher starts with a resync");
    signals
}

/// Waits until the watcher says the feed reached `seq`; returns how long after `started` that was.
async fn seen(
    signals: &mut tokio::sync::mpsc::Receiver<FeedSignal>,
    seq: i64,
    started: Instant,
) -> Option<Duration> {
    let wait = async {
        while let Some(signal) = signals.recv().await {
            if matches!(signal, FeedSignal::Moved(at) if at >= seq) {
                return Some(started.elapsed());
            }
        }
        None
    };
    tokio::time::timeout(Duration::from_secs(30), wait).await.ok().flatten()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_station_sees_the_others_changes_on_its_feed() {
    let pair = Pair::start("feed").await;
    let [a, b] = &pair.stations;
    let mut on_a = listening(a).await;
    let mut on_b = listening(b).await;

    // A change made through A reaches B's watcher, and B reads the entry from the feed.
    let cursor = b.store().feed_head().await.unwrap();
    let started = Instant::now();
    let (id, version) = accepted_event(a, &officer(a.station_id(), 1), 0).await;
    let head = a.store().feed_head().await.unwrap();
    let took = seen(&mut on_b, head, started).await.expect("B's watcher signals A's change");
    let entries = b.store().feed_since(cursor, 100).await.unwrap();
    assert!(
        entries.iter().any(|e| e.entity == "event" && e.entity_id == id.to_string() && e.version == version),
        "B reads A's change from the feed: {entries:?}"
    );
    eprintln!("A → B: report and accept at A, then B's watcher signalled: {} ms", took.as_millis());

    // And the other way round.
    let cursor = a.store().feed_head().await.unwrap();
    let started = Instant::now();
    let (id, version) = accepted_event(b, &officer(b.station_id(), 2), 1).await;
    let head = b.store().feed_head().await.unwrap();
    let took = seen(&mut on_a, head, started).await.expect("A's watcher signals B's change");
    let entries = a.store().feed_since(cursor, 100).await.unwrap();
    assert!(
        entries.iter().any(|e| e.entity == "event" && e.entity_id == id.to_string() && e.version == version),
        "A reads B's change from the feed: {entries:?}"
    );
    eprintln!("B → A: report and accept at B, then A's watcher signalled: {} ms", took.as_millis());

    // The headless station B (`redgrid serve --watch`, another process) prints the change made through A.
    let (other, _) = accepted_event(a, &officer(a.station_id(), 3), 2).await;
    let line = pair.serves[1].wait_for_line(&format!("事件 #{other} "), Duration::from_secs(30));
    assert!(line.is_some(), "serve --watch of station B printed A's event #{other}:\n{}", pair.logs());
    pair.finish().await;
}

fn native_alert(id: &str, camera: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({"v": 1, "alert_id": id, "camera": camera, "kind": "crowd",
        "confidence": 0.9, "at": "2026-11-18T22:40:00+08:00"}))
    .unwrap()
}

fn frigate_event(kind: &str, id: &str, camera: &str, frame_time: f64, end: Option<f64>) -> Vec<u8> {
    let after = json!({
        "id": id, "camera": camera, "frame_time": frame_time, "label": "person", "sub_label": null,
        "top_score": 0.91, "score": 0.88, "false_positive": false, "start_time": 1_763_460_000.0,
        "end_time": end, "current_zones": ["market_gate"], "entered_zones": ["market_gate"],
        "has_snapshot": true, "has_clip": true, "stationary": false, "motionless_count": 0
    });
    serde_json::to_vec(&json!({ "type": kind, "before": after, "after": after })).unwrap()
}

/// `(topic, payload)` messages.
type Messages = Vec<(String, Vec<u8>)>;

/// Native alerts and Frigate objects (new → update → end), tagged so that two rounds do not share keys;
/// with how many messages each alert (by the end of its key) gets.
fn alert_messages(topics: &Topics, camera: &str, tag: &str) -> (Messages, HashMap<String, i64>) {
    let mut messages = Vec::new();
    let mut expected = HashMap::new();
    for i in 0..20 {
        let id = format!("{tag}-native-{i}");
        messages.push((format!("{}/alerts/nvr1", topics.root), native_alert(&id, camera)));
        expected.insert(id, 1);
    }
    for i in 0..10 {
        let id = format!("{tag}-obj-{i}");
        let t = 1_763_460_000.0 + f64::from(i);
        let topic = format!("{}/events", topics.frigate_prefix);
        messages.push((topic.clone(), frigate_event("new", &id, camera, t + 1.0, None)));
        messages.push((topic.clone(), frigate_event("update", &id, camera, t + 5.0, None)));
        messages.push((topic, frigate_event("end", &id, camera, t + 9.0, Some(t + 10.0))));
        expected.insert(format!("frigate:{id}"), 3);
    }
    (messages, expected)
}

/// The stored alerts of one round: `(alert key, updates)`.
async fn stored_alerts(station: &Station, tag: &str) -> Vec<(String, i64)> {
    sqlx::query_as("SELECT alert_key, updates FROM camera_alerts WHERE alert_key LIKE $1 ORDER BY alert_key")
        .bind(format!("%{tag}-%"))
        .fetch_all(station.store().read_pool())
        .await
        .unwrap()
}

fn check_once(stored: &[(String, i64)], expected: &HashMap<String, i64>) {
    let mut keys: BTreeMap<&str, usize> = BTreeMap::new();
    for (key, _) in stored {
        *keys.entry(key.as_str()).or_default() += 1;
    }
    assert!(keys.values().all(|&n| n == 1), "one row per alert key: {keys:?}");
    assert_eq!(stored.len(), expected.len(), "every alert stored: {stored:?}");
    for (want, updates) in expected {
        let row = stored.iter().find(|(key, _)| key.ends_with(want.as_str()));
        let (key, got) = row.unwrap_or_else(|| panic!("alert {want} stored"));
        assert_eq!(got, updates, "{key}: each message applied once, by one station");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn alerts_ingested_by_every_station_are_stored_once() {
    let pair = Pair::start("alerts").await;
    let [a, b] = &pair.stations;
    let camera = a.store().cameras(&a.scheme()).await.unwrap().into_iter().next().unwrap().nvr_name;

    // In process: both stations take in every message at the same moment, in batches of five, in opposite
    // orders, as two stations subscribed to the same topics do.
    let (messages, expected) = alert_messages(&pair.topics, &camera, "direct");
    let batches: Vec<Messages> = messages.chunks(5).map(<[_]>::to_vec).collect();
    let mut runs = Vec::new();
    for (which, station) in [a, b].into_iter().enumerate() {
        let station = station.clone();
        let mut batches = batches.clone();
        if which == 1 {
            batches.reverse();
        }
        for batch in batches {
            let station = station.clone();
            runs.push(tokio::spawn(async move {
                let borrowed: Vec<(&str, &[u8])> =
                    batch.iter().map(|(t, p)| (t.as_str(), p.as_slice())).collect();
                station.ingest(&borrowed).await.unwrap()
            }));
        }
    }
    let (mut applied, mut duplicates, mut quarantined) = (0, 0, 0);
    for run in runs {
        let report = run.await.unwrap();
        applied += report.applied;
        duplicates += report.duplicates;
        quarantined += report.quarantined;
    }
    assert_eq!(quarantined, 0);
    assert_eq!(applied, messages.len(), "each message applied by exactly one station");
    assert_eq!(duplicates, messages.len(), "and recognised as a redelivery by the other");
    check_once(&stored_alerts(a, "direct").await, &expected);

    // Through the broker: both serve processes are subscribed to the same topics and receive everything.
    let mut presence = subscriber(&format!("{}/stations/+/presence", pair.topics.root)).await;
    let mut online: Vec<String> = Vec::new();
    let until = Instant::now() + Duration::from_secs(60);
    while online.len() < 2 {
        assert!(Instant::now() < until, "both serve processes came online ({online:?}):\n{}", pair.logs());
        if let Ok(Some((topic, payload))) =
            tokio::time::timeout(Duration::from_secs(1), presence.recv()).await
        {
            let id = pair.ids.iter().find(|id| topic.contains(id.as_str()));
            if let Some(id) = id.filter(|_| String::from_utf8_lossy(&payload).contains("online")) {
                if !online.contains(id) {
                    online.push(id.clone());
                }
            }
        }
    }
    // Each station subscribes right after its connection is acknowledged, a moment after it says it is
    // online; a message published before its subscription would pass it by.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (messages, expected) = alert_messages(&pair.topics, &camera, "broker");
    let mut options = MqttOptions::new(unique("rg-pub"), MOSQUITTO_HOST, MOSQUITTO_PORT);
    options.set_keep_alive(Duration::from_secs(10));
    let (client, mut eventloop) = AsyncClient::new(options, 200);
    let acks = Arc::new(Mutex::new(0usize));
    let poller = {
        let acks = acks.clone();
        tokio::spawn(async move {
            loop {
                match eventloop.poll().await {
                    Ok(Event::Incoming(Packet::PubAck(_))) => *acks.lock().unwrap() += 1,
                    Ok(_) => {}
                    Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
                }
            }
        })
    };
    for (topic, payload) in &messages {
        client.publish(topic, QoS::AtLeastOnce, false, payload.clone()).await.unwrap();
    }
    let until = Instant::now() + Duration::from_secs(60);
    while *acks.lock().unwrap() < messages.len() {
        assert!(Instant::now() < until, "the broker acknowledged every message");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let stored = stored_alerts(a, "broker").await;
        let updates: i64 = stored.iter().map(|(_, u)| u).sum();
        if updates >= expected.values().sum::<i64>() {
            break;
        }
        assert!(Instant::now() < until, "the stations stored the alerts: {stored:?}\n{}", pair.logs());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The slower station's copies arrive after the first station's: give them time to be refused.
    tokio::time::sleep(Duration::from_secs(2)).await;
    check_once(&stored_alerts(a, "broker").await, &expected);
    let ledger: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM inbound_messages WHERE topic LIKE $1")
        .bind(format!("rgtest/{}%", pair.topics.root.split('/').nth(1).unwrap()))
        .fetch_one(a.store().read_pool())
        .await
        .unwrap();
    assert_eq!(ledger as usize, 2 * messages.len(), "one ledger entry per message of the two rounds");
    poller.abort();
    pair.finish().await;
}

/// What a console shows, kept current from the feed: event versions by id, and where it has read to.
#[derive(Default)]
struct FeedView {
    cursor: i64,
    versions: BTreeMap<i64, i64>,
    resyncs: Vec<Instant>,
    errors: usize,
}

/// Applies one watcher signal the way a console does: a resync reloads everything, a move reads the
/// feed from the cursor.
async fn follow(station: &Station, view: &Mutex<FeedView>, signal: FeedSignal) -> Result<(), StoreError> {
    match signal {
        FeedSignal::Resync => {
            // The head first: anything committed after it is read again from the feed, which is harmless.
            let head = station.store().feed_head().await?;
            let rows: Vec<(i64, i64)> = sqlx::query_as("SELECT id, version FROM events")
                .fetch_all(station.store().read_pool())
                .await?;
            let mut view = view.lock().unwrap();
            view.versions = rows.into_iter().collect();
            view.cursor = head;
            view.resyncs.push(Instant::now());
        }
        FeedSignal::Moved(_) => loop {
            let cursor = view.lock().unwrap().cursor;
            let entries = station.store().feed_since(cursor, 500).await?;
            let Some(last) = entries.last().map(|e| e.seq) else { break };
            let mut view = view.lock().unwrap();
            for entry in entries.iter().filter(|e| e.entity == "event") {
                if let Ok(id) = entry.entity_id.parse::<i64>() {
                    let version = view.versions.entry(id).or_default();
                    *version = (*version).max(entry.version);
                }
            }
            view.cursor = last;
        },
    }
    Ok(())
}

fn console(station: Station) -> Arc<Mutex<FeedView>> {
    let view = Arc::new(Mutex::new(FeedView::default()));
    let mut signals = watch_feed(station.store(), WatchConfig::default());
    let shared = view.clone();
    tokio::spawn(async move {
        while let Some(signal) = signals.recv().await {
            if follow(&station, &shared, signal).await.is_err() {
                // The database is away; the watcher resyncs once its listener is back.
                shared.lock().unwrap().errors += 1;
            }
        }
    });
    view
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn restarting_postgresql_mid_run_both_stations_resync_agree_and_lose_nothing() {
    let mut cluster = tokio::task::block_in_place(PgCluster::start).expect("a private PostgreSQL cluster");
    let url = tokio::task::block_in_place(|| cluster.create_database("stations")).unwrap();
    seed(&url);
    let open = |id: &str| {
        let config = StationConfig { station_id: id.into(), ..StationConfig::default() };
        Station::open(&url, config, Arc::new(SystemClock))
    };
    let stations = [open("st-a").await.unwrap(), open("st-b").await.unwrap()];
    let views = [console(stations[0].clone()), console(stations[1].clone())];
    let until = Instant::now() + Duration::from_secs(30);
    while views.iter().any(|v| v.lock().unwrap().resyncs.is_empty()) {
        assert!(Instant::now() < until, "both watchers connected");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Writers on both stations: each reports an event through one station and accepts it through the
    // other, and remembers every write that returned Ok.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let oks: Arc<Mutex<Vec<(i64, i64, Instant)>>> = Arc::default();
    let failures = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut writers = Vec::new();
    for w in 0..2 {
        let (first, second) = (stations[w].clone(), stations[1 - w].clone());
        let (stop, oks, failures) = (stop.clone(), oks.clone(), failures.clone());
        writers.push(tokio::spawn(async move {
            let mut n = w;
            let workers = first.store().workers(&first.scheme()).await.unwrap();
            let grid = workers.iter().find(|w| w.on_duty).map(|w| w.worker.grids[0].clone()).unwrap();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let new = NewEvent {
                    title: format!("重启期间的来电（{n}）"),
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
                let reported = first.report(&officer(first.station_id(), w), new).await;
                match reported {
                    Ok(view) => {
                        let (id, version) = (view.stored.event.id, view.stored.event.version);
                        oks.lock().unwrap().push((id, version, Instant::now()));
                        let accept = LoopCommand::Accept { category: None, severity: None, grid: None };
                        match second.act(&officer(second.station_id(), w), id, Some(version), accept).await {
                            Ok(view) => {
                                oks.lock().unwrap().push((id, view.stored.event.version, Instant::now()))
                            }
                            Err(_) => {
                                failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            }
                        }
                    }
                    Err(_) => {
                        failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
                n += 2;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let restart_at = Instant::now();
    tokio::task::block_in_place(|| cluster.restart()).unwrap_or_else(|e| panic!("restart: {e}"));
    let restarted_at = Instant::now();
    eprintln!("PostgreSQL restarted in {} ms", (restarted_at - restart_at).as_millis());
    let until = Instant::now() + Duration::from_secs(60);
    while oks.lock().unwrap().iter().filter(|(_, _, at)| *at > restarted_at).count() < 20 {
        assert!(Instant::now() < until, "writes succeed again after the restart");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for writer in writers {
        writer.await.unwrap();
    }
    let oks = oks.lock().unwrap().clone();
    let before = oks.iter().filter(|(_, _, at)| *at < restart_at).count();
    eprintln!(
        "{} writes returned Ok ({before} before the restart), {} failed",
        oks.len(),
        failures.load(std::sync::atomic::Ordering::Relaxed)
    );
    assert!(before > 0, "writes ran before the restart");

    // A watcher reconnects with backoff, so its resync may come a little after the first writes succeed.
    let until = Instant::now() + Duration::from_secs(30);
    for (which, view) in views.iter().enumerate() {
        while !view.lock().unwrap().resyncs.iter().any(|at| *at > restart_at) {
            assert!(
                Instant::now() < until,
                "station {which}'s watcher signalled a resync after the reconnect"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    // Both consoles catch up with the same head and show the same events at the same versions, which are
    // the database's.
    let head = stations[0].store().feed_head().await.unwrap();
    assert_eq!(stations[1].store().feed_head().await.unwrap(), head, "both stations read one feed head");
    let until = Instant::now() + Duration::from_secs(30);
    while views.iter().any(|v| v.lock().unwrap().cursor < head) {
        assert!(Instant::now() < until, "both consoles caught up with the feed head {head}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let truth: BTreeMap<i64, i64> = sqlx::query_as::<_, (i64, i64)>("SELECT id, version FROM events")
        .fetch_all(stations[0].store().read_pool())
        .await
        .unwrap()
        .into_iter()
        .collect();
    for (which, view) in views.iter().enumerate() {
        let view = view.lock().unwrap();
        assert_eq!(view.versions, truth, "station {which}'s console shows every event at its stored version");
    }
    let queue = |s: &Station| {
        let s = s.clone();
        async move {
            let (events, total) = s.queue(&QueueFilter::default(), 0, 10_000).await.unwrap();
            let rows: Vec<(i64, i64)> =
                events.iter().map(|e| (e.stored.event.id, e.stored.event.version)).collect();
            (rows, total)
        }
    };
    assert_eq!(queue(&stations[0]).await, queue(&stations[1]).await, "both stations show one open queue");

    // No write that returned Ok is lost: its event is there at least at that version, with its audit.
    for (id, version, _) in &oks {
        let stored = truth.get(id).copied();
        assert!(
            stored.is_some_and(|v| v >= *version),
            "event {id} v{version} survived the restart: {stored:?}"
        );
        let history = stations[1].history(*id).await.unwrap();
        assert!(history.len() as i64 >= *version, "event {id}: every Ok write has its audit record");
    }
    assert_eq!(stations[0].store().verify_audit().await.unwrap().first_bad, None);
    for station in &stations {
        station.store().close().await;
    }
    tokio::task::block_in_place(|| drop(cluster));
}
