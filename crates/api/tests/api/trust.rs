//! What the station believes of a message (issue 12): a terminal acts only on its own live task, named by
//! its full id; times ahead of the station's clock are refused; a report is audited as its source, never as
//! the `reporter` it carries; and a worker's phone is found only by the whole number.

use chrono::{DateTime, Duration, Utc};
use redgrid_api::Station;
use redgrid_core::closed_loop::{Actor, Command, NewEvent, Role};
use redgrid_core::event::{Category, Severity, Source, Status};
use redgrid_core::grid::{GridCode, LevelScheme};
use redgrid_store::dispatch::TaskRow;
use serde_json::{json, Value};

use crate::station::{demo_station, TestStation};

fn officer() -> Actor {
    Actor {
        id: "duty1".into(),
        name: "黄志明".into(),
        role: Role::DutyOfficer,
        station: "test-station".into(),
    }
}

fn leader() -> Actor {
    Actor { id: "lead1".into(), name: "王镇长".into(), role: Role::Leader, station: "test-station".into() }
}

/// Two workers of the demo township, distinct.
async fn two_workers(s: &Station) -> (String, String) {
    let workers = s.store().workers(&s.scheme()).await.unwrap();
    (workers[0].worker.id.clone(), workers[1].worker.id.clone())
}

/// An event logged, accepted and dispatched to `workers`; with their tasks as the station stored them.
async fn dispatched(t: &TestStation, workers: &[&str]) -> (i64, Vec<TaskRow>) {
    let s = &t.station;
    let first = s.store().worker(workers[0], &s.scheme()).await.unwrap().unwrap().worker;
    let new = NewEvent {
        title: "村道积水".into(),
        description: String::new(),
        category: Category::Weather,
        severity: Severity::General,
        source: Source::ByHand,
        grid: GridCode::parse(first.grids[0].as_str(), &LevelScheme::guigang()).unwrap(),
        lon: None,
        lat: None,
        address: String::new(),
        reporter: "来电".into(),
        drill: false,
    };
    let id = s.report(&officer(), new).await.unwrap().stored.event.id;
    s.act(&officer(), id, None, Command::Accept { category: None, severity: None, grid: None })
        .await
        .unwrap();
    let workers = workers.iter().map(|w| w.to_string()).collect();
    s.act(&officer(), id, None, Command::Dispatch { workers, note: String::new() }).await.unwrap();
    t.clock.advance(Duration::minutes(2));
    (id, s.store().event_tasks(id).await.unwrap())
}

fn message(topic: String, payload: Value) -> (String, Vec<u8>) {
    (topic, serde_json::to_vec(&payload).unwrap())
}

fn feedback(worker: &str, msg_id: &str, names: Value) -> (String, Vec<u8>) {
    let mut payload = json!({"v": 1, "msg_id": msg_id, "at": "2026-11-18T10:05:00+08:00",
        "notes": "积水已排除", "photos": []});
    payload.as_object_mut().unwrap().extend(names.as_object().unwrap().clone());
    message(format!("redgrid/v1/terminals/{worker}/feedback"), payload)
}

/// Ingests one message; the quarantine codes it added.
async fn ingest_one(s: &Station, message: &(String, Vec<u8>)) -> (usize, Vec<String>) {
    let before = s.store().quarantine_list(1000).await.unwrap().len();
    let report = s.ingest(&[(message.0.as_str(), message.1.as_slice())]).await.unwrap();
    let rows = s.store().quarantine_list(1000).await.unwrap();
    // Newest first: the rows this message added are the first ones.
    let added = rows.len() - before;
    (report.applied, rows.iter().take(added).map(|q| q.code.clone()).collect())
}

