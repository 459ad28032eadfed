//! Every payload the station reads or writes.
//!
//! [`decode`] turns `(topic, bytes)` into one [`Inbound`] message, an explicit [`Decoded::Ignored`], or a
//! [`DecodeError`] whose code and Chinese reason go to the quarantine. It is pure (no clock, no I/O) and
//! total: no input panics it, because the payload size is checked first, JSON nesting is bounded by
//! serde_json's recursion limit, and fields are read through checked accessors only.
//!
//! Every [`Inbound`] carries its natural key ([`Inbound::natural_key`]), so a redelivery is recognisably
//! the same message, and camera messages carry the key of the alert they belong to
//! ([`Inbound::alert_key`]): one Frigate tracked object is one alert from `new` to `end`.
//!
//! The one rule that needs a clock, refusing times ahead of the station's, is [`check_not_ahead`]: the
//! station applies it to what [`decode`] returns, with its own `now`.
//!
//! Modules: `frigate` (Frigate NVR, read leniently), `native` (RedGrid's own v1 payloads), `owntracks`,
//! `alert` (kinds, priorities and the Frigate label table), `encode` (outbound DTOs and encoders),
//! `limits`, `error`, `ahead` (times ahead of the station's clock), and `json` (checked field access).

mod ahead;
mod alert;
mod encode;
mod error;
mod frigate;
mod json;
pub mod limits;
mod native;
mod owntracks;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

pub use ahead::{check_not_ahead, MAX_AHEAD_OF_STATION};
pub use alert::{
    frigate_alert_class, is_water_zone, label_zh, AlertClass, AlertKind, AlertPriority, ReviewSeverity,
};
pub use encode::{
    decode_outbound, encode_broadcast, encode_callup, encode_camera_alert, encode_presence, encode_report,
    encode_task, encode_terminal_ack, encode_terminal_arrive, encode_terminal_feedback,
    encode_terminal_location, encode_terminal_notice, encode_zero_report, Broadcast, Callup, CallupMessage,
    ModeSwitch, Notice, OperatingMode, Outbound, TaskMessage, TerminalNotice, VERSION,
};
pub use error::DecodeError;
pub use frigate::{
    FrigateAvailability, FrigateChange, FrigateEvent, FrigateObjectUpdate, FrigateReview, ObjectRecognition,
    Recognition,
};
pub use limits::MAX_PAYLOAD_BYTES;
pub use native::{
    AckTarget, CameraAlert, GeoPoint, Presence, PresenceState, Report, TerminalAck, TerminalArrive,
    TerminalFeedback, TerminalLocation, ZeroReport, MAX_PHOTOS, MAX_ZERO_REPORT_COUNT,
};
pub use owntracks::OwnTracksLocation;

use crate::topics::{TerminalChannel, TopicKind, Topics};
use error::excerpt;
use json::{parse_object, Obj};

/// A box in image pixels: `[x_min, y_min, x_max, y_max]` (Frigate's order).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct BoundingBox(pub [f64; 4]);

/// The outcome of decoding one message.
#[derive(Clone, Debug, PartialEq)]
#[allow(
    clippy::large_enum_variant,
    reason = "a Decoded is moved once, into the ingest channel; boxing would allocate per message for nothing"
)]
pub enum Decoded {
    Inbound(Inbound),
    /// A message on a known topic that the console does not use (a per-camera Frigate topic, an
    /// OwnTracks waypoint, a description result, the station's own broadcasts); the reason is for logs.
    Ignored(&'static str),
}

/// Every inbound message, one variant per kind. Topic segments (worker, source, station) are in the
/// variant; the payload fields in its DTO.
#[derive(Clone, Debug, PartialEq)]
pub enum Inbound {
    FrigateEvent(FrigateEvent),
    FrigateReview(FrigateReview),
    FrigateObjectUpdate(FrigateObjectUpdate),
    FrigateAvailability(FrigateAvailability),
    CameraAlert {
        source: String,
        alert: CameraAlert,
    },
    TerminalAck {
        worker_id: String,
        ack: TerminalAck,
    },
    TerminalArrive {
        worker_id: String,
        arrive: TerminalArrive,
    },
    TerminalFeedback {
        worker_id: String,
        feedback: TerminalFeedback,
    },
    TerminalLocation {
        worker_id: String,
        location: TerminalLocation,
    },
    /// A grid leader's zero report (零报告); the worker id is the topic's, so the broker's ACL (each worker
    /// writes only under its own `terminals/<id>/`) is what vouches for who sent it.
    ZeroReport {
        worker_id: String,
        report: ZeroReport,
    },
    OwnTracksLocation(OwnTracksLocation),
    /// OwnTracks' last will: the phone is offline. `tst` is when its connection began.
    OwnTracksOffline {
        user: String,
        device: String,
        tst: Option<i64>,
    },
    Report {
        source: String,
        report: Report,
    },
    StationPresence {
        station_id: String,
        presence: Presence,
    },
}

/// How a redelivery is recognised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Idempotency {
    /// A message: store it once under its natural key; a second delivery with the same key changes
    /// nothing.
    NaturalKey,
    /// A state (NVR or station availability, a phone going offline): applying it again changes nothing,
    /// so apply every delivery. Its natural key names the state, not the delivery, and must not be used
    /// to drop a later message (offline → online → offline repeats the same key).
    LastValueWins,
}

