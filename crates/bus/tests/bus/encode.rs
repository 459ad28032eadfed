//! Encoding: what the station, terminals and the simulator write decodes back to the same value.

use chrono::{DateTime, Utc};
use redgrid_bus::payload::{
    decode, decode_outbound, encode_broadcast, encode_callup, encode_camera_alert, encode_presence,
    encode_report, encode_task, encode_terminal_ack, encode_terminal_arrive, encode_terminal_feedback,
    encode_terminal_location, encode_terminal_notice, encode_zero_report, AckTarget, AlertKind, BoundingBox,
    Broadcast, Callup, CallupMessage, CameraAlert, Decoded, GeoPoint, Inbound, ModeSwitch, Notice,
    OperatingMode, Outbound, PresenceState, Report, TaskMessage, TerminalAck, TerminalArrive,
    TerminalFeedback, TerminalLocation, TerminalNotice, ZeroReport,
};
use redgrid_bus::topics::{TerminalChannel, Topics};
use serde_json::{json, Value};

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).expect("test times are valid").with_timezone(&Utc)
}

fn decode_inbound(topic: &str, payload: &[u8]) -> Inbound {
    match decode(&Topics::default(), topic, payload) {
        Ok(Decoded::Inbound(message)) => message,
        other => panic!("{topic}: what we encode must decode, got {other:?}"),
    }
}

fn task() -> TaskMessage {
    TaskMessage {
        task_id: "T-77".to_owned(),
        event_id: "E-1024".to_owned(),
        title: "大圩市场人员聚集".to_owned(),
        category: "public_order".to_owned(),
        severity: "serious".to_owned(),
        grid: Some("45080210100100101".to_owned()),
        address: Some("大圩镇市场东门".to_owned()),
        position: Some(GeoPoint { lat: 23.1412, lon: 109.6021 }),
        deadline: Some(at("2025-06-01T23:10:00+08:00")),
        note: Some("注意安全".to_owned()),
        drill: false,
        at: at("2025-06-01T22:41:30+08:00"),
    }
}

#[test]
fn a_task_is_versioned_flat_json_and_reads_back() {
    let topics = Topics::default();
    let bytes = encode_task(&task());
    let json: Value = serde_json::from_slice(&bytes).expect("a task is JSON");
    assert_eq!(json["v"], json!(1), "every RedGrid payload carries its version");
    assert_eq!(json["lat"], json!(23.1412), "the position is flattened into lat/lon");
    assert_eq!(json["deadline"], json!("2025-06-01T15:10:00Z"), "times are RFC 3339 in UTC");
    let read = decode_outbound(&topics, &topics.terminal_tasks("W0042"), &bytes).expect("a task reads back");
    assert_eq!(read, Outbound::Task { worker_id: "W0042".to_owned(), task: task() });

    let bare = TaskMessage {
        grid: None,
        address: None,
        position: None,
        deadline: None,
        note: None,
        drill: true,
        ..task()
    };
    let json: Value = serde_json::from_slice(&encode_task(&bare)).expect("JSON");
    assert!(
        json.get("lat").is_none() && json.get("grid").is_none(),
        "absent optional fields are left out: {json}"
    );
    assert_eq!(
        decode_outbound(&topics, &topics.terminal_tasks("W1"), &encode_task(&bare)).expect("reads back"),
        Outbound::Task { worker_id: "W1".to_owned(), task: bare }
    );
}

