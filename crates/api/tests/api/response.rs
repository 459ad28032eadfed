//! Graded response levels: the leader's switch (audited, broadcast with the level, refused without a reason
//! or by anyone else), each level's pace on steps that start under it, the dry run that changes nothing,
//! and a second station on the same database following the switch.

use std::sync::Arc;

use chrono::Duration;
use redgrid_api::{Station, StationConfig};
use redgrid_core::closed_loop::{Actor, NewEvent, Role};
use redgrid_core::event::{Category, Severity, Source};
use redgrid_core::grid::{GridCode, LevelScheme};
use redgrid_core::time_limit::Mode;

use crate::station::demo_station;

fn person(role: Role, id: &str, name: &str) -> Actor {
    Actor { id: id.into(), name: name.into(), role, station: "test-station".into() }
}

fn call(title: &str) -> NewEvent {
    NewEvent {
        title: title.into(),
        description: "来电反映".into(),
        category: Category::Livelihood,
        severity: Severity::General,
        source: Source::ByHand,
        grid: GridCode::parse("450802101201001", &LevelScheme::guigang()).unwrap(),
        lon: None,
        lat: None,
        address: String::new(),
        reporter: "来电群众".into(),
        drill: false,
    }
}

#[tokio::test]
async fn a_leader_switches_levels_and_each_level_sets_the_pace_of_steps_that_start_under_it() {
    let t = demo_station(2).await;
    let s = &t.station;
    let leader = person(Role::Leader, "leader", "陈永福");
    let officer = person(Role::DutyOfficer, "duty1", "黄志明");
    assert_eq!(s.level().key, "peacetime");

    // Refusals change nothing.
    assert_eq!(s.set_level(&officer, "level_2", "台风").await.unwrap_err().code(), "forbidden");
    assert_eq!(s.set_level(&leader, "level_2", "  ").await.unwrap_err().code(), "invalid");
    let unknown = s.set_level(&leader, "五级", "台风").await.unwrap_err();
    assert!(unknown.to_string().contains("Ⅱ级"), "the refusal names the levels: {unknown}");
    assert_eq!(s.set_level(&leader, "平时", "无事").await.unwrap_err().code(), "invalid", "already there");
    assert!(s.level_switches(None).await.unwrap().is_empty());

    let peace = s.report(&officer, call("平时来电")).await.unwrap();
    let peace_ack = s.ack_minutes().await.unwrap();
    let switch = s.set_level(&leader, "Ⅱ级", "台风橙色预警").await.unwrap();
    assert_eq!((switch.from_level.as_str(), switch.to_level.as_str()), ("peacetime", "level_2"));
    assert_eq!(s.mode(), Mode::Wartime, "Ⅱ级 is wartime to old readers");
    let war = s.report(&officer, call("Ⅱ级来电")).await.unwrap();
    let (p, w) = (peace.seconds_left.unwrap(), war.seconds_left.unwrap());
    assert!((w - p * 60 / 100).abs() <= 60, "Ⅱ级 limits are 60% of peacetime: {w} vs {p}");
    assert_eq!(s.ack_minutes().await.unwrap(), (peace_ack * 60 + 99) / 100, "and so is acknowledgement");
    // A step that started in peacetime keeps its peacetime limit.
    let before = s.event(peace.stored.event.id).await.unwrap();
    assert_eq!(before.stored.event.due_at, peace.stored.event.due_at);

    let view = s.level_view().await.unwrap();
    assert_eq!((view.level.name.as_str(), view.by.as_deref()), ("Ⅱ级", Some("陈永福")));
    assert_eq!(view.since, Some(s.now()));

    let audit = &s.store().recent_audit(2).await.unwrap()[1];
    assert_eq!(
        (audit.entry.command.as_str(), audit.entry.from_status.as_deref(), audit.entry.to_status.as_deref()),
        ("switch_mode", Some("peacetime"), Some("level_2"))
    );
    // The broadcast keeps `mode` for old terminals and adds the level.
    let outbox = s.store().pending_outbox("test-station", 1000).await.unwrap();
    let mode = outbox.iter().rev().find(|m| m.topic.ends_with("broadcast/mode")).expect("broadcast queued");
    assert!(mode.retained, "the mode broadcast is retained");
    let payload: serde_json::Value = serde_json::from_slice(&mode.payload).unwrap();
    assert_eq!((payload["mode"].as_str(), payload["level"].as_str()), (Some("wartime"), Some("level_2")));
    assert_eq!(payload["level_name"], "Ⅱ级");

    // Back to 平时: steps that start now get peacetime limits again.
    t.clock.advance(Duration::hours(3));
    s.set_level(&leader, "peacetime", "预警解除").await.unwrap();
    let after = s.report(&officer, call("解除后来电")).await.unwrap();
    assert_eq!(after.seconds_left, peace.seconds_left);
    assert_eq!(s.level_switches(None).await.unwrap().len(), 2);
}

