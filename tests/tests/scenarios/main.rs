//! The design's scenes, played through the api on a real SQLite file with the demo township.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use redgrid_api::{FixedClock, Station, StationConfig};
use redgrid_core::closed_loop::{Actor, Command, NewEvent, Role};
use redgrid_core::event::{Category, Evaluation, Outcome, Severity, Source, Status};
use redgrid_core::grid::{GridCode, LevelScheme};
use redgrid_core::time::Month;
use redgrid_core::time_limit::Mode;
use redgrid_demo::township::{self as demo, DemoConfig};
use redgrid_store::QueueFilter;

struct Scene {
    station: Station,
    clock: Arc<FixedClock>,
    dir: std::path::PathBuf,
}

impl Drop for Scene {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

async fn scene(tag: &str) -> Scene {
    let dir = std::env::temp_dir().join(format!("redgrid_scene_{tag}_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // 22:40 in Guigang, Wednesday 18 November 2026.
    let clock = Arc::new(FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 18, 14, 40, 0).unwrap()));
    let url = format!("sqlite://{}", dir.join("station.db").display());
    let station = Station::open(
        &url,
        StationConfig { station_id: "daxu-centre-1".into(), ..StationConfig::default() },
        clock.clone(),
    )
    .await
    .unwrap();
    demo::seed(&station, &DemoConfig { history_days: 20, ..DemoConfig::default() }).await.unwrap();
    Scene { station, clock, dir }
}

fn actor(role: Role, id: &str, name: &str) -> Actor {
    Actor { id: id.into(), name: name.into(), role, station: "daxu-centre-1".into() }
}

#[tokio::test]
async fn a_night_on_duty_the_market_crowd() {
    let s = scene("night").await;
    let st = &s.station;
    let officer = actor(Role::DutyOfficer, "duty1", "黄志明");
    let camera = actor(Role::System, "camera:t101_market_1", "大圩镇集贸市场东门");
    let market = st
        .store()
        .grid_tree(2)
        .await
        .unwrap()
        .into_iter()
        .find(|n| n.kind == "market")
        .expect("the demo has a market grid");
    let event = st
        .report(
            &camera,
            NewEvent {
                title: "集贸市场人员聚集".into(),
                description: "视频告警：人群聚集".into(),
                category: Category::PublicOrder,
                severity: Severity::Serious,
                source: Source::CameraAlert,
                grid: GridCode::parse(&market.code, &LevelScheme::guigang()).unwrap(),
                lon: market.lon,
                lat: market.lat,
                address: market.name.clone(),
                reporter: camera.name.clone(),
                drill: false,
            },
        )
        .await
        .unwrap()
        .stored
        .event;
    let (queue, _) = st.queue(&QueueFilter::default(), 0, 500).await.unwrap();
    assert!(queue.iter().any(|v| v.stored.event.id == event.id), "the new alert event is in the queue");
    let worker =
        st.store().workers(&st.scheme()).await.unwrap().into_iter().find(|w| w.on_duty).unwrap().worker;
    let terminal = actor(
        if worker.is_grid_leader() { Role::GridLeader } else { Role::GridWorker },
        &worker.id,
        &worker.name,
    );
    let mut v = event.version;
    for (who, command, minutes) in [
        (&officer, Command::Accept { category: None, severity: None, grid: None }, 1),
        (&officer, Command::Dispatch { workers: vec![worker.id.clone()], note: String::new() }, 1),
        (&terminal, Command::Acknowledge, 2),
        (&terminal, Command::Arrive, 11),
        (
            &terminal,
            Command::Feedback {
                notes: "两名摊贩因摊位争吵，已现场调解".into(),
                photos: vec!["market.jpg".into()],
                on_behalf_of: None,
            },
            8,
        ),
        (&officer, Command::Verify { note: "电话核实".into() }, 5),
        (
            &officer,
            Command::Close {
                outcome: Outcome::Resolved,
                evaluation: Evaluation::Satisfied,
                note: String::new(),
            },
            2,
        ),
    ] {
        s.clock.advance(Duration::minutes(minutes));
        v = st.act(who, event.id, Some(v), command).await.unwrap().stored.event.version;
    }
    let closed = st.event(event.id).await.unwrap().stored.event;
    assert_eq!(closed.status, Status::Closed);
    assert_eq!(closed.late_steps, 0, "every step within its limit");
    assert_eq!(st.history(event.id).await.unwrap().len(), 8);
}

#[tokio::test]
async fn a_typhoon_warning_switches_to_wartime_and_back() {
    let s = scene("typhoon").await;
    let st = &s.station;
    let leader = actor(Role::Leader, "leader", "陈永福");
    st.set_level(&leader, "关注", "台风蓝色预警").await.unwrap();
    assert_eq!(st.mode(), Mode::Peacetime, "关注 is still peacetime for old terminals");
    s.clock.advance(Duration::hours(6));
    st.set_level(&leader, "Ⅳ级", "台风橙色预警，启动Ⅳ级应急响应").await.unwrap();
    assert_eq!(st.mode(), Mode::Wartime);
    s.clock.advance(Duration::hours(20));
    st.switch_mode(&leader, Mode::Peacetime, "预警解除").await.unwrap();
    assert_eq!(st.level().key, "peacetime");
    let switches: Vec<_> = st
        .store()
        .recent_audit(10)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.entry.command == "switch_mode")
        .map(|r| (r.entry.from_status.unwrap(), r.entry.to_status.unwrap(), r.entry.reason))
        .collect();
    assert_eq!(
        switches,
        vec![
            ("level_4".to_string(), "peacetime".to_string(), "预警解除".to_string()),
            ("watch".to_string(), "level_4".to_string(), "台风橙色预警，启动Ⅳ级应急响应".to_string()),
            ("peacetime".to_string(), "watch".to_string(), "台风蓝色预警".to_string()),
        ],
        "every switch is in the audit trail with the levels' keys, newest first"
    );
    let record = st.level_switches(None).await.unwrap();
    assert_eq!(record.len(), 3, "and in the emergency period's record");
    assert_eq!(record[1].by_name, "陈永福");
}

