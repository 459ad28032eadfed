//! Refused input, as a table: topic, bytes → error code (and field). Each refusal must carry a Chinese
//! reason, because the quarantine shows it to officers.

use redgrid_bus::payload::{decode, DecodeError, MAX_PAYLOAD_BYTES};
use redgrid_bus::topics::Topics;
use serde_json::{json, Value};

use crate::has_chinese;

const ALERT: &str = "redgrid/v1/alerts/nvr";
const EVENTS: &str = "frigate/events";

fn alert_with(key: &str, value: Value) -> Vec<u8> {
    let mut alert = json!({"v": 1, "alert_id": "A1", "camera": "cam", "kind": "crowd", "confidence": 0.9,
        "at": "2025-06-01T22:40:00+08:00"});
    alert[key] = value;
    alert.to_string().into_bytes()
}

fn alert_without(key: &str) -> Vec<u8> {
    let mut alert = json!({"v": 1, "alert_id": "A1", "camera": "cam", "kind": "crowd", "confidence": 0.9,
        "at": "2025-06-01T22:40:00+08:00"});
    alert.as_object_mut().expect("alert is an object").remove(key);
    alert.to_string().into_bytes()
}

fn event_after(key: &str, value: Value) -> Vec<u8> {
    let mut event = json!({"type": "update", "after": {"id": "1.5-a", "camera": "cam", "label": "person"}});
    event["after"][key] = value;
    event.to_string().into_bytes()
}

const ZERO: &str = "redgrid/v1/terminals/W1/zero_report";

fn zero_report() -> Value {
    json!({"v": 1, "msg_id": "zr-1", "village": "450802101201", "new": 0, "open": 1, "note": "",
        "at": "2026-11-18T20:00:00+08:00"})
}

fn zero_with(key: &str, value: Value) -> Vec<u8> {
    let mut report = zero_report();
    report[key] = value;
    report.to_string().into_bytes()
}

fn zero_without(key: &str) -> Vec<u8> {
    let mut report = zero_report();
    report.as_object_mut().expect("a zero report is an object").remove(key);
    report.to_string().into_bytes()
}

fn bytes(value: Value) -> Vec<u8> {
    value.to_string().into_bytes()
}

struct Case {
    name: &'static str,
    topic: String,
    payload: Vec<u8>,
    code: &'static str,
    field: Option<&'static str>,
}

fn case(
    name: &'static str,
    topic: &str,
    payload: Vec<u8>,
    code: &'static str,
    field: Option<&'static str>,
) -> Case {
    Case { name, topic: topic.to_owned(), payload, code, field }
}