#[tokio::test]
async fn the_dry_run_shows_what_a_level_would_do_and_changes_nothing() {
    let t = demo_station(20).await;
    let s = &t.station;
    let leader = person(Role::Leader, "leader", "陈永福");
    let audit_before = s.store().recent_audit(1).await.unwrap()[0].seq;
    let peace = s.level_dry_run(&leader, "peacetime").await.unwrap();
    let level_1 = s.level_dry_run(&leader, "Ⅰ级").await.unwrap();
    assert!(
        level_1.overdue.len() > peace.overdue.len(),
        "halved limits put more open events over: {} vs {}",
        level_1.overdue.len(),
        peace.overdue.len()
    );
    assert!(peace.overdue.iter().all(|id| level_1.overdue.contains(id)), "late stays late");
    // What a dry run calls overdue at peacetime is what the queue already says.
    let (queue, _) = s
        .queue(&redgrid_store::QueueFilter { overdue_at: Some(s.now()), ..Default::default() }, 0, 100_000)
        .await
        .unwrap();
    let mut queued: Vec<i64> = queue.iter().map(|v| v.stored.event.id).collect();
    let mut dry: Vec<i64> = peace.overdue.clone();
    queued.sort_unstable();
    dry.sort_unstable();
    assert_eq!(dry, queued);
    assert!(level_1.duty_required.leader_on_duty && level_1.duty_required.officers == 3);
    assert!(!level_1.callup.is_empty(), "24-hour cover calls up the part-time force");
    assert!(peace.callup.is_empty());
    assert_eq!(s.level().key, "peacetime", "nothing switched");
    assert_eq!(s.store().recent_audit(1).await.unwrap()[0].seq, audit_before, "nothing audited");
    let officer = person(Role::DutyOfficer, "duty1", "黄志明");
    assert_eq!(s.level_dry_run(&officer, "Ⅰ级").await.unwrap_err().code(), "forbidden");
}

#[tokio::test]
async fn another_station_on_the_same_database_follows_the_switch() {
    let t = demo_station(1).await;
    let url = t.station.store().url().to_string();
    let other = Station::open(
        &url,
        StationConfig { station_id: "station-2".into(), ..StationConfig::default() },
        Arc::new(redgrid_api::SystemClock),
    )
    .await
    .unwrap();
    let leader = person(Role::Leader, "leader", "陈永福");
    t.station.set_level(&leader, "level_3", "暴雨预警").await.unwrap();
    assert_eq!(other.level().key, "peacetime", "not before it re-reads its rules");
    other.reload_rules().await.unwrap();
    assert_eq!(other.level().key, "level_3");
    assert_eq!(other.level_view().await.unwrap().by.as_deref(), Some("陈永福"));
}

#[tokio::test]
async fn the_leaders_desk_lists_the_requests_waiting_and_an_approval_clears_one() {
    use redgrid_core::closed_loop::Command;
    let t = demo_station(1).await;
    let s = &t.station;
    let leader = person(Role::Leader, "leader", "陈永福");
    let officer = person(Role::DutyOfficer, "duty1", "黄志明");
    let before = s.requests_waiting().await.unwrap().len();
    let reported = s.report(&officer, call("村道塌方需县级协调")).await.unwrap();
    let id = reported.stored.event.id;
    let accepted = s
        .act(&officer, id, None, Command::Accept { category: None, severity: None, grid: None })
        .await
        .unwrap();
    s.act(
        &officer,
        id,
        Some(accepted.stored.event.version),
        Command::RequestEscalation { reason: "需县交通局处置".into() },
    )
    .await
    .unwrap();
    t.clock.advance(Duration::minutes(1));
    let waiting = s.requests_waiting().await.unwrap();
    assert_eq!(waiting.len(), before + 1);
    let mine = waiting.iter().find(|w| w.event_id == id).expect("the escalation waits for the leader");
    assert_eq!((mine.kind, mine.kind_zh, mine.requested_by.as_str()), ("escalate", "提级", "黄志明"));
    assert_eq!(mine.reason, "需县交通局处置");
    assert!(
        waiting.windows(2).all(|w| (w[0].drill, w[0].requested_at) <= (w[1].drill, w[1].requested_at)),
        "real first, oldest first"
    );
    s.act(&leader, id, Some(mine.version), Command::Approve { note: String::new() }).await.unwrap();
    let after = s.requests_waiting().await.unwrap();
    assert!(after.iter().all(|w| w.event_id != id), "an approved request no longer waits");
}