#[tokio::test]
async fn a_drill_never_counts_in_real_statistics() {
    let s = scene("drill").await;
    let st = &s.station;
    let commissioner = actor(Role::Commissioner, "commissioner", "梁文华");
    let month = Month::of(st.now());
    let before = st.stats(month).await.unwrap().total;
    let (_, open_before) = st.queue(&QueueFilter::default(), 0, 1).await.unwrap();
    for village in ["450802101201", "450802101202", "450802101203"] {
        st.report(
            &commissioner,
            NewEvent {
                title: "【演练】洪水转移群众".into(),
                description: String::new(),
                category: Category::Weather,
                severity: Severity::Major,
                source: Source::Drill,
                grid: GridCode::parse(&format!("{village}001"), &LevelScheme::guigang()).unwrap(),
                lon: None,
                lat: None,
                address: String::new(),
                reporter: "演练导调".into(),
                drill: true,
            },
        )
        .await
        .unwrap();
    }
    assert_eq!(st.stats(month).await.unwrap().total, before, "drill events change no real figure");
    let (_, open_after) = st.queue(&QueueFilter::default(), 0, 1).await.unwrap();
    assert_eq!(open_after, open_before, "nor the real queue");
    let drills = QueueFilter { drill: true, ..QueueFilter::default() };
    let (_, drill_queue) = st.queue(&drills, 0, 1).await.unwrap();
    assert_eq!(drill_queue, 3, "the drill's own queue shows them");
}

