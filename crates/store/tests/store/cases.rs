//! The cases of the conformance suite, each written once for both backends.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use redgrid_core::closed_loop::{
    self, Actor, Command, Event, LoopContext, NewEvent, PendingRequest, RequestKind, Role,
};
use redgrid_core::event::{Category, DisputeKind, Evaluation, Outcome, Severity, Source, Status};
use redgrid_core::grid::{Grid, GridCode, GridKind, LevelScheme};
use redgrid_core::register::{CareTag, Household, KeyPlace, KeyPlaceKind, Resident};
use redgrid_core::stats::{Counters, EventFacts};
use redgrid_core::time_limit::{TimeLimitPolicy, WorkCalendar};
use redgrid_core::worker::{BusinessLine, Employment, ForceGroup, ForceRole, ThreeKind, Worker};
use redgrid_store::FeedEntity;
use redgrid_store::{AuditEntry, GridRecord, QueueFilter, Store, StoreError, WorkerRecord};

const VILLAGES: [&str; 2] = ["450802101201", "450802101202"];

fn scheme() -> LevelScheme {
    LevelScheme::guigang()
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 18, 2, 0, 0).unwrap()
}

fn code(text: &str) -> GridCode {
    GridCode::parse(text, &scheme()).unwrap()
}

fn small_grids() -> Vec<String> {
    VILLAGES.iter().flat_map(|v| (1..=3).map(move |s| format!("{v}{s:03}"))).collect()
}

async fn seed_grids(store: &Store) {
    let record = |text: &str, name: &str| GridRecord {
        grid: Grid { code: code(text), name: name.into(), kind: GridKind::Comprehensive },
        lon: Some(109.7),
        lat: Some(23.1),
        boundary: None,
    };
    let mut grids = vec![record("450802101", "大圩镇")];
    grids.extend(VILLAGES.iter().map(|v| record(v, "村")));
    grids.extend(small_grids().iter().map(|s| record(s, "村民小组")));
    let mut tx = store.begin_write().await.unwrap();
    tx.upsert_grids(&grids, &scheme()).await.unwrap();
    tx.commit().await.unwrap();
}

fn officer() -> Actor {
    Actor { id: "duty1".into(), name: "黄志明".into(), role: Role::DutyOfficer, station: "s1".into() }
}

fn new_event(grid: &str, category: Category, severity: Severity) -> NewEvent {
    NewEvent {
        title: "测试事件".into(),
        description: "描述".into(),
        category,
        severity,
        source: Source::ByHand,
        grid: code(grid),
        lon: Some(109.71),
        lat: Some(23.12),
        address: "大圩镇".into(),
        reporter: "来电群众".into(),
        drill: false,
    }
}

struct Loop {
    policy: TimeLimitPolicy,
    calendar: WorkCalendar,
}

impl Loop {
    fn new() -> Loop {
        Loop { policy: TimeLimitPolicy::standard(), calendar: WorkCalendar::default() }
    }
    fn ctx(&self) -> LoopContext<'_> {
        LoopContext {
            policy: &self.policy,
            calendar: &self.calendar,
            pace: redgrid_core::time_limit::Pace::PEACETIME,
            worker_names: &[],
        }
    }
    fn report(&self, new: NewEvent, at: DateTime<Utc>) -> Event {
        closed_loop::report(new, &officer(), at, &self.ctx()).unwrap().event
    }
    fn apply(&self, event: &Event, command: Command, role: Role, at: DateTime<Utc>) -> Event {
        let actor = Actor {
            role,
            id: if role == Role::GridWorker { "w1".into() } else { role.key().into() },
            ..officer()
        };
        closed_loop::apply(event, command, &actor, at, &self.ctx()).unwrap().event
    }
}

fn entry(i: usize) -> AuditEntry {
    AuditEntry {
        at: t0() + Duration::seconds(i as i64),
        actor_id: "duty1".into(),
        actor_name: "黄志明".into(),
        role: "duty_officer".into(),
        station: "s1".into(),
        event_id: Some(i as i64),
        command: "remind".into(),
        from_status: Some("dispatched".into()),
        to_status: Some("dispatched".into()),
        reason: format!("催办第 {i} 次"),
    }
}

