//! A deterministic fuzz-style test: 10,000 payloads mutated from valid samples (truncated, bytes flipped,
//! junk inserted, values swapped for other types, deep nesting, huge strings, keys removed, topics
//! changed) by a seeded xorshift generator. `decode` must never panic, and every outcome must be a
//! message, an explicit ignore, or a refusal with a code and a Chinese reason.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use redgrid_bus::payload::{decode, Decoded};
use redgrid_bus::topics::Topics;
use serde_json::{json, Value};

use crate::{fixture, frigate_samples, has_chinese};

const MUTATIONS: usize = 10_000;

/// xorshift64*: small, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Valid (topic, payload) pairs to mutate from: every Frigate sample and one of each native message.
fn seeds() -> Vec<(String, Value)> {
    let mut seeds: Vec<(String, Value)> =
        frigate_samples().into_iter().map(|sample| (sample.topic, sample.payload)).collect();
    for message in fixture("frigate-lifecycle.json")["messages"].as_array().expect("lifecycle messages") {
        seeds.push(("frigate/events".to_owned(), message.clone()));
    }
    let at = "2025-06-01T22:40:00+08:00";
    let natives = [
        (
            "redgrid/v1/alerts/nvr",
            json!({"v": 1, "alert_id": "A1", "camera": "cam", "kind": "crowd",
            "confidence": 0.9, "at": at, "snapshot": "/s/1.jpg", "box": [1, 2, 3, 4]}),
        ),
        ("redgrid/v1/terminals/W1/ack", json!({"v": 1, "msg_id": "m1", "task_id": "T1", "at": at})),
        (
            "redgrid/v1/terminals/W1/ack",
            json!({"v": 1, "msg_id": "m2", "callup_id": "C1", "available": true, "at": at}),
        ),
        (
            "redgrid/v1/terminals/W1/arrive",
            json!({"v": 1, "msg_id": "m3", "task_id": "T1", "at": at, "lat": 23.1, "lon": 109.6}),
        ),
        (
            "redgrid/v1/terminals/W1/feedback",
            json!({"v": 1, "msg_id": "m4", "task_id": "T1", "at": at,
            "notes": "已调解", "photos": ["a.jpg", "b.jpg"]}),
        ),
        (
            "redgrid/v1/terminals/W1/location",
            json!({"v": 1, "lat": 23.1, "lon": 109.6, "acc": 5, "batt": 50, "at": at}),
        ),
        (
            "redgrid/v1/reports/app",
            json!({"v": 1, "report_id": "R1", "reporter": "张三", "text": "路灯坏了",
            "photos": [], "at": at, "lat": 23.1, "lon": 109.6, "grid": "450802101001", "category": "livelihood"}),
        ),
        ("redgrid/v1/stations/s1/presence", json!({"v": 1, "state": "online", "at": at})),
        (
            "owntracks/u/d",
            json!({"_type": "location", "lat": 23.1, "lon": 109.6, "tst": 1748788800, "acc": 10, "batt": 80}),
        ),
        ("owntracks/u/d", json!({"_type": "lwt", "tst": 1748788800})),
        ("frigate/available", json!("online")),
    ];
    seeds.extend(natives.into_iter().map(|(topic, payload)| (topic.to_owned(), payload)));
    seeds
}

/// A random JSON value of some type, sometimes extreme.
fn random_value(rng: &mut Rng) -> Value {
    match rng.below(12) {
        0 => Value::Null,
        1 => json!(rng.chance(50)),
        2 => json!(rng.next() as i64),
        3 => json!(-(rng.below(1000) as f64) / 7.0),
        4 => json!(1e300),
        5 => json!(""),
        6 => json!("字".repeat(rng.below(6000))),
        7 => json!("x".repeat(rng.below(200))),
        8 => json!([1, "two", null, [3]]),
        9 => json!({"nested": {"deeper": [true]}}),
        10 => json!([rng.next() as f64, 2, 3]),
        _ => json!("2025-06-01T22:40:00+08:00"),
    }
}

