//! Running a drill: the shipped flood scenario at ×60 — every inject goes in on time through the outbox as
//! the real senders' messages, the reports become drill events tagged with the drill and linked to their
//! injects, a hotline inject is linked to the event the officer logs for it, the call-up inject calls the
//! village up as a drill's, and the real month's statistics do not move. Bad starts and controls are
//! refused.

use chrono::Duration;
use redgrid_api::drill_run::DrillChange;
use redgrid_core::closed_loop::{Actor, NewEvent, Role};
use redgrid_core::event::{Category, Severity, Source};
use redgrid_core::grid::{GridCode, LevelScheme};
use redgrid_core::time::Month;

use crate::station::demo_station;

fn person(role: Role, id: &str, name: &str) -> Actor {
    Actor { id: id.into(), name: name.into(), role, station: "test-station".into() }
}

const FLOOD: &[u8] = include_bytes!("../../../../assets/drills/flood-evacuation-three-villages.csv");

#[tokio::test]
async fn the_flood_drill_runs_through_the_real_paths_and_never_counts() {
    let t = demo_station(5).await;
    let s = &t.station;
    let commissioner = person(Role::Commissioner, "commissioner", "梁文华");
    let officer = person(Role::DutyOfficer, "duty1", "黄志明");
    let month = Month::of(s.now());
    let before = s.stats(month).await.unwrap();
    let validation = s.validate_drill_scenario(FLOOD, "flood.csv").await.unwrap();
    let scenario = validation.scenario.expect("the shipped scenario is valid for the demo township");

    assert_eq!(s.start_drill(&officer, &scenario, 60).await.unwrap_err().code(), "forbidden");
    assert_eq!(s.start_drill(&commissioner, &scenario, 61).await.unwrap_err().code(), "invalid");
    let drill = s.start_drill(&commissioner, &scenario, 60).await.unwrap();
    assert_eq!(s.start_drill(&commissioner, &scenario, 60).await.unwrap_err().code(), "drill_running");

    // At ×60 the first inject (00:00) is due at once and the 30:00 one after 30 seconds.
    let first = s.inject_due(&drill.id).await.unwrap();
    assert_eq!(first.iter().map(|i| i.seq).collect::<Vec<_>>(), [1], "only what is due goes in");
    t.clock.advance(Duration::seconds(10));
    let second: Vec<i64> = s.inject_due(&drill.id).await.unwrap().iter().map(|i| i.seq).collect();
    // Ten seconds at ×60 are the scenario's first ten minutes.
    let expected: Vec<i64> = scenario
        .injects
        .iter()
        .filter(|i| i.seq > 1 && i.offset.as_secs() <= 600)
        .map(|i| i64::from(i.seq))
        .collect();
    assert_eq!(second, expected);
    t.clock.advance(Duration::seconds(25));
    s.inject_due(&drill.id).await.unwrap();
    let injects = s.store().drill_injects(&drill.id).await.unwrap();
    assert_eq!(injects.len(), scenario.injects.len());
    assert!(injects.iter().all(|i| i.injected_at.is_some()), "every inject went in");
    assert_eq!(s.store().drill(&drill.id).await.unwrap().unwrap().state, "finished");
    // Injected on time: at the start plus the offset at ×60 (the test's clock moved in steps).
    for (inject, planned) in injects.iter().zip(&scenario.injects) {
        let due = drill.started_at + Duration::milliseconds(planned.offset.as_millis() as i64 / 60);
        let at = inject.injected_at.unwrap();
        assert!(
            at >= due && at - due <= Duration::seconds(25),
            "inject {} due {due} went in {at}",
            inject.seq
        );
    }

    // The reports went out as the terminals' messages: ingest them as the station would from its broker.
    let outbox = s.store().pending_outbox("test-station", 10_000).await.unwrap();
    let reports: Vec<_> =
        outbox.iter().filter(|m| m.topic.contains(&format!("/reports/drill-{}", drill.id))).collect();
    let kinds = |k: &str| injects.iter().filter(|i| i.kind == k).count();
    assert_eq!(reports.len(), kinds("resident_report") + kinds("worker_report"));
    let batch: Vec<(&str, &[u8])> =
        reports.iter().map(|m| (m.topic.as_str(), m.payload.as_slice())).collect();
    let report = s.ingest_batch(&batch).await.unwrap();
    let refused = s.store().quarantine_list(10).await.unwrap();
    assert_eq!(report.applied, reports.len(), "{report:?} {refused:?}");
    let injects = s.store().drill_injects(&drill.id).await.unwrap();
    for inject in injects.iter().filter(|i| i.kind.ends_with("_report")) {
        let event = s.event(inject.event_id.expect("each report became an event")).await.unwrap();
        assert!(event.stored.event.drill, "a drill's event is a drill event");
        assert!(event.stored.event.title.starts_with("【演练】"));
    }
    let callup = injects.iter().find(|i| i.kind == "callup").unwrap();
    assert!(callup.detail.starts_with("叫应 CU-"), "{}", callup.detail);
    let callup_id = callup.detail.trim_start_matches("叫应 ").split('：').next().unwrap();
    let row = s.store().callup(callup_id).await.unwrap().expect("the drill's call-up");
    assert_eq!(row.drill_id.as_deref(), Some(drill.id.as_str()));
    // The camera alerts went out as the NVR's, under the drill's own source: they form groups of their own,
    // apart from any real alert of the same camera, and an officer's conversion makes a drill event.
    let alerts: Vec<_> =
        outbox.iter().filter(|m| m.topic.contains(&format!("/alerts/drill-{}", drill.id))).collect();
    assert_eq!(alerts.len(), kinds("camera_alert") + kinds("frigate_alert"));
    let batch: Vec<(&str, &[u8])> = alerts.iter().map(|m| (m.topic.as_str(), m.payload.as_slice())).collect();
    assert_eq!(s.ingest_batch(&batch).await.unwrap().applied, alerts.len());
    let groups = s.alert_groups(100).await.unwrap();
    let drill_groups: Vec<_> =
        groups.iter().filter(|g| g.drill_id.as_deref() == Some(drill.id.as_str())).collect();
    assert_eq!(drill_groups.iter().map(|g| g.alerts.len()).sum::<usize>(), alerts.len());
    assert!(groups
        .iter()
        .filter(|g| g.drill_id.is_none())
        .all(|g| g.alerts.iter().all(|a| !a.nvr.starts_with("drill-"))));
    let ids: Vec<i64> = drill_groups[0].alerts.iter().map(|a| a.id).collect();
    let decision = redgrid_api::triage::AlertToEvent {
        title: "【演练】村口积水".into(),
        category: Category::Weather,
        severity: Severity::Major,
        grid: None,
    };
    let converted = s.alerts_to_event(&officer, &ids, decision).await.unwrap();
    assert!(s.event(converted).await.unwrap().stored.event.drill, "a drill alert becomes a drill event");
    let linked = s.store().drill_injects(&drill.id).await.unwrap();
    assert!(
        linked.iter().any(|i| i.kind.ends_with("alert") && i.event_id == Some(converted)),
        "and is linked to its inject"
    );

    // The hotline inject waits for the officer's event, and is linked to it.
    let hotline = injects.iter().find(|i| i.kind == "hotline").unwrap();
    assert_eq!(hotline.event_id, None);
    let logged = s
        .report(
            &officer,
            NewEvent {
                title: "【演练】独居老人家中进水".into(),
                description: "来电登记".into(),
                category: Category::Weather,
                severity: Severity::Major,
                source: Source::Drill,
                grid: GridCode::parse(&format!("{}001", hotline.village_code), &LevelScheme::guigang())
                    .unwrap(),
                lon: None,
                lat: None,
                address: String::new(),
                reporter: "来电群众".into(),
                drill: true,
            },
        )
        .await
        .unwrap();
    let linked = s.store().drill_injects(&drill.id).await.unwrap();
    let hotline = linked
        .iter()
        .filter(|i| i.kind == "hotline")
        .find(|i| i.village_code == hotline.village_code)
        .unwrap();
    assert_eq!(hotline.event_id, Some(logged.stored.event.id));

    // The officer accepts the first report's event a little later: the scorecard times it from the audit trail.
    let first_report = linked.iter().find(|i| i.kind.ends_with("_report")).unwrap();
    let event_id = first_report.event_id.unwrap();
    t.clock.advance(Duration::seconds(4));
    let event = s.event(event_id).await.unwrap();
    let accept = redgrid_core::closed_loop::Command::Accept { category: None, severity: None, grid: None };
    s.act(&officer, event_id, Some(event.stored.event.version), accept).await.unwrap();
    let card = s.drill_scorecard(&drill.id).await.unwrap();
    let scored = card.injects.iter().find(|i| i.seq == first_report.seq).unwrap();
    let accept = scored.steps.iter().find(|st| st.step == "accept").expect("the accept is timed");
    let record =
        s.history(event_id).await.unwrap().into_iter().find(|r| r.entry.command == "accept").unwrap();
    assert_eq!(accept.at, record.entry.at, "the step's time is the audit record's");
    assert_eq!(accept.seconds, (record.entry.at - first_report.injected_at.unwrap()).num_seconds());
    assert!(accept.limit_seconds.is_some_and(|l| l > 0), "the limit scaled by the speed");
    let done = scored.expected.iter().find(|e| e.action == "accept").unwrap();
    assert!(done.done && done.by.as_deref() == Some("黄志明"), "{done:?}");
    assert!(card.score > 0.0 && card.score < 100.0, "{}", card.score);
    assert!(["优秀", "良好", "合格", "不合格"].contains(&card.conclusion));
    assert!(card.officers.iter().any(|(name, n)| name == "黄志明" && *n >= 1));

    // The real month's figures are what they were, to the last digit.
    let after = s.stats(month).await.unwrap();
    assert_eq!(format!("{:?}", after), format!("{:?}", before));
}

