//! The simulator: the demo township's cameras and worker terminals, and its residents, over MQTT.
//!
//! It speaks only through the broker, exactly as real senders do, so everything it does exercises the
//! station's real ingest: Frigate NVR events (new → update → end, with reviews), native camera alerts,
//! residents' reports, worker terminals that move about their grids (native app or OwnTracks), take the
//! tasks the station dispatches, acknowledge, travel, arrive and report back. A few terminals never
//! acknowledge, so the no-acknowledgement path is exercised too. At a response level with a cadence one grid
//! leader of each village sends its zero report (零报告), and again when reminded; the villages of
//! `zero_report_silent_villages` never do, so a missing village can be seen.
//!
//! Everything it generates comes from one seeded generator (and per-task generators seeded from it and
//! the task id), so a seed gives the same sequence of messages; only the wall-clock instants differ.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use redgrid_bus::client::{connect, MqttConfig};
use redgrid_bus::payload::{
    decode_outbound, encode_camera_alert, encode_report, encode_terminal_ack, encode_terminal_arrive,
    encode_terminal_feedback, encode_terminal_location, encode_zero_report, AckTarget, AlertKind, Broadcast,
    CameraAlert, GeoPoint, Outbound, Report, TaskMessage, TerminalAck, TerminalArrive, TerminalFeedback,
    TerminalLocation, ZeroReport,
};
use redgrid_bus::topics::{BroadcastKind, TerminalChannel, Topics};
use serde_json::json;
use tokio::sync::watch;
use tokio::time::Instant;

use redgrid_core::dispatch::{great_circle_km, GeoPoint as GeoPoint2};

use redgrid_api::{stable_hash, ApiError, Result, Station};

/// Rates and pace.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub seed: u64,
    /// Camera alerts per minute over all cameras (Frigate and native together).
    pub alerts_per_minute: f64,
    /// Share of camera alerts sent by Frigate NVRs; the rest in the native format.
    pub frigate_share: f64,
    /// Residents' reports per minute.
    pub reports_per_minute: f64,
    /// How many times faster than real life workers acknowledge, travel and handle (1 = real time).
    pub pace: f64,
    /// Seconds between location fixes of an idle terminal.
    pub location_every_s: f64,
    /// Share of tasks a terminal never acknowledges.
    pub no_ack_share: f64,
    /// Stop after this long; `None` runs until shut down.
    pub duration: Option<Duration>,
    /// Workers whose terminals never answer a call-up (a silent A whose B is called).
    pub callup_silent: Vec<String>,
    /// Share of call-ups answered "unavailable"; of the rest, `callup_ignore_share` are never answered.
    pub callup_unavailable_share: f64,
    pub callup_ignore_share: f64,
    /// Villages (12-digit codes) whose grid leaders never send a zero report, so one can go missing.
    pub zero_report_silent_villages: Vec<String>,
    /// The broker login the simulator connects with (the managed broker's privileged one, or a login
    /// of an external broker); `None` on a broker that takes anyone.
    pub broker_login: Option<redgrid_bus::client::BrokerLogin>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 1,
            // What a township of some fifty cameras sees on an ordinary night: a couple of dozen alerts and a
            // handful of residents' reports an hour. Load tests raise them (`--alerts-per-minute`).
            alerts_per_minute: 0.4,
            frigate_share: 0.5,
            reports_per_minute: 0.1,
            pace: 10.0,
            location_every_s: 30.0,
            no_ack_share: 0.03,
            duration: None,
            callup_silent: Vec::new(),
            callup_unavailable_share: 0.1,
            callup_ignore_share: 0.03,
            zero_report_silent_villages: Vec::new(),
            broker_login: None,
        }
    }
}

/// What the simulator has sent and answered, for its summary line and for tests.
#[derive(Debug, Default)]
pub struct SimCounters {
    pub frigate_objects: AtomicU64,
    pub native_alerts: AtomicU64,
    pub reports: AtomicU64,
    pub tasks_received: AtomicU64,
    pub acks: AtomicU64,
    pub arrivals: AtomicU64,
    pub feedbacks: AtomicU64,
    pub locations: AtomicU64,
    pub offline_wills: AtomicU64,
    pub callups_received: AtomicU64,
    pub callup_answers: AtomicU64,
    pub zero_reports: AtomicU64,
}

impl SimCounters {
    pub fn summary_zh(&self) -> String {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        format!(
            "模拟器：Frigate 目标 {}，原生告警 {}，群众上报 {}，收到任务 {}，签收 {}，到场 {}，反馈 {}，定位 {}",
            g(&self.frigate_objects),
            g(&self.native_alerts),
            g(&self.reports),
            g(&self.tasks_received),
            g(&self.acks),
            g(&self.arrivals),
            g(&self.feedbacks),
            g(&self.locations),
        )
    }
}