impl Inbound {
    /// A key unique per logical message and the same on every delivery of it:
    ///
    /// | message | key |
    /// |---|---|
    /// | Frigate event | `frigate:event:<id>:<type>:<µs>` — `end_time` for `end`, else `frame_time`; else `h<fingerprint>` |
    /// | Frigate review | `frigate:review:<id>:<type>:<fingerprint of severity, times, data>` |
    /// | Frigate face / plate | `frigate:object_update:<id>:<face|lpr>:<timestamp µs or fingerprint>` |
    /// | Frigate available | `frigate:available:<state>` (last value wins) |
    /// | native alert | `alert:<source>:<alert_id>` |
    /// | ack, arrive, feedback | `terminal:<worker_id>:<ack|arrive|feedback>:<msg_id>` |
    /// | terminal location | `terminal:<worker_id>:location:<at, ms>` |
    /// | zero report | `terminal:<worker_id>:zero_report:<msg_id>` |
    /// | OwnTracks location | `owntracks:<user>:<device>:<tst>` |
    /// | OwnTracks lwt | `owntracks:<user>:<device>:lwt:<tst or ->` (last value wins) |
    /// | report | `report:<source>:<report_id>` |
    /// | presence | `presence:<station_id>:<state>:<at, ms or ->` (last value wins) |
    ///
    /// Parts taken from input have `%` and `:` percent-escaped, so two keys are equal only if every part is.
    /// A fingerprint is 16 hex digits of FNV-1a over the decoded fields, stable across builds.
    pub fn natural_key(&self) -> String {
        match self {
            Inbound::FrigateEvent(event) => {
                let instant = match event.change {
                    FrigateChange::End => event.end_time.or(event.frame_time),
                    _ => event.frame_time,
                };
                let when = match instant {
                    Some(instant) => instant.timestamp_micros().to_string(),
                    // Every Frigate version sends frame_time; without it, what the state says tells updates apart.
                    None => fingerprint(&[
                        &event.label,
                        &event.sub_label,
                        &event.score,
                        &event.top_score,
                        &event.current_zones,
                        &event.entered_zones,
                        &event.snapshot_frame_time,
                        &event.end_time,
                    ]),
                };
                format!("frigate:event:{}:{}:{when}", part(&event.id), event.change.as_str())
            }
            Inbound::FrigateReview(review) => {
                let severity = review.severity.as_str().to_owned();
                let review_fingerprint = fingerprint(&[
                    &severity,
                    &review.start_time,
                    &review.end_time,
                    &review.detections,
                    &review.objects,
                    &review.zones,
                    &review.sub_labels,
                    &review.audio,
                ]);
                format!("frigate:review:{}:{}:{review_fingerprint}", part(&review.id), review.change.as_str())
            }
            Inbound::FrigateObjectUpdate(update) => {
                let when = match update.timestamp {
                    Some(instant) => instant.timestamp_micros().to_string(),
                    None => fingerprint(&[&update.result, &update.camera]),
                };
                format!("frigate:object_update:{}:{}:{when}", part(&update.id), update.result.as_str())
            }
            Inbound::FrigateAvailability(state) => format!("frigate:available:{}", state.as_str()),
            Inbound::CameraAlert { source, alert } => camera_alert_key(source, &alert.alert_id),
            Inbound::TerminalAck { worker_id, ack } => {
                terminal_key(worker_id, TerminalChannel::Ack, &ack.msg_id)
            }
            Inbound::TerminalArrive { worker_id, arrive } => {
                terminal_key(worker_id, TerminalChannel::Arrive, &arrive.msg_id)
            }
            Inbound::TerminalFeedback { worker_id, feedback } => {
                terminal_key(worker_id, TerminalChannel::Feedback, &feedback.msg_id)
            }
            Inbound::TerminalLocation { worker_id, location } => {
                format!("terminal:{}:location:{}", part(worker_id), location.at.timestamp_millis())
            }
            Inbound::ZeroReport { worker_id, report } => {
                terminal_key(worker_id, TerminalChannel::ZeroReport, &report.msg_id)
            }
            Inbound::OwnTracksLocation(location) => {
                format!("owntracks:{}:{}:{}", part(&location.user), part(&location.device), location.tst)
            }
            Inbound::OwnTracksOffline { user, device, tst } => {
                let tst = tst.map_or_else(|| "-".to_owned(), |tst| tst.to_string());
                format!("owntracks:{}:{}:lwt:{tst}", part(user), part(device))
            }
            Inbound::Report { source, report } => {
                format!("report:{}:{}", part(source), part(&report.report_id))
            }
            Inbound::StationPresence { station_id, presence } => {
                let at = presence.at.map_or_else(|| "-".to_owned(), |at| at.timestamp_millis().to_string());
                format!("presence:{}:{}:{at}", part(station_id), presence.state.as_str())
            }
        }
    }