#[tokio::test]
async fn a_forged_feedback_for_another_workers_task_is_quarantined_and_changes_nothing() {
    let t = demo_station(1).await;
    let s = &t.station;
    let (a, b) = two_workers(s).await;
    // Both are sent: the loop alone would take B's feedback, since B is on the event too.
    let (id, tasks) = dispatched(&t, &[&a, &b]).await;
    let task_of_a = tasks.iter().find(|task| task.worker_id == a).unwrap().task_id.clone();
    let before = s.event(id).await.unwrap().stored.event;
    let audit_before = s.history(id).await.unwrap().len();

    let forged = feedback(&b, "f1", json!({"task_id": task_of_a}));
    assert_eq!(
        ingest_one(s, &forged).await,
        (0, vec!["not_your_task".to_string()]),
        "B cannot report on A's task"
    );
    // A task id cut down to the event and worker (what the station once accepted) names no task.
    let short = feedback(&a, "f2", json!({"task_id": format!("{id}:{a}")}));
    assert_eq!(
        ingest_one(s, &short).await,
        (0, vec!["unknown_task".to_string()]),
        "only the full task id counts"
    );
    let ack = message(
        format!("redgrid/v1/terminals/{b}/ack"),
        json!({"v": 1, "msg_id": "k1", "task_id": task_of_a, "at": "2026-11-18T10:05:00+08:00"}),
    );
    assert_eq!(ingest_one(s, &ack).await, (0, vec!["not_your_task".to_string()]), "nor acknowledge it");

    let after = s.event(id).await.unwrap().stored.event;
    assert_eq!(after.status, Status::Dispatched, "the event did not move");
    assert_eq!(after.version, before.version, "nothing was written to the event");
    assert_eq!(s.history(id).await.unwrap().len(), audit_before, "no audit record in anyone's name");
    let task = s.store().task(&task_of_a).await.unwrap().unwrap();
    assert_eq!((task.acked_at, task.done_at), (None, None), "A's task is untouched");
    let reasons = s.store().quarantine_list(10).await.unwrap();
    assert!(
        reasons.iter().any(|q| q.reason.contains(&a) && q.reason.contains(&b)),
        "the reason names both workers"
    );

    // A's own feedback on A's task, by its full id, goes through.
    let real = feedback(&a, "f3", json!({"task_id": task_of_a}));
    assert_eq!(ingest_one(s, &real).await, (1, vec![]), "the real worker's feedback is taken");
    assert_eq!(s.event(id).await.unwrap().stored.event.status, Status::Handled);
}

#[tokio::test]
async fn a_feedback_naming_only_the_event_is_read_as_the_workers_live_task_there() {
    let t = demo_station(1).await;
    let s = &t.station;
    let (a, b) = two_workers(s).await;
    let (id, tasks) = dispatched(&t, &[&a]).await;
    let stranger = feedback(&b, "e1", json!({"event_id": id.to_string()}));
    assert_eq!(
        ingest_one(s, &stranger).await,
        (0, vec!["not_your_task".to_string()]),
        "B has no task on the event"
    );
    let elsewhere =
        feedback(&a, "e2", json!({"task_id": tasks[0].task_id, "event_id": (id + 1000).to_string()}));
    assert_eq!(
        ingest_one(s, &elsewhere).await,
        (0, vec!["unknown_task".to_string()]),
        "a task id and an event id that disagree are refused"
    );
    assert_eq!(s.event(id).await.unwrap().stored.event.status, Status::Dispatched);
    let own = feedback(&a, "e3", json!({"event_id": id.to_string()}));
    assert_eq!(ingest_one(s, &own).await, (1, vec![]), "A's feedback on the event is A's task's");
    let task = &s.store().event_tasks(id).await.unwrap()[0];
    assert!(task.done_at.is_some(), "resolved to A's task, which is now done");
    assert_eq!(s.event(id).await.unwrap().stored.event.status, Status::Handled);
}

#[tokio::test]
async fn terminal_messages_for_a_cancelled_or_done_task_are_refused() {
    let t = demo_station(1).await;
    let s = &t.station;
    let (a, _) = two_workers(s).await;
    let (id, tasks) = dispatched(&t, &[&a]).await;
    let task = tasks[0].task_id.clone();
    s.act(&leader(), id, None, Command::Void { reason: "重复登记".into() }).await.unwrap();
    let cancelled = s.store().task(&task).await.unwrap().unwrap();
    assert!(cancelled.cancelled_at.is_some(), "voiding the event cancelled its task");
    let version = s.event(id).await.unwrap().stored.event.version;

    let late = feedback(&a, "c1", json!({"task_id": task}));
    assert_eq!(
        ingest_one(s, &late).await,
        (0, vec!["task_not_live".to_string()]),
        "feedback on a cancelled task"
    );
    let by_event = feedback(&a, "c2", json!({"event_id": id.to_string()}));
    assert_eq!(
        ingest_one(s, &by_event).await,
        (0, vec!["task_not_live".to_string()]),
        "also when named by event"
    );
    let arrive = message(
        format!("redgrid/v1/terminals/{a}/arrive"),
        json!({"v": 1, "msg_id": "c3", "task_id": task, "at": "2026-11-18T10:05:00+08:00"}),
    );
    assert_eq!(
        ingest_one(s, &arrive).await,
        (0, vec!["task_not_live".to_string()]),
        "arrival on a cancelled task"
    );
    let event = s.event(id).await.unwrap().stored.event;
    assert_eq!((event.status, event.version), (Status::Voided, version), "the voided event is unchanged");

    // A done task: its feedback was taken; a second acknowledgement of it is refused.
    let (done_id, tasks) = dispatched(&t, &[&a]).await;
    let done = tasks[0].task_id.clone();
    assert_eq!(ingest_one(s, &feedback(&a, "d1", json!({"task_id": done}))).await, (1, vec![]));
    let ack = message(
        format!("redgrid/v1/terminals/{a}/ack"),
        json!({"v": 1, "msg_id": "d2", "task_id": done, "at": "2026-11-18T10:05:00+08:00"}),
    );
    assert_eq!(ingest_one(s, &ack).await, (0, vec!["task_not_live".to_string()]), "a done task is not live");
    assert_eq!(s.event(done_id).await.unwrap().stored.event.status, Status::Handled);
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339()
}

