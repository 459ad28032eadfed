//! Zero reports (零报告): owed only at a level with a cadence, counted from the switch; a grid leader's report
//! from the terminal (through ingest) or the officer's on the village's behalf; a missed deadline with its
//! reminder, once per period; a report of nothing new that the facts contradict; and bad reports
//! quarantined with nothing recorded.

use chrono::{DateTime, Duration, Utc};
use redgrid_api::zero_report::ZeroReportRow;
use redgrid_api::Station;
use redgrid_core::closed_loop::{Actor, Role};
use redgrid_core::response::ZeroReportState;
use redgrid_core::worker::ForceRole;

use crate::station::demo_station;

fn person(role: Role, id: &str, name: &str) -> Actor {
    Actor { id: id.into(), name: name.into(), role, station: "test-station".into() }
}

fn leader() -> Actor {
    person(Role::Leader, "leader", "陈永福")
}

const DAXU_VILLAGE: &str = "450802101201";

/// A terminal's zero report as it arrives over MQTT.
fn report(worker: &str, village: &str, new: i64, open: i64, msg_id: &str) -> (String, Vec<u8>) {
    let topic = format!("redgrid/v1/terminals/{worker}/zero_report");
    let payload = serde_json::json!({
        "v": 1, "msg_id": msg_id, "village": village, "new": new, "open": open, "note": "本村平安",
        "at": "2026-11-18T03:00:00Z",
    });
    (topic, serde_json::to_vec(&payload).unwrap())
}

async fn ingest(s: &Station, message: &(String, Vec<u8>)) -> redgrid_api::ingest::IngestReport {
    s.ingest_batch(&[(message.0.as_str(), message.1.as_slice())]).await.unwrap()
}

/// The village's grid leaders (网格长 with a grid in it), and someone of the village who is not one.
async fn village_people(s: &Station, village: &str) -> (Vec<String>, String) {
    let workers = s.store().workers(&s.scheme()).await.unwrap();
    let in_village =
        |w: &redgrid_core::worker::Worker| w.grids.iter().any(|g| g.as_str().starts_with(village));
    let leaders: Vec<String> = workers
        .iter()
        .filter(|w| in_village(&w.worker) && w.worker.roles.contains(&ForceRole::GridLeader))
        .map(|w| w.worker.id.clone())
        .collect();
    let other = workers
        .iter()
        .find(|w| in_village(&w.worker) && !w.worker.roles.contains(&ForceRole::GridLeader))
        .map(|w| w.worker.id.clone())
        .expect("a village has workers who are not grid leaders");
    (leaders, other)
}

fn row<'a>(rows: &'a [ZeroReportRow], village: &str) -> &'a ZeroReportRow {
    rows.iter().find(|r| r.village_code == village).expect("every village is on the board")
}

fn count_audit(audit: &[redgrid_store::AuditRecord], command: &str) -> usize {
    audit.iter().filter(|r| r.entry.command == command).count()
}

