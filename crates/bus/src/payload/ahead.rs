//! Times ahead of the station's clock. The decoder has no clock, so this is the one rule the station
//! applies after decoding, with its own `now`: a time the station keeps that lies more than
//! [`MAX_AHEAD_OF_STATION`] after `now` is refused (`future_time`). Such a time is a broken or hand-set
//! clock, or a forgery; kept, it would win every "newest" comparison — a location dated 2099 pins a
//! worker's position on the map and in the dispatch ranking until 2099. Past times are accepted: the
//! broker queues messages while a station is away, and they arrive late by design.

use chrono::{DateTime, TimeDelta, Utc};

use super::{DecodeError, Inbound};

/// How far after the station's clock a sender's time may be and still be taken as clock drift. Ten minutes
/// covers phones and NVRs that are set by hand or synchronise rarely.
pub const MAX_AHEAD_OF_STATION: TimeDelta = TimeDelta::minutes(10);

/// Refuses `inbound` when a time the station keeps from it is more than [`MAX_AHEAD_OF_STATION`] after
/// `now`: a camera alert's times (native `at`; a Frigate event's `start_time`, `frame_time`, `end_time`; a
/// review's `start_time`, `end_time`), a terminal location's `at`, an OwnTracks fix's `tst`, a zero
/// report's and a report's `at`. The `at` of an acknowledgement, arrival or feedback is not checked: the
/// station records those acts at its own time, so a skewed phone clock must not cost a worker's act.
pub fn check_not_ahead(inbound: &Inbound, now: DateTime<Utc>) -> Result<(), DecodeError> {
    let times: Vec<(&str, Option<DateTime<Utc>>)> = match inbound {
        Inbound::CameraAlert { alert, .. } => vec![("at", Some(alert.at))],
        Inbound::FrigateEvent(event) => vec![
            ("after.start_time", event.start_time),
            ("after.frame_time", event.frame_time),
            ("after.end_time", event.end_time),
        ],
        Inbound::FrigateReview(review) => {
            vec![("after.start_time", review.start_time), ("after.end_time", review.end_time)]
        }
        Inbound::TerminalLocation { location, .. } => vec![("at", Some(location.at))],
        Inbound::OwnTracksLocation(fix) => vec![("tst", Some(fix.at))],
        Inbound::ZeroReport { report, .. } => vec![("at", Some(report.at))],
        Inbound::Report { report, .. } => vec![("at", Some(report.at))],
        Inbound::FrigateObjectUpdate(_)
        | Inbound::FrigateAvailability(_)
        | Inbound::TerminalAck { .. }
        | Inbound::TerminalArrive { .. }
        | Inbound::TerminalFeedback { .. }
        | Inbound::OwnTracksOffline { .. }
        | Inbound::StationPresence { .. } => Vec::new(),
    };
    let latest = now + MAX_AHEAD_OF_STATION;
    for (field, at) in times {
        if let Some(at) = at.filter(|at| *at > latest) {
            return Err(DecodeError::FutureTime {
                field: field.to_owned(),
                value: at.to_rfc3339(),
                now: now.to_rfc3339(),
                minutes: MAX_AHEAD_OF_STATION.num_minutes(),
            });
        }
    }
    Ok(())
}