async fn append_entries(store: &Store, n: usize) {
    let mut tx = store.begin_write().await.unwrap();
    for i in 1..=n {
        tx.append_audit(&entry(i)).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn insert(store: &Store, event: &Event) -> i64 {
    let mut tx = store.begin_write().await.unwrap();
    let id = tx.insert_event(event, &scheme(), "测试").await.unwrap();
    tx.append_feed(event.reported_at, FeedEntity::Event, &id.to_string(), "report", event.version)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

pub async fn events_round_trip(store: &Store) {
    seed_grids(store).await;
    let l = Loop::new();
    let e = l.report(
        new_event("450802101201001", Category::Dispute(DisputeKind::Family), Severity::Serious),
        t0(),
    );
    let e = l.apply(
        &e,
        Command::Accept { category: None, severity: None, grid: None },
        Role::DutyOfficer,
        t0() + Duration::minutes(3),
    );
    let e = l.apply(
        &e,
        Command::Dispatch { workers: vec!["w1".into(), "w2".into()], note: String::new() },
        Role::DutyOfficer,
        t0() + Duration::minutes(9),
    );
    let mut e = l.apply(&e, Command::Acknowledge, Role::GridWorker, t0() + Duration::minutes(12));
    e.pending = Some(PendingRequest {
        kind: RequestKind::Extend { minutes: 90 },
        requested_by: "w1".into(),
        requested_at: t0() + Duration::minutes(20),
        reason: "当事人外出".into(),
    });
    if let Some(clock) = e.clock.as_mut() {
        clock.pauses.push((t0() + Duration::minutes(13), Some(t0() + Duration::minutes(15))));
    }
    let id = insert(store, &e).await;
    let loaded = store.load_event(id, &scheme()).await.unwrap();
    let mut expected = e.clone();
    expected.id = id;
    assert_eq!(loaded.event, expected, "every field, the clock, tasks and pending request survive storage");
    assert_eq!(loaded.updated_by, "测试");
    assert!(matches!(store.load_event(id + 100, &scheme()).await, Err(StoreError::EventNotFound(_))));
}

pub async fn a_stale_version_is_a_conflict_naming_who_acted(store: &Store) {
    seed_grids(store).await;
    let l = Loop::new();
    let mut e = l.report(new_event("450802101201001", Category::Fire, Severity::General), t0());
    e.id = insert(store, &e).await;
    let accepted =
        l.apply(&e, Command::Accept { category: None, severity: None, grid: None }, Role::DutyOfficer, t0());
    let mut tx = store.begin_write().await.unwrap();
    tx.update_event(&e, &accepted, e.version, &scheme(), t0(), "韦丽娟").await.unwrap();
    tx.commit().await.unwrap();
    // A second officer who still saw version 1 tries to reject it.
    let rejected = l.apply(&e, Command::Reject { reason: "无效".into() }, Role::DutyOfficer, t0());
    let mut tx = store.begin_write().await.unwrap();
    let error = tx.update_event(&e, &rejected, e.version, &scheme(), t0(), "覃建国").await.unwrap_err();
    drop(tx);
    match &error {
        StoreError::Conflict { by, expected, current, .. } => {
            assert_eq!(by, "韦丽娟", "the conflict names who acted");
            assert_eq!((*expected, *current), (1, 2));
        }
        other => panic!("expected a conflict, got {other}"),
    }
    assert!(error.to_string().contains("韦丽娟"));
    assert_eq!(
        store.load_event(e.id, &scheme()).await.unwrap().event.status,
        Status::Accepted,
        "nothing was overwritten"
    );
}

pub async fn the_audit_chain_verifies(store: &Store) {
    let empty = store.verify_audit().await.unwrap();
    assert_eq!((empty.records, empty.first_bad), (0, None), "an empty chain is whole");
    append_entries(store, 30).await;
    let report = store.verify_audit().await.unwrap();
    assert_eq!(report.records, 30);
    assert_eq!(report.first_bad, None);
    let recent = store.recent_audit(3).await.unwrap();
    assert_eq!(recent.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![30, 29, 28]);
    assert_eq!(
        recent[1].prev_hash,
        store.recent_audit(30).await.unwrap()[2].hash,
        "each record links to the one before"
    );
}

pub async fn an_edited_audit_record_is_named(store: &Store) {
    append_entries(store, 20).await;
    sqlx::query("UPDATE audit_log SET reason = 'changed' WHERE seq = 7")
        .execute(store.read_pool())
        .await
        .unwrap();
    let report = store.verify_audit().await.unwrap();
    let bad = report.first_bad.expect("an edited reason breaks the chain");
    assert_eq!(bad.seq, 7, "the first bad record is named: {}", bad.problem);
    // Re-hashing the edited row to match is caught by the next record's link.
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_log WHERE seq IN (6, 8) ORDER BY seq")
            .fetch_all(store.read_pool())
            .await
            .unwrap();
    assert_eq!(rows.len(), 2);
    sqlx::query("UPDATE audit_log SET hash = 'forged' WHERE seq = 7")
        .execute(store.read_pool())
        .await
        .unwrap();
    assert_eq!(store.verify_audit().await.unwrap().first_bad.map(|b| b.seq), Some(7));
}

pub async fn deleting_the_newest_records_is_caught(store: &Store) {
    append_entries(store, 12).await;
    sqlx::query("DELETE FROM audit_log WHERE seq > 10").execute(store.read_pool()).await.unwrap();
    let bad = store.verify_audit().await.unwrap().first_bad.expect("the chain head remembers 12 records");
    assert_eq!(bad.seq, 11, "the first missing record is named: {}", bad.problem);
}

pub async fn deleting_a_record_in_the_middle_is_caught(store: &Store) {
    append_entries(store, 12).await;
    sqlx::query("DELETE FROM audit_log WHERE seq = 5").execute(store.read_pool()).await.unwrap();
    assert_eq!(store.verify_audit().await.unwrap().first_bad.map(|b| b.seq), Some(5));
}

pub async fn a_rolled_back_command_leaves_no_trace(store: &Store) {
    seed_grids(store).await;
    let l = Loop::new();
    let e = l.report(new_event("450802101201001", Category::Fire, Severity::General), t0());
    {
        let mut tx = store.begin_write().await.unwrap();
        tx.insert_event(&e, &scheme(), "测试").await.unwrap();
        tx.append_audit(&entry(1)).await.unwrap();
        tx.append_feed(t0(), FeedEntity::Event, "1", "report", 1).await.unwrap();
        // Dropped without commit, as when a command fails half-way.
    }
    assert_eq!(store.count_events().await.unwrap(), (0, 0));
    assert_eq!(store.feed_head().await.unwrap(), 0);
    assert_eq!(store.verify_audit().await.unwrap().records, 0);
    insert(store, &e).await;
    assert_eq!(
        store.feed_head().await.unwrap(),
        1,
        "the next command takes the sequence number the rolled-back one did not keep"
    );
}

pub async fn concurrent_writers_keep_one_gapless_chain_and_feed(store: &Store) {
    let mut tasks = Vec::new();
    for writer in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..25 {
                let mut tx = store.begin_write().await.unwrap();
                tx.append_audit(&entry(writer * 100 + i)).await.unwrap();
                tx.append_feed(t0(), FeedEntity::Event, &format!("{writer}-{i}"), "changed", 1)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let report = store.verify_audit().await.unwrap();
    assert_eq!((report.records, report.first_bad), (200, None), "200 commits, one unbroken chain");
    let feed = store.feed_since(0, 1000).await.unwrap();
    assert_eq!(
        feed.iter().map(|f| f.seq).collect::<Vec<_>>(),
        (1..=200).collect::<Vec<_>>(),
        "gapless, in order"
    );
    assert_eq!(store.feed_since(150, 10).await.unwrap().first().map(|f| f.seq), Some(151));
}

pub async fn the_queue_is_most_urgent_first_and_filters(store: &Store) {
    seed_grids(store).await;
    let l = Loop::new();
    // Reported at different times: the earliest deadline is the most urgent.
    let mut ids = Vec::new();
    for (minutes_ago, grid, category, severity) in [
        (50, "450802101201001", Category::Livelihood, Severity::General),
        (5, "450802101202002", Category::Fire, Severity::Major),
        (20, "450802101201003", Category::PublicOrder, Severity::General),
        (400, "450802101202001", Category::Safety, Severity::Serious),
    ] {
        let e = l.report(new_event(grid, category, severity), t0() - Duration::minutes(minutes_ago));
        ids.push(insert(store, &e).await);
    }
    // A closed event and a drill stay out of the queue.
    let mut closed = l.report(new_event("450802101201001", Category::Fire, Severity::General), t0());
    closed.status = Status::Closed;
    closed.due_at = None;
    insert(store, &closed).await;
    let mut drill_new = new_event("450802101201001", Category::Weather, Severity::General);
    drill_new.drill = true;
    drill_new.source = Source::Drill;
    insert(store, &l.report(drill_new, t0())).await;

    let page = store.open_queue(&QueueFilter::default(), 0, 50, &scheme()).await.unwrap();
    let order: Vec<i64> = page.events.iter().map(|e| e.event.id).collect();
    // Accept limits: 30 min for general/serious, 5 min for fire. Deadlines: #4 t0-370, #1 t0-20, #2 t0+0, #3 t0+10.
    assert_eq!(order, vec![ids[3], ids[0], ids[1], ids[2]], "earliest deadline first");
    assert_eq!(page.total, 4, "closed and drill events are not in the queue");
    let village = QueueFilter { village_code: Some(VILLAGES[1].into()), ..QueueFilter::default() };
    let page = store.open_queue(&village, 0, 50, &scheme()).await.unwrap();
    assert_eq!(page.events.iter().map(|e| e.event.id).collect::<Vec<_>>(), vec![ids[3], ids[1]]);
    let overdue = QueueFilter { overdue_at: Some(t0()), ..QueueFilter::default() };
    assert_eq!(
        store.open_queue(&overdue, 0, 50, &scheme()).await.unwrap().total,
        2,
        "two deadlines passed before t0"
    );
    let fire = QueueFilter { category: Some(Category::Fire), ..QueueFilter::default() };
    assert_eq!(store.open_queue(&fire, 0, 50, &scheme()).await.unwrap().total, 1);
    let serious = QueueFilter { min_severity: Some(Severity::Serious), ..QueueFilter::default() };
    assert_eq!(store.open_queue(&serious, 0, 50, &scheme()).await.unwrap().total, 2);
    let grid = QueueFilter { grid_prefix: Some("450802101201003".into()), ..QueueFilter::default() };
    assert_eq!(store.open_queue(&grid, 0, 50, &scheme()).await.unwrap().events[0].event.id, ids[2]);
    // A data scope of two grids in different villages: both, in queue order, and a count that agrees.
    let scope = QueueFilter {
        grid_prefixes: vec!["450802101201003".into(), "450802101202".into()],
        ..QueueFilter::default()
    };
    let page = store.open_queue(&scope, 0, 50, &scheme()).await.unwrap();
    assert_eq!(page.events.iter().map(|e| e.event.id).collect::<Vec<_>>(), vec![ids[3], ids[1], ids[2]]);
    assert_eq!(page.total, 3, "the count is taken under the same ranges as the rows");
    let first = store.open_queue(&scope, 0, 1, &scheme()).await.unwrap();
    assert_eq!((first.events.len(), first.total), (1, 3), "a page of one still counts the whole scope");
    // Ranges, not LIKE: a prefix that is a grid of its own covers its grids and nothing beside it.
    let narrow = QueueFilter {
        grid_prefixes: vec!["450802101201003".into()],
        category: Some(Category::Livelihood),
        ..QueueFilter::default()
    };
    assert_eq!(store.open_queue(&narrow, 0, 50, &scheme()).await.unwrap().total, 0, "filters still apply");
    let drill_view = QueueFilter { drill: true, ..QueueFilter::default() };
    assert_eq!(
        store.open_queue(&drill_view, 0, 50, &scheme()).await.unwrap().total,
        1,
        "the drill's own queue"
    );
    let second_page = store.open_queue(&QueueFilter::default(), 2, 2, &scheme()).await.unwrap();
    assert_eq!(second_page.events.iter().map(|e| e.event.id).collect::<Vec<_>>(), vec![ids[1], ids[2]]);
}

pub async fn stats_in_sql_match_the_core_definitions(store: &Store) {
    seed_grids(store).await;
    let l = Loop::new();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let grids = small_grids();
    let categories = [Category::Dispute(DisputeKind::Neighbours), Category::Fire, Category::Livelihood];
    let mut events = Vec::new();
    for i in 0..160 {
        let grid = &grids[rng.gen_range(0..grids.len())];
        let category = categories[rng.gen_range(0..categories.len())];
        let mut new = new_event(grid, category, Severity::General);
        if i % 23 == 0 {
            new.drill = true;
            new.source = Source::Drill;
        }
        let at = t0() - Duration::hours(rng.gen_range(0..200));
        let mut e = l.report(new, at);
        let mut step_at = at;
        let mut step = |e: &Event, command: Command, role: Role, rng: &mut rand::rngs::StdRng| {
            step_at += Duration::minutes(rng.gen_range(1..120));
            l.apply(e, command, role, step_at)
        };
        match rng.gen_range(0..8) {
            0 => e = step(&e, Command::Reject { reason: "无效".into() }, Role::DutyOfficer, &mut rng),
            1 => {}
            n => {
                e = step(
                    &e,
                    Command::Accept { category: None, severity: None, grid: None },
                    Role::DutyOfficer,
                    &mut rng,
                );
                if n == 2 {
                    e = step(&e, Command::Void { reason: "重复".into() }, Role::Leader, &mut rng);
                } else if n >= 3 {
                    e = step(
                        &e,
                        Command::Dispatch { workers: vec!["w1".into()], note: String::new() },
                        Role::DutyOfficer,
                        &mut rng,
                    );
                    if n >= 4 {
                        e = step(
                            &e,
                            Command::Feedback { notes: "ok".into(), photos: vec![], on_behalf_of: None },
                            Role::GridWorker,
                            &mut rng,
                        );
                    }
                    if n >= 5 {
                        e = step(&e, Command::Verify { note: String::new() }, Role::DutyOfficer, &mut rng);
                        let outcome = if !category.is_dispute() {
                            Outcome::Resolved
                        } else if n == 5 {
                            Outcome::MediationFailed
                        } else {
                            Outcome::MediatedSuccessfully
                        };
                        e = step(
                            &e,
                            Command::Close {
                                outcome,
                                evaluation: Evaluation::Satisfied,
                                note: String::new(),
                            },
                            Role::DutyOfficer,
                            &mut rng,
                        );
                    }
                }
            }
        }
        events.push(e);
    }
    let mut tx = store.begin_write().await.unwrap();
    tx.insert_events(&events, &scheme(), "测试", t0()).await.unwrap();
    tx.commit().await.unwrap();
    let (from, to) = (t0() - Duration::hours(150), t0());
    let cells = store.stats_cells(from, to).await.unwrap();
    let mut by_sql = std::collections::BTreeMap::new();
    for cell in cells {
        by_sql.insert((cell.grid, cell.category.key()), cell.counters);
    }
    let mut by_core: std::collections::BTreeMap<(String, &str), Counters> = std::collections::BTreeMap::new();
    for e in events.iter().filter(|e| e.reported_at >= from && e.reported_at < to && !e.drill) {
        by_core.entry((e.grid.to_string(), e.category.key())).or_default().count(&EventFacts {
            status: e.status,
            category: e.category,
            drill: e.drill,
            on_time_steps: e.on_time_steps,
            late_steps: e.late_steps,
            outcome: e.outcome,
        });
    }
    assert!(by_core.values().map(|c| c.closed).sum::<i64>() > 10, "the sample has closed events to count");
    assert!(
        by_core.values().map(|c| c.step_late.iter().sum::<i64>()).sum::<i64>() > 0,
        "and some late steps"
    );
    assert_eq!(by_sql, by_core, "SQL counters equal the core's reference definition, cell by cell");
}

pub async fn registers_round_trip(store: &Store) {
    seed_grids(store).await;
    let grid = code("450802101201001");
    let household = Household {
        id: "H1".into(),
        grid: grid.clone(),
        address: "大圩村1号".into(),
        head_name: "黄伟".into(),
    };
    let resident = Resident {
        id_number: "450802198001011234".into(),
        name: "黄伟".into(),
        household_id: "H1".into(),
        grid: grid.clone(),
        phone: "13812345678".into(),
        care_tags: vec![CareTag::ElderlyAlone, CareTag::Disabled],
    };
    let place = KeyPlace {
        id: "P1".into(),
        name: "大圩小学".into(),
        kind: KeyPlaceKind::School,
        grid: grid.clone(),
        address: "大圩镇".into(),
        contact_phone: "13912345678".into(),
        lon: 109.7,
        lat: 23.1,
    };
    let worker = WorkerRecord {
        worker: Worker {
            id: "W1".into(),
            name: "韦丽娟".into(),
            phone: "13712345678".into(),
            employment: Employment::PartTime,
            group: ForceGroup::Three(ThreeKind::VillageCadre),
            roles: vec![ForceRole::GridLeader],
            skills: vec![BusinessLine::Mediation, BusinessLine::Petition],
            grids: vec![grid.clone(), code("450802101201002")],
            party_member: true,
            owntracks_user: Some("wlj".into()),
        },
        on_duty: true,
        lon: Some(109.7),
        lat: Some(23.1),
    };
    let mut tx = store.begin_write().await.unwrap();
    tx.upsert_households(std::slice::from_ref(&household)).await.unwrap();
    tx.upsert_residents(std::slice::from_ref(&resident)).await.unwrap();
    tx.upsert_key_places(std::slice::from_ref(&place)).await.unwrap();
    tx.upsert_workers(std::slice::from_ref(&worker)).await.unwrap();
    tx.commit().await.unwrap();
    let registers = store.registers("450802101201", &scheme()).await.unwrap().expect("the village exists");
    assert_eq!(registers.households, vec![household]);
    assert_eq!(registers.residents, vec![resident]);
    assert_eq!(registers.key_places, vec![place]);
    assert_eq!(registers.workers, vec![worker.clone()]);
    assert_eq!(registers.children.len(), 3, "the village's three small grids");
    assert_eq!(store.worker("W1", &scheme()).await.unwrap(), Some(worker));
    assert!(store.registers("450802101299", &scheme()).await.unwrap().is_none());
    // A resident in a grid that does not exist is refused by the foreign key.
    let mut tx = store.begin_write().await.unwrap();
    let orphan =
        Resident { id_number: "X".into(), grid: code("450802101209001"), ..registers.residents[0].clone() };
    assert!(tx.upsert_residents(&[orphan]).await.is_err(), "foreign keys hold on both backends");
}

pub async fn settings_policy_and_calendar_round_trip(store: &Store) {
    assert_eq!(
        store.time_limit_policy().await.unwrap(),
        TimeLimitPolicy::standard(),
        "the standard policy until one is stored"
    );
    let mut policy = TimeLimitPolicy::standard();
    policy.rules.truncate(7);
    policy.wartime_percent = 40;
    let mut calendar = WorkCalendar::default();
    calendar.holidays.insert(chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap());
    calendar.make_up_days.insert(chrono::NaiveDate::from_ymd_opt(2026, 10, 10).unwrap());
    let mut tx = store.begin_write().await.unwrap();
    tx.save_policy(&policy).await.unwrap();
    tx.save_calendar(&calendar).await.unwrap();
    tx.set_setting("mode", "wartime", t0()).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(store.time_limit_policy().await.unwrap(), policy);
    assert_eq!(store.work_calendar().await.unwrap(), calendar);
    assert_eq!(store.setting("mode").await.unwrap().as_deref(), Some("wartime"));
    assert_eq!(
        store.feed_since(0, 10).await.unwrap().last().map(|f| f.entity_id.clone()),
        Some("mode".into())
    );
}

pub async fn tasks_outbox_and_dispatch_counts(store: &Store) {
    use redgrid_store::dispatch::{DeadlineAlert, TaskProgress, TaskRow};
    seed_grids(store).await;
    let grid = small_grids()[0].clone();
    let worker = WorkerRecord {
        worker: Worker {
            id: "W9".into(),
            name: "黄海燕".into(),
            phone: "13712345679".into(),
            employment: Employment::FullTime,
            group: ForceGroup::One,
            roles: vec![],
            skills: vec![],
            grids: vec![code(&grid)],
            party_member: false,
            owntracks_user: Some("hhy".into()),
        },
        on_duty: true,
        lon: Some(109.7),
        lat: Some(23.1),
    };
    let mut tx = store.begin_write().await.unwrap();
    tx.upsert_workers(std::slice::from_ref(&worker)).await.unwrap();
    tx.commit().await.unwrap();
    let l = Loop::new();
    let at = t0() - Duration::hours(3);
    let mut ids = Vec::new();
    for drill in [false, false, true] {
        let mut new = new_event(&grid, Category::Livelihood, Severity::General);
        if drill {
            new.drill = true;
            new.source = Source::Drill;
        }
        let e = l.report(new, at);
        let e = l.apply(
            &e,
            Command::Accept { category: None, severity: None, grid: None },
            Role::DutyOfficer,
            at,
        );
        let e = l.apply(&e, Command::Remind { note: "快".into() }, Role::DutyOfficer, at);
        ids.push(insert(store, &e).await);
    }
    let mut tx = store.begin_write().await.unwrap();
    for (n, id) in ids.iter().enumerate() {
        let task = TaskRow {
            task_id: format!("{id}:W9:1"),
            event_id: *id,
            worker_id: "W9".into(),
            dispatched_by: "值班员".into(),
            dispatched_at: at,
            ack_due_at: at + Duration::minutes(10),
            acked_at: None,
            arrived_at: None,
            done_at: None,
            cancelled_at: None,
            no_ack_at: None,
            override_note: None,
        };
        tx.insert_task(&task).await.unwrap();
        if n == 0 {
            tx.task_progress(*id, "W9", TaskProgress::Done, at + Duration::minutes(5)).await.unwrap();
        }
        tx.enqueue("s1", &format!("t/W9/tasks/{n}"), b"{}", false, at).await.unwrap();
    }
    tx.enqueue("s2", "t/other", b"{}", false, at).await.unwrap();
    assert_eq!(tx.set_terminal_state("hhy", "offline", at).await.unwrap().as_deref(), Some("W9"));
    assert_eq!(tx.set_terminal_state("nobody", "offline", at).await.unwrap(), None);
    tx.commit().await.unwrap();
    let pending = store.pending_outbox("s1", 10).await.unwrap();
    assert_eq!(pending.len(), 3, "each station sees only its own outbox");
    store.mark_published(&[pending[0].id], at).await.unwrap();
    assert_eq!(store.pending_outbox("s1", 10).await.unwrap().len(), 2);
    let overdue = store.overdue_acks(at + Duration::minutes(11)).await.unwrap();
    assert_eq!(overdue.len(), 2, "the acknowledged task is not overdue (drill or not, the alert is raised)");
    let mut tx = store.begin_write().await.unwrap();
    assert!(tx.mark_no_ack(&overdue[0].task_id, at + Duration::minutes(11)).await.unwrap());
    assert!(!tx.mark_no_ack(&overdue[0].task_id, at + Duration::minutes(12)).await.unwrap(), "once");
    let alerted = tx
        .raise_deadline_alerts(DeadlineAlert::Overdue, t0() + Duration::days(30), Duration::zero())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(alerted.len(), 2, "open real events past their deadline; drills never alert: {alerted:?}");
    let counts = store
        .loop_counts(at - Duration::days(1), t0() + Duration::days(1), t0() + Duration::days(30))
        .await
        .unwrap();
    assert_eq!(counts.reminders, 2, "the drill's reminder is not counted");
    let stats = store.worker_stats(at - Duration::days(1), t0() + Duration::days(1)).await.unwrap();
    let w9 = &stats["W9"];
    assert_eq!(
        (w9.tasks, w9.acknowledged, w9.acknowledged_in_time, w9.done, w9.not_acknowledged),
        (2, 1, 1, 1, 1)
    );
    let states = store.worker_states(at).await.unwrap();
    let state = states.iter().find(|s| s.worker_id == "W9").unwrap();
    assert_eq!((state.terminal_state.as_str(), state.active_tasks), ("offline", 2));
}

pub async fn history_finds_any_event_by_number_words_status_and_date(store: &Store) {
    use redgrid_store::history::{AuditQuery, HistoryQuery};
    seed_grids(store).await;
    let l = Loop::new();
    let stored = |title: &str, status: Status, reporter: &str, days_ago: i64, drill: bool| {
        let mut new = new_event("450802101201001", Category::Safety, Severity::General);
        new.title = title.into();
        new.reporter = reporter.into();
        new.drill = drill;
        if drill {
            new.source = Source::Drill;
        }
        let mut e = l.report(new, t0() - Duration::days(days_ago));
        e.status = status;
        if !status.is_open() {
            e.due_at = None;
            e.clock = None;
        }
        e
    };
    let closed = insert(store, &stored("排水沟纠纷调解", Status::Closed, "来电群众", 2, false)).await;
    let escalated = insert(store, &stored("山林权属争议", Status::Escalated, "韦某", 1, false)).await;
    let open = insert(store, &stored("路灯损坏", Status::Reported, "来电群众", 0, false)).await;
    let drill = insert(store, &stored("演练：仓库火情", Status::Closed, "政法委员", 0, true)).await;
    let find = |q: HistoryQuery| async move {
        let q = HistoryQuery { limit: 50, ..q };
        store.search_events(&q, &scheme()).await.unwrap().into_iter().map(|e| e.event.id).collect::<Vec<_>>()
    };
    assert_eq!(
        find(HistoryQuery { text: format!("#{escalated}"), ..Default::default() }).await,
        vec![escalated]
    );
    assert_eq!(find(HistoryQuery { text: "纠纷".into(), ..Default::default() }).await, vec![closed]);
    assert_eq!(
        find(HistoryQuery { text: "韦某".into(), ..Default::default() }).await,
        vec![escalated],
        "by the person"
    );
    assert_eq!(
        find(HistoryQuery { ended_only: true, ..Default::default() }).await,
        vec![escalated, closed],
        "newest first"
    );
    assert_eq!(
        find(HistoryQuery { status: Some(Status::Escalated), ..Default::default() }).await,
        vec![escalated]
    );
    assert_eq!(
        find(HistoryQuery {
            from: Some(t0() - Duration::hours(30)),
            until: Some(t0() - Duration::hours(1)),
            ..Default::default()
        })
        .await,
        vec![escalated],
        "by the day reported"
    );
    assert_eq!(find(HistoryQuery::default()).await, vec![open, escalated, closed], "drills stay apart");
    assert_eq!(find(HistoryQuery { drill: true, ..Default::default() }).await, vec![drill]);
    assert!(
        find(HistoryQuery { text: "%".into(), ..Default::default() }).await.is_empty(),
        "LIKE's wildcards are literal"
    );
    assert_eq!(
        find(HistoryQuery { text: "村民小组".into(), ..Default::default() }).await.len(),
        3,
        "by the grid's name"
    );

    append_entries(store, 5).await;
    let mut other = entry(6);
    other.actor_id = "leader".into();
    other.station = "s2".into();
    let mut tx = store.begin_write().await.unwrap();
    tx.append_audit(&other).await.unwrap();
    tx.commit().await.unwrap();
    let seqs =
        |records: Vec<redgrid_store::AuditRecord>| records.into_iter().map(|r| r.seq).collect::<Vec<_>>();
    let all = seqs(store.search_audit(&AuditQuery { limit: 100, ..Default::default() }).await.unwrap());
    assert_eq!(all.len(), 6);
    assert!(all.windows(2).all(|w| w[0] > w[1]), "newest first");
    let duty = store
        .search_audit(&AuditQuery { actor_id: Some("duty1".into()), limit: 100, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(duty.len(), 5);
    let s2 = store
        .search_audit(&AuditQuery { station: Some("s2".into()), limit: 100, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(s2.iter().map(|r| r.entry.actor_id.as_str()).collect::<Vec<_>>(), ["leader"]);
    let third = store
        .search_audit(&AuditQuery { event_id: Some(3), limit: 100, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(third.len(), 1);
    let since = AuditQuery { from: Some(t0() + Duration::seconds(4)), limit: 2, ..Default::default() };
    assert_eq!(store.search_audit(&since).await.unwrap().len(), 2, "the limit holds");
}

pub async fn old_delivery_bookkeeping_is_pruned_and_the_record_kept(store: &Store) {
    use redgrid_store::retention::Retention;
    let old = t0() - Duration::days(120);
    let mut tx = store.begin_write().await.unwrap();
    let sent = tx.enqueue("s1", "t/a", b"{}", false, old).await.unwrap();
    let waiting = tx.enqueue("s1", "t/b", b"{}", false, old).await.unwrap();
    tx.quarantine("t/x", b"bad", "not_json", "消息不是有效的 JSON", old).await.unwrap();
    tx.quarantine("t/y", b"bad", "not_json", "消息不是有效的 JSON", t0()).await.unwrap();
    tx.record_inbound("old-key", "t/a", old).await.unwrap();
    tx.record_inbound("new-key", "t/a", t0()).await.unwrap();
    tx.append_audit(&entry(1)).await.unwrap();
    tx.commit().await.unwrap();
    store.mark_published(&[sent], old).await.unwrap();
    let _ = waiting;
    let retention = Retention { feed_keep_entries: 1, ..Retention::default() };
    let pruned = store.prune(t0(), &retention).await.unwrap();
    assert_eq!((pruned.outbox, pruned.quarantine, pruned.inbound), (1, 1, 1), "{pruned:?}");
    assert_eq!(
        store.outbox_backlog().await.unwrap(),
        1,
        "a message never published is kept whatever its age"
    );
    assert_eq!(store.quarantine_list(10).await.unwrap().len(), 1, "the recent quarantine stays");
    let mut tx = store.begin_write().await.unwrap();
    assert!(
        !tx.record_inbound("new-key", "t/a", t0()).await.unwrap(),
        "a recent key still recognises a redelivery"
    );
    assert!(tx.record_inbound("old-key", "t/a", t0()).await.unwrap(), "an old one is forgotten");
    tx.commit().await.unwrap();
    let head = store.feed_head().await.unwrap();
    let feed = store.feed_since(0, 100).await.unwrap();
    assert_eq!(pruned.feed, 1, "the old quarantine's feed entry goes");
    assert_eq!(feed.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![head], "the recent one stays");
    assert_eq!(store.verify_audit().await.unwrap().first_bad, None, "the audit chain is untouched");
    assert_eq!(
        store.prune(t0(), &retention).await.unwrap(),
        redgrid_store::retention::Pruned::default(),
        "nothing twice"
    );
}

pub async fn zero_reports_keep_the_latest_per_village_the_facts_and_one_reminder_per_period(store: &Store) {
    use redgrid_store::zero_reports::{VillageFacts, ZeroReportRecord};
    seed_grids(store).await;
    let l = Loop::new();
    let [daxu, other] = VILLAGES;
    // One open event in 大圩村 an hour after t0, and one in the other village: the facts are per village.
    insert(
        store,
        &l.report(
            new_event(&format!("{daxu}001"), Category::Livelihood, Severity::General),
            t0() + Duration::hours(1),
        ),
    )
    .await;
    insert(
        store,
        &l.report(new_event(&format!("{other}001"), Category::Livelihood, Severity::General), t0()),
    )
    .await;
    let facts = store.village_facts(daxu, t0()).await.unwrap();
    assert_eq!(
        facts,
        VillageFacts { new_events: 1, open_events: 1, untriaged_alerts: 0, offline_terminals: 0 },
        "the other village's event is not 大圩村's"
    );
    assert_eq!(
        store.village_facts(daxu, t0() + Duration::hours(2)).await.unwrap().new_events,
        0,
        "new counts from `since`"
    );

    let report = |village: &str, minutes: i64, contradicted: bool| ZeroReportRecord {
        id: 0,
        village_code: village.into(),
        level_key: "level_4".into(),
        period_start: t0(),
        reported_at: t0() + Duration::minutes(minutes),
        sent_at: Some(t0()),
        msg_id: Some(format!("zr-{minutes}")),
        by_id: "W1".into(),
        by_name: "韦网格长".into(),
        channel: "terminal".into(),
        new_events: 0,
        open_events: 1,
        note: "本村平安".into(),
        facts_since: t0(),
        facts,
        contradicted,
    };
    let feed_before = store.feed_head().await.unwrap();
    let mut tx = store.begin_write().await.unwrap();
    assert_eq!(tx.village_facts(daxu, t0()).await.unwrap(), facts, "the same facts under the write lock");
    let first = tx.insert_zero_report(&report(daxu, 10, false)).await.unwrap();
    let second = tx.insert_zero_report(&report(daxu, 20, true)).await.unwrap();
    tx.insert_zero_report(&report(other, 15, false)).await.unwrap();
    assert!(second > first, "ids grow in insertion order");
    assert_eq!(tx.latest_zero_report(daxu).await.unwrap().map(|r| r.id), Some(second));
    tx.commit().await.unwrap();

    let latest = store.latest_zero_reports().await.unwrap();
    let villages: Vec<&str> = latest.iter().map(|r| r.village_code.as_str()).collect();
    assert_eq!(villages, [daxu, other], "one latest report per village, by code");
    let mut expected = report(daxu, 20, true);
    expected.id = second;
    assert_eq!(latest[0], expected, "a report reads back whole, facts and flag included");
    assert_eq!(store.zero_reports_since(t0() + Duration::minutes(12)).await.unwrap().len(), 2);
    let feed = store.feed_since(feed_before, 10).await.unwrap();
    let changes: Vec<&str> = feed.iter().map(|e| e.change.as_str()).collect();
    assert_eq!(
        changes,
        ["reported", "contradicted", "reported"],
        "each report on the feed, flagged ones as such"
    );

    let period = t0();
    assert!(store.zero_report_reminded(period).await.unwrap().is_empty());
    let mut tx = store.begin_write().await.unwrap();
    let workers = ["W1".to_string(), "W2".to_string()];
    let due = period + Duration::hours(12);
    assert!(tx.insert_zero_report_reminder(other, period, due, &workers, due).await.unwrap());
    assert!(
        !tx.insert_zero_report_reminder(other, period, due, &workers, due).await.unwrap(),
        "a period is reminded once, whichever station tries again"
    );
    tx.commit().await.unwrap();
    assert_eq!(store.zero_report_reminded(period).await.unwrap(), [other]);
    assert!(store.zero_report_reminded(due).await.unwrap().is_empty(), "the next period is its own");
}

pub async fn broker_logins_issue_reissue_and_revoke_with_feed_entries(store: &Store) {
    use redgrid_store::broker_logins::LoginKind;
    let head = store.feed_head().await.unwrap();
    let mut tx = store.begin_write().await.unwrap();
    tx.issue_broker_login("W0042", LoginKind::Worker, "W0042", "$7$1$a$first", "admin", t0()).await.unwrap();
    tx.issue_broker_login("nvr-east", LoginKind::Nvr, "east", "$7$1$b$nvr", "admin", t0()).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin_write().await.unwrap();
    assert!(tx.revoke_broker_login("W0042", "admin", t0() + Duration::minutes(1)).await.unwrap());
    assert!(!tx.revoke_broker_login("W0042", "admin", t0() + Duration::minutes(2)).await.unwrap(), "once");
    assert!(!tx.revoke_broker_login("nobody", "admin", t0()).await.unwrap());
    tx.commit().await.unwrap();
    let rows = store.broker_logins().await.unwrap();
    assert_eq!(rows.iter().map(|r| r.username.as_str()).collect::<Vec<_>>(), ["W0042", "nvr-east"]);
    assert_eq!(rows[0].revoked_at, Some(t0() + Duration::minutes(1)));
    assert_eq!(rows[1].kind, LoginKind::Nvr);

    // A reissue replaces the hash and lifts the revocation.
    let mut tx = store.begin_write().await.unwrap();
    tx.issue_broker_login(
        "W0042",
        LoginKind::Worker,
        "W0042",
        "$7$1$c$second",
        "admin2",
        t0() + Duration::hours(1),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let row = store.broker_logins().await.unwrap().into_iter().next().unwrap();
    assert_eq!(
        (row.password_hash.as_str(), row.issued_by.as_str(), row.revoked_at),
        ("$7$1$c$second", "admin2", None)
    );

    let changes: Vec<(String, String)> = store
        .feed_since(head, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.entity == FeedEntity::BrokerLogin)
        .map(|e| (e.entity_id, e.change))
        .collect();
    let expected = [("W0042", "issued"), ("nvr-east", "issued"), ("W0042", "revoked"), ("W0042", "issued")];
    assert_eq!(changes, expected.map(|(a, b)| (a.to_string(), b.to_string())));
}
