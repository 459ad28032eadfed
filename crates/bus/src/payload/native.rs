//! RedGrid's own inbound payloads (schema version 1): native camera alerts, worker terminals, reports
//! and station presence. Each is a serde DTO too, so the simulator and terminals encode exactly what
//! the station decodes ([`super::encode`]).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::alert::AlertKind;
use super::error::excerpt;
use super::json::Obj;
use super::limits::{MAX_ID_CHARS, MAX_LABEL_CHARS, MAX_NAME_CHARS, MAX_REF_CHARS, MAX_TEXT_CHARS};
use super::{opt_box, BoundingBox, DecodeError};

/// Most photo references one feedback or report may carry.
pub const MAX_PHOTOS: usize = 16;

/// A WGS-84 position in degrees.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

/// `<root>/alerts/<source>`: one alarm from a camera or NVR.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CameraAlert {
    /// The sender's id for this alert; with the topic's source, the natural key.
    pub alert_id: String,
    /// The camera's name on its NVR (mapped to a RedGrid camera by the station).
    pub camera: String,
    pub kind: AlertKind,
    /// 0 to 1.
    pub confidence: f64,
    pub at: DateTime<Utc>,
    /// A path or URL of the snapshot on the NVR or file server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<String>,
    #[serde(rename = "box", skip_serializing_if = "Option::is_none")]
    pub bounding_box: Option<BoundingBox>,
}

/// What an acknowledgement answers.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum AckTarget {
    /// The worker has seen the task and takes it.
    Task { task_id: String },
    /// The worker answers a call-up: available or not.
    Callup { callup_id: String, available: bool },
}

/// `<root>/terminals/<worker_id>/ack`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TerminalAck {
    pub msg_id: String,
    #[serde(flatten)]
    pub target: AckTarget,
    pub at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Where the worker answered from (a call-up's answer carries it).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub position: Option<GeoPoint>,
}

/// `<root>/terminals/<worker_id>/arrive`: the worker is on site.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TerminalArrive {
    pub msg_id: String,
    pub task_id: String,
    pub at: DateTime<Utc>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub position: Option<GeoPoint>,
    /// Accuracy of `position` in metres.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acc: Option<f64>,
}

/// `<root>/terminals/<worker_id>/feedback`: the worker reports back (处置反馈).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TerminalFeedback {
    pub msg_id: String,
    /// The task reported on; or, for feedback outside a task, the event (at least one is present).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    pub at: DateTime<Utc>,
    pub notes: String,
    /// Photo references (paths or URLs of uploaded files; the photos themselves do not travel over MQTT).
    pub photos: Vec<String>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub position: Option<GeoPoint>,
}

/// `<root>/terminals/<worker_id>/location`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TerminalLocation {
    pub lat: f64,
    pub lon: f64,
    /// Accuracy in metres.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acc: Option<f64>,
    /// Battery, percent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batt: Option<f64>,
    pub at: DateTime<Utc>,
}

/// `<root>/reports/<source>`: a new incident from a worker or a resident.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub report_id: String,
    /// Who reports: a worker id, or a resident's name or phone as the channel gives it.
    pub reporter: String,
    /// The grid code, when the reporter knows it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grid: Option<String>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub position: Option<GeoPoint>,
    /// A RedGrid event category key, when the reporter chose one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    pub text: String,
    pub photos: Vec<String>,
    pub at: DateTime<Utc>,
}

/// Most events a zero report may count (`new`, `open`): a village's figures are in the tens; anything
/// beyond this is a typo or a broken terminal.
pub const MAX_ZERO_REPORT_COUNT: i64 = 100_000;

/// `<root>/terminals/<worker_id>/zero_report`: a grid leader's zero report (零报告) for their village —
/// "nothing new here" (`new` 0) or the village's figures. Which period it covers is the station's
/// business (the time it arrives), not the terminal's clock.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ZeroReport {
    pub msg_id: String,
    /// The village's division code (12 digits in the national scheme).
    pub village: String,
    /// Events new in the village since its last report, as the grid leader counts them.
    pub new: i64,
    /// Events still open there.
    pub open: i64,
    /// What the grid leader adds (empty when nothing).
    pub note: String,
    pub at: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PresenceState {
    Online,
    Offline,
}

