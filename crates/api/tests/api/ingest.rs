//! Ingest: Frigate and native alerts, terminals, OwnTracks and bad input, straight into the station, then
//! through the real Mosquitto and the broker the station manages itself.

use std::time::Duration;

use chrono::Duration as Minutes;
use redgrid_api::serve::run_ingest;
use redgrid_bus::client::{connect, MqttConfig};
use redgrid_core::closed_loop::{Actor, Command, NewEvent, Role};
use redgrid_core::event::{Category, Severity, Source, Status};
use redgrid_core::grid::{GridCode, LevelScheme};
use serde_json::json;

use crate::station::demo_station;

fn frigate_event(
    kind: &str,
    id: &str,
    camera: &str,
    label: &str,
    frame_time: f64,
    end: Option<f64>,
) -> Vec<u8> {
    let after = json!({
        "id": id, "camera": camera, "frame_time": frame_time, "label": label, "sub_label": null,
        "top_score": 0.91, "score": 0.88, "false_positive": false, "start_time": 1_763_460_000.0,
        "end_time": end, "current_zones": ["market_gate"], "entered_zones": ["market_gate"],
        "has_snapshot": true, "has_clip": true, "stationary": false, "motionless_count": 0,
        "some_future_field": {"nested": [1, 2, 3]}
    });
    serde_json::to_vec(&json!({ "type": kind, "before": after, "after": after })).unwrap()
}

#[tokio::test]
async fn a_tracked_object_is_one_alert_and_redelivery_changes_nothing() {
    let t = demo_station(1).await;
    let s = &t.station;
    let camera =
        s.store().cameras(&s.scheme()).await.unwrap().into_iter().next().expect("the demo has cameras");
    let id = "1763460000.123456-abc123";
    let new = frigate_event("new", id, &camera.nvr_name, "person", 1_763_460_001.0, None);
    let update = frigate_event("update", id, &camera.nvr_name, "person", 1_763_460_005.0, None);
    let end = frigate_event("end", id, &camera.nvr_name, "person", 1_763_460_009.0, Some(1_763_460_010.0));
    let batch: Vec<(&str, &[u8])> =
        vec![("frigate/events", &new), ("frigate/events", &update), ("frigate/events", &end)];
    let report = s.ingest(&batch).await.unwrap();
    assert_eq!((report.applied, report.duplicates, report.quarantined), (3, 0, 0));
    let again = s.ingest(&batch).await.unwrap();
    assert_eq!(again.duplicates, 3, "a redelivered batch is recognised message by message");
    assert_eq!(s.store().alert_count().await.unwrap(), 1, "new → update → end is one alert");
    let alert = s.store().alert_by_key(&format!("frigate:{id}")).await.unwrap().unwrap();
    assert_eq!(alert.updates, 3, "the redelivery did not count as updates");
    assert!(alert.ended);
    assert_eq!(
        alert.camera_id.as_deref(),
        Some(camera.id.as_str()),
        "the NVR's camera name maps to the RedGrid camera"
    );
    assert_eq!(alert.grid_code.as_deref(), Some(camera.grid.as_str()));
    assert_eq!(s.store().verify_audit().await.unwrap().first_bad, None);
}