#[tokio::test]
async fn a_location_dated_2099_is_refused_and_the_position_stays() {
    let t = demo_station(1).await;
    let s = &t.station;
    let (a, _) = two_workers(s).await;
    let before = s.store().worker(&a, &s.scheme()).await.unwrap().unwrap();
    let pinned = message(
        format!("redgrid/v1/terminals/{a}/location"),
        json!({"v": 1, "lat": 23.5, "lon": 109.9, "at": "2099-01-01T00:00:00Z"}),
    );
    assert_eq!(ingest_one(s, &pinned).await, (0, vec!["future_time".to_string()]));
    let owntracks = message(
        format!("owntracks/{a}/phone"),
        json!({"_type": "location", "lat": 23.5, "lon": 109.9, "tst": 4_070_908_800_i64}),
    );
    assert_eq!(ingest_one(s, &owntracks).await, (0, vec!["future_time".to_string()]), "OwnTracks tst too");
    let after = s.store().worker(&a, &s.scheme()).await.unwrap().unwrap();
    assert_eq!((after.lat, after.lon), (before.lat, before.lon), "the refused fixes did not move the worker");

    // A fix from a minute ago still moves the worker: it was not pinned behind a 2099 one.
    let now = s.now();
    let fix = message(
        format!("redgrid/v1/terminals/{a}/location"),
        json!({"v": 1, "lat": 23.2, "lon": 109.8, "at": rfc3339(now - Duration::minutes(1))}),
    );
    assert_eq!(ingest_one(s, &fix).await, (1, vec![]));
    let moved = s.store().worker(&a, &s.scheme()).await.unwrap().unwrap();
    assert_eq!((moved.lat, moved.lon), (Some(23.2), Some(109.8)));
}

#[tokio::test]
async fn an_alert_an_hour_ahead_is_refused_while_five_minutes_ahead_and_a_day_old_are_taken() {
    let t = demo_station(1).await;
    let s = &t.station;
    let camera = s.store().cameras(&s.scheme()).await.unwrap().into_iter().next().unwrap().nvr_name;
    let now = s.now();
    let alert = |id: &str, at: DateTime<Utc>| {
        message(
            "redgrid/v1/alerts/nvr1".into(),
            json!({"v": 1, "alert_id": id, "camera": camera, "kind": "crowd", "confidence": 0.9, "at": rfc3339(at)}),
        )
    };
    let ahead = alert("hour-ahead", now + Duration::hours(1));
    let (applied, codes) = ingest_one(s, &ahead).await;
    assert_eq!((applied, codes), (0, vec!["future_time".to_string()]));
    assert!(s.store().alert_by_key("alert:nvr1:hour-ahead").await.unwrap().is_none(), "not stored");
    let reason = &s.store().quarantine_list(1).await.unwrap()[0].reason;
    assert!(reason.contains("10 分钟"), "the reason says the limit: {reason}");

    assert_eq!(
        ingest_one(s, &alert("five-ahead", now + Duration::minutes(5))).await,
        (1, vec![]),
        "clock drift"
    );
    assert_eq!(
        ingest_one(s, &alert("day-old", now - Duration::days(1))).await,
        (1, vec![]),
        "queued while away"
    );
    assert!(s.store().alert_by_key("alert:nvr1:five-ahead").await.unwrap().is_some());
    assert!(s.store().alert_by_key("alert:nvr1:day-old").await.unwrap().is_some());

    // Frigate: an object whose start lies an hour ahead is refused the same way.
    let start = (now + Duration::hours(1)).timestamp() as f64;
    let after = json!({"id": "ahead-obj", "camera": camera, "label": "person", "start_time": start,
        "frame_time": start, "end_time": null});
    let frigate = message("frigate/events".into(), json!({"type": "new", "before": after, "after": after}));
    assert_eq!(ingest_one(s, &frigate).await, (0, vec!["future_time".to_string()]));
    assert!(s.store().alert_by_key("frigate:ahead-obj").await.unwrap().is_none());
}