    /// The alert this message belongs to, for camera messages: a Frigate tracked object and its face or
    /// plate results share `frigate:<object id>`; a review is `frigate:review:<review id>` (its objects'
    /// keys are [`FrigateReview::object_alert_keys`]); a native alert is its own natural key.
    pub fn alert_key(&self) -> Option<String> {
        match self {
            Inbound::FrigateEvent(event) => Some(frigate_object_alert_key(&event.id)),
            Inbound::FrigateObjectUpdate(update) => Some(frigate_object_alert_key(&update.id)),
            Inbound::FrigateReview(review) => Some(format!("frigate:review:{}", part(&review.id))),
            Inbound::CameraAlert { source, alert } => Some(camera_alert_key(source, &alert.alert_id)),
            _ => None,
        }
    }

    pub fn idempotency(&self) -> Idempotency {
        match self {
            Inbound::FrigateAvailability(_)
            | Inbound::OwnTracksOffline { .. }
            | Inbound::StationPresence { .. } => Idempotency::LastValueWins,
            _ => Idempotency::NaturalKey,
        }
    }

    /// A stable snake_case name of the message kind, for logs and counters.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Inbound::FrigateEvent(_) => "frigate_event",
            Inbound::FrigateReview(_) => "frigate_review",
            Inbound::FrigateObjectUpdate(_) => "frigate_object_update",
            Inbound::FrigateAvailability(_) => "frigate_availability",
            Inbound::CameraAlert { .. } => "camera_alert",
            Inbound::TerminalAck { .. } => "terminal_ack",
            Inbound::TerminalArrive { .. } => "terminal_arrive",
            Inbound::TerminalFeedback { .. } => "terminal_feedback",
            Inbound::TerminalLocation { .. } => "terminal_location",
            Inbound::ZeroReport { .. } => "zero_report",
            Inbound::OwnTracksLocation(_) => "owntracks_location",
            Inbound::OwnTracksOffline { .. } => "owntracks_offline",
            Inbound::Report { .. } => "report",
            Inbound::StationPresence { .. } => "station_presence",
        }
    }
}

