//! RedGrid's own v1 payloads: decode → fields, and natural keys that are stable for the same message
//! and distinct for different ones.

use chrono::{DateTime, Utc};
use redgrid_bus::payload::{
    AckTarget, AlertKind, BoundingBox, GeoPoint, Idempotency, Inbound, PresenceState,
};
use serde_json::{json, Value};

use crate::{ignored, inbound};

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).expect("test times are valid RFC 3339").with_timezone(&Utc)
}

fn alert() -> Value {
    json!({"v": 1, "alert_id": "HK-20250601-000123", "camera": "大圩市场东门", "kind": "crowd",
        "confidence": 0.91, "at": "2025-06-01T22:40:05+08:00", "snapshot": "/snapshots/2025/06/01/000123.jpg",
        "box": [120, 80, 640, 460], "vendor_extra": {"channel": 3}})
}

#[test]
fn native_alert_decodes() {
    let message = inbound("redgrid/v1/alerts/nvr-dawei", &alert());
    assert_eq!(message.natural_key(), "alert:nvr-dawei:HK-20250601-000123");
    assert_eq!(message.alert_key(), Some(message.natural_key()), "a native alert is its own alert");
    let Inbound::CameraAlert { source, alert } = message else {
        panic!("alerts topic yields a camera alert")
    };
    assert_eq!(source, "nvr-dawei", "the source is the topic's last segment");
    assert_eq!(alert.camera, "大圩市场东门");
    assert_eq!(alert.kind, AlertKind::Crowd);
    assert_eq!(alert.confidence, 0.91);
    assert_eq!(alert.at, at("2025-06-01T14:40:05Z"), "an offset time is read as the same instant in UTC");
    assert_eq!(alert.snapshot.as_deref(), Some("/snapshots/2025/06/01/000123.jpg"));
    assert_eq!(alert.bounding_box, Some(BoundingBox([120.0, 80.0, 640.0, 460.0])));
}

#[test]
fn alert_time_may_be_epoch_milliseconds() {
    let mut payload = alert();
    payload["at"] = json!(1_748_788_805_000_i64);
    let Inbound::CameraAlert { alert, .. } = inbound("redgrid/v1/alerts/nvr-dawei", &payload) else {
        panic!("still an alert")
    };
    assert_eq!(alert.at, at("2025-06-01T14:40:05Z"), "epoch ms and RFC 3339 name the same instant");
}

#[test]
fn every_documented_kind_is_accepted() {
    for kind in AlertKind::ALL {
        let mut payload = alert();
        payload["kind"] = json!(kind.as_str());
        let Inbound::CameraAlert { alert, .. } = inbound("redgrid/v1/alerts/x", &payload) else {
            panic!("alert")
        };
        assert_eq!(alert.kind, kind, "kind {}", kind.as_str());
    }
}