impl PresenceState {
    pub fn as_str(self) -> &'static str {
        match self {
            PresenceState::Online => "online",
            PresenceState::Offline => "offline",
        }
    }
}

/// `<root>/stations/<station_id>/presence` (retained; the last will says `offline` with no `at`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Presence {
    pub state: PresenceState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
}

pub(super) fn opt_point(object: &Obj) -> Result<Option<GeoPoint>, DecodeError> {
    let lat = object.opt_f64_in("lat", -90.0, 90.0, "-90 到 90")?;
    let lon = object.opt_f64_in("lon", -180.0, 180.0, "-180 到 180")?;
    match (lat, lon) {
        (Some(lat), Some(lon)) => Ok(Some(GeoPoint { lat, lon })),
        (None, None) => Ok(None),
        (Some(_), None) => Err(DecodeError::MissingField { field: object.path_of("lon") }),
        (None, Some(_)) => Err(DecodeError::MissingField { field: object.path_of("lat") }),
    }
}

fn photos(object: &Obj) -> Result<Vec<String>, DecodeError> {
    let photos = object.str_list("photos", MAX_REF_CHARS)?;
    if photos.len() > MAX_PHOTOS {
        return Err(DecodeError::TooLong {
            field: object.path_of("photos"),
            len: photos.len(),
            max: MAX_PHOTOS,
        });
    }
    Ok(photos)
}

fn accuracy(object: &Obj) -> Result<Option<f64>, DecodeError> {
    object.opt_f64_in("acc", 0.0, 1.0e6, "0 到 1000000 米")
}

pub(super) fn camera_alert(root: &Obj) -> Result<CameraAlert, DecodeError> {
    root.version()?;
    let kind_wire = root.req_str("kind", MAX_LABEL_CHARS)?;
    let kind = AlertKind::parse(&kind_wire).ok_or_else(|| DecodeError::UnknownValue {
        field: "kind".to_owned(),
        value: excerpt(&kind_wire, 64),
        allowed: "crowd, intrusion, smoke_fire, near_water, face_watchlist, vehicle, loitering, other",
    })?;
    Ok(CameraAlert {
        alert_id: root.req_id("alert_id")?,
        camera: root.req_str("camera", MAX_ID_CHARS)?,
        kind,
        confidence: root.req_f64_in("confidence", 0.0, 1.0, "0 到 1")?,
        at: root.req_instant("at")?,
        snapshot: root.opt_str("snapshot", MAX_REF_CHARS)?,
        bounding_box: opt_box(root, "box")?,
    })
}

pub(super) fn terminal_ack(root: &Obj) -> Result<TerminalAck, DecodeError> {
    root.version()?;
    let target = match (root.opt_id("task_id")?, root.opt_id("callup_id")?) {
        (Some(task_id), None) => AckTarget::Task { task_id },
        (None, Some(callup_id)) => {
            AckTarget::Callup { callup_id, available: root.opt_bool("available")?.unwrap_or(true) }
        }
        (None, None) => return Err(DecodeError::MissingField { field: "task_id".to_owned() }),
        (Some(_), Some(callup_id)) => {
            return Err(DecodeError::OutOfRange {
                field: "callup_id".to_owned(),
                value: excerpt(&callup_id, 64),
                range: "不能与 task_id 同时出现",
            })
        }
    };
    Ok(TerminalAck {
        msg_id: root.req_id("msg_id")?,
        target,
        at: root.req_instant("at")?,
        note: root.opt_str("note", MAX_TEXT_CHARS)?,
        position: opt_point(root)?,
    })
}

pub(super) fn terminal_arrive(root: &Obj) -> Result<TerminalArrive, DecodeError> {
    root.version()?;
    Ok(TerminalArrive {
        msg_id: root.req_id("msg_id")?,
        task_id: root.req_id("task_id")?,
        at: root.req_instant("at")?,
        position: opt_point(root)?,
        acc: accuracy(root)?,
    })
}