#[tokio::test]
async fn a_hotline_report_naming_an_officer_is_audited_as_the_hotline() {
    let t = demo_station(1).await;
    let s = &t.station;
    let (a, _) = two_workers(s).await;
    let grid = s.store().worker(&a, &s.scheme()).await.unwrap().unwrap().worker.grids[0].to_string();
    let now = rfc3339(s.now());
    let report = |source: &str, id: &str, reporter: &str| {
        message(
            format!("redgrid/v1/reports/{source}"),
            json!({"v": 1, "report_id": id, "reporter": reporter, "grid": grid, "text": "路灯不亮", "at": now}),
        )
    };
    let newest_event = |s: &Station| {
        let s = s.clone();
        async move {
            let id: i64 = sqlx::query_scalar("SELECT MAX(id) FROM events")
                .fetch_one(s.store().read_pool())
                .await
                .unwrap();
            s.event(id).await.unwrap().stored.event
        }
    };

    assert_eq!(ingest_one(s, &report("hotline", "h1", "duty1")).await, (1, vec![]));
    let event = newest_event(s).await;
    let created = &s.history(event.id).await.unwrap()[0].entry;
    assert_eq!(created.actor_id, "mqtt:hotline", "audited as the channel, not as the console account duty1");
    assert_eq!(created.actor_name, "热线");
    assert_ne!(created.actor_name, "duty1");
    assert_eq!(event.reporter, "duty1", "the reporter string is kept as display data");
    assert_eq!(event.source, Source::Resident, "a hotline call is a resident's report");

    // A reporter naming a worker on another topic does not make it that worker's report.
    assert_eq!(ingest_one(s, &report("hotline", "h2", &a)).await, (1, vec![]));
    let event = newest_event(s).await;
    let created = &s.history(event.id).await.unwrap()[0].entry;
    assert_eq!((created.actor_id.as_str(), event.source), ("mqtt:hotline", Source::Resident));
    assert_ne!(created.role, "grid_worker", "not the named worker's act");

    // The worker's own report topic (the broker lets only that login write it) is the worker's.
    assert_eq!(ingest_one(s, &report(&a, "w1", "someone else")).await, (1, vec![]));
    let event = newest_event(s).await;
    let created = &s.history(event.id).await.unwrap()[0].entry;
    assert_eq!(created.actor_id, format!("mqtt:{a}"));
    assert_eq!(event.source, Source::GridWorker, "reported on the worker's own topic");
}

#[tokio::test]
async fn a_workers_phone_is_found_only_by_the_whole_number() {
    let t = demo_station(1).await;
    let s = &t.station;
    let workers = s.store().workers(&s.scheme()).await.unwrap();
    let worker =
        workers.iter().find(|w| w.worker.phone.len() == 11).expect("a worker with a mobile").worker.clone();
    let phone = worker.phone.clone();
    let found = |query: String| {
        let s = s.clone();
        async move { s.search_workers(&query, 100).await.unwrap() }
    };
    let tail = &phone[7..];
    let by_tail = found(tail.to_string()).await;
    assert!(
        by_tail.iter().all(|m| !m.record.worker.phone.ends_with(tail)),
        "no one is found by the last four digits of a phone: {:?}",
        by_tail.iter().map(|m| &m.record.worker.id).collect::<Vec<_>>()
    );
    let middle = found(phone[3..7].to_string()).await;
    assert!(middle.iter().all(|m| m.record.worker.id != worker.id), "nor by the masked middle digits");
    let all_but_first = found(phone[1..].to_string()).await;
    assert!(all_but_first.iter().all(|m| m.record.worker.id != worker.id), "nor by ten of eleven digits");

    for query in
        [phone.clone(), format!("{} {} {}", &phone[..3], &phone[3..7], &phone[7..]), format!("+86-{phone}")]
    {
        let matches = found(query.clone()).await;
        assert!(
            matches.iter().any(|m| m.record.worker.id == worker.id),
            "the whole number {query} finds the worker"
        );
    }
}
