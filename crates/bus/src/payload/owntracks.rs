//! OwnTracks, the open-source location app a grid worker can install today: `owntracks/<user>/<device>`
//! carries JSON with a `_type`. `location` is kept (a handful of its fields), `lwt` marks the phone
//! offline, every other type (transition, waypoint, card, status, encrypted, …) is ignored.

use chrono::{DateTime, Utc};

use super::json::Obj;
use super::limits::MAX_LABEL_CHARS;
use super::DecodeError;

/// `_type: location`. The OwnTracks user is mapped to a worker by the station (default: the worker id).
#[derive(Clone, Debug, PartialEq)]
pub struct OwnTracksLocation {
    pub user: String,
    pub device: String,
    pub lat: f64,
    pub lon: f64,
    /// The fix's time, epoch seconds as sent (with user and device, the natural key).
    pub tst: i64,
    /// `tst` as an instant.
    pub at: DateTime<Utc>,
    /// Accuracy, metres.
    pub acc: Option<f64>,
    /// Altitude, metres.
    pub alt: Option<f64>,
    /// Velocity, km/h.
    pub vel: Option<f64>,
    /// Battery, percent.
    pub batt: Option<f64>,
    /// Tracker id: two characters the user chose.
    pub tid: Option<String>,
    /// Why the phone reported (`p` ping, `u` manual, `t` timer, `c` region, …).
    pub trigger: Option<String>,
}

/// What an OwnTracks message turned out to be.
pub(super) enum OwnTracksMessage {
    Location(OwnTracksLocation),
    /// `_type: lwt`: the phone's connection dropped; `tst` is when that connection began.
    Offline {
        tst: Option<i64>,
    },
    /// Any other `_type`.
    Other,
}

pub(super) fn message(root: &Obj, user: &str, device: &str) -> Result<OwnTracksMessage, DecodeError> {
    let kind = root.req_str("_type", MAX_LABEL_CHARS)?;
    match kind.as_str() {
        "location" => {}
        "lwt" => return Ok(OwnTracksMessage::Offline { tst: root.opt_i64("tst")? }),
        _ => return Ok(OwnTracksMessage::Other),
    }
    let tst = root.opt_i64("tst")?.ok_or_else(|| DecodeError::MissingField { field: "tst".to_owned() })?;
    let at = root
        .opt_epoch_seconds("tst")?
        .ok_or_else(|| DecodeError::MissingField { field: "tst".to_owned() })?;
    Ok(OwnTracksMessage::Location(OwnTracksLocation {
        user: user.to_owned(),
        device: device.to_owned(),
        lat: root.req_f64_in("lat", -90.0, 90.0, "-90 到 90")?,
        lon: root.req_f64_in("lon", -180.0, 180.0, "-180 到 180")?,
        tst,
        at,
        acc: root.opt_f64_in("acc", 0.0, 1.0e6, "0 到 1000000 米")?,
        alt: root.opt_f64("alt")?,
        vel: root.opt_f64("vel")?,
        batt: root.opt_f64_in("batt", 0.0, 100.0, "0 到 100")?,
        tid: root.opt_str("tid", MAX_LABEL_CHARS)?,
        trigger: root.opt_str("t", MAX_LABEL_CHARS)?,
    }))
}