#[test]
fn broadcasts_read_back() {
    let topics = Topics::default();
    let broadcasts = [
        Broadcast::Notice(Notice {
            notice_id: "N-1".to_owned(),
            title: "台风预警".to_owned(),
            text: "今晚有强降雨，请做好防范".to_owned(),
            grids: vec![],
            at: at("2025-07-01T18:00:00+08:00"),
        }),
        Broadcast::Mode(ModeSwitch {
            mode: OperatingMode::Wartime,
            reason: "台风橙色预警".to_owned(),
            by: "王镇长".to_owned(),
            at: at("2025-07-01T18:05:00+08:00"),
            level: Some("level_2".to_owned()),
            level_name: Some("Ⅱ级".to_owned()),
            text: Some("启动Ⅱ级应急响应：全员到岗".to_owned()),
        }),
        Broadcast::Callup(Callup {
            callup_id: "C-3".to_owned(),
            reason: "防汛值守".to_owned(),
            workers: vec!["W0100".to_owned(), "W0101".to_owned()],
            reply_by: Some(at("2025-07-01T19:00:00+08:00")),
            at: at("2025-07-01T18:06:00+08:00"),
            drill: true,
        }),
    ];
    for broadcast in broadcasts {
        let topic = topics.broadcast(broadcast.kind());
        let read =
            decode_outbound(&topics, &topic, &encode_broadcast(&broadcast)).expect("a broadcast reads back");
        assert_eq!(read, Outbound::Broadcast(broadcast), "{topic}");
    }
    let wrong = decode_outbound(&topics, "redgrid/v1/alerts/x", &encode_task(&task()));
    assert_eq!(
        wrong.map_err(|e| e.code()),
        Err("unknown_topic"),
        "decode_outbound reads outbound topics only"
    );
}

#[test]
fn presence_and_last_will_read_back() {
    let topic = Topics::default().station_presence("centre-1");
    let online = encode_presence(PresenceState::Online, Some(at("2025-06-01T08:00:00+08:00")));
    let Inbound::StationPresence { presence, .. } = decode_inbound(&topic, &online) else {
        panic!("presence")
    };
    assert_eq!((presence.state, presence.at), (PresenceState::Online, Some(at("2025-06-01T00:00:00Z"))));
    let will = encode_presence(PresenceState::Offline, None);
    assert_eq!(
        serde_json::from_slice::<Value>(&will).expect("JSON"),
        json!({"v": 1, "state": "offline"}),
        "the last will is fixed at connect time, so it carries no time"
    );
}