#[tokio::test]
async fn unknown_cameras_are_kept_and_flagged_and_reviews_and_faces_raise_priority() {
    let t = demo_station(1).await;
    let s = &t.station;
    s.store().begin_write().await.map(|_| ()).unwrap();
    let mut tx = s.store().begin_write().await.unwrap();
    tx.set_setting("face_watchlist", "张三,在逃人员甲", s.now()).await.unwrap();
    tx.commit().await.unwrap();
    let event = frigate_event("new", "obj-1", "unknown_cam_9", "person", 1_763_460_001.0, None);
    let review = serde_json::to_vec(&json!({
        "type": "update",
        "before": {},
        "after": {"id": "rev-1", "camera": "unknown_cam_9", "start_time": 1_763_460_000.0, "end_time": null,
                  "severity": "alert", "thumb_path": "/media/thumb.webp",
                  "data": {"detections": ["obj-1"], "objects": ["person"], "zones": [], "audio": [], "sub_labels": []}}
    }))
    .unwrap();
    let face =
        serde_json::to_vec(&json!({"type": "face", "id": "obj-1", "name": "在逃人员甲", "score": 0.93,
                                          "camera": "unknown_cam_9", "timestamp": 1_763_460_003.0}))
        .unwrap();
    let orphan_review = serde_json::to_vec(&json!({
        "type": "new", "before": {},
        "after": {"id": "rev-2", "camera": "unknown_cam_9", "start_time": 1_763_460_100.0, "end_time": null,
                  "severity": "alert", "data": {"detections": ["never-seen"], "objects": ["fire"], "zones": [], "audio": []}}
    }))
    .unwrap();
    let report = s
        .ingest(&[
            ("frigate/events", &event),
            ("frigate/reviews", &review),
            ("frigate/tracked_object_update", &face),
            ("frigate/reviews", &orphan_review),
            ("frigate/available", b"offline"),
        ])
        .await
        .unwrap();
    assert_eq!(report.quarantined, 0, "{report:?}");
    let alert = s.store().alert_by_key("frigate:obj-1").await.unwrap().unwrap();
    assert_eq!(
        alert.camera_id, None,
        "an unknown camera is kept, with no RedGrid camera: flagged, not dropped"
    );
    assert_eq!(alert.priority, 4, "a watch-list face raises the alert to the top priority");
    assert!(
        alert.recognition.as_deref().unwrap_or("").contains("在逃人员甲"),
        "the face is attached to the alert"
    );
    let orphan = s.store().alert_by_key("frigate:review:rev-2").await.unwrap();
    assert!(orphan.is_some(), "a review whose objects are unknown becomes an alert of its own");
    let nvrs = s.store().nvr_states().await.unwrap();
    assert_eq!(nvrs.first().map(|(n, state, _)| (n.as_str(), state.as_str())), Some(("frigate", "offline")));
}

#[tokio::test]
async fn terminal_messages_move_their_event_and_bad_input_is_quarantined() {
    let t = demo_station(1).await;
    let s = &t.station;
    let officer =
        Actor { id: "duty1".into(), name: "黄志明".into(), role: Role::DutyOfficer, station: "s".into() };
    let worker = s.store().workers(&s.scheme()).await.unwrap().into_iter().next().unwrap().worker;
    let event = s
        .report(
            &officer,
            NewEvent {
                title: "村道积水".into(),
                description: String::new(),
                category: Category::Weather,
                severity: Severity::General,
                source: Source::ByHand,
                grid: GridCode::parse(worker.grids[0].as_str(), &LevelScheme::guigang()).unwrap(),
                lon: None,
                lat: None,
                address: String::new(),
                reporter: "来电".into(),
                drill: false,
            },
        )
        .await
        .unwrap()
        .stored
        .event;
    s.act(&officer, event.id, None, Command::Accept { category: None, severity: None, grid: None })
        .await
        .unwrap();
    s.act(
        &officer,
        event.id,
        None,
        Command::Dispatch { workers: vec![worker.id.clone()], note: String::new() },
    )
    .await
    .unwrap();
    t.clock.advance(Minutes::minutes(5));
    // The task by its full id, as the station sent it (`<event>:<worker>:<version>`).
    let task = s.store().event_tasks(event.id).await.unwrap()[0].task_id.clone();
    let ack = serde_json::to_vec(
        &json!({"v": 1, "msg_id": "m1", "task_id": task, "at": "2026-11-18T10:05:00+08:00"}),
    )
    .unwrap();
    let feedback = serde_json::to_vec(
        &json!({"v": 1, "msg_id": "m2", "task_id": task, "at": "2026-11-18T10:30:00+08:00",
        "notes": "积水已排除", "photos": ["p/1.jpg"]}),
    )
    .unwrap();
    let owntracks = serde_json::to_vec(
        &json!({"_type": "location", "lat": 23.1, "lon": 109.7, "tst": 1_763_460_000, "acc": 12, "batt": 80}),
    )
    .unwrap();
    let ack_topic = format!("redgrid/v1/terminals/{}/ack", worker.id);
    let feedback_topic = format!("redgrid/v1/terminals/{}/feedback", worker.id);
    let owntracks_topic = format!("owntracks/{}/phone", worker.id);
    let report = s
        .ingest(&[
            (ack_topic.as_str(), &ack),
            (feedback_topic.as_str(), &feedback),
            (owntracks_topic.as_str(), &owntracks),
            ("redgrid/v1/alerts/nvr1", b"{\"v\":1,\"alert_id\":"),
            ("redgrid/v1/alerts/nvr1", &[0xff, 0xfe, 0x00]),
            ("owntracks/nobody/phone", &owntracks),
            (
                ack_topic.as_str(),
                &serde_json::to_vec(
                    &json!({"v": 1, "msg_id": "m3", "task_id": "999999", "at": "2026-11-18T10:05:00+08:00"}),
                )
                .unwrap(),
            ),
        ])
        .await
        .unwrap();
    assert_eq!(report.applied, 3, "{report:?}");
    assert_eq!(
        report.quarantined, 4,
        "truncated JSON, invalid UTF-8, an unknown phone, a task for no event: {report:?}"
    );
    let handled = s.event(event.id).await.unwrap().stored.event;
    assert_eq!(handled.status, Status::Handled, "the terminal's feedback moved the event");
    assert!(handled.tasks[0].acknowledged_at.is_some());
    let history = s.history(event.id).await.unwrap();
    assert_eq!(
        history.last().unwrap().entry.station,
        format!("terminal:{}", worker.id),
        "audited as the terminal's act"
    );
    let quarantine = s.store().quarantine_list(10).await.unwrap();
    assert_eq!(quarantine.len(), 4);
    assert!(
        quarantine.iter().all(|q| !q.reason.is_empty() && !q.payload.is_empty()),
        "bytes and reason kept"
    );
    assert!(quarantine.iter().any(|q| q.payload == vec![0xff, 0xfe, 0x00]), "the exact bytes are kept");
    let moved = s.store().worker(&worker.id, &s.scheme()).await.unwrap().unwrap();
    assert_eq!((moved.lat, moved.lon), (Some(23.1), Some(109.7)), "OwnTracks moved the worker");
}