#[derive(Debug, Clone)]
struct SimCamera {
    nvr_name: String,
    near_water: bool,
}

#[derive(Debug, Clone)]
struct SimWorker {
    id: String,
    owntracks_user: Option<String>,
    position: (f64, f64),
    home: (f64, f64),
    /// The village whose grid leader (网格长) this worker is.
    leads_village: Option<String>,
}

#[derive(Debug, Clone)]
struct SimGrid {
    code: String,
    name: String,
    centre: (f64, f64),
}

/// The township as the simulator sees it: read once from the station's store.
#[derive(Debug, Clone)]
pub struct SimWorld {
    cameras: Vec<SimCamera>,
    workers: Vec<SimWorker>,
    grids: Vec<SimGrid>,
    /// Who sends each village's zero report: its first grid leader (worker index, village code).
    zero_reporters: Vec<(usize, String)>,
    /// Hours between zero reports per response level key, from the station's ladder.
    zero_report_hours: HashMap<String, i64>,
    /// Where a drill's 失联 workers are read from: their terminals stay silent while it runs.
    store: redgrid_api::store::Store,
}

impl SimWorld {
    pub async fn load(station: &Station) -> Result<SimWorld> {
        // Simulated terminals acknowledge and "handle" whatever task they are sent: never a real one.
        if !station.is_demo().await? {
            return Err(ApiError::Forbidden(
                "该数据库不是演示数据库：模拟器只能用于演示数据生成的数据库".into(),
            ));
        }
        let scheme = station.scheme();
        let village_len = scheme.level(scheme.village_depth()).map_or(12, |l| l.code_len);
        let store = station.store();
        let cameras: Vec<SimCamera> = store
            .cameras(&scheme)
            .await?
            .into_iter()
            .enumerate()
            .map(|(i, c)| SimCamera {
                near_water: c.name.contains('河') || c.name.contains('塘') || i % 7 == 3,
                nvr_name: c.nvr_name,
            })
            .collect();
        let grids: Vec<SimGrid> = store
            .grid_tree(i64::MAX)
            .await?
            .into_iter()
            .filter_map(|g| Some(SimGrid { centre: (g.lat?, g.lon?), code: g.code, name: g.name }))
            .collect();
        let workers: Vec<SimWorker> = store
            .workers(&scheme)
            .await?
            .into_iter()
            .filter_map(|w| {
                let home = match (w.lat, w.lon) {
                    (Some(lat), Some(lon)) => (lat, lon),
                    _ => {
                        grids
                            .iter()
                            .find(|g| w.worker.grids.first().is_some_and(|c| c.as_str() == g.code))?
                            .centre
                    }
                };
                let leads_village = w
                    .worker
                    .is_grid_leader()
                    .then(|| w.worker.grids.first().map(|g| g.as_str().chars().take(village_len).collect()))
                    .flatten();
                Some(SimWorker {
                    id: w.worker.id,
                    owntracks_user: w.worker.owntracks_user,
                    position: home,
                    home,
                    leads_village,
                })
            })
            .collect();
        if cameras.is_empty() || grids.is_empty() || workers.is_empty() {
            return Err(ApiError::Invalid(
                "数据库中没有摄像头、网格或网格员，模拟器无事可做：请先运行 redgrid demo seed".into(),
            ));
        }
        let mut zero_reporters: Vec<(usize, String)> = Vec::new();
        for (index, worker) in workers.iter().enumerate() {
            let Some(village) = &worker.leads_village else { continue };
            match zero_reporters.iter_mut().find(|(_, v)| v == village) {
                Some(first) if workers[first.0].id > worker.id => first.0 = index,
                Some(_) => {}
                None => zero_reporters.push((index, village.clone())),
            }
        }
        zero_reporters.sort_by(|a, b| a.1.cmp(&b.1));
        let zero_report_hours = station
            .ladder()
            .levels()
            .iter()
            .filter_map(|l| Some((l.key.clone(), l.zero_report_hours?)))
            .collect();
        Ok(SimWorld {
            cameras,
            workers,
            grids,
            zero_reporters,
            zero_report_hours,
            store: station.store().clone(),
        })
    }

    pub fn camera_count(&self) -> usize {
        self.cameras.len()
    }

    pub fn worker_count(&self) -> usize {
        self.workers.len()
    }
}