#[tokio::test]
async fn a_village_owes_a_report_only_under_a_cadence_and_a_terminal_report_makes_it_ok() {
    let t = demo_station(1).await;
    let s = &t.station;
    let officer = person(Role::DutyOfficer, "duty1", "黄志明");
    assert!(s.zero_report_status().await.unwrap().is_empty(), "平时 has no cadence: nobody owes a report");
    let refused = s.record_zero_report(&officer, DAXU_VILLAGE, 0, 0, "").await.unwrap_err();
    assert_eq!(refused.code(), "invalid", "no report is taken when none is owed: {refused}");

    let switched_at: DateTime<Utc> = s.now();
    s.set_level(&leader(), "Ⅳ级", "台风").await.unwrap();
    let board = s.zero_report_status().await.unwrap();
    let villages = s.grid_tree(1).await.unwrap().into_iter().filter(|n| n.depth == 1).count();
    assert_eq!(board.len(), villages, "every village of the township owes one");
    assert!(
        board.iter().all(|r| r.state == ZeroReportState::Due && r.last_at.is_none()),
        "none has reported"
    );
    assert!(
        board.iter().all(|r| r.due_at == switched_at + Duration::hours(12)),
        "Ⅳ级 asks every 12 hours, the first due at the switch + 12 h"
    );
    assert_eq!(row(&board, DAXU_VILLAGE).village_name, "大圩村");

    let prefill = s.zero_report_prefill("大圩村").await.unwrap();
    assert_eq!(prefill.village_code, DAXU_VILLAGE, "a village is found by its name too");
    assert_eq!(prefill.since, switched_at, "new events count from the switch before the first report");
    assert_eq!((prefill.new, prefill.untriaged_alerts), (0, 0), "nothing happened since the switch");

    t.clock.advance(Duration::hours(1));
    let (leaders, _) = village_people(s, DAXU_VILLAGE).await;
    let feed_before = s.store().feed_head().await.unwrap();
    let message = report(&leaders[0], DAXU_VILLAGE, 0, prefill.open, "zr-1");
    let applied = ingest(s, &message).await;
    assert_eq!((applied.applied, applied.quarantined), (1, 0), "{applied:?}");
    let board = s.zero_report_status().await.unwrap();
    let daxu = row(&board, DAXU_VILLAGE);
    assert_eq!(daxu.state, ZeroReportState::Ok, "reported for the current period");
    assert_eq!(daxu.last_at, Some(s.now()), "placed by when it arrived, not by the terminal's clock");
    let last = daxu.last.as_ref().unwrap();
    assert_eq!((last.by_id.as_str(), last.channel.as_str()), (leaders[0].as_str(), "terminal"));
    assert!(!last.contradicted, "nothing new, and nothing known: a true zero report");
    assert_eq!(
        board.iter().filter(|r| r.state == ZeroReportState::Due).count(),
        villages - 1,
        "the other villages still owe theirs"
    );
    let feed = s.store().feed_since(feed_before, 100).await.unwrap();
    assert!(
        feed.iter().any(|e| e.entity.key() == "zero_report"
            && e.entity_id == DAXU_VILLAGE
            && e.change == "reported"),
        "the report is on the change feed: {feed:?}"
    );
    let audit = s.store().recent_audit(100).await.unwrap();
    let record = audit.iter().find(|r| r.entry.command == "zero_report").expect("the report is audited");
    assert_eq!(
        (record.entry.actor_id.as_str(), record.entry.station.as_str(), record.entry.role.as_str()),
        (leaders[0].as_str(), "mqtt:terminal", "grid_leader"),
        "the grid leader's own act over MQTT"
    );
    assert!(record.entry.reason.contains("大圩村"), "{}", record.entry.reason);

    // The same message delivered again changes nothing.
    let again = ingest(s, &message).await;
    assert_eq!(again.duplicates, 1, "{again:?}");
    assert_eq!(s.store().zero_reports_since(switched_at).await.unwrap().len(), 1, "one report, kept once");
}