#[test]
fn native_messages_round_trip() {
    let topics = Topics::default();
    let alert = CameraAlert {
        alert_id: "A-1".to_owned(),
        camera: "东门".to_owned(),
        kind: AlertKind::SmokeFire,
        confidence: 0.77,
        at: at("2025-06-01T22:40:05.250+08:00"),
        snapshot: Some("/s/1.jpg".to_owned()),
        bounding_box: Some(BoundingBox([1.0, 2.0, 3.5, 4.0])),
    };
    assert_eq!(
        decode_inbound(&topics.camera_alerts("nvr"), &encode_camera_alert(&alert)),
        Inbound::CameraAlert { source: "nvr".to_owned(), alert: alert.clone() },
        "milliseconds survive"
    );
    let worker = || "W0042".to_owned();
    let ack = TerminalAck {
        msg_id: "m-1".to_owned(),
        target: AckTarget::Callup { callup_id: "C-3".to_owned(), available: true },
        at: at("2025-07-01T18:10:00+08:00"),
        note: Some("已到村委会".to_owned()),
        position: Some(GeoPoint { lat: 23.1, lon: 109.6 }),
    };
    assert_eq!(
        decode_inbound(&topics.terminal("W0042", TerminalChannel::Ack), &encode_terminal_ack(&ack)),
        Inbound::TerminalAck { worker_id: worker(), ack }
    );
    // A call-up sent to one worker reads back whole.
    let callup = CallupMessage {
        callup_id: "C-3".to_owned(),
        reason: "防汛值守".to_owned(),
        reply_by: Some(at("2025-07-01T19:00:00+08:00")),
        call: 2,
        backup_for: Some("W0041".to_owned()),
        drill: false,
        at: at("2025-07-01T18:12:00+08:00"),
    };
    let topic = topics.terminal("W0042", TerminalChannel::Callup);
    assert_eq!(
        decode_outbound(&topics, &topic, &encode_callup(&callup)).unwrap(),
        Outbound::Callup { worker_id: worker(), callup }
    );
    let arrive = TerminalArrive {
        msg_id: "m-2".to_owned(),
        task_id: "T-77".to_owned(),
        at: at("2025-06-01T22:52:00+08:00"),
        position: Some(GeoPoint { lat: 23.14, lon: 109.6 }),
        acc: Some(6.0),
    };
    assert_eq!(
        decode_inbound(&topics.terminal("W0042", TerminalChannel::Arrive), &encode_terminal_arrive(&arrive)),
        Inbound::TerminalArrive { worker_id: worker(), arrive }
    );
    let feedback = TerminalFeedback {
        msg_id: "m-3".to_owned(),
        task_id: Some("T-77".to_owned()),
        event_id: None,
        at: at("2025-06-01T23:02:00+08:00"),
        notes: "已调解".to_owned(),
        photos: vec!["uploads/a.jpg".to_owned()],
        position: None,
    };
    assert_eq!(
        decode_inbound(
            &topics.terminal("W0042", TerminalChannel::Feedback),
            &encode_terminal_feedback(&feedback)
        ),
        Inbound::TerminalFeedback { worker_id: worker(), feedback }
    );
    let location = TerminalLocation {
        lat: 23.1,
        lon: 109.6,
        acc: None,
        batt: Some(55.0),
        at: at("2025-06-01T22:45:00+08:00"),
    };
    assert_eq!(
        decode_inbound(
            &topics.terminal("W0042", TerminalChannel::Location),
            &encode_terminal_location(&location)
        ),
        Inbound::TerminalLocation { worker_id: worker(), location }
    );
    let report = Report {
        report_id: "R-1".to_owned(),
        reporter: "W0042".to_owned(),
        grid: None,
        position: Some(GeoPoint { lat: 23.1, lon: 109.6 }),
        category: Some("dispute".to_owned()),
        text: "村口有人吵架".to_owned(),
        photos: vec![],
        at: at("2025-06-01T10:00:00+08:00"),
    };
    assert_eq!(
        decode_inbound(&topics.reports("W0042"), &encode_report(&report)),
        Inbound::Report { source: "W0042".to_owned(), report }
    );
}

#[test]
fn a_zero_report_and_its_reminder_read_back() {
    let topics = Topics::default();
    // What the simulator's grid leaders send is what the station decodes.
    let report = ZeroReport {
        msg_id: "zr-450802101201-3".to_owned(),
        village: "450802101201".to_owned(),
        new: 0,
        open: 2,
        note: "本村平安".to_owned(),
        at: at("2026-11-18T20:00:00.125+08:00"),
    };
    let encoded: Value = serde_json::from_slice(&encode_zero_report(&report)).unwrap();
    assert_eq!(encoded["v"], 1, "versioned like every RedGrid payload");
    assert_eq!(
        decode_inbound(&topics.terminal("W1", TerminalChannel::ZeroReport), &encode_zero_report(&report)),
        Inbound::ZeroReport { worker_id: "W1".to_owned(), report }
    );
    // The station's reminder to a grid leader whose village is missing reads back on the terminal.
    let notice = TerminalNotice {
        notice_id: "zero_report:450802101201:1795435200000".to_owned(),
        kind: "zero_report_missing".to_owned(),
        title: "零报告催报".to_owned(),
        text: "大圩村的零报告已超时，请尽快报送".to_owned(),
        village: Some("450802101201".to_owned()),
        due_at: Some(at("2026-11-18T22:00:00+08:00")),
        at: at("2026-11-18T22:00:05+08:00"),
    };
    let topic = topics.terminal("W1", TerminalChannel::Notice);
    assert_eq!(topic, "redgrid/v1/terminals/W1/notice");
    assert_eq!(
        decode_outbound(&topics, &topic, &encode_terminal_notice(&notice)).unwrap(),
        Outbound::Notice { worker_id: "W1".to_owned(), notice }
    );
}