/// Something due later. A zero report's `cadence` is the round of the level it belongs to (a report of a
/// level since left is dropped), `repeat` whether the next one is scheduled after it (a reminder's answer
/// is not).
#[derive(Debug, Clone)]
enum Due {
    FrigateUpdate { object: FrigateObject },
    FrigateEnd { object: FrigateObject },
    Ack { worker: usize, task: TaskMessage },
    Step { worker: usize, task: TaskMessage, target: (f64, f64) },
    Feedback { worker: usize, task: TaskMessage },
    BackOnline { worker: usize },
    CallupAnswer { worker: usize, callup_id: String, available: bool },
    ZeroReport { reporter: usize, cadence: u64, repeat: bool },
}

#[derive(Debug, Clone)]
struct FrigateObject {
    id: String,
    camera: String,
    label: String,
    zones: Vec<String>,
    start: f64,
    score: f64,
    review: bool,
}

struct Scheduler {
    heap: BinaryHeap<Reverse<(Instant, u64)>>,
    items: HashMap<u64, Due>,
    next: u64,
}

impl Scheduler {
    fn new() -> Scheduler {
        Scheduler { heap: BinaryHeap::new(), items: HashMap::new(), next: 0 }
    }

    fn at(&mut self, when: Instant, due: Due) {
        self.next += 1;
        self.heap.push(Reverse((when, self.next)));
        self.items.insert(self.next, due);
    }

    fn next_instant(&self) -> Option<Instant> {
        self.heap.peek().map(|Reverse((at, _))| *at)
    }

    fn pop_due(&mut self, now: Instant) -> Option<Due> {
        let Reverse((at, id)) = *self.heap.peek()?;
        if at > now {
            return None;
        }
        self.heap.pop();
        self.items.remove(&id)
    }
}

/// A delay drawn from an exponential distribution with this mean, in seconds.
fn exp_secs(rng: &mut impl Rng, mean: f64) -> f64 {
    -mean * (1.0 - rng.gen::<f64>()).ln()
}

fn epoch(at: DateTime<Utc>) -> f64 {
    at.timestamp_millis() as f64 / 1000.0
}

const REPORT_TEXTS: &[(&str, &str)] = &[
    ("dispute.neighbours", "邻居在公共过道堆放杂物，多次协商未果，请网格员帮忙调解"),
    ("dispute.land", "两户因田边水渠放水问题发生争吵"),
    ("environment", "村口垃圾收集点已满，三天没有清运，气味很大"),
    ("livelihood", "村道路灯坏了好几盏，晚上出行不安全"),
    ("public_order", "晚上有人在村委旁边聚集喝酒喧哗"),
    ("safety", "河边护栏松动，小孩经常在附近玩耍"),
    ("livelihood", "独居老人家里断水两天，请帮忙联系维修"),
    ("public_order", "圩日市场门口车辆乱停，道路堵塞"),
];

const FEEDBACK_TEXTS: &[&str] = &[
    "已到现场核实，情况属实，已现场处置完毕，群众表示满意。",
    "已到现场，与当事人沟通，已劝离并做好登记，后续持续关注。",
    "现场查看后已联系村委和相关部门，问题已解决，拍照留存。",
    "经核实为误报，现场无异常，已向群众做好解释。",
];