#[tokio::test]
async fn a_missed_deadline_is_missing_and_the_grid_leaders_are_reminded_once_per_period() {
    let t = demo_station(1).await;
    let s = &t.station;
    s.set_level(&leader(), "Ⅳ级", "台风").await.unwrap();
    let switched_at = s.now();
    let villages = s.zero_report_status().await.unwrap().len();
    let (daxu_leaders, _) = village_people(s, DAXU_VILLAGE).await;
    t.clock.advance(Duration::hours(1));
    assert_eq!(ingest(s, &report(&daxu_leaders[0], DAXU_VILLAGE, 0, 0, "zr-1")).await.applied, 1);
    assert_eq!(s.check_zero_reports().await.unwrap(), 0, "no deadline has passed yet");

    t.clock.advance(Duration::hours(11) + Duration::minutes(1));
    let board = s.zero_report_status().await.unwrap();
    assert_eq!(row(&board, DAXU_VILLAGE).state, ZeroReportState::Due, "大圩村 reported in the first period");
    let missing: Vec<&ZeroReportRow> = board.iter().filter(|r| r.state == ZeroReportState::Missing).collect();
    assert_eq!(missing.len(), villages - 1, "every other village let the first deadline pass");
    assert!(
        missing.iter().all(|r| r.due_at == switched_at + Duration::hours(12)),
        "a missing village shows the deadline it missed"
    );

    let outbox_before = s.store().pending_outbox("test-station", 100_000).await.unwrap().len();
    assert_eq!(s.check_zero_reports().await.unwrap(), villages - 1, "each missing village is reminded");
    let outbox = s.store().pending_outbox("test-station", 100_000).await.unwrap();
    let notices: Vec<_> = outbox.iter().filter(|m| m.topic.ends_with("/notice")).collect();
    let mut leaders_of_missing = 0;
    for r in &missing {
        let (leaders, _) = village_people(s, &r.village_code).await;
        for id in &leaders {
            let topic = format!("redgrid/v1/terminals/{id}/notice");
            assert!(notices.iter().any(|m| m.topic == topic), "{id} of {} is reminded", r.village_name);
        }
        leaders_of_missing += leaders.len();
    }
    assert_eq!(notices.len(), leaders_of_missing, "a notice to each grid leader of each missing village");
    assert!(
        !notices.iter().any(|m| daxu_leaders.iter().any(|id| m.topic.contains(id.as_str()))),
        "a village that reported is not reminded"
    );
    let notice: serde_json::Value = serde_json::from_slice(&notices[0].payload).unwrap();
    assert_eq!(notice["kind"], "zero_report_missing", "the terminal can open its zero-report form");
    assert!(notice["text"].as_str().unwrap().contains("零报告"), "{notice}");

    assert_eq!(s.check_zero_reports().await.unwrap(), 0, "a missed period is reminded once");
    assert_eq!(
        s.store().pending_outbox("test-station", 100_000).await.unwrap().len(),
        outbox_before + leaders_of_missing,
        "and nothing more is queued on the next round"
    );
    let audit = s.store().recent_audit(10_000).await.unwrap();
    assert_eq!(count_audit(&audit, "zero_report_remind"), villages - 1, "each reminder is audited once");

    // A late report makes the village ok at once; the next missed period is reminded again.
    let late = &missing[0].village_code;
    let (late_leaders, _) = village_people(s, late).await;
    assert_eq!(ingest(s, &report(&late_leaders[0], late, 0, 0, "zr-late")).await.applied, 1);
    assert_eq!(row(&s.zero_report_status().await.unwrap(), late).state, ZeroReportState::Ok);
    t.clock.advance(Duration::hours(12));
    let board = s.zero_report_status().await.unwrap();
    assert_eq!(row(&board, DAXU_VILLAGE).state, ZeroReportState::Missing, "大圩村 skipped the second period");
    assert_eq!(row(&board, late).state, ZeroReportState::Due, "the late report covered the second period");
    assert_eq!(s.check_zero_reports().await.unwrap(), villages - 1, "the second missed period, once more");
}

