//! Frigate: every documentation sample, a full lifecycle, leniency, and the label table.

use chrono::{DateTime, Utc};
use redgrid_bus::payload::{
    frigate_alert_class, AlertKind, AlertPriority, BoundingBox, FrigateAvailability, FrigateChange, Inbound,
    ObjectRecognition, Recognition, ReviewSeverity,
};
use serde_json::{json, Value};

use crate::{fixture, frigate_sample, frigate_samples, ignored, inbound, inbound_bytes};

fn at_micros(micros: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros)
}

#[test]
fn every_doc_sample_decodes_to_the_message_its_topic_promises() {
    let samples = frigate_samples();
    assert_eq!(samples.len(), 5, "the shared data set holds five documented payloads");
    for sample in samples {
        let decoded = inbound(&sample.topic, &sample.payload);
        let expected = match sample.topic.as_str() {
            "frigate/events" => "frigate_event",
            "frigate/reviews" => "frigate_review",
            "frigate/tracked_object_update" => "frigate_object_update",
            other => panic!("sample {} has an unexpected topic {other}", sample.name),
        };
        assert_eq!(decoded.kind_name(), expected, "sample {} decodes as its topic's kind", sample.name);
        assert!(decoded.alert_key().is_some(), "sample {}: camera messages belong to an alert", sample.name);
    }
}

#[test]
fn current_event_sample_keeps_what_the_console_needs() {
    let Inbound::FrigateEvent(event) =
        inbound("frigate/events", &frigate_sample("events_update_current_docs"))
    else {
        panic!("events sample is a Frigate event")
    };
    assert_eq!(event.change, FrigateChange::Update);
    assert_eq!(event.id, "1607123955.475377-mxklsc");
    assert_eq!(event.camera, "front_door");
    assert_eq!(event.label, "person");
    assert_eq!(
        event.sub_label,
        Some(Recognition { name: "John Smith".to_owned(), score: Some(0.79) }),
        "sub_label [name, score] is read from `after`, not `before` (where it is null)"
    );
    assert_eq!(event.score, Some(0.87890625));
    assert_eq!(event.top_score, Some(0.958984375));
    assert_eq!(event.start_time, at_micros(1_607_123_955_475_377), "start_time is epoch seconds as a float");
    assert_eq!(event.end_time, None, "end_time null means still active");
    assert_eq!(event.frame_time, at_micros(1_607_123_962_082_975));
    assert_eq!(event.snapshot_frame_time, at_micros(1_607_123_965_975_463), "from the snapshot object");
    assert_eq!(event.snapshot_box, Some(BoundingBox([415.0, 489.0, 528.0, 700.0])));
    assert_eq!(
        event.bounding_box,
        Some(BoundingBox([432.0, 496.0, 544.0, 854.0])),
        "integer boxes read as numbers"
    );
    assert_eq!(event.current_zones, ["yard", "driveway"]);
    assert_eq!(event.entered_zones, ["yard", "driveway"]);
    assert!(!event.has_snapshot && !event.has_clip && !event.false_positive && !event.stationary);
    assert_eq!(
        event.license_plate,
        Some(Recognition { name: "ABC12345".to_owned(), score: Some(0.933451) }),
        "recognized_license_plate and its score are kept"
    );
}

#[test]
fn legacy_event_sample_reads_snapshot_time_and_no_sub_label() {
    let Inbound::FrigateEvent(event) =
        inbound("frigate/events", &frigate_sample("events_update_legacy_docs"))
    else {
        panic!("legacy sample is a Frigate event")
    };
    assert_eq!(event.sub_label, None, "pre-0.12 events have no sub_label field at all");
    assert_eq!(
        event.snapshot_frame_time,
        at_micros(1_607_123_961_837_752),
        "snapshot_time is the legacy field"
    );
    assert_eq!(event.snapshot_box, None, "legacy events have no snapshot object");
}

