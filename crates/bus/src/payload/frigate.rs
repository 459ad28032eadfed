//! Frigate NVR payloads, read leniently: unknown fields are ignored, nearly every field is optional,
//! numbers may be integers or floats, and `sub_label` may be null, a string (before 0.14) or
//! `[name, score]`. Only what the console needs is kept.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::alert::{frigate_alert_class, AlertClass, ReviewSeverity};
use super::error::excerpt;
use super::json::Obj;
use super::limits::{MAX_ID_CHARS, MAX_LABEL_CHARS, MAX_NAME_CHARS, MAX_REF_CHARS};
use super::{opt_box, BoundingBox, DecodeError};

/// Where a tracked object or review segment is in its lifecycle (the envelope's `type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrigateChange {
    New,
    Update,
    End,
}

impl FrigateChange {
    pub fn as_str(self) -> &'static str {
        match self {
            FrigateChange::New => "new",
            FrigateChange::Update => "update",
            FrigateChange::End => "end",
        }
    }
}

/// A name with the score it was recognised at (`sub_label`, a face, a plate).
#[derive(Clone, Debug, PartialEq)]
pub struct Recognition {
    pub name: String,
    pub score: Option<f64>,
}

/// One message on `<frigate>/events`: the `after` state of one tracked object.
#[derive(Clone, Debug, PartialEq)]
pub struct FrigateEvent {
    pub change: FrigateChange,
    /// The tracked object's id, the same from `new` to `end`.
    pub id: String,
    /// Frigate's camera name (mapped to a RedGrid camera by the station; unknown names are kept).
    pub camera: String,
    pub label: String,
    /// A recognised face or a known plate's name (from `sub_label`).
    pub sub_label: Option<Recognition>,
    pub score: Option<f64>,
    pub top_score: Option<f64>,
    pub start_time: Option<DateTime<Utc>>,
    pub end_time: Option<DateTime<Utc>>,
    /// The frame this state is from; distinguishes one update from the next.
    pub frame_time: Option<DateTime<Utc>>,
    pub current_zones: Vec<String>,
    pub entered_zones: Vec<String>,
    pub has_snapshot: bool,
    pub has_clip: bool,
    /// When the best snapshot was taken (`snapshot.frame_time`, or `snapshot_time` before 0.12).
    pub snapshot_frame_time: Option<DateTime<Utc>>,
    /// The box in the snapshot (`snapshot.box`).
    pub snapshot_box: Option<BoundingBox>,
    /// The box in the current frame (`box`).
    pub bounding_box: Option<BoundingBox>,
    pub false_positive: bool,
    pub stationary: bool,
    pub license_plate: Option<Recognition>,
}

impl FrigateEvent {
    /// The object's alert kind and priority; `watchlist_face` is the station's verdict on `sub_label`.
    pub fn alert_class(&self, watchlist_face: bool) -> AlertClass {
        let zones: Vec<String> = self.entered_zones.iter().chain(&self.current_zones).cloned().collect();
        frigate_alert_class(&self.label, &zones, None, watchlist_face)
    }
}

/// One message on `<frigate>/reviews`: a review segment's `after` state.
#[derive(Clone, Debug, PartialEq)]
pub struct FrigateReview {
    pub change: FrigateChange,
    pub id: String,
    pub camera: String,
    pub severity: ReviewSeverity,
    pub start_time: Option<DateTime<Utc>>,
    pub end_time: Option<DateTime<Utc>>,
    pub thumb_path: Option<String>,
    /// Ids of the tracked objects in the segment (their alert keys are [`Self::object_alert_keys`]).
    pub detections: Vec<String>,
    /// Labels of those objects (`person`, `car`; Frigate may suffix `-verified`).
    pub objects: Vec<String>,
    pub zones: Vec<String>,
    /// Recognised names (strings, or the name of a `[name, score]` pair).
    pub sub_labels: Vec<String>,
    pub audio: Vec<String>,
}

impl FrigateReview {
    /// The alert keys of the tracked objects this review names: a review at severity `alert` raises
    /// these alerts; if none of them is known, the review is an alert of its own under
    /// [`super::Inbound::alert_key`].
    pub fn object_alert_keys(&self) -> Vec<String> {
        self.detections.iter().map(|id| super::frigate_object_alert_key(id)).collect()
    }

    /// The highest class among the review's object and audio labels, at its severity (on a tie, the
    /// first label Frigate lists); a review naming no label is `other`.
    pub fn alert_class(&self) -> AlertClass {
        let mut classes = self
            .objects
            .iter()
            .chain(&self.audio)
            .map(|label| frigate_alert_class(label, &self.zones, Some(self.severity), false));
        let first = classes
            .next()
            .unwrap_or_else(|| frigate_alert_class("", &self.zones, Some(self.severity), false));
        classes.fold(first, |best, class| if class.priority > best.priority { class } else { best })
    }
}