/// Runs until `shutdown` turns true or the configured duration passes; returns the counters.
pub async fn run(
    world: SimWorld,
    topics: Topics,
    broker_url: &str,
    config: SimConfig,
    mut shutdown: watch::Receiver<bool>,
    counters: Arc<SimCounters>,
) -> Result<()> {
    // One client id per seed and topic root: a stable id keeps the broker session across restarts, and
    // two simulators on one broker must not take over each other's session.
    let client_id = format!("redgrid-sim-{}-{:x}", config.seed, stable_hash(&topics.root) & 0xffff_ffff);
    let mut mqtt =
        MqttConfig::from_url(broker_url, &client_id).map_err(|e| ApiError::Invalid(e.to_string()))?;
    if let Some(login) = &config.broker_login {
        mqtt = mqtt.with_password(Some(&login.username), login.password.clone());
    }
    mqtt.subscriptions = vec![
        topics.terminal_tasks("+"),
        topics.terminal("+", TerminalChannel::Callup),
        topics.terminal("+", TerminalChannel::Notice),
        // Retained: the level in force arrives at once, and so does every switch.
        topics.broadcast(BroadcastKind::Mode),
    ];
    let mut link = connect(mqtt);
    // One stream per kind of traffic, so that what each sends depends on the seed alone, not on how the
    // streams interleave in wall-clock time.
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut report_rng = ChaCha8Rng::seed_from_u64(config.seed ^ 0x5eed_0001);
    let mut walk_rng = ChaCha8Rng::seed_from_u64(config.seed ^ 0x5eed_0002);
    let mut world = world;
    let by_id: HashMap<String, usize> =
        world.workers.iter().enumerate().map(|(i, w)| (w.id.clone(), i)).collect();
    let mut offline: HashSet<usize> = HashSet::new();
    let mut busy: HashSet<usize> = HashSet::new();
    let mut seen_tasks: HashSet<String> = HashSet::new();
    let mut scheduler = Scheduler::new();
    let pace = config.pace.max(0.01);
    let started = Instant::now();
    let mut serial: u64 = 0;
    let mut report_serial: u64 = 0;
    // The level in force (by the retained broadcast), its zero-report period in simulated time, and a
    // counter that tells the rounds of successive levels apart.
    let mut zero_level: Option<String> = None;
    let mut zero_period: Option<Duration> = None;
    let mut zero_cadence: u64 = 0;
    let mut zero_rng = ChaCha8Rng::seed_from_u64(config.seed ^ 0x5eed_0003);
    let reporter_of: HashMap<usize, usize> =
        world.zero_reporters.iter().enumerate().map(|(i, (worker, _))| (*worker, i)).collect();

    let publish = |link: &redgrid_bus::client::Link, topic: String, payload: Vec<u8>, retain: bool| {
        let client = link.client.clone();
        async move {
            if let Err(error) = client.publish(topic, rumqttc::QoS::AtLeastOnce, retain, payload).await {
                tracing::warn!(%error, "simulator publish failed");
            }
        }
    };
    publish(&link, topics.frigate_available(), b"online".to_vec(), true).await;

    let next_gap = |rng: &mut ChaCha8Rng, per_minute: f64| -> Duration {
        if per_minute <= 0.0 {
            Duration::from_secs(3600 * 24 * 365)
        } else {
            Duration::from_secs_f64(exp_secs(rng, 60.0 / per_minute))
        }
    };
    let mut next_alert = Instant::now() + next_gap(&mut rng, config.alerts_per_minute);
    let mut next_report = Instant::now() + next_gap(&mut report_rng, config.reports_per_minute);
    let location_every = Duration::from_secs_f64(config.location_every_s.max(1.0));
    let mut next_locations = Instant::now() + Duration::from_millis(500);
    // A drill's 失联 workers, read every couple of seconds: their terminals answer nothing while it runs.
    let mut unreachable: HashSet<String> = HashSet::new();
    let mut next_drill_check = Instant::now();

    loop {
        if let Some(limit) = config.duration {
            if started.elapsed() >= limit {
                break;
            }
        }
        if Instant::now() >= next_drill_check {
            next_drill_check = Instant::now() + Duration::from_secs(2);
            match world.store.unreachable_in_live_drill().await {
                Ok(workers) => unreachable = workers.into_iter().collect(),
                Err(error) => {
                    tracing::debug!(%error, "simulator could not read the drill's unreachable workers")
                }
            }
        }
        let mut wake = next_alert.min(next_report).min(next_locations).min(next_drill_check);
        if let Some(at) = scheduler.next_instant() {
            wake = wake.min(at);
        }
        if let Some(limit) = config.duration {
            wake = wake.min(started + limit);
        }
        tokio::select! {
            _ = tokio::time::sleep_until(wake) => {}
            received = link.inbound.recv() => {
                let Some(received) = received else { break };
                if !link.try_ack(&received) {
                    tracing::debug!("simulator ack deferred");
                }
                match decode_outbound(&topics, &received.topic, &received.payload) {
                    Ok(Outbound::Task { worker_id, task }) => {
                        let Some(&worker) = by_id.get(&worker_id) else { continue };
                        if unreachable.contains(&worker_id) {
                            continue;
                        }
                        // A task sent again (a reminder) is one the terminal already holds.
                        if !seen_tasks.insert(task.task_id.clone()) {
                            continue;
                        }
                        counters.tasks_received.fetch_add(1, Ordering::Relaxed);
                        let mut task_rng = ChaCha8Rng::seed_from_u64(config.seed ^ stable_hash(&task.task_id));
                        if task_rng.gen_bool(config.no_ack_share.clamp(0.0, 1.0)) {
                            tracing::info!(task = %task.task_id, "simulated terminal ignores the task");
                            continue;
                        }
                        busy.insert(worker);
                        let delay = (15.0 + exp_secs(&mut task_rng, 45.0)) / pace;
                        scheduler.at(Instant::now() + Duration::from_secs_f64(delay), Due::Ack { worker, task });
                    }
                    Ok(Outbound::Callup { worker_id, callup }) => {
                        let Some(&worker) = by_id.get(&worker_id) else { continue };
                        counters.callups_received.fetch_add(1, Ordering::Relaxed);
                        // A recall of one already answered, or a silent worker: nothing to say.
                        let key = format!("{}:{worker_id}", callup.callup_id);
                        if config.callup_silent.contains(&worker_id)
                            || unreachable.contains(&worker_id)
                            || !seen_tasks.insert(key.clone())
                        {
                            continue;
                        }
                        let mut answer_rng = ChaCha8Rng::seed_from_u64(config.seed ^ stable_hash(&key));
                        if answer_rng.gen_bool(config.callup_ignore_share.clamp(0.0, 1.0)) {
                            continue;
                        }
                        let available = !answer_rng.gen_bool(config.callup_unavailable_share.clamp(0.0, 1.0));
                        // Most answer within minutes of real time.
                        let delay = (10.0 + exp_secs(&mut answer_rng, 90.0)) / pace;
                        scheduler.at(
                            Instant::now() + Duration::from_secs_f64(delay),
                            Due::CallupAnswer { worker, callup_id: callup.callup_id, available },
                        );
                    }
                    Ok(Outbound::Broadcast(Broadcast::Mode(mode))) => {
                        // A retained message comes again on every reconnect: only a new level starts a new
                        // round of reports.
                        if mode.level == zero_level {
                            continue;
                        }
                        zero_level = mode.level.clone();
                        zero_cadence += 1;
                        let hours = mode.level.as_ref().and_then(|key| world.zero_report_hours.get(key));
                        zero_period = hours.map(|h| Duration::from_secs_f64(*h as f64 * 3600.0 / pace));
                        if zero_period.is_none() {
                            continue;
                        }
                        for reporter in 0..world.zero_reporters.len() {
                            // Each grid leader reports within minutes of the switch, then every period.
                            let delay = (30.0 + exp_secs(&mut zero_rng, 120.0)) / pace;
                            scheduler.at(
                                Instant::now() + Duration::from_secs_f64(delay),
                                Due::ZeroReport { reporter, cadence: zero_cadence, repeat: true },
                            );
                        }
                    }
                    Ok(Outbound::Notice { worker_id, notice }) => {
                        // Reminded that the village's report is missing: the grid leader reports at once.
                        let reporter = by_id.get(&worker_id).and_then(|w| reporter_of.get(w));
                        if let (Some(&reporter), true) = (reporter, notice.kind == "zero_report_missing") {
                            let delay = (10.0 + exp_secs(&mut zero_rng, 30.0)) / pace;
                            scheduler.at(
                                Instant::now() + Duration::from_secs_f64(delay),
                                Due::ZeroReport { reporter, cadence: zero_cadence, repeat: false },
                            );
                        }
                    }
                    Ok(Outbound::Broadcast(_)) => {}
                    Err(error) => tracing::debug!(%error, "simulator ignores a message"),
                }
                continue;
            }
            _ = shutdown.changed() => break,
        }
        let now = Instant::now();
        let wall = Utc::now();
        if now >= next_alert {
            next_alert = now + next_gap(&mut rng, config.alerts_per_minute);
            serial += 1;
            let camera = world.cameras.choose(&mut rng).expect("cameras").clone();
            if rng.gen_bool(config.frigate_share.clamp(0.0, 1.0)) {
                let (label, zones): (&str, Vec<String>) = match rng.gen_range(0..100) {
                    0..=54 => ("person", if camera.near_water { vec!["river_bank".into()] } else { vec![] }),
                    55..=74 => ("car", vec![]),
                    75..=86 => ("motorcycle", vec![]),
                    87..=91 => ("smoke", vec![]),
                    92..=95 => ("fire", vec![]),
                    _ => ("dog", vec![]),
                };
                let suffix: String = (0..6).map(|_| (b'a' + rng.gen_range(0..26)) as char).collect();
                let object = FrigateObject {
                    id: format!("{:.6}-{suffix}", epoch(wall)),
                    camera: camera.nvr_name.clone(),
                    label: label.into(),
                    zones,
                    start: epoch(wall),
                    score: rng.gen_range(0.62..0.80),
                    review: matches!(label, "smoke" | "fire") || rng.gen_bool(0.2),
                };
                publish(&link, topics.frigate_events(), frigate_event("new", &object, wall, false), false)
                    .await;
                counters.frigate_objects.fetch_add(1, Ordering::Relaxed);
                let update = Duration::from_secs_f64(rng.gen_range(1.0..3.0));
                scheduler.at(now + update, Due::FrigateUpdate { object });
            } else {
                let kind = *[
                    AlertKind::Crowd,
                    AlertKind::Crowd,
                    AlertKind::Intrusion,
                    AlertKind::Intrusion,
                    AlertKind::Loitering,
                    AlertKind::Vehicle,
                    AlertKind::NearWater,
                    AlertKind::SmokeFire,
                ]
                .choose(&mut rng)
                .expect("kinds");
                let kind = if kind == AlertKind::NearWater && !camera.near_water {
                    AlertKind::Loitering
                } else {
                    kind
                };
                let alert = CameraAlert {
                    alert_id: format!("sim-{}-{serial}", config.seed),
                    camera: camera.nvr_name.clone(),
                    kind,
                    confidence: (rng.gen_range(0.60..0.99_f64) * 100.0).round() / 100.0,
                    at: wall,
                    snapshot: None,
                    bounding_box: None,
                };
                publish(&link, topics.camera_alerts("hikvision"), encode_camera_alert(&alert), false).await;
                counters.native_alerts.fetch_add(1, Ordering::Relaxed);
            }
        }
        if now >= next_report {
            next_report = now + next_gap(&mut report_rng, config.reports_per_minute);
            report_serial += 1;
            let grid = world.grids.choose(&mut report_rng).expect("grids").clone();
            let (category, text) = *REPORT_TEXTS.choose(&mut report_rng).expect("texts");
            let report = Report {
                report_id: format!("sim-{}-r{report_serial}", config.seed),
                reporter: format!("{}群众（手机尾号{:04}）", grid.name, report_rng.gen_range(0..10_000)),
                grid: Some(grid.code.clone()),
                position: Some(GeoPoint {
                    lat: grid.centre.0 + report_rng.gen_range(-0.002..0.002),
                    lon: grid.centre.1 + report_rng.gen_range(-0.002..0.002),
                }),
                category: Some(category.into()),
                text: text.into(),
                photos: vec![],
                at: wall,
            };
            publish(&link, topics.reports("resident"), encode_report(&report), false).await;
            counters.reports.fetch_add(1, Ordering::Relaxed);
        }
        if now >= next_locations {
            next_locations = now + location_every;
            for index in 0..world.workers.len() {
                if offline.contains(&index) || busy.contains(&index) {
                    continue;
                }
                // OwnTracks phones drop off now and then; the broker sends their last will.
                if world.workers[index].owntracks_user.is_some() && walk_rng.gen_bool(0.01) {
                    let user = world.workers[index].owntracks_user.clone().unwrap_or_default();
                    let will = json!({"_type": "lwt", "tst": wall.timestamp()}).to_string().into_bytes();
                    publish(&link, topics.owntracks(&user, "phone"), will, false).await;
                    counters.offline_wills.fetch_add(1, Ordering::Relaxed);
                    offline.insert(index);
                    let back = Duration::from_secs_f64((120.0 + exp_secs(&mut walk_rng, 300.0)) / pace);
                    scheduler.at(now + back, Due::BackOnline { worker: index });
                    continue;
                }
                let worker = &mut world.workers[index];
                // Patrol: a small random walk that drifts back towards home.
                let (lat, lon) = worker.position;
                let pull = 0.2;
                worker.position = (
                    lat + (worker.home.0 - lat) * pull + walk_rng.gen_range(-0.0008..0.0008),
                    lon + (worker.home.1 - lon) * pull + walk_rng.gen_range(-0.0008..0.0008),
                );
                let (topic, payload) =
                    location_message(&topics, worker, wall, walk_rng.gen_range(20.0..95.0));
                publish(&link, topic, payload, false).await;
                counters.locations.fetch_add(1, Ordering::Relaxed);
            }
        }
        while let Some(due) = scheduler.pop_due(Instant::now()) {
            let wall = Utc::now();
            let now = Instant::now();
            match due {
                Due::FrigateUpdate { mut object } => {
                    object.score = (object.score + 0.1).min(0.97);
                    publish(
                        &link,
                        topics.frigate_events(),
                        frigate_event("update", &object, wall, false),
                        false,
                    )
                    .await;
                    if object.review {
                        publish(&link, topics.frigate_reviews(), frigate_review(&object), false).await;
                    }
                    let end = Duration::from_secs_f64(4.0 + (object.start.fract() * 10.0));
                    scheduler.at(now + end, Due::FrigateEnd { object });
                }
                Due::FrigateEnd { object } => {
                    publish(&link, topics.frigate_events(), frigate_event("end", &object, wall, true), false)
                        .await;
                }
                Due::CallupAnswer { worker, callup_id, available } => {
                    let w = &world.workers[worker];
                    let ack = TerminalAck {
                        msg_id: format!("{callup_id}-{}-answer", w.id),
                        target: AckTarget::Callup { callup_id, available },
                        at: wall,
                        note: Some(if available {
                            "收到，已在岗".into()
                        } else {
                            "家中有事，暂时无法到岗".into()
                        }),
                        position: Some(redgrid_bus::payload::GeoPoint {
                            lat: w.position.0,
                            lon: w.position.1,
                        }),
                    };
                    publish(
                        &link,
                        topics.terminal(&w.id, TerminalChannel::Ack),
                        encode_terminal_ack(&ack),
                        false,
                    )
                    .await;
                    counters.callup_answers.fetch_add(1, Ordering::Relaxed);
                }
                Due::ZeroReport { reporter, cadence, repeat } => {
                    let (worker, village) = &world.zero_reporters[reporter];
                    if cadence != zero_cadence
                        || zero_period.is_none()
                        || config.zero_report_silent_villages.contains(village)
                    {
                        continue;
                    }
                    let id = world.workers[*worker].id.clone();
                    // A simulated grid leader has nothing to add: every report says nothing is new, so a
                    // village with alerts waiting for triage shows as contradicted on the board.
                    let report = ZeroReport {
                        // Unique across restarts of the simulator: a reused id is taken for a redelivery.
                        msg_id: format!("sim-{}-zr-{village}-{}", config.seed, wall.timestamp_millis()),
                        village: village.clone(),
                        new: 0,
                        open: 0,
                        note: "本村平安，无新增情况".into(),
                        at: wall,
                    };
                    publish(
                        &link,
                        topics.terminal(&id, TerminalChannel::ZeroReport),
                        encode_zero_report(&report),
                        false,
                    )
                    .await;
                    counters.zero_reports.fetch_add(1, Ordering::Relaxed);
                    if let (true, Some(period)) = (repeat, zero_period) {
                        scheduler.at(now + period, Due::ZeroReport { reporter, cadence, repeat });
                    }
                }
                Due::Ack { worker, task } => {
                    let ack = TerminalAck {
                        msg_id: format!("{}-ack", task.task_id),
                        target: AckTarget::Task { task_id: task.task_id.clone() },
                        at: wall,
                        note: Some("收到，马上出发".into()),
                        position: None,
                    };
                    let id = world.workers[worker].id.clone();
                    publish(
                        &link,
                        topics.terminal(&id, TerminalChannel::Ack),
                        encode_terminal_ack(&ack),
                        false,
                    )
                    .await;
                    counters.acks.fetch_add(1, Ordering::Relaxed);
                    let target = task
                        .position
                        .map(|p| (p.lat, p.lon))
                        .or_else(|| {
                            let grid = task.grid.as_deref()?;
                            world.grids.iter().find(|g| g.code == grid).map(|g| g.centre)
                        })
                        .unwrap_or(world.workers[worker].position);
                    scheduler.at(
                        now + Duration::from_secs_f64(2.0 / pace.min(2.0)),
                        Due::Step { worker, task, target },
                    );
                }
                Due::Step { worker, task, target } => {
                    // An electric bike on village roads: about 18 km/h, as the crow flies times 1.3.
                    let step_s = config.location_every_s.min(20.0);
                    let reach_km = 18.0 / 3600.0 * step_s / 1.3;
                    let w = &mut world.workers[worker];
                    let left = great_circle_km(
                        GeoPoint2 { lat: w.position.0, lon: w.position.1 },
                        GeoPoint2 { lat: target.0, lon: target.1 },
                    );
                    let id = w.id.clone();
                    if left <= reach_km.max(0.05) {
                        w.position = target;
                        let arrive = TerminalArrive {
                            msg_id: format!("{}-arrive", task.task_id),
                            task_id: task.task_id.clone(),
                            at: wall,
                            position: Some(GeoPoint { lat: target.0, lon: target.1 }),
                            acc: Some(8.0),
                        };
                        publish(
                            &link,
                            topics.terminal(&id, TerminalChannel::Arrive),
                            encode_terminal_arrive(&arrive),
                            false,
                        )
                        .await;
                        counters.arrivals.fetch_add(1, Ordering::Relaxed);
                        let mut task_rng =
                            ChaCha8Rng::seed_from_u64(config.seed ^ stable_hash(&task.task_id) ^ 7);
                        let handle = (60.0 + exp_secs(&mut task_rng, 240.0)) / pace;
                        scheduler.at(now + Duration::from_secs_f64(handle), Due::Feedback { worker, task });
                    } else {
                        let f = reach_km / left;
                        w.position = (
                            w.position.0 + (target.0 - w.position.0) * f,
                            w.position.1 + (target.1 - w.position.1) * f,
                        );
                        let (topic, payload) = location_message(&topics, w, wall, 80.0);
                        publish(&link, topic, payload, false).await;
                        counters.locations.fetch_add(1, Ordering::Relaxed);
                        scheduler.at(
                            now + Duration::from_secs_f64(step_s / pace),
                            Due::Step { worker, task, target },
                        );
                    }
                }
                Due::Feedback { worker, task } => {
                    let id = world.workers[worker].id.clone();
                    let mut task_rng =
                        ChaCha8Rng::seed_from_u64(config.seed ^ stable_hash(&task.task_id) ^ 11);
                    let notes = FEEDBACK_TEXTS.choose(&mut task_rng).expect("texts").to_string();
                    let feedback = TerminalFeedback {
                        msg_id: format!("{}-feedback", task.task_id),
                        task_id: Some(task.task_id.clone()),
                        event_id: None,
                        at: wall,
                        notes,
                        photos: vec![format!("photo://{id}/{}/1.jpg", task.task_id.replace(':', "-"))],
                        position: Some(GeoPoint {
                            lat: world.workers[worker].position.0,
                            lon: world.workers[worker].position.1,
                        }),
                    };
                    publish(
                        &link,
                        topics.terminal(&id, TerminalChannel::Feedback),
                        encode_terminal_feedback(&feedback),
                        false,
                    )
                    .await;
                    counters.feedbacks.fetch_add(1, Ordering::Relaxed);
                    busy.remove(&worker);
                }
                Due::BackOnline { worker } => {
                    offline.remove(&worker);
                }
            }
        }
    }
    // Let rumqttc flush what was queued before the connection goes.
    tokio::time::sleep(Duration::from_millis(300)).await;
    link.abort();
    Ok(())
}