#[test]
fn review_sample_names_its_objects() {
    let message = inbound("frigate/reviews", &frigate_sample("reviews_update_current_docs"));
    assert_eq!(message.alert_key().as_deref(), Some("frigate:review:1718987129.308396-fqk5ka"));
    let Inbound::FrigateReview(review) = message else { panic!("reviews sample is a review") };
    assert_eq!(review.change, FrigateChange::Update);
    assert_eq!(review.camera, "front_cam");
    assert_eq!(review.severity, ReviewSeverity::Alert, "`after` reached alert (`before` was detection)");
    assert_eq!(review.detections.len(), 3);
    assert_eq!(review.objects, ["person", "car"]);
    assert_eq!(review.sub_labels, ["Bob"]);
    assert_eq!(review.zones, ["front_yard"]);
    assert!(review.audio.is_empty());
    assert_eq!(
        review.object_alert_keys(),
        [
            "frigate:1718987128.947436-g92ztx",
            "frigate:1718987148.879516-d7oq7r",
            "frigate:1718987126.934663-q5ywpt"
        ],
        "a review at alert raises the alerts of the objects it names, keyed like their events"
    );
    let class = review.alert_class();
    assert_eq!(
        (class.kind, class.priority),
        (AlertKind::Intrusion, AlertPriority::High),
        "person outranks car; severity alert lifts normal to high"
    );
}

#[test]
fn face_and_plate_results_attach_to_their_object() {
    let face = inbound("frigate/tracked_object_update", &frigate_sample("tracked_object_update_face"));
    let plate = inbound("frigate/tracked_object_update", &frigate_sample("tracked_object_update_lpr"));
    let event = inbound("frigate/events", &frigate_sample("events_update_current_docs"));
    assert_eq!(face.alert_key(), event.alert_key(), "the face result belongs to the tracked object's alert");
    assert_eq!(
        plate.alert_key(),
        event.alert_key(),
        "the plate result belongs to the tracked object's alert"
    );
    assert_ne!(face.natural_key(), plate.natural_key(), "a face and a plate result are two messages");
    let Inbound::FrigateObjectUpdate(face) = face else { panic!("face sample is an object update") };
    assert_eq!(
        face.result,
        ObjectRecognition::Face(Recognition { name: "John".to_owned(), score: Some(0.95) })
    );
    assert_eq!(face.camera.as_deref(), Some("front_door_cam"));
    let Inbound::FrigateObjectUpdate(plate) = plate else { panic!("lpr sample is an object update") };
    assert_eq!(
        plate.result,
        ObjectRecognition::LicensePlate {
            plate: "123ABC".to_owned(),
            name: Some("John's Car".to_owned()),
            score: Some(0.95)
        }
    );
}

#[test]
fn other_tracked_object_updates_are_ignored() {
    for kind in ["description", "classification", "something_new"] {
        let payload = json!({"type": kind, "id": "1.2-abc", "description": "a person in a red coat"});
        ignored("frigate/tracked_object_update", payload.to_string().as_bytes());
    }
}

#[test]
fn lifecycle_is_one_alert_with_three_distinct_messages() {
    let lifecycle = fixture("frigate-lifecycle.json");
    let messages: Vec<Inbound> = lifecycle["messages"]
        .as_array()
        .expect("the lifecycle fixture lists messages")
        .iter()
        .map(|payload| inbound("frigate/events", payload))
        .collect();
    let changes: Vec<FrigateChange> = messages
        .iter()
        .map(|message| match message {
            Inbound::FrigateEvent(event) => event.change,
            other => panic!("lifecycle messages are events, got {other:?}"),
        })
        .collect();
    assert_eq!(changes, [FrigateChange::New, FrigateChange::Update, FrigateChange::End]);
    let alert_keys: Vec<Option<String>> = messages.iter().map(Inbound::alert_key).collect();
    assert!(
        alert_keys.iter().all(|key| *key == Some("frigate:1607123955.475377-mxklsc".to_owned())),
        "new → update → end of one tracked object is ONE alert: {alert_keys:?}"
    );
    let mut natural: Vec<String> = messages.iter().map(Inbound::natural_key).collect();
    assert_eq!(
        natural[2], "frigate:event:1607123955.475377-mxklsc:end:1607123975200000",
        "end is keyed by end_time"
    );
    natural.dedup();
    assert_eq!(natural.len(), 3, "three messages, three natural keys: {natural:?}");
    let Some(Inbound::FrigateEvent(end)) = messages.last() else { panic!("the last message is the end") };
    assert!(end.end_time.is_some() && end.has_snapshot, "end carries end_time and the snapshot flag");
}