#[tokio::test]
async fn a_report_of_nothing_new_is_flagged_when_an_alert_waits_or_an_event_is_new() {
    let t = demo_station(1).await;
    let s = &t.station;
    s.set_level(&leader(), "Ⅳ级", "台风").await.unwrap();
    let (leaders, _) = village_people(s, DAXU_VILLAGE).await;
    let camera = s
        .store()
        .cameras(&s.scheme())
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.grid.as_str().starts_with(DAXU_VILLAGE))
        .expect("the village has cameras");
    let alert = serde_json::json!({"v": 1, "alert_id": "zr-test-1", "camera": camera.nvr_name, "kind": "crowd",
        "confidence": 0.9, "at": "2026-11-18T02:30:00Z"});
    let alert = ("redgrid/v1/alerts/nvr-test".to_string(), serde_json::to_vec(&alert).unwrap());
    t.clock.advance(Duration::minutes(30));
    assert_eq!(ingest(s, &alert).await.applied, 1);
    let prefill = s.zero_report_prefill(DAXU_VILLAGE).await.unwrap();
    assert_eq!(prefill.untriaged_alerts, 1, "the alert from the village's camera waits for triage");

    t.clock.advance(Duration::minutes(30));
    assert_eq!(ingest(s, &report(&leaders[0], DAXU_VILLAGE, 0, 0, "zr-1")).await.applied, 1);
    let board = s.zero_report_status().await.unwrap();
    let daxu = row(&board, DAXU_VILLAGE);
    assert_eq!(daxu.state, ZeroReportState::Contradicted, "it says 0 new while the alert waits");
    let last = daxu.last.as_ref().expect("the report is kept");
    assert_eq!(
        (last.new_events, last.facts.untriaged_alerts),
        (0, 1),
        "kept beside the facts it contradicts"
    );
    let audit = s.store().recent_audit(100).await.unwrap();
    let record = audit.iter().find(|r| r.entry.command == "zero_report").unwrap();
    assert!(record.entry.reason.contains("与事实不符"), "{}", record.entry.reason);

    // The village's own figures are its account, not a contradiction.
    t.clock.advance(Duration::minutes(10));
    assert_eq!(ingest(s, &report(&leaders[0], DAXU_VILLAGE, 1, 1, "zr-2")).await.applied, 1);
    assert_eq!(row(&s.zero_report_status().await.unwrap(), DAXU_VILLAGE).state, ZeroReportState::Ok);

    // A new event there since that report: the officer's "nothing new" on the village's behalf is flagged
    // even once the alert is triaged.
    let officer = person(Role::DutyOfficer, "duty1", "黄志明");
    let ids: Vec<i64> = s.alert_groups(100).await.unwrap().iter().flat_map(|g| g.ids()).collect();
    s.dismiss_alerts(&officer, &ids, "误报").await.unwrap();
    assert_eq!(s.zero_report_prefill(DAXU_VILLAGE).await.unwrap().untriaged_alerts, 0, "triaged");
    let small_grid = format!("{DAXU_VILLAGE}001");
    let event = redgrid_core::closed_loop::NewEvent {
        title: "村道积水".into(),
        description: "暴雨后村道积水".into(),
        category: redgrid_core::event::Category::Livelihood,
        severity: redgrid_core::event::Severity::General,
        source: redgrid_core::event::Source::ByHand,
        grid: redgrid_core::grid::GridCode::parse(&small_grid, &s.scheme()).unwrap(),
        lon: None,
        lat: None,
        address: String::new(),
        reporter: "来电群众".into(),
        drill: false,
    };
    t.clock.advance(Duration::minutes(10));
    s.report(&officer, event).await.unwrap();
    assert_eq!(
        s.zero_report_prefill(DAXU_VILLAGE).await.unwrap().new,
        1,
        "new since the village's last report"
    );
    t.clock.advance(Duration::minutes(10));
    let record = s.record_zero_report(&officer, DAXU_VILLAGE, 0, 1, "电话报平安").await.unwrap();
    assert!(record.contradicted, "0 new while an event is new there: {record:?}");
    assert_eq!((record.facts.new_events, record.facts.untriaged_alerts), (1, 0));
}

