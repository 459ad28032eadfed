//! The facade on a real SQLite file: commands with their audit records and feed entries, conflicts,
//! authorisation, mode switches, the demo township and its statistics.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use redgrid_api::{ApiError, FixedClock, Station, StationConfig};
use redgrid_core::closed_loop::{Actor, Command, MergeTarget, NewEvent, Role};
use redgrid_core::event::{Category, DisputeKind, Evaluation, Outcome, Severity, Source, Status};
use redgrid_core::grid::{GridCode, LevelScheme};
use redgrid_core::stats::{Counters, EventFacts};
use redgrid_core::time::Month;
use redgrid_core::time_limit::Mode;
use redgrid_demo::township::{self as demo, DemoConfig};
use redgrid_store::QueueFilter;

pub struct TestStation {
    pub station: Station,
    pub clock: Arc<FixedClock>,
    dir: std::path::PathBuf,
}

impl Drop for TestStation {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

/// A station on a fresh SQLite file whose clock reads Wednesday 18 November 2026, 10:00 in Guigang.
pub async fn test_station() -> TestStation {
    let dir = std::env::temp_dir().join(format!(
        "redgrid_api_{}_{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let clock = Arc::new(FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 18, 2, 0, 0).unwrap()));
    let url = format!("sqlite://{}", dir.join("station.db").display());
    let station = Station::open(
        &url,
        StationConfig { station_id: "test-station".into(), ..StationConfig::default() },
        clock.clone(),
    )
    .await
    .unwrap();
    TestStation { station, clock, dir }
}

/// The demo township with a short history, for tests that need real grids and workers.
pub async fn demo_station(days: i64) -> TestStation {
    let t = test_station().await;
    let config = DemoConfig { history_days: days, ..DemoConfig::default() };
    demo::seed(&t.station, &config).await.expect("the demo seeds into an empty store");
    t
}

fn person(role: Role, id: &str, name: &str) -> Actor {
    Actor { id: id.into(), name: name.into(), role, station: "test-station".into() }
}

fn phone_call(grid: &str, category: Category) -> NewEvent {
    NewEvent {
        title: "群众来电反映邻里纠纷".into(),
        description: "来电人称与邻居因排水沟发生争执".into(),
        category,
        severity: Severity::General,
        source: Source::ByHand,
        grid: GridCode::parse(grid, &LevelScheme::guigang()).unwrap(),
        lon: None,
        lat: None,
        address: String::new(),
        reporter: "来电群众".into(),
        drill: false,
    }
}

const SMALL_GRID: &str = "450802101201001";

#[tokio::test]
async fn the_loop_end_to_end_leaves_an_audit_trail_and_feed() {
    let t = demo_station(3).await;
    let s = &t.station;
    let officer = person(Role::DutyOfficer, "duty1", "黄志明");
    let feed_before = s.store().feed_head().await.unwrap();
    let reported =
        s.report(&officer, phone_call(SMALL_GRID, Category::Dispute(DisputeKind::Neighbours))).await.unwrap();
    let id = reported.stored.event.id;
    assert_eq!(reported.stored.event.status, Status::Reported);
    assert!(reported.seconds_left.is_some_and(|s| s > 0), "the accept clock runs from the report");
    let worker = s
        .store()
        .workers(&s.scheme())
        .await
        .unwrap()
        .into_iter()
        .find(|w| w.worker.grids[0].as_str() == SMALL_GRID)
        .unwrap();
    let terminal = person(
        if worker.worker.is_grid_leader() { Role::GridLeader } else { Role::GridWorker },
        &worker.worker.id,
        &worker.worker.name,
    );
    let steps: Vec<(Actor, Command, i64)> = vec![
        (
            officer.clone(),
            Command::Accept { category: None, severity: Some(Severity::Serious), grid: None },
            3,
        ),
        (
            officer.clone(),
            Command::Dispatch { workers: vec![worker.worker.id.clone()], note: "请尽快到场".into() },
            5,
        ),
        (terminal.clone(), Command::Acknowledge, 2),
        (terminal.clone(), Command::Arrive, 11),
        (
            terminal.clone(),
            Command::Feedback {
                notes: "两户已达成和解".into(),
                photos: vec!["p1.jpg".into()],
                on_behalf_of: None,
            },
            30,
        ),
        (officer.clone(), Command::Verify { note: "电话回访属实".into() }, 10),
        (
            officer.clone(),
            Command::Close {
                outcome: Outcome::MediatedSuccessfully,
                evaluation: Evaluation::Satisfied,
                note: String::new(),
            },
            5,
        ),
    ];
    let mut version = reported.stored.event.version;
    for (actor, command, minutes) in steps {
        t.clock.advance(Duration::minutes(minutes));
        let view = s.act(&actor, id, Some(version), command).await.unwrap();
        assert_eq!(view.stored.event.version, version + 1);
        version = view.stored.event.version;
    }
    let closed = s.event(id).await.unwrap().stored.event;
    assert_eq!(closed.status, Status::Closed);
    let history = s.history(id).await.unwrap();
    let commands: Vec<&str> = history.iter().map(|r| r.entry.command.as_str()).collect();
    assert_eq!(
        commands,
        ["report", "accept", "dispatch", "acknowledge", "arrive", "feedback", "verify", "close"]
    );
    assert_eq!(history[2].entry.actor_name, "黄志明", "the signed-in person is the actor of record");
    assert_eq!(history[2].entry.station, "test-station");
    assert_eq!(history[4].entry.actor_id, worker.worker.id, "terminal actions are the worker's own");
    let feed = s.store().feed_since(feed_before, 100).await.unwrap();
    let of = |entity: &str| -> Vec<&str> {
        feed.iter().filter(|e| e.entity == entity).map(|e| e.change.as_str()).collect()
    };
    assert_eq!(of("event").len(), 8, "one feed entry per command");
    assert_eq!(of("task"), ["sent", "acknowledged", "arrived", "done"], "and the task's own progress");
    assert_eq!(s.store().verify_audit().await.unwrap().first_bad, None);
}

#[tokio::test]
async fn refusals_are_typed_and_change_nothing() {
    let t = demo_station(1).await;
    let s = &t.station;
    let officer = person(Role::DutyOfficer, "duty1", "黄志明");
    let commissioner = person(Role::Commissioner, "commissioner", "梁文华");
    let event = s.report(&officer, phone_call(SMALL_GRID, Category::Fire)).await.unwrap().stored.event;
    let audit_before = s.store().verify_audit().await.unwrap().records;
    let error = s
        .act(&commissioner, event.id, None, Command::Accept { category: None, severity: None, grid: None })
        .await
        .unwrap_err();
    assert_eq!(error.code(), "role_not_allowed");
    assert!(error.to_string().contains("政法委员"), "the message says who may not: {error}");
    let error = s.act(&officer, event.id, None, Command::Verify { note: String::new() }).await.unwrap_err();
    assert_eq!(error.code(), "illegal_transition");
    let error = s.report(&officer, phone_call("450802101299001", Category::Fire)).await.unwrap_err();
    assert!(matches!(error, ApiError::UnknownGrid(_)), "{error}");
    let admin = person(Role::Administrator, "admin", "系统管理员");
    assert_eq!(
        s.report(&admin, phone_call(SMALL_GRID, Category::Fire)).await.unwrap_err().code(),
        "role_not_allowed"
    );
    assert_eq!(
        s.store().verify_audit().await.unwrap().records,
        audit_before,
        "refusals write no audit record"
    );
    assert_eq!(s.event(event.id).await.unwrap().stored.event, event, "and leave the event as it was");
    s.act(&officer, event.id, None, Command::Accept { category: None, severity: None, grid: None })
        .await
        .unwrap();
    let error = s
        .act(
            &officer,
            event.id,
            None,
            Command::Dispatch { workers: vec!["W-nobody".into()], note: String::new() },
        )
        .await
        .unwrap_err();
    assert_eq!(error.code(), "invalid", "a task goes only to a worker the station knows");
    assert!(error.to_string().contains("W-nobody"), "{error}");
}

#[tokio::test]
async fn two_officers_on_one_event_one_wins_and_the_other_is_told_who() {
    let t = demo_station(1).await;
    let s = &t.station;
    let first = person(Role::DutyOfficer, "duty1", "黄志明");
    let second = person(Role::DutyOfficer, "duty2", "韦丽娟");
    let event = s.report(&first, phone_call(SMALL_GRID, Category::Livelihood)).await.unwrap().stored.event;
    let accept = Command::Accept { category: None, severity: None, grid: None };
    let (a, b) = tokio::join!(
        s.act(&first, event.id, Some(event.version), accept.clone()),
        s.act(&second, event.id, Some(event.version), Command::Reject { reason: "无效".into() })
    );
    let (winner, loser) = match (a, b) {
        (Ok(_), Err(e)) => ("黄志明", e),
        (Err(e), Ok(_)) => ("韦丽娟", e),
        other => panic!("exactly one of two concurrent commands on version 1 succeeds: {other:?}"),
    };
    assert_eq!(loser.code(), "conflict");
    assert!(loser.to_string().contains(winner), "the conflict names who acted: {loser}");
    assert_eq!(s.history(event.id).await.unwrap().len(), 2, "report and the one command that won");
}

#[tokio::test]
async fn merge_checks_the_target_and_mode_switches_are_a_leaders_audited_act() {
    let t = demo_station(1).await;
    let s = &t.station;
    let officer = person(Role::DutyOfficer, "duty1", "黄志明");
    let leader = person(Role::Leader, "leader", "陈永福");
    let a = s.report(&officer, phone_call(SMALL_GRID, Category::Fire)).await.unwrap().stored.event;
    let b = s.report(&officer, phone_call(SMALL_GRID, Category::Fire)).await.unwrap().stored.event;
    // The caller's idea of the target's status is ignored: the facade reads it under the write lock.
    let merged = s
        .act(
            &officer,
            b.id,
            None,
            Command::Merge {
                into: MergeTarget { id: a.id, status: Status::Closed },
                reason: "同一火情".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(merged.stored.event.status, Status::Merged);
    assert_eq!(merged.stored.event.merged_into, Some(a.id));

    assert_eq!(s.switch_mode(&officer, Mode::Wartime, "台风预警").await.unwrap_err().code(), "forbidden");
    assert_eq!(s.switch_mode(&leader, Mode::Wartime, " ").await.unwrap_err().code(), "invalid");
    let peace = s.report(&officer, phone_call(SMALL_GRID, Category::Livelihood)).await.unwrap();
    s.switch_mode(&leader, Mode::Wartime, "台风“海葵”预警，启动战时机制").await.unwrap();
    assert_eq!(s.mode(), Mode::Wartime);
    let war = s.report(&officer, phone_call(SMALL_GRID, Category::Livelihood)).await.unwrap();
    assert_eq!(war.seconds_left.unwrap() * 2, peace.seconds_left.unwrap(), "wartime halves the accept limit");
    let last = &s.store().recent_audit(1).await.unwrap()[0];
    // The newest record is the wartime report; the switch is just before it.
    let switch = &s.store().recent_audit(2).await.unwrap()[1];
    assert_eq!(last.entry.command, "report");
    assert_eq!(
        (switch.entry.command.as_str(), switch.entry.to_status.as_deref()),
        ("switch_mode", Some("level_1")),
        "a binary switch to wartime is the ladder's highest level, by its key"
    );
    assert_eq!(switch.entry.actor_name, "陈永福");
    // Another station opening the same file sees the mode that was switched.
    let other =
        Station::with_store(s.store().clone(), StationConfig::default(), t.clock.clone()).await.unwrap();
    assert_eq!(other.mode(), Mode::Wartime);
}

#[tokio::test]
async fn the_demo_township_is_real_and_its_statistics_match_the_raw_rows() {
    let t = demo_station(90).await;
    let s = &t.station;
    let tree = s.store().grid_tree(1).await.unwrap();
    let township = tree.iter().find(|n| n.depth == 0).unwrap();
    assert_eq!((township.code.as_str(), township.name.as_str()), ("450802101", "大圩镇"));
    let villages: Vec<_> = tree.iter().filter(|n| n.depth == 1).collect();
    assert_eq!(villages.len(), 19, "大圩镇 has 19 villages and communities in the division data");
    assert!(villages.iter().any(|v| v.code == "450802101201" && v.name == "大圩村"), "real codes and names");
    let registers = s.store().registers("450802101201", &s.scheme()).await.unwrap().unwrap();
    assert!(
        !registers.residents.is_empty() && !registers.workers.is_empty() && !registers.households.is_empty()
    );
    assert!(
        registers.residents.iter().all(|r| redgrid_core::register::is_valid_id_number(&r.id_number)),
        "identity numbers validate"
    );
    assert_eq!(
        s.store().verify_audit().await.unwrap().first_bad,
        None,
        "the seeded history's audit chain verifies"
    );

    // Statistics of last month recomputed from the raw rows, independently of the SQL and the core.
    let month = Month::of(s.now() - Duration::days(30));
    let report = s.stats(month).await.unwrap();
    let (from, to) = month.span();
    let rows: Vec<(String, i64, String, i64, i64, Option<String>)> = sqlx::query_as(
        "SELECT status, drill, category, on_time_steps, late_steps, outcome FROM events WHERE reported_at >= $1 AND reported_at < $2",
    )
    .bind(from.timestamp_millis())
    .bind(to.timestamp_millis())
    .fetch_all(s.store().read_pool())
    .await
    .unwrap();
    let real: Vec<_> = rows.iter().filter(|r| r.1 == 0).collect();
    let valid: Vec<_> =
        real.iter().filter(|r| !["rejected", "merged", "voided"].contains(&r.0.as_str())).collect();
    let closed = valid.iter().filter(|r| r.0 == "closed").count() as i64;
    let handled = valid
        .iter()
        .filter(|r| ["handled", "verified", "closed", "escalated"].contains(&r.0.as_str()))
        .count() as i64;
    let mediated =
        real.iter().filter(|r| r.0 == "closed" && r.5.as_deref() == Some("mediated")).count() as i64;
    let failed =
        real.iter().filter(|r| r.0 == "closed" && r.5.as_deref() == Some("mediation_failed")).count() as i64;
    assert!(real.len() > 100, "a month of a township's work: {}", real.len());
    assert_eq!(report.total.reported, real.len() as i64);
    assert_eq!(report.total.valid, valid.len() as i64);
    assert_eq!(report.total.closed, closed);
    assert_eq!(report.total.handled, handled);
    assert_eq!((report.total.disputes_mediated, report.total.disputes_mediation_failed), (mediated, failed));
    let late_handle = valid.iter().filter(|r| r.4 & 4 != 0).count() as i64;
    assert_eq!(report.total.step_late[2], late_handle, "late handling steps");
    let rate = report.total.rates().handling_rate.unwrap();
    assert!(rate > 0.9, "a real centre's handling rate: {rate}");
    let mut by_core = Counters::default();
    for r in &rows {
        by_core.count(&EventFacts {
            status: Status::from_key(&r.0).unwrap(),
            category: Category::parse(&r.2).unwrap(),
            drill: r.1 != 0,
            on_time_steps: r.3,
            late_steps: r.4,
            outcome: r.5.as_deref().and_then(Outcome::from_key),
        });
    }
    assert_eq!(report.total, by_core);
    let (_, open) = s.store().count_events().await.unwrap();
    let (queue, total) = s.queue(&QueueFilter::default(), 0, 500).await.unwrap();
    assert_eq!(total, open, "the queue holds every open event");
    assert!(
        queue.windows(2).all(|w| w[0].stored.event.due_at.unwrap_or(chrono::DateTime::<Utc>::MAX_UTC)
            <= w[1].stored.event.due_at.unwrap_or(chrono::DateTime::<Utc>::MAX_UTC)),
        "most urgent first"
    );
}

#[tokio::test]
async fn the_demo_is_deterministic_for_a_seed_and_refuses_a_used_store() {
    let a = demo_station(20).await;
    let b = demo_station(20).await;
    let titles = |s: &Station| {
        let pool = s.store().read_pool().clone();
        async move {
            sqlx::query_as::<_, (i64, String, String)>("SELECT id, title, status FROM events ORDER BY id")
                .fetch_all(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(titles(&a.station).await, titles(&b.station).await, "same seed, same clock, same township");
    let again = demo::seed(&a.station, &DemoConfig::default()).await.unwrap_err();
    assert_eq!(again.code(), "invalid", "seeding twice would mix two townships' worth of history: {again}");
}

#[tokio::test]
async fn a_drill_event_is_logged_by_hand_on_a_grid_below_its_village() {
    let t = demo_station(1).await;
    let s = &t.station;
    let officer = person(Role::DutyOfficer, "duty1", "值班员甲");
    // The map's tree stops at villages; the dialog asks for the village's own subtree.
    let village = &SMALL_GRID[..12];
    let subtree = s.grid_subtree(village, 3).await.unwrap();
    assert_eq!(subtree[0].code, village, "the village first");
    assert!(subtree.iter().any(|n| n.code == SMALL_GRID), "its small grids");
    assert!(subtree.iter().any(|n| n.depth == 3 && n.code.starts_with(SMALL_GRID)), "and their micro grids");
    assert!(
        subtree.iter().all(|n| n.depth <= 3 && n.code.starts_with(village)),
        "nothing deeper, nothing outside"
    );
    let micro = subtree.iter().find(|n| n.depth == 3).unwrap().code.clone();

    let source = redgrid_api::console::hand_logged_source("drill", true).unwrap();
    let mut drill = phone_call(&micro, Category::Safety);
    drill.source = source;
    drill.drill = true;
    let view = s.report(&officer, drill).await.expect("a drill event logged at the desk is accepted");
    assert!(view.stored.event.drill);
    assert_eq!(view.stored.event.grid.as_str(), micro);
    assert!(
        redgrid_api::console::hand_logged_source("by_hand", true).is_err(),
        "a drill event is not a phone call"
    );
    assert!(redgrid_api::console::hand_logged_source("drill", false).is_err(), "nor a real one a drill");
}

#[tokio::test]
async fn the_worker_board_lists_every_worker_on_shift_first() {
    let t = demo_station(1).await;
    let s = &t.station;
    let board = s.worker_board().await.unwrap();
    assert_eq!(board.len(), s.store().workers(&s.scheme()).await.unwrap().len(), "every worker");
    let first_off = board.iter().position(|r| !r.on_shift).unwrap_or(board.len());
    assert!(first_off > 0, "some are on shift");
    assert!(board[first_off..].iter().all(|r| !r.on_shift), "those on shift come first");
    assert!(board.iter().all(|r| r.max_tasks > 0 && r.active_tasks >= 0));
}