/// Camera alerts published through `broker_url` reach the station's ingest; `logins` are the station's
/// and the sender's on a broker that wants them.
async fn round_trip(broker_url: &str, tag: &str, logins: Option<[(&str, &str); 2]>) {
    let t = demo_station(1).await;
    let s = t.station.clone();
    let camera = s.store().cameras(&s.scheme()).await.unwrap().into_iter().next().unwrap();
    let unique = format!("{tag}-{}-{}", std::process::id(), chrono::Utc::now().timestamp_micros());
    let mut config = MqttConfig::from_url(broker_url, &format!("redgrid-test-{unique}")).unwrap();
    if let Some([(user, password), _]) = logins {
        config = config.with_password(Some(user), password.into());
    }
    config.subscriptions = s.topics().subscriptions();
    let link = connect(config);
    let mut health = link.health.clone();
    tokio::time::timeout(
        Duration::from_secs(10),
        health.wait_for(|h| *h == redgrid_bus::client::Health::Connected),
    )
    .await
    .expect("the station connects")
    .unwrap();
    let (_stop, shutdown) = tokio::sync::watch::channel(false);
    tokio::spawn(run_ingest(s.clone(), link, shutdown));
    // Give the subscription a moment to reach the broker before publishing.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let publisher_config = MqttConfig::from_url(broker_url, &format!("redgrid-test-pub-{unique}")).unwrap();
    let mut options =
        rumqttc::MqttOptions::new(publisher_config.client_id, publisher_config.host, publisher_config.port);
    options.set_keep_alive(Duration::from_secs(5));
    if let Some([_, (user, password)]) = logins {
        options.set_credentials(user, password);
    }
    let (client, mut eventloop) = rumqttc::AsyncClient::new(options, 100);
    tokio::spawn(async move { while eventloop.poll().await.is_ok() {} });
    let id = format!("obj-{unique}");
    for (kind, t, end) in [("new", 1.0, None), ("update", 2.0, None), ("end", 3.0, Some(1_763_460_004.0))] {
        let payload = frigate_event(kind, &id, &camera.nvr_name, "person", 1_763_460_000.0 + t, end);
        client.publish("frigate/events", rumqttc::QoS::AtLeastOnce, false, payload).await.unwrap();
    }
    let native =
        serde_json::to_vec(&json!({"v": 1, "alert_id": format!("n-{unique}"), "camera": camera.nvr_name,
        "kind": "smoke_fire", "confidence": 0.8, "at": "2026-11-18T08:40:00+08:00"}))
        .unwrap();
    client.publish("redgrid/v1/alerts/nvr-east", rumqttc::QoS::AtLeastOnce, false, native).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let frigate = s.store().alert_by_key(&format!("frigate:{id}")).await.unwrap();
        let native = s.store().alert_by_key(&format!("alert:nvr-east:n-{unique}")).await.unwrap();
        if let (Some(frigate), Some(native)) = (&frigate, &native) {
            if frigate.ended {
                assert_eq!(frigate.updates, 3, "three messages, one alert");
                assert_eq!(native.kind, "smoke_fire");
                break;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "alerts arrive through {broker_url}: {frigate:?} {native:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_trip_through_the_real_mosquitto() {
    // The shared broker on 1883 (started by scripts/setup.sh when down); unique client ids and alert ids
    // keep runs apart.
    round_trip("mqtt://127.0.0.1:1883", "mosq", None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_trip_through_the_station_managed_broker() {
    use redgrid_bus::managed::{self, Login, ManagedBroker, ManagedConfig};
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let listen: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let topics = redgrid_bus::topics::Topics::default();
    let dir = std::env::temp_dir().join(format!("redgrid-roundtrip-{}-{port}", std::process::id()));
    // The sender is the Frigate NVR's login and a native NVR's: what the ACL gives those two, no more.
    let mut nvr_acl = managed::nvr_acl(&topics, &topics.frigate_prefix);
    nvr_acl.extend(managed::nvr_acl(&topics, "nvr-east"));
    let logins = vec![
        Login {
            username: managed::STATION_LOGIN.into(),
            password_hash: managed::hash_password("station-pass-123456"),
            acl: managed::station_acl(&topics),
        },
        Login {
            username: "nvr-test".into(),
            password_hash: managed::hash_password("nvr-pass-1234567"),
            acl: nvr_acl,
        },
    ];
    let _broker =
        ManagedBroker::start(&ManagedConfig { dir, listen, logins }).expect("the managed broker starts");
    let logins = [(managed::STATION_LOGIN, "station-pass-123456"), ("nvr-test", "nvr-pass-1234567")];
    round_trip(&format!("mqtt://{listen}"), "managed", Some(logins)).await;
}

fn native_alert(id: &str, camera: &str, kind: &str, at: &str) -> Vec<u8> {
    serde_json::to_vec(
        &json!({"v": 1, "alert_id": id, "camera": camera, "kind": kind, "confidence": 0.9, "at": at}),
    )
    .unwrap()
}

#[tokio::test]
async fn a_burst_is_one_row_and_triage_turns_it_into_one_event() {
    let t = demo_station(1).await;
    let s = &t.station;
    let cameras = s.store().cameras(&s.scheme()).await.unwrap();
    let (market, other) = (&cameras[0], &cameras[1]);
    let mut messages = Vec::new();
    // In the morning, before the station's 10:00: a time ahead of its clock would be refused.
    for minute in 0..4 {
        let at = format!("2026-11-18T08:{:02}:00+08:00", 40 + minute * 3);
        messages.push(native_alert(&format!("crowd-{minute}"), &market.nvr_name, "crowd", &at));
    }
    messages.push(native_alert("crowd-late", &market.nvr_name, "crowd", "2026-11-18T09:40:00+08:00"));
    messages.push(native_alert("smoke-1", &other.nvr_name, "smoke_fire", "2026-11-18T08:41:00+08:00"));
    let batch: Vec<(&str, &[u8])> =
        messages.iter().map(|m| ("redgrid/v1/alerts/nvr1", m.as_slice())).collect();
    assert_eq!(s.ingest(&batch).await.unwrap().applied, 6);
    let groups = s.alert_groups(100).await.unwrap();
    let sizes: Vec<(String, usize)> = groups.iter().map(|g| (g.kind.clone(), g.alerts.len())).collect();
    assert_eq!(groups.len(), 3, "four crowd alerts 3 minutes apart are one burst; the one an hour later and the smoke are not: {sizes:?}");
    // Crowds and smoke are both high priority, so the newest row leads: the lone crowd alert at 09:40.
    assert_eq!(
        sizes,
        vec![("crowd".to_string(), 1), ("crowd".to_string(), 4), ("smoke_fire".to_string(), 1)]
    );
    let burst = groups.iter().find(|g| g.alerts.len() == 4).expect("the burst");

    let officer =
        Actor { id: "duty1".into(), name: "黄志明".into(), role: Role::DutyOfficer, station: "s".into() };
    let leader =
        Actor { id: "leader".into(), name: "陈永福".into(), role: Role::Leader, station: "s".into() };
    let decision = redgrid_api::triage::AlertToEvent {
        title: "集贸市场人员聚集".into(),
        category: Category::PublicOrder,
        severity: Severity::Serious,
        grid: None,
    };
    assert_eq!(
        s.alerts_to_event(&leader, &burst.ids(), decision.clone()).await.unwrap_err().code(),
        "forbidden"
    );
    let event_id = s.alerts_to_event(&officer, &burst.ids(), decision.clone()).await.unwrap();
    let event = s.event(event_id).await.unwrap().stored.event;
    assert_eq!(event.source, Source::CameraAlert);
    assert_eq!(event.grid.as_str(), market.grid.as_str(), "the event lands in the camera's grid");
    let again = s.alerts_to_event(&officer, &burst.ids(), decision).await.unwrap_err();
    assert_eq!(again.code(), "conflict", "a burst is turned into an event once: {again}");
    assert!(again.to_string().contains("黄志明"), "naming who did it: {again}");
    let late = groups.iter().find(|g| g.kind == "crowd" && g.alerts.len() == 1).unwrap();
    s.attach_alerts(&officer, &late.ids(), event_id).await.unwrap();
    let smoke = groups.iter().find(|g| g.kind == "smoke_fire").unwrap();
    s.dismiss_alerts(&officer, &smoke.ids(), "炊烟，误报").await.unwrap();
    assert!(s.alert_groups(100).await.unwrap().is_empty(), "nothing left to triage");
    let history = s.history(event_id).await.unwrap();
    assert_eq!(history.last().unwrap().entry.command, "alert_attach", "attaching is audited on the event");
    assert_eq!(s.store().verify_audit().await.unwrap().first_bad, None);
}

#[tokio::test]
async fn a_batch_stores_the_same_alerts_as_one_message_at_a_time() {
    let one_batch = demo_station(1).await;
    let one_by_one = demo_station(1).await;
    let cameras = one_batch.station.store().cameras(&one_batch.station.scheme()).await.unwrap();
    // Three objects interleaved, times out of order, a native alert repeated, an unknown camera.
    let mut messages: Vec<(String, Vec<u8>)> = Vec::new();
    for step in 0..9_u32 {
        let object = (step % 3) as usize;
        let kind = match step / 3 {
            0 => "new",
            1 => "update",
            _ => "end",
        };
        let camera = if object == 2 { "no_such_camera" } else { cameras[object].nvr_name.as_str() };
        let frame = 1_763_460_000.0 + f64::from(9 - step);
        let end = (kind == "end").then_some(frame + 1.0);
        let label = if step == 4 { "smoke" } else { "person" };
        messages.push((
            "frigate/events".into(),
            frigate_event(kind, &format!("1763460000.0-obj{object}"), camera, label, frame, end),
        ));
    }
    let native = serde_json::to_vec(&json!({
        "v": 1, "alert_id": "n-1", "camera": cameras[0].nvr_name, "kind": "crowd", "confidence": 0.8,
        "at": "2026-11-18T02:00:00Z"
    }))
    .unwrap();
    messages.push(("redgrid/v1/alerts/hikvision".into(), native.clone()));
    messages.push(("redgrid/v1/alerts/hikvision".into(), native));
    let batch: Vec<(&str, &[u8])> = messages.iter().map(|(t, b)| (t.as_str(), b.as_slice())).collect();
    let report = one_batch.station.ingest(&batch).await.unwrap();
    assert_eq!((report.applied, report.duplicates), (10, 1));
    for message in &batch {
        one_by_one.station.ingest(std::slice::from_ref(message)).await.unwrap();
    }
    let rows = |s: &redgrid_api::Station| {
        let s = s.clone();
        async move {
            let mut alerts = s.store().new_alerts(100).await.unwrap();
            alerts.sort_by(|a, b| a.alert_key.cmp(&b.alert_key));
            alerts
                .into_iter()
                .map(|a| {
                    (
                        a.alert_key,
                        a.camera_id,
                        a.kind,
                        a.label,
                        a.priority,
                        a.first_at,
                        a.last_at,
                        a.ended,
                        a.updates,
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let (a, b) = (rows(&one_batch.station).await, rows(&one_by_one.station).await);
    assert_eq!(a.len(), 4);
    assert_eq!(a, b, "merging a batch's messages by alert changes nothing");
    let feed = |s: &redgrid_api::Station| {
        let s = s.clone();
        async move {
            let entries = s.store().feed_since(0, 1_000_000).await.unwrap();
            entries.iter().filter(|e| e.entity == "alert" && e.change == "new").count()
        }
    };
    assert_eq!(feed(&one_batch.station).await, 4, "each alert announced as new once");
    assert_eq!(feed(&one_by_one.station).await, 4);
}

#[tokio::test]
async fn repeats_of_an_open_events_camera_attach_themselves_and_a_muted_camera_waits_for_nobody() {
    let t = demo_station(1).await;
    let s = &t.station;
    let cameras = s.store().cameras(&s.scheme()).await.unwrap();
    let (market, noisy) = (&cameras[0], &cameras[1]);
    let officer =
        Actor { id: "duty1".into(), name: "黄志明".into(), role: Role::DutyOfficer, station: "s".into() };
    let topic = "redgrid/v1/alerts/nvr1";
    let first = native_alert("crowd-a", &market.nvr_name, "crowd", "2026-11-18T09:40:00+08:00");
    s.ingest(&[(topic, first.as_slice())]).await.unwrap();
    let burst = s.alert_groups(10).await.unwrap().remove(0);
    let decision = redgrid_api::triage::AlertToEvent {
        title: "集贸市场人员聚集".into(),
        category: Category::PublicOrder,
        severity: Severity::Serious,
        grid: None,
    };
    let event_id = s.alerts_to_event(&officer, &burst.ids(), decision).await.unwrap();
    let description = s.event(event_id).await.unwrap().stored.event.description;
    assert!(
        description.contains(&market.name)
            && !description.contains(&market.nvr_name)
            && description.contains("识别到人员聚集"),
        "people read the camera's name and what was seen, not the NVR's id: {description}"
    );

    // Twenty minutes on, the same camera sees the same crowd: it joins the open event by itself.
    let repeat = native_alert("crowd-b", &market.nvr_name, "crowd", "2026-11-18T10:00:00+08:00");
    s.ingest(&[(topic, repeat.as_slice())]).await.unwrap();
    assert!(s.alert_groups(10).await.unwrap().is_empty(), "the repeat waits for no triage");
    assert_eq!(s.alerts_of_event(event_id).await.unwrap().len(), 2, "it is on the event");
    let history = s.history(event_id).await.unwrap();
    assert!(
        history.iter().any(|r| r.entry.command == "alert_attach"
            && r.entry.actor_name == "系统"
            && r.entry.reason.contains("自动关联")),
        "the station's own act is on the event's record"
    );
    // Another kind from that camera is news: it waits for the officer.
    let smoke = native_alert("smoke-a", &market.nvr_name, "smoke_fire", "2026-11-18T10:00:00+08:00");
    s.ingest(&[(topic, smoke.as_slice())]).await.unwrap();
    assert_eq!(s.alert_groups(10).await.unwrap().len(), 1);

    // A noisy camera muted for an hour: its alerts are kept, dismissed as they come.
    let leader =
        Actor { id: "leader".into(), name: "陈永福".into(), role: Role::Leader, station: "s".into() };
    assert_eq!(s.mute_camera(&leader, &noisy.id, 60, "施工").await.unwrap_err().code(), "forbidden");
    assert_eq!(
        s.mute_camera(&officer, &noisy.id, 60, " ").await.unwrap_err().code(),
        "invalid",
        "a reason is needed"
    );
    s.mute_camera(&officer, &noisy.id, 60, "施工作业频繁误报").await.unwrap();
    assert_eq!(
        s.muted_cameras().await.unwrap().iter().map(|m| m.camera_id.as_str()).collect::<Vec<_>>(),
        [noisy.id.as_str()]
    );
    let quiet = native_alert("loiter-a", &noisy.nvr_name, "loitering", "2026-11-18T10:00:00+08:00");
    s.ingest(&[(topic, quiet.as_slice())]).await.unwrap();
    let groups = s.alert_groups(10).await.unwrap();
    assert!(
        groups.iter().all(|g| g.alerts.iter().all(|a| a.camera_id.as_deref() != Some(noisy.id.as_str()))),
        "muted"
    );
    assert_eq!(s.store().new_alert_count().await.unwrap(), 1, "only the smoke waits");
    assert!(s.unmute_camera(&officer, &noisy.id).await.unwrap());
    let loud = native_alert("loiter-b", &noisy.nvr_name, "loitering", "2026-11-18T10:00:30+08:00");
    s.ingest(&[(topic, loud.as_slice())]).await.unwrap();
    assert_eq!(
        s.store().new_alert_count().await.unwrap(),
        2,
        "after unmuting its alerts wait for triage again"
    );
}
