//! Call-ups (叫应): a selection called, answers from terminals (through ingest) and recorded by the officer,
//! a silent person called again and then their backup, the board's counts, and bad input refused with
//! nothing changed.

use chrono::Duration;
use redgrid_api::callup::{parse_area, parse_reply_by, CallupSelection};
use redgrid_core::callup::{AnswerChannel, CallupState};
use redgrid_core::closed_loop::{Actor, Role};

use crate::station::demo_station;

fn person(role: Role, id: &str, name: &str) -> Actor {
    Actor { id: id.into(), name: name.into(), role, station: "test-station".into() }
}

const DAXU_VILLAGE: &str = "450802101201";

fn answer(worker: &str, callup: &str, available: bool, n: u32) -> (String, Vec<u8>) {
    let topic = format!("redgrid/v1/terminals/{worker}/ack");
    let payload = serde_json::json!({
        "v": 1, "msg_id": format!("{callup}-{worker}-{n}"), "callup_id": callup, "available": available,
        "note": "已到村委会", "lat": 23.1, "lon": 109.6, "at": "2026-11-18T02:01:00Z",
    });
    (topic, serde_json::to_vec(&payload).unwrap())
}

#[tokio::test]
async fn a_village_is_called_up_answers_arrive_and_the_silent_are_called_again_then_backed_up() {
    let t = demo_station(1).await;
    let s = &t.station;
    let leader = person(Role::Leader, "leader", "陈永福");
    let officer = person(Role::DutyOfficer, "duty1", "黄志明");
    let admin = person(Role::Administrator, "admin", "系统管理员");
    s.change_setting(&admin, "callup_recall_after_s", "60").await.unwrap();
    s.change_setting(&admin, "callup_backup_after_s", "150").await.unwrap();

    let village = CallupSelection { villages: vec!["大圩村".into()], ..Default::default() };
    let reply_by = parse_reply_by("30m", s.now()).unwrap();
    let started = s.start_callup(&leader, &village, "防汛Ⅳ级应急响应，请到岗", reply_by, None).await.unwrap();
    assert!(started.called >= 6, "a village's grid force: {}", started.called);
    let workers = s.store().workers(&s.scheme()).await.unwrap();
    let in_village: Vec<&str> = workers
        .iter()
        .filter(|w| w.worker.grids.iter().any(|g| g.as_str().starts_with(DAXU_VILLAGE)))
        .map(|w| w.worker.id.as_str())
        .collect();
    assert_eq!(started.workers.len(), in_village.len(), "everyone of the village and nobody else");
    assert!(started.workers.iter().all(|w| in_village.contains(&w.as_str())));
    // Each person's terminal has its call queued, and old terminals the broadcast.
    let outbox = s.store().pending_outbox("test-station", 100_000).await.unwrap();
    let calls =
        outbox.iter().filter(|m| m.topic.ends_with("/callup") && m.topic.contains("/terminals/")).count();
    assert_eq!(calls, started.called);
    assert!(outbox.iter().any(|m| m.topic.ends_with("broadcast/callup")));

    // Two answer from the terminal, one is recorded by phone.
    let (a, b, c) = (&started.workers[0], &started.workers[1], &started.workers[2]);
    let first = answer(a, &started.callup_id, true, 1);
    let second = answer(b, &started.callup_id, false, 1);
    let batch = [(first.0.as_str(), first.1.as_slice()), (second.0.as_str(), second.1.as_slice())];
    let report = s.ingest_batch(&batch).await.unwrap();
    assert_eq!(report.applied, 2, "{report:?}");
    s.answer_callup(
        &officer,
        &started.callup_id,
        c,
        CallupState::Available,
        AnswerChannel::Phone,
        "电话确认已出发",
    )
    .await
    .unwrap();
    let board = s.callup_status(&started.callup_id).await.unwrap();
    assert_eq!((board.available, board.unavailable), (2, 1));
    assert_eq!(board.silent, started.called - 3);
    assert_eq!(board.available + board.unavailable + board.silent, board.called);
    let by_phone = board.people.iter().find(|p| &p.worker_id == c).unwrap();
    assert_eq!(by_phone.channel.as_deref(), Some("phone"));
    assert_eq!(board.by_village.len(), 1);
    assert_eq!(board.by_village[0].village_name, "大圩村");
    // A second answer replaces the first: a person counts once, at their latest answer.
    let again = answer(b, &started.callup_id, true, 2);
    s.ingest_batch(&[(again.0.as_str(), again.1.as_slice())]).await.unwrap();
    let board = s.callup_status(&started.callup_id).await.unwrap();
    assert_eq!((board.available, board.unavailable), (3, 0));

    // A silent person with a backup: called again after a minute, the backup after two and a half.
    let silent = board.people.iter().find(|p| p.state == CallupState::Silent).unwrap().worker_id.clone();
    let backup =
        workers.iter().map(|w| w.worker.id.clone()).find(|id| !started.workers.contains(id)).unwrap();
    let mut tx = s.store().begin_write().await.unwrap();
    tx.set_worker_backup(&silent, Some(&backup)).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(s.check_callups().await.unwrap(), (0, 0), "nobody is due yet");
    t.clock.advance(Duration::seconds(61));
    let (recalled, backed) = s.check_callups().await.unwrap();
    assert_eq!((recalled, backed), (board.silent, 0), "every silent person is called a second time");
    t.clock.advance(Duration::seconds(90));
    let (_, backed) = s.check_callups().await.unwrap();
    assert_eq!(backed, 1, "the one silent person with a backup has the backup called");
    let board = s.callup_status(&started.callup_id).await.unwrap();
    let b_person = board.people.iter().find(|p| p.worker_id == backup).expect("the backup is on the board");
    assert_eq!(b_person.backup_for.as_deref(), Some(silent.as_str()));
    assert_eq!(board.people.iter().find(|p| p.worker_id == silent).unwrap().calls, 3, "called three times");
    assert_eq!(s.check_callups().await.unwrap().1, 0, "a backup is called once");

    let audit = s.store().recent_audit(10_000).await.unwrap();
    let count = |c: &str| audit.iter().filter(|r| r.entry.command == c).count();
    assert_eq!(count("callup_start"), 1);
    assert_eq!(count("callup_call"), started.called, "every call is an audit record");
    assert_eq!(count("callup_answer"), 4, "and every answer");
    assert_eq!(count("callup_backup"), 1);
    assert!(count("callup_recall") >= board.silent - 1);
    let answered =
        audit.iter().find(|r| r.entry.command == "callup_answer" && r.entry.actor_id == *a).unwrap();
    assert_eq!(
        answered.entry.station, "mqtt:terminal",
        "a terminal's answer is the worker's own act over MQTT"
    );

    // Closed, it takes no more answers; the terminal's late answer is quarantined, the board unchanged.
    s.close_callup(&leader, &started.callup_id).await.unwrap();
    let late = answer(&silent, &started.callup_id, true, 9);
    let report = s.ingest_batch(&[(late.0.as_str(), late.1.as_slice())]).await.unwrap();
    assert_eq!(report.quarantined, 1, "{report:?}");
    assert_eq!(s.callup_status(&started.callup_id).await.unwrap().available, 3);
}