#[tokio::test]
async fn a_report_from_someone_who_is_not_the_villages_grid_leader_is_quarantined_and_changes_nothing() {
    let t = demo_station(1).await;
    let s = &t.station;
    s.set_level(&leader(), "Ⅳ级", "台风").await.unwrap();
    let (_, not_a_leader) = village_people(s, DAXU_VILLAGE).await;
    let other_village = s
        .grid_tree(1)
        .await
        .unwrap()
        .into_iter()
        .find(|n| n.depth == 1 && n.code != DAXU_VILLAGE)
        .unwrap()
        .code;
    let (other_leaders, _) = village_people(s, &other_village).await;
    // The reports are dated 03:00; the station's clock must not be behind them (a time ahead of the station
    // is refused as `future_time`, which is not what this test is about).
    t.clock.advance(Duration::hours(1));
    let feed_before = s.store().feed_head().await.unwrap();
    let bad = [
        report(&not_a_leader, DAXU_VILLAGE, 0, 0, "zr-a"),
        report(&other_leaders[0], DAXU_VILLAGE, 0, 0, "zr-b"),
        report(&other_leaders[0], "450802101299", 0, 0, "zr-c"),
        report("W9999999", DAXU_VILLAGE, 0, 0, "zr-d"),
    ];
    for message in &bad {
        let result = ingest(s, message).await;
        assert_eq!((result.quarantined, result.applied), (1, 0), "{}: {result:?}", message.0);
    }
    let quarantine = s.store().quarantine_list(10).await.unwrap();
    assert_eq!(quarantine.len(), bad.len());
    assert!(
        quarantine.iter().all(|q| q.reason.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))),
        "each refusal says why in Chinese: {:?}",
        quarantine.iter().map(|q| &q.reason).collect::<Vec<_>>()
    );
    let not_leader = quarantine.iter().find(|q| q.topic.contains(&not_a_leader)).unwrap();
    assert_eq!(not_leader.code, "forbidden");
    assert!(not_leader.reason.contains("不是大圩村的网格长"), "{}", not_leader.reason);
    assert!(
        quarantine.iter().any(|q| q.reason.contains("450802101299") && q.code == "invalid"),
        "unknown village"
    );

    assert!(s.store().latest_zero_report(DAXU_VILLAGE).await.unwrap().is_none(), "nothing recorded");
    assert_eq!(row(&s.zero_report_status().await.unwrap(), DAXU_VILLAGE).state, ZeroReportState::Due);
    let audit = s.store().recent_audit(100).await.unwrap();
    assert_eq!(count_audit(&audit, "zero_report"), 0, "no act was taken");
    let feed = s.store().feed_since(feed_before, 100).await.unwrap();
    assert!(!feed.iter().any(|e| e.entity.key() == "zero_report"), "no zero-report feed entry: {feed:?}");
}

#[tokio::test]
async fn the_duty_officer_records_a_villages_report_on_its_behalf() {
    let t = demo_station(1).await;
    let s = &t.station;
    s.set_level(&leader(), "Ⅲ级", "台风升级").await.unwrap();
    let switched_at = s.now();
    t.clock.advance(Duration::hours(2));
    let officer = person(Role::DutyOfficer, "duty1", "黄志明");
    let prefill = s.zero_report_prefill("大圩村").await.unwrap();
    let record =
        s.record_zero_report(&officer, "大圩村", 0, prefill.open, "网格长电话报：本村平安").await.unwrap();
    assert_eq!((record.by_id.as_str(), record.channel.as_str()), ("duty1", "phone"));
    assert_eq!(record.level_key, "level_3");
    assert_eq!(record.period_start, switched_at, "the first period of Ⅲ级 began at its switch");
    assert_eq!(record.note, "网格长电话报：本村平安");
    let board = s.zero_report_status().await.unwrap();
    let daxu = row(&board, DAXU_VILLAGE);
    assert_eq!(daxu.state, ZeroReportState::Ok);
    assert_eq!(daxu.due_at, switched_at + Duration::hours(6), "Ⅲ级 asks every 6 hours");
    let audit = s.store().recent_audit(100).await.unwrap();
    let entry = &audit.iter().find(|r| r.entry.command == "zero_report").unwrap().entry;
    assert_eq!(entry.actor_id, "duty1", "the officer answers for what they recorded");
    assert!(entry.reason.contains("黄志明代为登记"), "{}", entry.reason);

    // A leader may too; the administrator and the commissioner may not, nor may a count be negative.
    let by_leader = s.record_zero_report(&leader(), DAXU_VILLAGE, 1, 1, "").await.unwrap();
    assert_eq!(by_leader.by_id, "leader");
    let admin = person(Role::Administrator, "admin", "系统管理员");
    assert_eq!(s.record_zero_report(&admin, DAXU_VILLAGE, 0, 0, "").await.unwrap_err().code(), "forbidden");
    let commissioner = person(Role::Commissioner, "commissioner", "政法委员");
    assert_eq!(
        s.record_zero_report(&commissioner, DAXU_VILLAGE, 0, 0, "").await.unwrap_err().code(),
        "forbidden"
    );
    assert_eq!(s.record_zero_report(&officer, DAXU_VILLAGE, -1, 0, "").await.unwrap_err().code(), "invalid");
    assert_eq!(s.record_zero_report(&officer, "不存在村", 0, 0, "").await.unwrap_err().code(), "invalid");
    assert_eq!(
        s.store().zero_reports_since(switched_at).await.unwrap().len(),
        2,
        "the refusals recorded nothing"
    );
}