fn location_message(topics: &Topics, worker: &SimWorker, at: DateTime<Utc>, batt: f64) -> (String, Vec<u8>) {
    let (lat, lon) = worker.position;
    match &worker.owntracks_user {
        Some(user) => {
            let payload = json!({
                "_type": "location", "lat": lat, "lon": lon, "tst": at.timestamp(), "acc": 12,
                "batt": batt.round(), "tid": user.chars().rev().take(2).collect::<String>(), "conn": "m",
            });
            (topics.owntracks(user, "phone"), payload.to_string().into_bytes())
        }
        None => {
            let fix = TerminalLocation { lat, lon, acc: Some(10.0), batt: Some(batt.round()), at };
            (topics.terminal(&worker.id, TerminalChannel::Location), encode_terminal_location(&fix))
        }
    }
}

fn frigate_event(kind: &str, object: &FrigateObject, at: DateTime<Utc>, ended: bool) -> Vec<u8> {
    let state = |score: f64, end: Option<f64>| {
        json!({
            "id": object.id, "camera": object.camera, "frame_time": epoch(at), "label": object.label,
            "sub_label": null, "top_score": score, "score": score, "false_positive": false,
            "start_time": object.start, "end_time": end, "current_zones": object.zones,
            "entered_zones": object.zones, "has_snapshot": true, "has_clip": true, "stationary": false,
            "motionless_count": 0, "position_changes": 2, "box": [420, 300, 560, 620], "area": 44800,
            "ratio": 0.44, "region": [300, 200, 700, 700], "attributes": {}, "current_attributes": [],
            "snapshot_clean": true, "computed_score": score,
        })
    };
    let end = ended.then(|| epoch(at));
    json!({ "type": kind, "before": state(object.score - 0.05, None), "after": state(object.score, end) })
        .to_string()
        .into_bytes()
}

fn frigate_review(object: &FrigateObject) -> Vec<u8> {
    let review_id = format!("{}-review", object.id);
    let after = json!({
        "id": review_id, "camera": object.camera, "start_time": object.start, "end_time": null,
        "severity": "alert", "thumb_path": format!("/media/frigate/clips/review/thumb-{}.webp", object.id),
        "data": {"detections": [object.id], "objects": [object.label], "sub_labels": [],
                 "zones": object.zones, "audio": []},
    });
    json!({"type": "new", "before": after, "after": after}).to_string().into_bytes()
}
