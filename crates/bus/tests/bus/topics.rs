//! The topic tree: subscriptions, classification, builders.

use redgrid_bus::topics::{BroadcastKind, TerminalChannel, TopicKind, Topics};

#[test]
fn subscriptions_cover_every_inbound_topic_and_nothing_per_camera() {
    let topics = Topics::default();
    let filters = topics.subscriptions();
    let expected = [
        "frigate/events",
        "frigate/reviews",
        "frigate/tracked_object_update",
        "frigate/available",
        "redgrid/v1/alerts/+",
        "redgrid/v1/terminals/+/ack",
        "redgrid/v1/terminals/+/arrive",
        "redgrid/v1/terminals/+/feedback",
        "redgrid/v1/terminals/+/location",
        "redgrid/v1/terminals/+/zero_report",
        "redgrid/v1/reports/+",
        "redgrid/v1/stations/+/presence",
        "owntracks/+/+",
    ];
    assert_eq!(filters, expected, "the station subscribes to exactly the documented inbound filters");
    assert!(
        !filters.iter().any(|f| f.starts_with("frigate/") && f.contains('#')),
        "no Frigate wildcard: per-camera topics carry JPEG snapshots the station must not receive"
    );
}

#[test]
fn classification_table() {
    let topics = Topics::default();
    let table: &[(&str, Option<TopicKind>)] = &[
        ("frigate/events", Some(TopicKind::FrigateEvents)),
        ("frigate/reviews", Some(TopicKind::FrigateReviews)),
        ("frigate/tracked_object_update", Some(TopicKind::FrigateTrackedObjectUpdate)),
        ("frigate/available", Some(TopicKind::FrigateAvailable)),
        ("frigate/front_door/person/snapshot", Some(TopicKind::FrigateOther)),
        ("frigate/front_door/review_status", Some(TopicKind::FrigateOther)),
        ("frigate/stats", Some(TopicKind::FrigateOther)),
        ("redgrid/v1/alerts/nvr-dawei", Some(TopicKind::CameraAlerts { source: "nvr-dawei" })),
        (
            "redgrid/v1/terminals/W0042/ack",
            Some(TopicKind::Terminal { worker_id: "W0042", channel: TerminalChannel::Ack }),
        ),
        (
            "redgrid/v1/terminals/W0042/arrive",
            Some(TopicKind::Terminal { worker_id: "W0042", channel: TerminalChannel::Arrive }),
        ),
        (
            "redgrid/v1/terminals/W0042/feedback",
            Some(TopicKind::Terminal { worker_id: "W0042", channel: TerminalChannel::Feedback }),
        ),
        (
            "redgrid/v1/terminals/W0042/location",
            Some(TopicKind::Terminal { worker_id: "W0042", channel: TerminalChannel::Location }),
        ),
        (
            "redgrid/v1/terminals/W0042/tasks",
            Some(TopicKind::Terminal { worker_id: "W0042", channel: TerminalChannel::Tasks }),
        ),
        (
            "redgrid/v1/terminals/W0042/zero_report",
            Some(TopicKind::Terminal { worker_id: "W0042", channel: TerminalChannel::ZeroReport }),
        ),
        (
            "redgrid/v1/terminals/W0042/notice",
            Some(TopicKind::Terminal { worker_id: "W0042", channel: TerminalChannel::Notice }),
        ),
        ("owntracks/li/phone", Some(TopicKind::OwnTracks { user: "li", device: "phone" })),
        ("owntracks/li/phone/event", Some(TopicKind::OwnTracksOther)),
        ("redgrid/v1/reports/resident-hotline", Some(TopicKind::Reports { source: "resident-hotline" })),
        ("redgrid/v1/stations/s1/presence", Some(TopicKind::StationPresence { station_id: "s1" })),
        ("redgrid/v1/broadcast/mode", Some(TopicKind::Broadcast { kind: BroadcastKind::Mode })),
        // Not ours, malformed, or another version.
        ("redgrid/v2/alerts/nvr", None),
        ("redgrid/v1/alerts", None),
        ("redgrid/v1/alerts/", None),
        ("redgrid/v1/alerts/a/b", None),
        ("redgrid/v1/terminals/W1/dance", None),
        ("redgrid/v1/terminals//ack", None),
        ("redgrid/v1/broadcast/party", None),
        ("redgrid/v1/alerts/+", None),
        ("frigate/#", None),
        ("frigate", None),
        ("frigate/", None),
        ("owntracks/li", None),
        ("owntracks//phone", None),
        ("zigbee2mqtt/sensor", None),
        ("", None),
    ];
    for (topic, expected) in table {
        assert_eq!(topics.classify(topic), *expected, "classification of {topic:?}");
    }
}

#[test]
fn configured_prefixes_are_honoured() {
    let topics = Topics {
        root: "county/redgrid/v1".to_owned(),
        frigate_prefix: "frigate_dawei".to_owned(),
        owntracks_prefix: "ot".to_owned(),
    };
    assert_eq!(
        topics.classify("frigate_dawei/events"),
        Some(TopicKind::FrigateEvents),
        "custom Frigate prefix"
    );
    assert_eq!(topics.classify("frigate/events"), None, "the default prefix no longer applies");
    assert_eq!(
        topics.classify("county/redgrid/v1/alerts/x"),
        Some(TopicKind::CameraAlerts { source: "x" }),
        "custom root"
    );
    assert_eq!(
        topics.classify("ot/u/d"),
        Some(TopicKind::OwnTracks { user: "u", device: "d" }),
        "custom OwnTracks"
    );
    assert!(
        topics
            .subscriptions()
            .iter()
            .all(|f| f.starts_with("county/") || f.starts_with("frigate_dawei/") || f.starts_with("ot/")),
        "every subscription uses the configured prefixes: {:?}",
        topics.subscriptions()
    );
}

#[test]
fn builders_produce_topics_that_classify_back() {
    let topics = Topics::default();
    assert_eq!(topics.terminal_tasks("W7"), "redgrid/v1/terminals/W7/tasks");
    assert_eq!(topics.broadcast(BroadcastKind::Callup), "redgrid/v1/broadcast/callup");
    assert_eq!(topics.station_presence("s1"), "redgrid/v1/stations/s1/presence");
    assert!(
        BroadcastKind::Mode.retained()
            && !BroadcastKind::Notice.retained()
            && !BroadcastKind::Callup.retained()
    );
    let built = [
        topics.camera_alerts("nvr"),
        topics.reports("app"),
        topics.owntracks("u", "d"),
        topics.frigate_events(),
        topics.frigate_reviews(),
        topics.frigate_tracked_object_update(),
        topics.frigate_available(),
        topics.terminal("W7", TerminalChannel::Feedback),
        topics.terminal("W7", TerminalChannel::ZeroReport),
        topics.terminal("W7", TerminalChannel::Notice),
    ];
    for topic in built {
        assert!(topics.classify(&topic).is_some(), "{topic} is built by Topics, so Topics must recognise it");
    }
}