/// The simulator over the real Mosquitto: its grid leaders learn the level from the retained
/// `broadcast/mode` and report at the cadence; the silent village goes missing and is reminded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulators_grid_leaders_report_at_the_cadence_and_a_silent_village_goes_missing() {
    use redgrid_api::serve::{start, BrokerChoice, ServeOptions};
    use redgrid_api::StationConfig;
    use redgrid_demo::sim::{run as run_sim, SimConfig, SimCounters, SimWorld};
    use std::sync::atomic::Ordering;
    use std::sync::Arc;

    const MOSQUITTO: &str = "mqtt://127.0.0.1:1883";
    let t = demo_station(1).await;
    // The simulator dates its reports by the wall clock, and the station refuses times ahead of its own.
    t.clock.set(chrono::Utc::now());
    let unique = format!(
        "zr{}x{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
    );
    let topics = redgrid_bus::topics::Topics {
        root: format!("rgtest/{unique}/v1"),
        frigate_prefix: format!("rgtest/{unique}/frigate"),
        owntracks_prefix: format!("rgtest/{unique}/owntracks"),
    };
    let config = StationConfig { station_id: format!("st-{unique}"), topics: topics.clone() };
    let s = Station::with_store(t.station.store().clone(), config, t.clock.clone()).await.unwrap();
    let mut options = ServeOptions::new(BrokerChoice::External(MOSQUITTO.into()));
    options.watchdog_every = std::time::Duration::from_millis(200);
    let running = start(s.clone(), options).await.expect("the shared Mosquitto on 127.0.0.1:1883 must run");
    s.set_level(&leader(), "Ⅳ级", "台风").await.unwrap();
    let world = SimWorld::load(&s).await.unwrap();
    let sim_config = SimConfig {
        seed: 5,
        alerts_per_minute: 0.0,
        reports_per_minute: 0.0,
        pace: 400.0,
        location_every_s: 3600.0,
        zero_report_silent_villages: vec![DAXU_VILLAGE.into()],
        ..SimConfig::default()
    };
    let counters = Arc::new(SimCounters::default());
    let (sim_stop, shutdown) = tokio::sync::watch::channel(false);
    let sim = tokio::spawn({
        let counters = counters.clone();
        let topics = topics.clone();
        async move { run_sim(world, topics, MOSQUITTO, sim_config, shutdown, counters).await }
    });

    let villages = s.zero_report_status().await.unwrap().len();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let board = loop {
        let board = s.zero_report_status().await.unwrap();
        if board.iter().filter(|r| r.state == ZeroReportState::Ok).count() == villages - 1 {
            break board;
        }
        assert!(std::time::Instant::now() < deadline, "every village but the silent one reports: {board:?}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(row(&board, DAXU_VILLAGE).state, ZeroReportState::Due, "the silent village has not reported");
    assert!(counters.zero_reports.load(Ordering::Relaxed) >= (villages - 1) as u64);

    // Past the first deadline the silent village is missing and its grid leaders are reminded; it stays
    // silent, and the others owe their next report.
    t.clock.advance(Duration::hours(12) + Duration::minutes(1));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let audit = s.store().recent_audit(1000).await.unwrap();
        if count_audit(&audit, "zero_report_remind") == 1 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the watchdog reminds the missing village");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let board = s.zero_report_status().await.unwrap();
    assert_eq!(row(&board, DAXU_VILLAGE).state, ZeroReportState::Missing);
    assert!(
        board.iter().filter(|r| r.village_code != DAXU_VILLAGE).all(|r| r.state != ZeroReportState::Missing),
        "the villages that reported in the first period are not missing: {board:?}"
    );
    let audit = s.store().recent_audit(10_000).await.unwrap();
    assert!(
        audit.iter().filter(|r| r.entry.command == "zero_report").all(|r| r.entry.station == "mqtt:terminal"),
        "every simulated report came through the broker as a grid leader's own act"
    );
    sim_stop.send_replace(true);
    sim.await.unwrap().unwrap();
    running.stop().await;
}