/// Decodes one inbound message. Checks, in order: payload size, topic, UTF-8, emptiness, JSON, version,
/// fields. Per-camera Frigate topics and other known-but-unused topics are [`Decoded::Ignored`] before
/// their payload is looked at (they carry JPEGs and plain text).
pub fn decode(topics: &Topics, topic: &str, payload: &[u8]) -> Result<Decoded, DecodeError> {
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(DecodeError::TooLarge { len: payload.len(), max: MAX_PAYLOAD_BYTES });
    }
    let kind =
        topics.classify(topic).ok_or_else(|| DecodeError::UnknownTopic { topic: excerpt(topic, 200) })?;
    match kind {
        TopicKind::FrigateOther => return Ok(Decoded::Ignored("per-camera or other Frigate topic")),
        TopicKind::OwnTracksOther => {
            return Ok(Decoded::Ignored("OwnTracks sub-topic (event, info, waypoints)"))
        }
        TopicKind::Broadcast { .. } => return Ok(Decoded::Ignored("broadcast: published by stations")),
        TopicKind::Terminal { channel: TerminalChannel::Tasks, .. } => {
            return Ok(Decoded::Ignored("terminal tasks: published by stations"))
        }
        TopicKind::Terminal { channel: TerminalChannel::Notice, .. } => {
            return Ok(Decoded::Ignored("terminal notices: published by stations"))
        }
        _ => {}
    }
    // Identifiers taken from the topic obey the same limits as identifiers in payloads.
    for (field, segment) in topic_ids(&kind) {
        let len = segment.chars().count();
        if len > limits::MAX_ID_CHARS {
            return Err(DecodeError::TooLong { field: field.to_owned(), len, max: limits::MAX_ID_CHARS });
        }
    }
    let text = std::str::from_utf8(payload)
        .map_err(|e| DecodeError::InvalidUtf8 { valid_up_to: e.valid_up_to() })?;
    // Refused before decoding: a NUL decoded into a string would make the whole batch's transaction fail on
    // PostgreSQL, and the batch would be retried for ever.
    if text.contains('\0') || text.contains("\\u0000") {
        return Err(DecodeError::NulCharacter);
    }
    if text.trim().is_empty() {
        // An empty retained message is how a retained state is cleared: nothing to apply.
        return match kind {
            TopicKind::FrigateAvailable | TopicKind::StationPresence { .. } | TopicKind::OwnTracks { .. } => {
                Ok(Decoded::Ignored("empty payload: a retained message was cleared"))
            }
            _ => Err(DecodeError::Empty),
        };
    }
    if let TopicKind::FrigateAvailable = kind {
        return Ok(Decoded::Inbound(Inbound::FrigateAvailability(frigate::availability(text)?)));
    }
    let map = parse_object(text)?;
    let root = Obj::root(&map);
    let inbound = match kind {
        TopicKind::FrigateEvents => Inbound::FrigateEvent(frigate::event(&root)?),
        TopicKind::FrigateReviews => Inbound::FrigateReview(frigate::review(&root)?),
        TopicKind::FrigateTrackedObjectUpdate => match frigate::object_update(&root)? {
            Some(update) => Inbound::FrigateObjectUpdate(update),
            None => return Ok(Decoded::Ignored("tracked_object_update type other than face or lpr")),
        },
        TopicKind::CameraAlerts { source } => {
            Inbound::CameraAlert { source: source.to_owned(), alert: native::camera_alert(&root)? }
        }
        TopicKind::Terminal { worker_id, channel } => {
            let worker_id = worker_id.to_owned();
            match channel {
                TerminalChannel::Ack => Inbound::TerminalAck { worker_id, ack: native::terminal_ack(&root)? },
                TerminalChannel::Arrive => {
                    Inbound::TerminalArrive { worker_id, arrive: native::terminal_arrive(&root)? }
                }
                TerminalChannel::Feedback => {
                    Inbound::TerminalFeedback { worker_id, feedback: native::terminal_feedback(&root)? }
                }
                TerminalChannel::Location => {
                    Inbound::TerminalLocation { worker_id, location: native::terminal_location(&root)? }
                }
                TerminalChannel::ZeroReport => {
                    Inbound::ZeroReport { worker_id, report: native::zero_report(&root)? }
                }
                TerminalChannel::Tasks | TerminalChannel::Callup | TerminalChannel::Notice => {
                    return Ok(Decoded::Ignored("terminal tasks and call-ups: published by stations"))
                }
            }
        }
        TopicKind::OwnTracks { user, device } => match owntracks::message(&root, user, device)? {
            owntracks::OwnTracksMessage::Location(location) => Inbound::OwnTracksLocation(location),
            owntracks::OwnTracksMessage::Offline { tst } => {
                Inbound::OwnTracksOffline { user: user.to_owned(), device: device.to_owned(), tst }
            }
            owntracks::OwnTracksMessage::Other => {
                return Ok(Decoded::Ignored("OwnTracks message type other than location or lwt"))
            }
        },
        TopicKind::Reports { source } => {
            Inbound::Report { source: source.to_owned(), report: native::report(&root)? }
        }
        TopicKind::StationPresence { station_id } => {
            Inbound::StationPresence { station_id: station_id.to_owned(), presence: native::presence(&root)? }
        }
        TopicKind::FrigateAvailable
        | TopicKind::FrigateOther
        | TopicKind::OwnTracksOther
        | TopicKind::Broadcast { .. } => return Ok(Decoded::Ignored("handled above")),
    };
    Ok(Decoded::Inbound(inbound))
}