/// The typhoon scene over the real broker (the shared Mosquitto) with the simulator's terminals: the leader
/// dry-runs Ⅳ级 and switches, calls up 大圩村, the terminals answer, one worker stays silent, is called
/// again and then their backup is, the backup answers; back to 平时, and the period's switches are kept.
#[tokio::test]
async fn a_typhoon_call_up_is_answered_and_a_silent_worker_is_backed_up() {
    use redgrid_api::callup::{parse_reply_by, CallupSelection};
    use redgrid_api::serve::{start, BrokerChoice, ServeOptions};
    use redgrid_core::callup::CallupState;
    use redgrid_demo::sim::{run as run_sim, SimConfig, SimCounters, SimWorld};

    let s = scene("typhoon_callup").await;
    let unique = format!("{}x{}", std::process::id(), Utc::now().timestamp_nanos_opt().unwrap_or_default());
    let topics = redgrid_bus::topics::Topics {
        root: format!("rgscene/{unique}/v1"),
        frigate_prefix: format!("rgscene/{unique}/frigate"),
        owntracks_prefix: format!("rgscene/{unique}/owntracks"),
    };
    let config = StationConfig { station_id: format!("typhoon-{unique}"), topics: topics.clone() };
    let st = Station::with_store(s.station.store().clone(), config, s.clock.clone()).await.unwrap();
    let leader = actor(Role::Leader, "leader", "陈永福");
    let admin = actor(Role::Administrator, "admin", "系统管理员");
    st.change_setting(&admin, "callup_recall_after_s", "60").await.unwrap();
    st.change_setting(&admin, "callup_backup_after_s", "120").await.unwrap();

    // The village's silent worker and the backup named for them.
    let workers = st.store().workers(&st.scheme()).await.unwrap();
    let village = "450802101201";
    let in_village: Vec<String> = workers
        .iter()
        .filter(|w| w.worker.grids.iter().any(|g| g.as_str().starts_with(village)))
        .map(|w| w.worker.id.clone())
        .collect();
    let silent = in_village[1].clone();
    let backup = workers.iter().map(|w| w.worker.id.clone()).find(|id| !in_village.contains(id)).unwrap();
    let mut tx = st.store().begin_write().await.unwrap();
    tx.set_worker_backup(&silent, Some(&backup)).await.unwrap();
    tx.commit().await.unwrap();

    let mut options = ServeOptions::new(BrokerChoice::External("mqtt://127.0.0.1:1883".into()));
    options.watchdog_every = std::time::Duration::from_millis(200);
    let running = start(st.clone(), options).await.expect("the shared Mosquitto on 127.0.0.1:1883 must run");
    let world = SimWorld::load(&st).await.unwrap();
    let sim_config = SimConfig {
        seed: 11,
        alerts_per_minute: 0.0,
        reports_per_minute: 0.0,
        pace: 400.0,
        location_every_s: 3600.0,
        callup_silent: vec![silent.clone()],
        callup_unavailable_share: 0.2,
        callup_ignore_share: 0.0,
        ..SimConfig::default()
    };
    let counters = Arc::new(SimCounters::default());
    let (sim_stop, shutdown) = tokio::sync::watch::channel(false);
    let sim = tokio::spawn({
        let counters = counters.clone();
        async move { run_sim(world, topics, "mqtt://127.0.0.1:1883", sim_config, shutdown, counters).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;

    let dry = st.level_dry_run(&leader, "Ⅳ级").await.unwrap();
    assert!(dry.duty_required.leader_on_duty, "Ⅳ级 asks for a leader on duty");
    assert_eq!(st.level().key, "peacetime", "the dry run changes nothing");
    st.set_level(&leader, "Ⅳ级", "台风“海葵”橙色预警，启动Ⅳ级应急响应").await.unwrap();
    assert_eq!(st.mode(), Mode::Wartime);

    let selection = CallupSelection { villages: vec!["大圩村".into()], ..Default::default() };
    let reply_by = parse_reply_by("30m", st.now()).unwrap();
    let started = st.start_callup(&leader, &selection, "台风到岗叫应", reply_by, None).await.unwrap();
    assert_eq!(started.called, in_village.len());

    // The terminals answer: everyone but the silent worker, within seconds at the simulator's pace.
    let mut board = st.callup_status(&started.callup_id).await.unwrap();
    for _ in 0..100 {
        if board.silent == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        board = st.callup_status(&started.callup_id).await.unwrap();
    }
    assert_eq!(board.silent, 1, "all but the silent worker answered: {board:?}");
    assert!(board
        .people
        .iter()
        .filter(|p| p.state != CallupState::Silent)
        .all(|p| p.channel.as_deref() == Some("terminal")));
    assert!(board.unavailable < board.called);
    let silent_row = board.people.iter().find(|p| p.state == CallupState::Silent).unwrap();
    assert_eq!(silent_row.worker_id, silent);

    // A minute on, the watchdog calls the silent worker again; two minutes on, their backup.
    s.clock.advance(Duration::seconds(61));
    let mut calls = 1;
    for _ in 0..50 {
        calls = st
            .callup_status(&started.callup_id)
            .await
            .unwrap()
            .people
            .iter()
            .find(|p| p.worker_id == silent)
            .unwrap()
            .calls;
        if calls > 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(calls, 2, "called a second time");
    s.clock.advance(Duration::seconds(60));
    let mut backup_state = None;
    for _ in 0..100 {
        let board = st.callup_status(&started.callup_id).await.unwrap();
        backup_state =
            board.people.iter().find(|p| p.worker_id == backup).map(|p| (p.state, p.backup_for.clone()));
        if backup_state.as_ref().is_some_and(|(state, _)| *state != CallupState::Silent) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let (state, backup_for) = backup_state.expect("the backup was called");
    assert_ne!(state, CallupState::Silent, "the backup answered from the terminal");
    assert_eq!(backup_for.as_deref(), Some(silent.as_str()));
    assert!(counters.callup_answers.load(std::sync::atomic::Ordering::Relaxed) as usize >= started.called);

    st.set_level(&leader, "平时", "台风过境，预警解除").await.unwrap();
    assert_eq!(st.mode(), Mode::Peacetime);
    let switches = st.level_switches(None).await.unwrap();
    assert_eq!(
        switches.iter().map(|w| (w.from_level.as_str(), w.to_level.as_str())).collect::<Vec<_>>(),
        [("peacetime", "level_4"), ("level_4", "peacetime")]
    );
    // The period's record: the two switches, the call-up with its answers, and Ⅳ级 as the highest level.
    let period = st.emergency_period().await.unwrap();
    assert_eq!(period.switches.len(), 2);
    assert_eq!(period.highest, "Ⅳ级");
    assert!(period.ended_at.is_some(), "back at 平时, the period is over");
    assert_eq!(period.callups.len(), 1);
    let callup = &period.callups[0];
    assert_eq!(callup.called, started.called + 1, "the village and the backup");
    assert_eq!(callup.silent, 1, "the silent worker stayed silent");
    assert!(period.answer_rate().unwrap() > 0.9);
    sim_stop.send_replace(true);
    sim.await.unwrap().unwrap();
    running.stop().await;
}
