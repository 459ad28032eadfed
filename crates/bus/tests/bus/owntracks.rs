//! OwnTracks: location, last will, everything else ignored.

use redgrid_bus::payload::{Idempotency, Inbound};
use serde_json::json;

use crate::{ignored, inbound};

/// A location as the OwnTracks Android app sends it (fields from the OwnTracks JSON format).
fn location() -> serde_json::Value {
    json!({"_type": "location", "acc": 14, "alt": 62, "batt": 81, "bs": 1, "conn": "m", "created_at": 1748788805,
        "lat": 23.141234, "lon": 109.602117, "m": 1, "t": "u", "tid": "LW", "tst": 1748788800, "vac": 3, "vel": 4,
        "topic": "owntracks/liwei/phone", "inregions": ["大圩市场"], "BSSID": "aa:bb", "SSID": "market"})
}

#[test]
fn location_keeps_position_and_time() {
    let message = inbound("owntracks/liwei/phone", &location());
    assert_eq!(message.natural_key(), "owntracks:liwei:phone:1748788800", "(user, device, tst) is the key");
    let Inbound::OwnTracksLocation(fix) = message else { panic!("a location") };
    assert_eq!((fix.user.as_str(), fix.device.as_str()), ("liwei", "phone"), "from the topic");
    assert_eq!((fix.lat, fix.lon), (23.141234, 109.602117));
    assert_eq!(fix.at.timestamp(), 1_748_788_800, "tst is epoch seconds");
    assert_eq!((fix.acc, fix.alt, fix.vel, fix.batt), (Some(14.0), Some(62.0), Some(4.0), Some(81.0)));
    assert_eq!((fix.tid.as_deref(), fix.trigger.as_deref()), (Some("LW"), Some("u")));
}

#[test]
fn minimal_location_and_last_will() {
    let minimal = json!({"_type": "location", "lat": 23.1, "lon": 109.6, "tst": 1748788800});
    assert!(
        matches!(inbound("owntracks/u/d", &minimal), Inbound::OwnTracksLocation(_)),
        "lat, lon, tst suffice"
    );
    let will = inbound("owntracks/liwei/phone", &json!({"_type": "lwt", "tst": 1748780000}));
    assert_eq!(
        will,
        Inbound::OwnTracksOffline {
            user: "liwei".to_owned(),
            device: "phone".to_owned(),
            tst: Some(1748780000)
        }
    );
    assert_eq!(will.idempotency(), Idempotency::LastValueWins, "going offline is a state");
}

#[test]
fn other_types_and_sub_topics_are_ignored() {
    for kind in
        ["transition", "waypoint", "waypoints", "card", "status", "cmd", "steps", "encrypted", "beacon"]
    {
        ignored("owntracks/liwei/phone", json!({"_type": kind, "tst": 1748788800}).to_string().as_bytes());
    }
    ignored("owntracks/liwei/phone/event", b"{\"_type\":\"transition\"}");
    ignored("owntracks/liwei/phone/info", b"{\"_type\":\"card\"}");
    ignored("owntracks/liwei/phone", b"");
}