#[test]
fn a_redelivery_has_the_same_natural_key_and_an_update_does_not() {
    let sample = frigate_sample("events_update_current_docs");
    let first = inbound("frigate/events", &sample).natural_key();
    let again = inbound("frigate/events", &sample).natural_key();
    assert_eq!(first, again, "the same payload delivered twice is the same message");
    assert_eq!(first, "frigate:event:1607123955.475377-mxklsc:update:1607123962082975");
    let mut next = sample.clone();
    next["after"]["frame_time"] = json!(1607123963.1);
    assert_ne!(inbound("frigate/events", &next).natural_key(), first, "a later frame is a new update");

    let review = frigate_sample("reviews_update_current_docs");
    let mut grown = review.clone();
    grown["after"]["data"]["zones"] = json!(["front_yard", "porch"]);
    assert_eq!(
        inbound("frigate/reviews", &review).natural_key(),
        inbound("frigate/reviews", &review).natural_key()
    );
    assert_ne!(
        inbound("frigate/reviews", &review).natural_key(),
        inbound("frigate/reviews", &grown).natural_key(),
        "a review update that adds a zone is a new message"
    );
}

/// Adds `extra` keys at every object level of a payload.
fn with_extra_fields(mut value: Value) -> Value {
    fn walk(value: &mut Value, depth: usize) {
        if let Value::Object(map) = value {
            for child in map.values_mut() {
                walk(child, depth + 1);
            }
            map.insert("x_future_field".to_owned(), json!({"nested": [1, "two", null]}));
            map.insert(format!("x_level_{depth}"), json!(depth));
        }
    }
    walk(&mut value, 0);
    value
}

#[test]
fn unknown_extra_fields_are_ignored_everywhere() {
    for sample in frigate_samples() {
        let plain = inbound(&sample.topic, &sample.payload);
        let extended = inbound(&sample.topic, &with_extra_fields(sample.payload.clone()));
        assert_eq!(plain, extended, "sample {}: unknown keys at any level change nothing", sample.name);
        assert_eq!(
            plain.natural_key(),
            extended.natural_key(),
            "sample {}: nor the natural key",
            sample.name
        );
    }
}

#[test]
fn sub_label_variants() {
    let table: &[(Value, Option<Recognition>)] = &[
        (Value::Null, None),
        (json!("Bob"), Some(Recognition { name: "Bob".to_owned(), score: None })),
        (json!(""), None),
        (json!(["Bob", 0.8]), Some(Recognition { name: "Bob".to_owned(), score: Some(0.8) })),
        (json!(["Bob", 1]), Some(Recognition { name: "Bob".to_owned(), score: Some(1.0) })),
        (json!(["Bob"]), Some(Recognition { name: "Bob".to_owned(), score: None })),
        (json!(["Bob", null]), Some(Recognition { name: "Bob".to_owned(), score: None })),
        (json!([]), None),
        (json!([null, 0.5]), None),
    ];
    for (sub_label, expected) in table {
        let mut payload = frigate_sample("events_update_current_docs");
        payload["after"]["sub_label"] = sub_label.clone();
        let Inbound::FrigateEvent(event) = inbound("frigate/events", &payload) else {
            panic!("still an event")
        };
        assert_eq!(event.sub_label, *expected, "sub_label {sub_label}");
    }
    let mut removed = frigate_sample("events_update_current_docs");
    removed["after"].as_object_mut().expect("after is an object").remove("sub_label");
    let Inbound::FrigateEvent(event) = inbound("frigate/events", &removed) else { panic!("still an event") };
    assert_eq!(event.sub_label, None, "an absent sub_label is none");
}

#[test]
fn numbers_may_be_integers_or_floats_and_most_fields_may_be_missing() {
    let minimal = json!({"type": "new", "after": {"id": "1700000000.1-a", "camera": "market_east", "label": "person",
        "start_time": 1700000000, "score": 1, "top_score": 0}});
    let Inbound::FrigateEvent(event) = inbound("frigate/events", &minimal) else {
        panic!("minimal event decodes")
    };
    assert_eq!(event.start_time, at_micros(1_700_000_000_000_000), "integer seconds");
    assert_eq!((event.score, event.top_score), (Some(1.0), Some(0.0)), "integer scores");
    assert!(event.current_zones.is_empty() && event.bounding_box.is_none() && !event.has_snapshot);
    assert!(
        inbound("frigate/events", &minimal).natural_key().contains(":new:h"),
        "without frame_time the key falls back to a fingerprint of the state"
    );
}