/// The identifiers a topic names, with the field name used in errors.
fn topic_ids<'t>(kind: &TopicKind<'t>) -> Vec<(&'static str, &'t str)> {
    match *kind {
        TopicKind::CameraAlerts { source } | TopicKind::Reports { source } => vec![("topic.source", source)],
        TopicKind::Terminal { worker_id, .. } => vec![("topic.worker_id", worker_id)],
        TopicKind::OwnTracks { user, device } => vec![("topic.user", user), ("topic.device", device)],
        TopicKind::StationPresence { station_id } => vec![("topic.station_id", station_id)],
        _ => Vec::new(),
    }
}

/// `box`: exactly four finite numbers.
pub(crate) fn opt_box(object: &Obj, key: &str) -> Result<Option<BoundingBox>, DecodeError> {
    let wrong = || DecodeError::WrongType {
        field: object.path_of(key),
        expected: "4 个数字 [x_min, y_min, x_max, y_max]",
    };
    let Some(value) = object.value(key) else { return Ok(None) };
    let Value::Array(items) = value else { return Err(wrong()) };
    let mut corners = [0.0; 4];
    if items.len() != corners.len() {
        return Err(wrong());
    }
    for (corner, item) in corners.iter_mut().zip(items) {
        *corner = item.as_f64().filter(|number| number.is_finite()).ok_or_else(wrong)?;
    }
    Ok(Some(BoundingBox(corners)))
}

pub(crate) fn frigate_object_alert_key(object_id: &str) -> String {
    format!("frigate:{}", part(object_id))
}

fn camera_alert_key(source: &str, alert_id: &str) -> String {
    format!("alert:{}:{}", part(source), part(alert_id))
}

fn terminal_key(worker_id: &str, channel: TerminalChannel, msg_id: &str) -> String {
    format!("terminal:{}:{}:{}", part(worker_id), channel.as_str(), part(msg_id))
}

/// A key part taken from input, with `%` and `:` escaped so parts cannot run into each other.
fn part(text: &str) -> String {
    if text.contains(['%', ':']) {
        text.replace('%', "%25").replace(':', "%3A")
    } else {
        text.to_owned()
    }
}

/// `h` and 16 hex digits of 64-bit FNV-1a over a canonical text of the fields that tell one message
/// from another: deterministic, dependency-free, and independent of Rust's Debug output, so it stays the
/// same across builds of the station (a redelivery after an upgrade is still recognised).
fn fingerprint(fields: &[&dyn Canonical]) -> String {
    let mut text = String::new();
    for field in fields {
        field.write_to(&mut text);
        text.push('\u{1f}');
    }
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("h{hash:016x}")
}

/// A field's text in a fingerprint.
trait Canonical {
    fn write_to(&self, text: &mut String);
}

impl Canonical for String {
    fn write_to(&self, text: &mut String) {
        text.push_str(self);
    }
}

impl Canonical for f64 {
    fn write_to(&self, text: &mut String) {
        text.push_str(&self.to_string());
    }
}

impl Canonical for DateTime<Utc> {
    fn write_to(&self, text: &mut String) {
        text.push_str(&self.timestamp_micros().to_string());
    }
}

impl<T: Canonical> Canonical for Option<T> {
    fn write_to(&self, text: &mut String) {
        match self {
            Some(value) => value.write_to(text),
            None => text.push('-'),
        }
    }
}

impl<T: Canonical> Canonical for Vec<T> {
    fn write_to(&self, text: &mut String) {
        for item in self {
            item.write_to(text);
            text.push('\u{1e}');
        }
    }
}

impl Canonical for Recognition {
    fn write_to(&self, text: &mut String) {
        self.name.write_to(text);
        text.push('\u{1e}');
        self.score.write_to(text);
    }
}

impl Canonical for ObjectRecognition {
    fn write_to(&self, text: &mut String) {
        match self {
            ObjectRecognition::Face(face) => face.write_to(text),
            ObjectRecognition::LicensePlate { plate, name, score } => {
                for field in [plate as &dyn Canonical, name, score] {
                    field.write_to(text);
                    text.push('\u{1e}');
                }
            }
        }
    }
}