pub(super) fn terminal_feedback(root: &Obj) -> Result<TerminalFeedback, DecodeError> {
    root.version()?;
    let task_id = root.opt_id("task_id")?;
    let event_id = root.opt_id("event_id")?;
    if task_id.is_none() && event_id.is_none() {
        return Err(DecodeError::MissingField { field: "task_id".to_owned() });
    }
    let notes = root.opt_str("notes", MAX_TEXT_CHARS)?.unwrap_or_default();
    let photos = photos(root)?;
    if notes.trim().is_empty() && photos.is_empty() {
        return Err(DecodeError::MissingField { field: "notes".to_owned() });
    }
    Ok(TerminalFeedback {
        msg_id: root.req_id("msg_id")?,
        task_id,
        event_id,
        at: root.req_instant("at")?,
        notes,
        photos,
        position: opt_point(root)?,
    })
}

pub(super) fn terminal_location(root: &Obj) -> Result<TerminalLocation, DecodeError> {
    root.version()?;
    Ok(TerminalLocation {
        lat: root.req_f64_in("lat", -90.0, 90.0, "-90 到 90")?,
        lon: root.req_f64_in("lon", -180.0, 180.0, "-180 到 180")?,
        acc: accuracy(root)?,
        batt: root.opt_f64_in("batt", 0.0, 100.0, "0 到 100")?,
        at: root.req_instant("at")?,
    })
}

pub(super) fn report(root: &Obj) -> Result<Report, DecodeError> {
    root.version()?;
    let text = root.opt_str("text", MAX_TEXT_CHARS)?.unwrap_or_default();
    let photos = photos(root)?;
    if text.trim().is_empty() && photos.is_empty() {
        return Err(DecodeError::MissingField { field: "text".to_owned() });
    }
    Ok(Report {
        report_id: root.req_id("report_id")?,
        reporter: root.req_str("reporter", MAX_NAME_CHARS)?,
        grid: root.opt_str("grid", MAX_ID_CHARS)?,
        position: opt_point(root)?,
        category: root.opt_str("category", MAX_LABEL_CHARS)?,
        text,
        photos,
        at: root.req_instant("at")?,
    })
}

pub(super) fn zero_report(root: &Obj) -> Result<ZeroReport, DecodeError> {
    root.version()?;
    let village = root.req_str("village", MAX_ID_CHARS)?;
    // Only the digits of a division code: the station looks the village up, but a name or a stray
    // character is refused here with a reason the officer understands.
    if !village.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DecodeError::OutOfRange {
            field: "village".to_owned(),
            value: excerpt(&village, 64),
            range: "村（社区）区划代码，12 位数字",
        });
    }
    let count = |key: &str| -> Result<i64, DecodeError> {
        let value = root.opt_i64(key)?.ok_or_else(|| DecodeError::MissingField { field: key.to_owned() })?;
        if !(0..=MAX_ZERO_REPORT_COUNT).contains(&value) {
            return Err(DecodeError::OutOfRange {
                field: key.to_owned(),
                value: value.to_string(),
                range: "0 到 100000",
            });
        }
        Ok(value)
    };
    Ok(ZeroReport {
        msg_id: root.req_id("msg_id")?,
        village,
        new: count("new")?,
        open: count("open")?,
        note: root.opt_str("note", MAX_TEXT_CHARS)?.unwrap_or_default(),
        at: root.req_instant("at")?,
    })
}

pub(super) fn presence(root: &Obj) -> Result<Presence, DecodeError> {
    root.version()?;
    let wire = root.req_str("state", MAX_LABEL_CHARS)?;
    let state = match wire.as_str() {
        "online" => PresenceState::Online,
        "offline" => PresenceState::Offline,
        _ => {
            return Err(DecodeError::UnknownValue {
                field: "state".to_owned(),
                value: excerpt(&wire, 64),
                allowed: "online, offline",
            })
        }
    };
    Ok(Presence { state, at: root.opt_instant("at")? })
}