/// A recognition result on `<frigate>/tracked_object_update`, to attach to its object's alert.
#[derive(Clone, Debug, PartialEq)]
pub struct FrigateObjectUpdate {
    /// The tracked object's id (its alert key is `frigate:<id>`).
    pub id: String,
    pub camera: Option<String>,
    pub timestamp: Option<DateTime<Utc>>,
    pub result: ObjectRecognition,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ObjectRecognition {
    /// `type: face`: a recognised face; the station decides whether the name is on the watch list.
    Face(Recognition),
    /// `type: lpr`: a licence plate, with the known plate's name if Frigate has one.
    LicensePlate { plate: String, name: Option<String>, score: Option<f64> },
}

impl ObjectRecognition {
    pub fn as_str(&self) -> &'static str {
        match self {
            ObjectRecognition::Face(_) => "face",
            ObjectRecognition::LicensePlate { .. } => "lpr",
        }
    }
}

/// `<frigate>/available`: whether the NVR is up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrigateAvailability {
    Online,
    /// Frigate is shutting down or restarting.
    Stopped,
    /// Frigate's MQTT last will: the NVR is gone.
    Offline,
}

impl FrigateAvailability {
    pub fn as_str(self) -> &'static str {
        match self {
            FrigateAvailability::Online => "online",
            FrigateAvailability::Stopped => "stopped",
            FrigateAvailability::Offline => "offline",
        }
    }
}

fn change(root: &Obj) -> Result<FrigateChange, DecodeError> {
    let wire = root.req_str("type", MAX_LABEL_CHARS)?;
    match wire.as_str() {
        "new" => Ok(FrigateChange::New),
        "update" => Ok(FrigateChange::Update),
        "end" => Ok(FrigateChange::End),
        _ => Err(DecodeError::UnknownValue {
            field: "type".to_owned(),
            value: excerpt(&wire, 64),
            allowed: "new, update, end",
        }),
    }
}

/// `sub_label`: null, `"name"`, `["name", score]` or `["name"]`.
fn recognition(object: &Obj, key: &str) -> Result<Option<Recognition>, DecodeError> {
    let wrong =
        || DecodeError::WrongType { field: object.path_of(key), expected: "字符串或 [名称, 分数]" };
    match object.value(key) {
        None => Ok(None),
        Some(Value::String(_)) => {
            Ok(object.opt_str(key, MAX_NAME_CHARS)?.map(|name| Recognition { name, score: None }))
        }
        Some(Value::Array(items)) => {
            let name = match items.first() {
                None | Some(Value::Null) => return Ok(None),
                Some(Value::String(name)) if name.is_empty() => return Ok(None),
                Some(Value::String(name)) => name,
                Some(_) => return Err(wrong()),
            };
            if name.chars().count() > MAX_NAME_CHARS {
                return Err(DecodeError::TooLong {
                    field: format!("{}[0]", object.path_of(key)),
                    len: name.chars().count(),
                    max: MAX_NAME_CHARS,
                });
            }
            let score = match items.get(1) {
                None | Some(Value::Null) => None,
                Some(Value::Number(number)) => number.as_f64().filter(|score| score.is_finite()),
                Some(_) => return Err(wrong()),
            };
            Ok(Some(Recognition { name: name.clone(), score }))
        }
        Some(_) => Err(wrong()),
    }
}

pub(super) fn event(root: &Obj) -> Result<FrigateEvent, DecodeError> {
    let change = change(root)?;
    let after = root.req_obj("after")?;
    let snapshot = after.opt_obj("snapshot")?;
    let snapshot_frame_time = match &snapshot {
        Some(snapshot) => snapshot.opt_epoch_seconds("frame_time")?,
        None => None,
    }
    .or(after.opt_epoch_seconds("snapshot_time")?);
    let snapshot_box = match &snapshot {
        Some(snapshot) => opt_box(snapshot, "box")?,
        None => None,
    };
    let license_plate = after
        .opt_str("recognized_license_plate", MAX_NAME_CHARS)?
        .map(|name| {
            Ok::<_, DecodeError>(Recognition {
                name,
                score: after.opt_f64("recognized_license_plate_score")?,
            })
        })
        .transpose()?;
    Ok(FrigateEvent {
        change,
        id: after.req_id("id")?,
        camera: after.req_str("camera", MAX_ID_CHARS)?,
        label: after.req_str("label", MAX_LABEL_CHARS)?,
        sub_label: recognition(&after, "sub_label")?,
        score: after.opt_f64("score")?,
        top_score: after.opt_f64("top_score")?,
        start_time: after.opt_epoch_seconds("start_time")?,
        end_time: after.opt_epoch_seconds("end_time")?,
        frame_time: after.opt_epoch_seconds("frame_time")?,
        current_zones: after.str_list("current_zones", MAX_LABEL_CHARS)?,
        entered_zones: after.str_list("entered_zones", MAX_LABEL_CHARS)?,
        has_snapshot: after.opt_bool("has_snapshot")?.unwrap_or(false),
        has_clip: after.opt_bool("has_clip")?.unwrap_or(false),
        snapshot_frame_time,
        snapshot_box,
        bounding_box: opt_box(&after, "box")?,
        false_positive: after.opt_bool("false_positive")?.unwrap_or(false),
        stationary: after.opt_bool("stationary")?.unwrap_or(false),
        license_plate,
    })
}