#[tokio::test]
async fn bad_call_ups_and_answers_are_refused_and_change_nothing() {
    let t = demo_station(1).await;
    let s = &t.station;
    let leader = person(Role::Leader, "leader", "陈永福");
    let admin = person(Role::Administrator, "admin", "系统管理员");
    let reply_by = parse_reply_by("90s", s.now()).unwrap();
    assert_eq!(reply_by, s.now() + Duration::seconds(90));
    let none = CallupSelection::default();
    assert_eq!(
        s.start_callup(&leader, &none, "台风", reply_by, None).await.unwrap_err().code(),
        "empty_selection"
    );
    let nobody = CallupSelection {
        villages: vec!["大圩村".into()],
        groups: vec!["1".into()],
        part_time_only: true,
        ..Default::default()
    };
    assert_eq!(
        s.start_callup(&leader, &nobody, "台风", reply_by, None).await.unwrap_err().code(),
        "empty_selection",
        "the village's full-time worker is not part-time"
    );
    let unknown = CallupSelection { villages: vec!["不存在村".into()], ..Default::default() };
    assert_eq!(
        s.start_callup(&leader, &unknown, "台风", reply_by, None).await.unwrap_err().code(),
        "invalid"
    );
    let village = CallupSelection { villages: vec![DAXU_VILLAGE.into()], ..Default::default() };
    assert_eq!(
        s.start_callup(&admin, &village, "台风", reply_by, None).await.unwrap_err().code(),
        "forbidden"
    );
    assert_eq!(s.start_callup(&leader, &village, " ", reply_by, None).await.unwrap_err().code(), "invalid");
    assert!(parse_reply_by("10x", s.now()).is_err());
    assert!(parse_reply_by("-5m", s.now()).is_err());
    assert_eq!(
        s.store().callups_since(s.now() - Duration::days(1)).await.unwrap().len(),
        0,
        "nothing started"
    );

    let officer = person(Role::DutyOfficer, "duty1", "黄志明");
    let refused = s
        .answer_callup(&officer, "CU-0-0000", "W1010001", CallupState::Available, AnswerChannel::Phone, "")
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "unknown_callup");
    let started = s.start_callup(&leader, &village, "台风", reply_by, None).await.unwrap();
    let outsider = s
        .answer_callup(
            &officer,
            &started.callup_id,
            "W9999999",
            CallupState::Available,
            AnswerChannel::Radio,
            "",
        )
        .await
        .unwrap_err();
    assert_eq!(outsider.code(), "invalid");
    let silent = s
        .answer_callup(
            &officer,
            &started.callup_id,
            &started.workers[0],
            CallupState::Silent,
            AnswerChannel::Radio,
            "",
        )
        .await
        .unwrap_err();
    assert_eq!(silent.code(), "invalid");
    assert_eq!(s.callup_status(&started.callup_id).await.unwrap().silent, started.called);
}