#[test]
fn availability_is_plain_text() {
    let table = [
        ("online", FrigateAvailability::Online),
        ("stopped", FrigateAvailability::Stopped),
        ("offline", FrigateAvailability::Offline),
        (" online\n", FrigateAvailability::Online),
        ("\"offline\"", FrigateAvailability::Offline),
    ];
    for (text, expected) in table {
        assert_eq!(
            inbound_bytes("frigate/available", text.as_bytes()),
            Inbound::FrigateAvailability(expected),
            "{text:?}"
        );
    }
    assert_eq!(
        inbound_bytes("frigate/available", b"offline").idempotency(),
        redgrid_bus::payload::Idempotency::LastValueWins,
        "offline → online → offline repeats a key, so availability must be applied every time"
    );
    ignored("frigate/available", b"");
}

#[test]
fn per_camera_topics_are_ignored_without_parsing() {
    let jpeg = [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0xff, 0xd9];
    ignored("frigate/front_door/person/snapshot", &jpeg);
    ignored("frigate/front_door/review_status", b"ALERT");
    ignored("frigate/front_door/person", b"1");
    ignored("frigate/stats", b"{\"cpu_usages\": {}}");
}

/// label, zones, review severity, watch-list face → kind, priority.
type LabelRow<'a> = (&'a str, &'a [String], Option<ReviewSeverity>, bool, AlertKind, AlertPriority);

#[test]
fn label_table() {
    let none: &[String] = &[];
    let river = ["river_bank".to_owned()];
    let chinese_pond = ["鱼塘边".to_owned()];
    let table: &[LabelRow] = &[
        ("person", none, None, false, AlertKind::Intrusion, AlertPriority::Normal),
        ("Person", none, None, false, AlertKind::Intrusion, AlertPriority::Normal),
        ("person-verified", none, None, false, AlertKind::Intrusion, AlertPriority::Normal),
        ("person", none, Some(ReviewSeverity::Detection), false, AlertKind::Intrusion, AlertPriority::Normal),
        ("person", none, Some(ReviewSeverity::Alert), false, AlertKind::Intrusion, AlertPriority::High),
        ("person", &river, None, false, AlertKind::NearWater, AlertPriority::High),
        ("person", &chinese_pond, None, false, AlertKind::NearWater, AlertPriority::High),
        ("person", none, None, true, AlertKind::FaceWatchlist, AlertPriority::Top),
        ("face", none, Some(ReviewSeverity::Alert), true, AlertKind::FaceWatchlist, AlertPriority::Top),
        ("fire", none, None, false, AlertKind::SmokeFire, AlertPriority::High),
        ("smoke", none, None, false, AlertKind::SmokeFire, AlertPriority::High),
        ("smoke_detector", none, None, false, AlertKind::SmokeFire, AlertPriority::High),
        ("car", none, None, false, AlertKind::Vehicle, AlertPriority::Normal),
        ("license_plate", none, None, false, AlertKind::Vehicle, AlertPriority::Normal),
        ("motorcycle", &river, None, false, AlertKind::Vehicle, AlertPriority::Normal),
        ("car", none, Some(ReviewSeverity::Alert), false, AlertKind::Vehicle, AlertPriority::High),
        ("scream", none, None, false, AlertKind::Other, AlertPriority::High),
        ("dog", none, None, false, AlertKind::Other, AlertPriority::Low),
        ("package", none, Some(ReviewSeverity::Alert), false, AlertKind::Other, AlertPriority::High),
    ];
    for (label, zones, severity, watchlist, kind, priority) in table {
        let class = frigate_alert_class(label, zones, *severity, *watchlist);
        assert_eq!(
            (class.kind, class.priority),
            (*kind, *priority),
            "label {label:?} zones {zones:?} severity {severity:?} watch-list {watchlist}"
        );
    }
}

#[test]
fn an_event_in_a_water_zone_is_near_water() {
    let mut payload = frigate_sample("events_update_current_docs");
    payload["after"]["entered_zones"] = json!(["reservoir_dam"]);
    let Inbound::FrigateEvent(event) = inbound("frigate/events", &payload) else { panic!("still an event") };
    assert_eq!(
        event.alert_class(false).kind,
        AlertKind::NearWater,
        "entered zones count, not just current ones"
    );
    assert_eq!(event.alert_class(true).priority, AlertPriority::Top, "a watch-list face outranks everything");
}