fn cases() -> Vec<Case> {
    let at = "2025-06-01T22:40:00+08:00";
    let mut huge = b"{\"v\":1,\"alert_id\":\"".to_vec();
    huge.extend(std::iter::repeat_n(b'x', MAX_PAYLOAD_BYTES));
    huge.extend(b"\"}");
    let mut deep = "[".repeat(100_000).into_bytes();
    deep.extend("]".repeat(100_000).into_bytes());
    let mut deep_in_field = b"{\"v\":1,\"alert_id\":".to_vec();
    deep_in_field.extend("{\"a\":".repeat(5_000).into_bytes());
    let many_zones: Vec<String> = (0..65).map(|i| format!("z{i}")).collect();
    let long_worker = format!("redgrid/v1/terminals/{}/ack", "w".repeat(200));
    vec![
        // Size, encoding, syntax.
        case("over the size limit", ALERT, huge.clone(), "too_large", None),
        case("size is checked before the topic", "nobody/listens/here", huge, "too_large", None),
        case("invalid UTF-8", ALERT, vec![b'{', 0xc3, 0x28, b'}'], "invalid_utf8", None),
        case("invalid UTF-8 availability", "frigate/available", vec![0xff, 0xfe], "invalid_utf8", None),
        case("empty alert", ALERT, Vec::new(), "empty", None),
        case(
            "a NUL escaped in a string",
            ALERT,
            format!(
                r#"{{"v":1,"alert_id":"A\u0000","camera":"c","kind":"crowd","confidence":0.9,"at":"{at}"}}"#
            )
            .into_bytes(),
            "nul_char",
            None,
        ),
        case("a raw NUL", "frigate/available", b"online\0".to_vec(), "nul_char", None),
        case("whitespace report", "redgrid/v1/reports/app", b"  \n ".to_vec(), "empty", None),
        case("truncated alert", ALERT, br#"{"v":1,"alert_id":"A1","camera":"ca"#.to_vec(), "not_json", None),
        case(
            "truncated Frigate event",
            EVENTS,
            br#"{"type":"new","after":{"id":"1.5-a","#.to_vec(),
            "not_json",
            None,
        ),
        case("not JSON at all", ALERT, b"hello".to_vec(), "not_json", None),
        case("NaN is not JSON", ALERT, br#"{"v":1,"confidence":NaN}"#.to_vec(), "not_json", None),
        case("number beyond f64", ALERT, br#"{"v":1,"confidence":1e400}"#.to_vec(), "not_json", None),
        case("deep nesting", ALERT, deep, "not_json", None),
        case("deep nesting in a field", ALERT, deep_in_field, "not_json", None),
        case("array at the top", ALERT, b"[1,2,3]".to_vec(), "wrong_type", Some("$")),
        case("string at the top", EVENTS, b"\"new\"".to_vec(), "wrong_type", Some("$")),
        // Versions.
        case("no version", ALERT, alert_without("v"), "missing_field", Some("v")),
        case("version 2", ALERT, alert_with("v", json!(2)), "unsupported_version", None),
        case("version 0", ALERT, alert_with("v", json!(0)), "unsupported_version", None),
        case("version as text", ALERT, alert_with("v", json!("1")), "wrong_type", Some("v")),
        case("version 1.5", ALERT, alert_with("v", json!(1.5)), "wrong_type", Some("v")),
        // Native alert fields.
        case("no alert id", ALERT, alert_without("alert_id"), "missing_field", Some("alert_id")),
        case("empty alert id", ALERT, alert_with("alert_id", json!("")), "missing_field", Some("alert_id")),
        case(
            "alert id object",
            ALERT,
            alert_with("alert_id", json!({"id": 1})),
            "wrong_type",
            Some("alert_id"),
        ),
        case("alert id float", ALERT, alert_with("alert_id", json!(1.5)), "wrong_type", Some("alert_id")),
        case("no camera", ALERT, alert_without("camera"), "missing_field", Some("camera")),
        case(
            "camera too long",
            ALERT,
            alert_with("camera", json!("c".repeat(129))),
            "too_long",
            Some("camera"),
        ),
        case(
            "huge snapshot ref",
            ALERT,
            alert_with("snapshot", json!("s".repeat(200_000))),
            "too_long",
            Some("snapshot"),
        ),
        case(
            "confidence above 1",
            ALERT,
            alert_with("confidence", json!(1.5)),
            "out_of_range",
            Some("confidence"),
        ),
        case(
            "confidence below 0",
            ALERT,
            alert_with("confidence", json!(-0.1)),
            "out_of_range",
            Some("confidence"),
        ),
        case(
            "confidence as text",
            ALERT,
            alert_with("confidence", json!("high")),
            "wrong_type",
            Some("confidence"),
        ),
        case("unknown kind", ALERT, alert_with("kind", json!("ufo")), "unknown_value", Some("kind")),
        case("kind as number", ALERT, alert_with("kind", json!(3)), "wrong_type", Some("kind")),
        case("time as prose", ALERT, alert_with("at", json!("yesterday")), "wrong_type", Some("at")),
        case("seconds sent as ms", ALERT, alert_with("at", json!(1_748_788_805)), "out_of_range", Some("at")),
        case(
            "time in 1999",
            ALERT,
            alert_with("at", json!("1999-12-31T23:59:59Z")),
            "out_of_range",
            Some("at"),
        ),
        case("time as bool", ALERT, alert_with("at", json!(true)), "wrong_type", Some("at")),
        case("box of three", ALERT, alert_with("box", json!([1, 2, 3])), "wrong_type", Some("box")),
        case("box of text", ALERT, alert_with("box", json!(["a", "b", "c", "d"])), "wrong_type", Some("box")),
        // Frigate.
        case("event without after", EVENTS, bytes(json!({"type": "new"})), "missing_field", Some("after")),
        case("event without type", EVENTS, bytes(json!({"after": {}})), "missing_field", Some("type")),
        case(
            "event after is a list",
            EVENTS,
            bytes(json!({"type": "new", "after": []})),
            "wrong_type",
            Some("after"),
        ),
        case(
            "event without id",
            EVENTS,
            bytes(json!({"type": "new", "after": {"camera": "c", "label": "person"}})),
            "missing_field",
            Some("after.id"),
        ),
        case(
            "event unknown type",
            EVENTS,
            bytes(json!({"type": "created", "after": {}})),
            "unknown_value",
            Some("type"),
        ),
        case(
            "event camera number",
            EVENTS,
            event_after("camera", json!(5)),
            "wrong_type",
            Some("after.camera"),
        ),
        case(
            "event sub_label object",
            EVENTS,
            event_after("sub_label", json!({})),
            "wrong_type",
            Some("after.sub_label"),
        ),
        case(
            "event sub_label [1, 2]",
            EVENTS,
            event_after("sub_label", json!([1, 2])),
            "wrong_type",
            Some("after.sub_label"),
        ),
        case(
            "event score text",
            EVENTS,
            event_after("score", json!("0.9")),
            "wrong_type",
            Some("after.score"),
        ),
        case(
            "event start in 5138",
            EVENTS,
            event_after("start_time", json!(1e11)),
            "out_of_range",
            Some("after.start_time"),
        ),
        case(
            "event zones text",
            EVENTS,
            event_after("current_zones", json!("yard")),
            "wrong_type",
            Some("after.current_zones"),
        ),
        case(
            "event zone number",
            EVENTS,
            event_after("entered_zones", json!(["a", 1])),
            "wrong_type",
            Some("after.entered_zones[1]"),
        ),
        case(
            "event too many zones",
            EVENTS,
            event_after("entered_zones", json!(many_zones)),
            "too_long",
            Some("after.entered_zones"),
        ),
        case(
            "event has_snapshot text",
            EVENTS,
            event_after("has_snapshot", json!("yes")),
            "wrong_type",
            Some("after.has_snapshot"),
        ),
        case(
            "event snapshot frame time text",
            EVENTS,
            event_after("snapshot", json!({"frame_time": "now"})),
            "wrong_type",
            Some("after.snapshot.frame_time"),
        ),
        case(
            "review unknown severity",
            "frigate/reviews",
            bytes(json!({"type": "new", "after": {"id": "r", "camera": "c", "severity": "critical"}})),
            "unknown_value",
            Some("after.severity"),
        ),
        case(
            "review detections text",
            "frigate/reviews",
            bytes(
                json!({"type": "new", "after": {"id": "r", "camera": "c", "severity": "alert", "data": {"detections": "abc"}}}),
            ),
            "wrong_type",
            Some("after.data.detections"),
        ),
        case(
            "face without name",
            "frigate/tracked_object_update",
            bytes(json!({"type": "face", "id": "1.5-a", "score": 0.9})),
            "missing_field",
            Some("name"),
        ),
        case(
            "plate without plate",
            "frigate/tracked_object_update",
            bytes(json!({"type": "lpr", "id": "1.5-a", "name": "car"})),
            "missing_field",
            Some("plate"),
        ),
        case(
            "update without type",
            "frigate/tracked_object_update",
            bytes(json!({"id": "x"})),
            "missing_field",
            Some("type"),
        ),
        case("availability maybe", "frigate/available", b"maybe".to_vec(), "unknown_value", Some("$")),
        // Terminals.
        case(
            "ack for task and call-up",
            "redgrid/v1/terminals/W1/ack",
            bytes(json!({"v": 1, "msg_id": "m", "task_id": "t", "callup_id": "c", "at": at})),
            "out_of_range",
            Some("callup_id"),
        ),
        case(
            "ack for nothing",
            "redgrid/v1/terminals/W1/ack",
            bytes(json!({"v": 1, "msg_id": "m", "at": at})),
            "missing_field",
            Some("task_id"),
        ),
        case(
            "ack without msg id",
            "redgrid/v1/terminals/W1/ack",
            bytes(json!({"v": 1, "task_id": "t", "at": at})),
            "missing_field",
            Some("msg_id"),
        ),
        case(
            "ack without time",
            "redgrid/v1/terminals/W1/ack",
            bytes(json!({"v": 1, "msg_id": "m", "task_id": "t"})),
            "missing_field",
            Some("at"),
        ),
        case(
            "feedback says nothing",
            "redgrid/v1/terminals/W1/feedback",
            bytes(json!({"v": 1, "msg_id": "m", "task_id": "t", "at": at, "notes": "  "})),
            "missing_field",
            Some("notes"),
        ),
        case(
            "feedback with 17 photos",
            "redgrid/v1/terminals/W1/feedback",
            bytes(json!({"v": 1, "msg_id": "m", "task_id": "t", "at": at, "photos": vec!["p.jpg"; 17]})),
            "too_long",
            Some("photos"),
        ),
        case(
            "feedback notes too long",
            "redgrid/v1/terminals/W1/feedback",
            bytes(json!({"v": 1, "msg_id": "m", "task_id": "t", "at": at, "notes": "字".repeat(4001)})),
            "too_long",
            Some("notes"),
        ),
        case(
            "location lat 91",
            "redgrid/v1/terminals/W1/location",
            bytes(json!({"v": 1, "lat": 91, "lon": 109.6, "at": at})),
            "out_of_range",
            Some("lat"),
        ),
        case(
            "location without lon",
            "redgrid/v1/terminals/W1/location",
            bytes(json!({"v": 1, "lat": 23.1, "at": at})),
            "missing_field",
            Some("lon"),
        ),
        case(
            "location battery 120",
            "redgrid/v1/terminals/W1/location",
            bytes(json!({"v": 1, "lat": 23.1, "lon": 109.6, "batt": 120, "at": at})),
            "out_of_range",
            Some("batt"),
        ),
        case(
            "arrive lat without lon",
            "redgrid/v1/terminals/W1/arrive",
            bytes(json!({"v": 1, "msg_id": "m", "task_id": "t", "at": at, "lat": 23.1})),
            "missing_field",
            Some("lon"),
        ),
        case("worker id too long", &long_worker, bytes(json!({"v": 1})), "too_long", Some("topic.worker_id")),
        // OwnTracks, reports, presence.
        case(
            "OwnTracks location without tst",
            "owntracks/u/d",
            bytes(json!({"_type": "location", "lat": 23.1, "lon": 109.6})),
            "missing_field",
            Some("tst"),
        ),
        case(
            "OwnTracks lat as text",
            "owntracks/u/d",
            bytes(json!({"_type": "location", "lat": "23.1", "lon": 109.6, "tst": 1748788800})),
            "wrong_type",
            Some("lat"),
        ),
        case(
            "OwnTracks without _type",
            "owntracks/u/d",
            bytes(json!({"lat": 1})),
            "missing_field",
            Some("_type"),
        ),
        case(
            "report says nothing",
            "redgrid/v1/reports/app",
            bytes(json!({"v": 1, "report_id": "r", "reporter": "x", "at": at})),
            "missing_field",
            Some("text"),
        ),
        case(
            "report without reporter",
            "redgrid/v1/reports/app",
            bytes(json!({"v": 1, "report_id": "r", "text": "t", "at": at})),
            "missing_field",
            Some("reporter"),
        ),
        case(
            "presence away",
            "redgrid/v1/stations/s1/presence",
            bytes(json!({"v": 1, "state": "away"})),
            "unknown_value",
            Some("state"),
        ),
        // Zero reports.
        case("zero report without village", ZERO, zero_without("village"), "missing_field", Some("village")),
        case(
            "zero report for a village by name",
            ZERO,
            zero_with("village", json!("大圩村")),
            "out_of_range",
            Some("village"),
        ),
        case("zero report without new", ZERO, zero_without("new"), "missing_field", Some("new")),
        case(
            "zero report with negative open",
            ZERO,
            zero_with("open", json!(-1)),
            "out_of_range",
            Some("open"),
        ),
        case("zero report with text count", ZERO, zero_with("new", json!("0")), "wrong_type", Some("new")),
        case(
            "zero report with fractional count",
            ZERO,
            zero_with("new", json!(1.5)),
            "wrong_type",
            Some("new"),
        ),
        case(
            "zero report with a huge count",
            ZERO,
            zero_with("open", json!(100_001)),
            "out_of_range",
            Some("open"),
        ),
        case("zero report without msg_id", ZERO, zero_without("msg_id"), "missing_field", Some("msg_id")),
        case("zero report without time", ZERO, zero_without("at"), "missing_field", Some("at")),
        case(
            "zero report with a long note",
            ZERO,
            zero_with("note", json!("无".repeat(4001))),
            "too_long",
            Some("note"),
        ),
        // Topics.
        case(
            "another version's topic",
            "redgrid/v2/alerts/nvr",
            alert_with("v", json!(1)),
            "unknown_topic",
            None,
        ),
        case("a stranger's topic", "zigbee2mqtt/kitchen", b"{}".to_vec(), "unknown_topic", None),
        case("the empty topic", "", b"{}".to_vec(), "unknown_topic", None),
        case("a wildcard topic", "redgrid/v1/alerts/#", alert_with("v", json!(1)), "unknown_topic", None),
    ]
}

#[test]
fn every_bad_input_is_refused_with_its_code_and_a_chinese_reason() {
    let topics = Topics::default();
    let cases = cases();
    assert!(
        cases.len() > 70,
        "the table covers size, encoding, syntax, version, type, range, length and topic"
    );
    for case in cases {
        let result = decode(&topics, &case.topic, &case.payload);
        let error: DecodeError = match result {
            Err(error) => error,
            Ok(decoded) => {
                panic!("{}: must be refused with {}, was accepted as {decoded:?}", case.name, case.code)
            }
        };
        assert_eq!(error.code(), case.code, "{}: wrong error code ({error})", case.name);
        if let Some(field) = case.field {
            assert_eq!(
                error.field(),
                Some(field),
                "{}: the reason names the offending field ({error})",
                case.name
            );
        }
        let reason = error.to_string();
        assert!(
            has_chinese(&reason),
            "{}: the quarantine reason is Chinese for officers: {reason}",
            case.name
        );
        assert!(
            reason.chars().count() < 400,
            "{}: the reason quotes input only briefly: {reason}",
            case.name
        );
    }
}

#[test]
fn reasons_read_well() {
    let topics = Topics::default();
    let reason = |topic: &str, payload: &[u8]| match decode(&topics, topic, payload) {
        Err(error) => error.to_string(),
        Ok(decoded) => panic!("{topic}: expected a refusal, got {decoded:?}"),
    };
    assert_eq!(reason(ALERT, &alert_without("camera")), "缺少字段 camera");
    assert_eq!(reason(ALERT, &alert_with("v", json!(2))), "不支持的消息版本 v=2（本站支持 v=1）");
    assert_eq!(
        reason(ALERT, br#"{"v":1,"alert_id":"A1""#),
        "消息不是有效的 JSON：内容不完整（可能被截断），第 1 行第 22 列",
        "a truncated payload says it looks truncated, and where"
    );
    assert_eq!(
        reason(ALERT, &alert_with("confidence", json!(1.5))),
        "字段 confidence 的值 1.5 超出范围（0 到 1）"
    );
    assert_eq!(reason("x/y", b"{}"), "未知主题：x/y");
}