/// Review `sub_labels`: strings, or `[name, score]` pairs in some versions.
fn names(object: &Obj, key: &str) -> Result<Vec<String>, DecodeError> {
    let Some(Value::Array(items)) = object.value(key) else {
        // Not a list: let the ordinary reader produce the error (or the empty list when absent).
        return object.str_list(key, MAX_NAME_CHARS);
    };
    if items.iter().all(Value::is_string) {
        return object.str_list(key, MAX_NAME_CHARS);
    }
    let mut list = Vec::new();
    for (index, item) in items.iter().take(super::limits::MAX_LIST_ITEMS).enumerate() {
        let field = format!("{}[{index}]", object.path_of(key));
        let name = match item {
            Value::String(name) => Some(name),
            Value::Array(pair) => match pair.first() {
                Some(Value::String(name)) => Some(name),
                None | Some(Value::Null) => None,
                Some(_) => {
                    return Err(DecodeError::WrongType { field, expected: "字符串或 [名称, 分数]" })
                }
            },
            Value::Null => None,
            _ => return Err(DecodeError::WrongType { field, expected: "字符串或 [名称, 分数]" }),
        };
        if let Some(name) = name.filter(|name| !name.is_empty()) {
            if name.chars().count() > MAX_NAME_CHARS {
                return Err(DecodeError::TooLong { field, len: name.chars().count(), max: MAX_NAME_CHARS });
            }
            list.push(name.clone());
        }
    }
    Ok(list)
}

pub(super) fn review(root: &Obj) -> Result<FrigateReview, DecodeError> {
    let change = change(root)?;
    let after = root.req_obj("after")?;
    let severity_wire = after.req_str("severity", MAX_LABEL_CHARS)?;
    let severity = match severity_wire.as_str() {
        "alert" => ReviewSeverity::Alert,
        "detection" | "significant_motion" => ReviewSeverity::Detection,
        _ => {
            return Err(DecodeError::UnknownValue {
                field: after.path_of("severity"),
                value: excerpt(&severity_wire, 64),
                allowed: "alert, detection",
            })
        }
    };
    let data = after.opt_obj("data")?;
    let list = |key: &str, max: usize| match &data {
        Some(data) => data.str_list(key, max),
        None => Ok(Vec::new()),
    };
    Ok(FrigateReview {
        change,
        id: after.req_id("id")?,
        camera: after.req_str("camera", MAX_ID_CHARS)?,
        severity,
        start_time: after.opt_epoch_seconds("start_time")?,
        end_time: after.opt_epoch_seconds("end_time")?,
        thumb_path: after.opt_str("thumb_path", MAX_REF_CHARS)?,
        detections: list("detections", MAX_ID_CHARS)?,
        objects: list("objects", MAX_LABEL_CHARS)?,
        zones: list("zones", MAX_LABEL_CHARS)?,
        sub_labels: match &data {
            Some(data) => names(data, "sub_labels")?,
            None => Vec::new(),
        },
        audio: list("audio", MAX_LABEL_CHARS)?,
    })
}

/// `None` for result types the console does not use (`description`, classification, …).
pub(super) fn object_update(root: &Obj) -> Result<Option<FrigateObjectUpdate>, DecodeError> {
    let kind = root.req_str("type", MAX_LABEL_CHARS)?;
    let result = match kind.as_str() {
        "face" => ObjectRecognition::Face(Recognition {
            name: root.req_str("name", MAX_NAME_CHARS)?,
            score: root.opt_f64("score")?,
        }),
        "lpr" => ObjectRecognition::LicensePlate {
            plate: root.req_str("plate", MAX_NAME_CHARS)?,
            name: root.opt_str("name", MAX_NAME_CHARS)?,
            score: root.opt_f64("score")?,
        },
        _ => return Ok(None),
    };
    Ok(Some(FrigateObjectUpdate {
        id: root.req_id("id")?,
        camera: root.opt_str("camera", MAX_ID_CHARS)?,
        timestamp: root.opt_epoch_seconds("timestamp")?,
        result,
    }))
}

/// `online` | `stopped` | `offline`, as plain text (surrounding quotes and whitespace tolerated).
pub(super) fn availability(text: &str) -> Result<FrigateAvailability, DecodeError> {
    match text.trim().trim_matches('"').trim() {
        "online" => Ok(FrigateAvailability::Online),
        "stopped" => Ok(FrigateAvailability::Stopped),
        "offline" => Ok(FrigateAvailability::Offline),
        other => Err(DecodeError::UnknownValue {
            field: "$".to_owned(),
            value: excerpt(other, 64),
            allowed: "online, stopped, offline",
        }),
    }
}