#[test]
fn terminal_messages_decode() {
    let ack = inbound(
        "redgrid/v1/terminals/W0042/ack",
        &json!({"v": 1, "msg_id": "m-1", "task_id": "T-77", "at": "2025-06-01T22:42:10+08:00"}),
    );
    assert_eq!(ack.natural_key(), "terminal:W0042:ack:m-1");
    let Inbound::TerminalAck { worker_id, ack } = ack else { panic!("ack topic yields an ack") };
    assert_eq!(worker_id, "W0042");
    assert_eq!(ack.target, AckTarget::Task { task_id: "T-77".to_owned() });

    let callup = inbound(
        "redgrid/v1/terminals/W0042/ack",
        &json!({"v": 1, "msg_id": "m-2", "callup_id": "C-3", "available": false, "at": 1748788930000_i64}),
    );
    let Inbound::TerminalAck { ack, .. } = callup else { panic!("a call-up answer is an ack") };
    assert_eq!(ack.target, AckTarget::Callup { callup_id: "C-3".to_owned(), available: false });

    let arrive = inbound(
        "redgrid/v1/terminals/W0042/arrive",
        &json!({"v": 1, "msg_id": 17, "task_id": "T-77", "at": "2025-06-01T22:51:00+08:00", "lat": 23.1412, "lon": 109.6021, "acc": 8}),
    );
    assert_eq!(arrive.natural_key(), "terminal:W0042:arrive:17", "numeric ids are read as decimal text");
    let Inbound::TerminalArrive { arrive, .. } = arrive else { panic!("arrive") };
    assert_eq!(arrive.position, Some(GeoPoint { lat: 23.1412, lon: 109.6021 }));
    assert_eq!(arrive.acc, Some(8.0));

    let feedback = inbound(
        "redgrid/v1/terminals/W0042/feedback",
        &json!({"v": 1, "msg_id": "m-3", "task_id": "T-77", "at": "2025-06-01T23:02:00+08:00",
            "notes": "两名摊贩因摊位争执，已现场调解", "photos": ["uploads/W0042/2025/06/01/a.jpg", ""]}),
    );
    let Inbound::TerminalFeedback { feedback, .. } = feedback else { panic!("feedback") };
    assert_eq!(feedback.task_id.as_deref(), Some("T-77"));
    assert_eq!(feedback.event_id, None);
    assert_eq!(feedback.notes, "两名摊贩因摊位争执，已现场调解");
    assert_eq!(feedback.photos, ["uploads/W0042/2025/06/01/a.jpg"], "empty references are dropped");

    let on_event = inbound(
        "redgrid/v1/terminals/W0042/feedback",
        &json!({"v": 1, "msg_id": "m-4", "event_id": "E-9", "at": "2025-06-01T23:02:00+08:00", "photos": ["p.jpg"]}),
    );
    let Inbound::TerminalFeedback { feedback, .. } = on_event else { panic!("feedback on an event") };
    assert_eq!(
        (feedback.task_id, feedback.event_id.as_deref()),
        (None, Some("E-9")),
        "event_id instead of task_id"
    );

    let location = inbound(
        "redgrid/v1/terminals/W0042/location",
        &json!({"v": 1, "lat": 23.14, "lon": 109.60, "acc": 12.5, "batt": 64, "at": "2025-06-01T22:45:00Z"}),
    );
    assert_eq!(
        location.natural_key(),
        format!("terminal:W0042:location:{}", at("2025-06-01T22:45:00Z").timestamp_millis())
    );
    let Inbound::TerminalLocation { location, .. } = location else { panic!("location") };
    assert_eq!(
        (location.lat, location.lon, location.acc, location.batt),
        (23.14, 109.60, Some(12.5), Some(64.0))
    );
}

#[test]
fn reports_decode() {
    let message = inbound(
        "redgrid/v1/reports/W0042",
        &json!({"v": 1, "report_id": "R-1", "reporter": "W0042", "grid": "45080210100100101",
            "lat": 23.1, "lon": 109.6, "category": "dispute", "text": "村口有人吵架", "photos": [],
            "at": "2025-06-01T10:00:00+08:00"}),
    );
    assert_eq!(message.natural_key(), "report:W0042:R-1");
    assert_eq!(message.alert_key(), None, "a report is not a camera alert");
    let Inbound::Report { source, report } = message else { panic!("report") };
    assert_eq!(source, "W0042");
    assert_eq!(report.grid.as_deref(), Some("45080210100100101"));
    assert_eq!(report.position, Some(GeoPoint { lat: 23.1, lon: 109.6 }));
    assert_eq!(report.category.as_deref(), Some("dispute"));
    assert_eq!(report.text, "村口有人吵架");

    let resident = inbound(
        "redgrid/v1/reports/resident-app",
        &json!({"v": 1, "report_id": "R-2", "reporter": "张女士 138****1234", "text": "路灯坏了", "at": 1748743200000_i64}),
    );
    let Inbound::Report { report, .. } = resident else { panic!("resident report") };
    assert_eq!(
        (report.grid, report.position, report.category),
        (None, None, None),
        "grid, place, category optional"
    );
}

#[test]
fn presence_and_its_last_will() {
    let online = inbound(
        "redgrid/v1/stations/centre-1/presence",
        &json!({"v": 1, "state": "online", "at": "2025-06-01T08:00:00+08:00"}),
    );
    let will = inbound("redgrid/v1/stations/centre-1/presence", &json!({"v": 1, "state": "offline"}));
    let Inbound::StationPresence { station_id, presence } = &will else { panic!("presence") };
    assert_eq!(
        (station_id.as_str(), presence.state, presence.at),
        ("centre-1", PresenceState::Offline, None)
    );
    assert_eq!(will.natural_key(), "presence:centre-1:offline:-");
    assert_eq!(online.idempotency(), Idempotency::LastValueWins, "presence is a state: apply every delivery");
    assert_eq!(will.idempotency(), Idempotency::LastValueWins);
    ignored("redgrid/v1/stations/centre-1/presence", b"");
}