#[tokio::test]
async fn only_the_drills_commissioner_or_a_leader_pauses_or_stops_it() {
    let t = demo_station(1).await;
    let s = &t.station;
    let commissioner = person(Role::Commissioner, "commissioner", "梁文华");
    let other = person(Role::Commissioner, "commissioner2", "韦志强");
    let leader = person(Role::Leader, "leader", "陈永福");
    let scenario = s.validate_drill_scenario(FLOOD, "flood.csv").await.unwrap().scenario.unwrap();
    let drill = s.start_drill(&commissioner, &scenario, 60).await.unwrap();
    s.inject_due(&drill.id).await.unwrap();
    // The first inject declares a worker 失联: while the drill runs, simulated terminals read them as silent.
    let silent: String = scenario.injects[0].worker_id.clone().unwrap();
    assert_eq!(s.store().unreachable_in_live_drill().await.unwrap(), vec![silent]);
    assert_eq!(s.control_drill(&other, &drill.id, DrillChange::Pause).await.unwrap_err().code(), "forbidden");
    let paused = s.control_drill(&commissioner, &drill.id, DrillChange::Pause).await.unwrap();
    assert_eq!(paused.state, "paused");
    // Paused, nothing is due however long it waits; resumed, the schedule skips the pause.
    t.clock.advance(Duration::minutes(5));
    assert!(s.inject_due(&drill.id).await.unwrap().is_empty());
    let resumed = s.control_drill(&commissioner, &drill.id, DrillChange::Resume).await.unwrap();
    assert_eq!(resumed.paused_ms, 5 * 60 * 1000);
    assert_eq!(
        s.control_drill(&commissioner, &drill.id, DrillChange::Resume).await.unwrap_err().code(),
        "invalid"
    );
    let stopped = s.control_drill(&leader, &drill.id, DrillChange::Stop).await.unwrap();
    assert_eq!(stopped.state, "stopped");
    assert!(
        s.store().unreachable_in_live_drill().await.unwrap().is_empty(),
        "a stopped drill silences nobody"
    );
    assert!(s.inject_due(&drill.id).await.unwrap().is_empty(), "a stopped drill sends nothing");
    let audit = s.store().recent_audit(100).await.unwrap();
    for command in ["drill_start", "drill_pause", "drill_resume", "drill_stop"] {
        assert!(audit.iter().any(|r| r.entry.command == command), "{command} audited");
    }
    // Another drill may start once this one is over.
    s.start_drill(&commissioner, &scenario, 60).await.unwrap();
}