/// Replaces one randomly chosen node of `value` (or removes a key) in place.
fn mutate_value(value: &mut Value, rng: &mut Rng) {
    let descend = rng.chance(70);
    match value {
        Value::Object(map) if !map.is_empty() => {
            let keys: Vec<String> = map.keys().cloned().collect();
            let key = keys[rng.below(keys.len())].clone();
            if descend {
                if let Some(child) = map.get_mut(&key) {
                    mutate_value(child, rng);
                }
            } else if rng.chance(30) {
                map.remove(&key);
            } else {
                map.insert(key, random_value(rng));
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let index = rng.below(items.len());
            if descend {
                mutate_value(&mut items[index], rng);
            } else {
                items[index] = random_value(rng);
            }
        }
        other => *other = random_value(rng),
    }
}

fn mutate_bytes(mut bytes: Vec<u8>, rng: &mut Rng) -> Vec<u8> {
    match rng.below(7) {
        0 => bytes.truncate(rng.below(bytes.len() + 1)),
        1 => {
            for _ in 0..=rng.below(4) {
                let index = rng.below(bytes.len());
                if let Some(byte) = bytes.get_mut(index) {
                    *byte ^= (rng.next() & 0xff) as u8 | 1;
                }
            }
        }
        2 => {
            let junk: &[&[u8]] = &[
                b"{",
                b"}",
                b"[",
                b"]",
                b"\"",
                b",",
                b":",
                b"\\",
                b"\\u12",
                b"null",
                &[0xff, 0xfe],
                &[0xe5, 0xad],
            ];
            let at = rng.below(bytes.len() + 1);
            let piece = junk[rng.below(junk.len())];
            bytes.splice(at..at, piece.iter().copied());
        }
        3 => {
            let depth = 1 + rng.below(3_000);
            let (open, close) = if rng.chance(50) { ("[", "]") } else { ("{\"a\":", "}") };
            let mut nested = open.repeat(depth).into_bytes();
            nested.extend(bytes);
            nested.extend(close.repeat(depth).into_bytes());
            bytes = nested;
        }
        4 => {
            // A huge string field near or over the size limit.
            let size = [1_000, 100_000, 300_000][rng.below(3)];
            if let Some(end) = bytes.iter().rposition(|&b| b == b'}') {
                let field = format!(",\"zz_huge\":\"{}\"", "h".repeat(size));
                bytes.splice(end..end, field.into_bytes());
            }
        }
        5 => {
            // A key repeated with another value: serde_json keeps the last one.
            if let Some(end) = bytes.iter().rposition(|&b| b == b'}') {
                let keys = ["v", "type", "after", "id", "lat", "tst", "_type", "at", "state"];
                let field = format!(",\"{}\":{}", keys[rng.below(keys.len())], random_value(rng));
                bytes.splice(end..end, field.into_bytes());
            }
        }
        _ => bytes = Vec::new(),
    }
    bytes
}

fn random_topic(original: &str, rng: &mut Rng) -> String {
    let topics = [
        "frigate/events",
        "frigate/reviews",
        "frigate/tracked_object_update",
        "frigate/available",
        "frigate/cam/person/snapshot",
        "redgrid/v1/alerts/nvr",
        "redgrid/v1/terminals/W1/feedback",
        "redgrid/v1/terminals/W1/tasks",
        "owntracks/u/d",
        "owntracks/u/d/event",
        "redgrid/v9/alerts/nvr",
        "redgrid/v1/alerts/a/b",
        "",
        "#",
    ];
    if rng.chance(90) {
        original.to_owned()
    } else {
        topics[rng.below(topics.len())].to_owned()
    }
}

#[test]
fn ten_thousand_mutated_payloads_never_panic_and_are_always_explained() {
    let topics = Topics::default();
    let seeds = seeds();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    for case in 0..MUTATIONS {
        let (topic, seed) = &seeds[rng.below(seeds.len())];
        let topic = random_topic(topic, &mut rng);
        let mut value = seed.clone();
        let mut payload = if rng.chance(40) {
            for _ in 0..=rng.below(3) {
                mutate_value(&mut value, &mut rng);
            }
            value.to_string().into_bytes()
        } else {
            value.to_string().into_bytes()
        };
        if matches!(value, Value::String(_)) && rng.chance(50) {
            // Plain-text topics get their text, not a JSON string.
            payload = value.as_str().unwrap_or_default().as_bytes().to_vec();
        }
        for _ in 0..rng.below(3) {
            payload = mutate_bytes(payload, &mut rng);
        }

        let result = catch_unwind(AssertUnwindSafe(|| {
            let decoded = decode(&topics, &topic, &payload);
            // Keys are computed for every message too, so they must not panic either.
            if let Ok(Decoded::Inbound(message)) = &decoded {
                assert!(!message.natural_key().is_empty(), "every message has a natural key");
                let _ = message.alert_key();
            }
            decoded
        }));
        let excerpt = String::from_utf8_lossy(&payload[..payload.len().min(300)]).into_owned();
        let decoded =
            result.unwrap_or_else(|_| panic!("case {case}: decode panicked on {topic:?} {excerpt:?}"));
        let outcome = match decoded {
            Ok(Decoded::Inbound(message)) => format!("ok:{}", message.kind_name()),
            Ok(Decoded::Ignored(why)) => {
                assert!(!why.is_empty(), "case {case}: an ignore says why");
                "ignored".to_owned()
            }
            Err(error) => {
                let code = error.code();
                assert!(
                    !code.is_empty()
                        && code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                    "case {case}: the code is stable snake_case, got {code:?}"
                );
                let reason = error.to_string();
                assert!(
                    has_chinese(&reason),
                    "case {case}: every refusal has a Chinese reason for the quarantine, got {reason:?} for {topic:?} {excerpt:?}"
                );
                format!("err:{code}")
            }
        };
        *outcomes.entry(outcome).or_default() += 1;
    }
    let total: usize = outcomes.values().sum();
    assert_eq!(total, MUTATIONS, "every case was counted");
    let accepted: usize = outcomes.iter().filter(|(k, _)| k.starts_with("ok:")).map(|(_, n)| n).sum();
    let refused: usize = outcomes.iter().filter(|(k, _)| k.starts_with("err:")).map(|(_, n)| n).sum();
    let codes = outcomes.keys().filter(|k| k.starts_with("err:")).count();
    assert!(accepted > 500, "mutation keeps many payloads valid, so leniency is exercised too: {outcomes:?}");
    assert!(refused > 3_000, "most mutations break the payload: {outcomes:?}");
    assert!(codes >= 9, "the mutations reach most kinds of refusal: {outcomes:?}");
}