#[tokio::test]
async fn a_warning_area_selects_the_grids_it_touches_and_groups_narrow_it() {
    let t = demo_station(1).await;
    let s = &t.station;
    let leader = person(Role::Leader, "leader", "陈永福");
    let tree = s.store().grid_tree(2).await.unwrap();
    let village = tree.iter().find(|n| n.code == DAXU_VILLAGE).unwrap();
    let (lon, lat) = (village.lon.unwrap(), village.lat.unwrap());
    let d = 0.02;
    let area = serde_json::json!({
        "type": "Feature", "properties": {},
        "geometry": { "type": "Polygon", "coordinates": [[[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]]] }
    })
    .to_string();
    assert!(parse_area(&area).unwrap().contains(lon, lat));
    assert!(parse_area("{\"type\": \"Point\", \"coordinates\": [1, 2]}").is_err());
    assert!(parse_area("not json").is_err());
    let by_area = CallupSelection { area: Some(area.clone()), ..Default::default() };
    let reply_by = parse_reply_by("1h", s.now()).unwrap();
    let started = s.start_callup(&leader, &by_area, "山洪预警区域", reply_by, None).await.unwrap();
    let board = s.callup_status(&started.callup_id).await.unwrap();
    assert!(board.by_village.iter().any(|v| v.village_code == DAXU_VILLAGE), "the village under the area");
    let leaders_only =
        CallupSelection { area: Some(area), groups: vec!["grid_leader".into()], ..Default::default() };
    let narrowed = s.start_callup(&leader, &leaders_only, "网格长先到岗", reply_by, None).await.unwrap();
    assert!(narrowed.called < started.called, "{} of {}", narrowed.called, started.called);
    let workers = s.store().workers(&s.scheme()).await.unwrap();
    for id in &narrowed.workers {
        let w = workers.iter().find(|w| &w.worker.id == id).unwrap();
        assert!(
            w.worker.roles.contains(&redgrid_core::worker::ForceRole::GridLeader),
            "{id} is a grid leader"
        );
    }
}

#[tokio::test]
async fn under_24_hour_cover_the_available_called_up_are_on_duty_at_once() {
    let t = demo_station(1).await;
    let s = &t.station;
    let leader = person(Role::Leader, "leader", "陈永福");
    let officer = person(Role::DutyOfficer, "duty1", "黄志明");
    let board = s.worker_board().await.unwrap();
    let off = board.iter().find(|r| !r.on_shift).expect("someone off shift").worker.id.clone();
    let home = board.iter().find(|r| r.worker.id == off).unwrap().worker.grids[0].to_string();
    let selection = CallupSelection { grids: vec![home], ..Default::default() };
    let reply_by = parse_reply_by("30m", s.now()).unwrap();
    let started = s.start_callup(&leader, &selection, "台风到岗", reply_by, None).await.unwrap();
    assert!(started.workers.contains(&off));
    s.answer_callup(&officer, &started.callup_id, &off, CallupState::Available, AnswerChannel::Phone, "")
        .await
        .unwrap();
    let on = |s: Vec<redgrid_api::dispatch::BoardRow>| {
        s.into_iter().find(|r| r.worker.id == off).unwrap().on_shift
    };
    assert!(!on(s.worker_board().await.unwrap()), "in peacetime a call-up's answer is not a shift");
    s.set_level(&leader, "Ⅳ级", "台风").await.unwrap();
    assert!(on(s.worker_board().await.unwrap()), "under 24-hour cover the available are on duty");
    s.close_callup(&leader, &started.callup_id).await.unwrap();
    assert!(!on(s.worker_board().await.unwrap()), "until the call-up ends");
}