#[test]
fn a_zero_report_decodes_with_its_natural_key() {
    let message = inbound(
        "redgrid/v1/terminals/W1010003/zero_report",
        &json!({"v": 1, "msg_id": "zr-0001", "village": "450802101201", "new": 0, "open": 2,
            "note": "本村平安，无新增情况", "at": "2026-11-18T20:00:00+08:00"}),
    );
    assert_eq!(
        message.natural_key(),
        "terminal:W1010003:zero_report:zr-0001",
        "a resend of the same report is the same message"
    );
    assert_eq!(message.kind_name(), "zero_report");
    assert_eq!(message.idempotency(), Idempotency::NaturalKey, "a report is a message, not a state");
    let Inbound::ZeroReport { worker_id, report } = message else { panic!("the zero_report topic") };
    assert_eq!(worker_id, "W1010003", "who sent it is the topic's worker, vouched for by the ACL");
    assert_eq!((report.village.as_str(), report.new, report.open), ("450802101201", 0, 2));
    assert_eq!(report.note, "本村平安，无新增情况");
    assert_eq!(report.at, at("2026-11-18T12:00:00Z"));

    let bare = inbound(
        "redgrid/v1/terminals/W1010003/zero_report",
        &json!({"v": 1, "msg_id": 7, "village": "450802101201", "new": 3, "open": 3.0, "at": 1795435200000_i64}),
    );
    let Inbound::ZeroReport { report, .. } = bare else { panic!("zero report") };
    assert_eq!(report.note, "", "the note is optional: nothing to add");
    assert_eq!((report.msg_id.as_str(), report.open), ("7", 3), "numeric ids and whole floats are read");
}

#[test]
fn own_outbound_topics_are_ignored_if_seen() {
    ignored("redgrid/v1/terminals/W0042/notice", b"{\"v\":1}");
    ignored("redgrid/v1/terminals/W0042/tasks", b"{\"v\":1}");
    ignored("redgrid/v1/broadcast/mode", b"{\"v\":1}");
}

#[test]
fn natural_keys_are_stable_for_the_same_message_and_distinct_for_different_ones() {
    let ack = json!({"v": 1, "msg_id": "m-1", "task_id": "T-77", "at": "2025-06-01T22:42:10+08:00"});
    let mut reordered_ack = serde_json::Map::new();
    for key in ["at", "task_id", "msg_id", "v"] {
        reordered_ack.insert(key.to_owned(), ack[key].clone());
    }
    let same: &[(&str, Value, Value)] = &[
        ("redgrid/v1/alerts/nvr", alert(), alert()),
        ("redgrid/v1/terminals/W1/ack", ack.clone(), Value::Object(reordered_ack)),
        ("redgrid/v1/alerts/nvr", alert(), {
            let mut later = alert();
            later["confidence"] = json!(0.5);
            later
        }),
    ];
    for (topic, a, b) in same {
        assert_eq!(
            inbound(topic, a).natural_key(),
            inbound(topic, b).natural_key(),
            "{topic}: the same natural id is the same message, whatever the key order or other fields"
        );
    }
    let keys = [
        inbound("redgrid/v1/alerts/nvr", &alert()).natural_key(),
        inbound("redgrid/v1/alerts/nvr2", &alert()).natural_key(),
        inbound("redgrid/v1/alerts/nvr", &{
            let mut other = alert();
            other["alert_id"] = json!("HK-2");
            other
        })
        .natural_key(),
        inbound("redgrid/v1/terminals/W1/ack", &ack).natural_key(),
        inbound("redgrid/v1/terminals/W2/ack", &ack).natural_key(),
        inbound("redgrid/v1/terminals/W1/arrive", &ack).natural_key(),
        // Separators inside ids cannot forge another message's key.
        inbound("redgrid/v1/alerts/a:b", &{
            let mut other = alert();
            other["alert_id"] = json!("c");
            other
        })
        .natural_key(),
        inbound("redgrid/v1/alerts/a", &{
            let mut other = alert();
            other["alert_id"] = json!("b:c");
            other
        })
        .natural_key(),
    ];
    for (i, a) in keys.iter().enumerate() {
        for b in keys.iter().skip(i + 1) {
            assert_ne!(a, b, "different messages must have different natural keys");
        }
    }
}
