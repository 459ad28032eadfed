//! Outbound payloads (tasks, call-ups, notices, presence, broadcasts) and encoders for every RedGrid payload, all at
//! schema version 1: the encoder writes `"v": 1` beside the DTO's fields.
//!
//! [`decode_outbound`] reads tasks and broadcasts back, for terminals and the simulator.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::error::excerpt;
use super::json::{parse_object, Obj};
use super::limits::{MAX_ID_CHARS, MAX_LABEL_CHARS, MAX_NAME_CHARS, MAX_PAYLOAD_BYTES, MAX_TEXT_CHARS};
use super::native::{
    opt_point, CameraAlert, GeoPoint, Presence, PresenceState, Report, TerminalAck, TerminalArrive,
    TerminalFeedback, TerminalLocation, ZeroReport,
};
use super::DecodeError;
use crate::topics::{BroadcastKind, TerminalChannel, TopicKind, Topics};

/// The schema version this station writes and reads.
pub const VERSION: i64 = 1;

/// `<root>/terminals/<worker_id>/tasks`: a task dispatched to the worker. A task sent again with the same
/// `task_id` (a new deadline, a changed note) replaces the one the terminal holds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TaskMessage {
    pub task_id: String,
    pub event_id: String,
    pub title: String,
    /// The event category key ("grid + N" line).
    pub category: String,
    pub severity: String,
    /// The grid code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub position: Option<GeoPoint>,
    /// When the handling step is due.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// A drill task: the terminal shows it as 演练.
    pub drill: bool,
    /// When it was dispatched.
    pub at: DateTime<Utc>,
}

/// Peacetime or wartime (平时/战时).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OperatingMode {
    Peacetime,
    Wartime,
}

/// `<root>/broadcast/notice`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Notice {
    pub notice_id: String,
    pub title: String,
    pub text: String,
    /// Grid codes the notice is for; empty means everyone.
    pub grids: Vec<String>,
    pub at: DateTime<Utc>,
}

/// `<root>/broadcast/mode` (retained): the mode in force, as switched by a leader. `mode` stays the binary
/// peacetime/wartime old terminals know; `level` and `level_name` are the graded response level, `text` what
/// the terminal shows. Old terminals ignore the fields they do not know.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModeSwitch {
    pub mode: OperatingMode,
    pub reason: String,
    /// Who switched (the leader's display name).
    pub by: String,
    pub at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// `<root>/broadcast/callup`: workers called up; each answers on its `ack` topic with `callup_id`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Callup {
    pub callup_id: String,
    pub reason: String,
    /// Worker ids called up; empty means every part-time worker.
    pub workers: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_by: Option<DateTime<Utc>>,
    pub at: DateTime<Utc>,
    /// A drill's call-up: terminals show it as a drill.
    #[serde(default)]
    pub drill: bool,
}

/// `<root>/terminals/<worker_id>/callup`: one worker called up (叫应). Sent again while they stay silent
/// (`call` counts the calls); `backup_for` names the silent worker this one backs up.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CallupMessage {
    pub callup_id: String,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_by: Option<DateTime<Utc>>,
    pub call: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_for: Option<String>,
    pub drill: bool,
    pub at: DateTime<Utc>,
}

/// `<root>/terminals/<worker_id>/notice`: a notice for one worker, not retained (a persistent session
/// queues it). `kind` says what it is about, so a terminal can open the matching form: `zero_report_missing`
/// — the zero report of `village` due at `due_at` did not come, please report now. A terminal that does not
/// know the kind shows `title` and `text`. The same `notice_id` again is the same notice.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TerminalNotice {
    pub notice_id: String,
    pub kind: String,
    pub title: String,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub village: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_at: Option<DateTime<Utc>>,
    pub at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Broadcast {
    Notice(Notice),
    Mode(ModeSwitch),
    Callup(Callup),
}

impl Broadcast {
    /// Which broadcast topic it goes to ([`Topics::broadcast`]) and whether it is retained.
    pub fn kind(&self) -> BroadcastKind {
        match self {
            Broadcast::Notice(_) => BroadcastKind::Notice,
            Broadcast::Mode(_) => BroadcastKind::Mode,
            Broadcast::Callup(_) => BroadcastKind::Callup,
        }
    }
}

/// A task or broadcast read back by a terminal or the simulator.
#[derive(Clone, Debug, PartialEq)]
pub enum Outbound {
    Task { worker_id: String, task: TaskMessage },
    Callup { worker_id: String, callup: CallupMessage },
    Notice { worker_id: String, notice: TerminalNotice },
    Broadcast(Broadcast),
}

#[derive(Serialize)]
struct Versioned<'a, T> {
    v: i64,
    #[serde(flatten)]
    body: &'a T,
}

fn encode<T: Serialize>(body: &T) -> Vec<u8> {
    // These DTOs have string keys only and no fallible Serialize impls, so serde_json cannot fail on
    // them (a NaN is written as null and refused by the decoder instead).
    serde_json::to_vec(&Versioned { v: VERSION, body }).expect("RedGrid DTOs always serialise to JSON")
}

pub fn encode_task(task: &TaskMessage) -> Vec<u8> {
    encode(task)
}

pub fn encode_callup(callup: &CallupMessage) -> Vec<u8> {
    encode(callup)
}

pub fn encode_terminal_notice(notice: &TerminalNotice) -> Vec<u8> {
    encode(notice)
}

/// The presence payload; publish retained. The last will is `encode_presence(PresenceState::Offline,
/// None)`: it is written at connect time, so it carries no time.
pub fn encode_presence(state: PresenceState, at: Option<DateTime<Utc>>) -> Vec<u8> {
    encode(&Presence { state, at })
}

pub fn encode_broadcast(broadcast: &Broadcast) -> Vec<u8> {
    match broadcast {
        Broadcast::Notice(notice) => encode(notice),
        Broadcast::Mode(mode) => encode(mode),
        Broadcast::Callup(callup) => encode(callup),
    }
}

pub fn encode_camera_alert(alert: &CameraAlert) -> Vec<u8> {
    encode(alert)
}

pub fn encode_terminal_ack(ack: &TerminalAck) -> Vec<u8> {
    encode(ack)
}

pub fn encode_terminal_arrive(arrive: &TerminalArrive) -> Vec<u8> {
    encode(arrive)
}

pub fn encode_terminal_feedback(feedback: &TerminalFeedback) -> Vec<u8> {
    encode(feedback)
}

pub fn encode_terminal_location(location: &TerminalLocation) -> Vec<u8> {
    encode(location)
}

pub fn encode_report(report: &Report) -> Vec<u8> {
    encode(report)
}

/// A grid leader's zero report, as the terminal (or the simulator) sends it.
pub fn encode_zero_report(report: &ZeroReport) -> Vec<u8> {
    encode(report)
}

/// Reads a task or a broadcast (what a terminal receives). Same checks and errors as [`super::decode`].
pub fn decode_outbound(topics: &Topics, topic: &str, payload: &[u8]) -> Result<Outbound, DecodeError> {
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(DecodeError::TooLarge { len: payload.len(), max: MAX_PAYLOAD_BYTES });
    }
    let unknown = || DecodeError::UnknownTopic { topic: excerpt(topic, 200) };
    let kind = topics.classify(topic).ok_or_else(unknown)?;
    if !matches!(
        kind,
        TopicKind::Terminal {
            channel: TerminalChannel::Tasks | TerminalChannel::Callup | TerminalChannel::Notice,
            ..
        } | TopicKind::Broadcast { .. }
    ) {
        return Err(unknown());
    }
    let text = std::str::from_utf8(payload)
        .map_err(|e| DecodeError::InvalidUtf8 { valid_up_to: e.valid_up_to() })?;
    if text.trim().is_empty() {
        return Err(DecodeError::Empty);
    }
    let map = parse_object(text)?;
    let root = Obj::root(&map);
    root.version()?;
    match kind {
        TopicKind::Terminal { worker_id, channel: TerminalChannel::Tasks } => {
            Ok(Outbound::Task { worker_id: worker_id.to_owned(), task: task(&root)? })
        }
        TopicKind::Terminal { worker_id, channel: TerminalChannel::Callup } => Ok(Outbound::Callup {
            worker_id: worker_id.to_owned(),
            callup: CallupMessage {
                callup_id: root.req_id("callup_id")?,
                reason: root.opt_str("reason", MAX_TEXT_CHARS)?.unwrap_or_default(),
                reply_by: root.opt_instant("reply_by")?,
                call: root.opt_i64("call")?.unwrap_or(1).clamp(1, 1000) as u32,
                backup_for: root.opt_id("backup_for")?,
                drill: root.opt_bool("drill")?.unwrap_or(false),
                at: root.req_instant("at")?,
            },
        }),
        TopicKind::Terminal { worker_id, channel: TerminalChannel::Notice } => Ok(Outbound::Notice {
            worker_id: worker_id.to_owned(),
            notice: TerminalNotice {
                notice_id: root.req_id("notice_id")?,
                kind: root.req_str("kind", MAX_LABEL_CHARS)?,
                title: root.req_str("title", MAX_NAME_CHARS)?,
                text: root.opt_str("text", MAX_TEXT_CHARS)?.unwrap_or_default(),
                village: root.opt_str("village", MAX_ID_CHARS)?,
                due_at: root.opt_instant("due_at")?,
                at: root.req_instant("at")?,
            },
        }),
        TopicKind::Broadcast { kind: BroadcastKind::Notice } => {
            Ok(Outbound::Broadcast(Broadcast::Notice(Notice {
                notice_id: root.req_id("notice_id")?,
                title: root.req_str("title", MAX_NAME_CHARS)?,
                text: root.opt_str("text", MAX_TEXT_CHARS)?.unwrap_or_default(),
                grids: root.str_list("grids", MAX_ID_CHARS)?,
                at: root.req_instant("at")?,
            })))
        }
        TopicKind::Broadcast { kind: BroadcastKind::Mode } => {
            let wire = root.req_str("mode", MAX_LABEL_CHARS)?;
            let mode = match wire.as_str() {
                "peacetime" => OperatingMode::Peacetime,
                "wartime" => OperatingMode::Wartime,
                _ => {
                    return Err(DecodeError::UnknownValue {
                        field: "mode".to_owned(),
                        value: excerpt(&wire, 64),
                        allowed: "peacetime, wartime",
                    })
                }
            };
            Ok(Outbound::Broadcast(Broadcast::Mode(ModeSwitch {
                mode,
                reason: root.opt_str("reason", MAX_TEXT_CHARS)?.unwrap_or_default(),
                by: root.opt_str("by", MAX_NAME_CHARS)?.unwrap_or_default(),
                at: root.req_instant("at")?,
                level: root.opt_str("level", MAX_LABEL_CHARS)?,
                level_name: root.opt_str("level_name", MAX_LABEL_CHARS)?,
                text: root.opt_str("text", MAX_TEXT_CHARS)?,
            })))
        }
        TopicKind::Broadcast { kind: BroadcastKind::Callup } => {
            Ok(Outbound::Broadcast(Broadcast::Callup(Callup {
                callup_id: root.req_id("callup_id")?,
                reason: root.opt_str("reason", MAX_TEXT_CHARS)?.unwrap_or_default(),
                workers: root.str_list("workers", MAX_ID_CHARS)?,
                reply_by: root.opt_instant("reply_by")?,
                at: root.req_instant("at")?,
                drill: root.opt_bool("drill")?.unwrap_or(false),
            })))
        }
        _ => Err(unknown()),
    }
}

fn task(root: &Obj) -> Result<TaskMessage, DecodeError> {
    Ok(TaskMessage {
        task_id: root.req_id("task_id")?,
        event_id: root.req_id("event_id")?,
        title: root.req_str("title", MAX_NAME_CHARS)?,
        category: root.req_str("category", MAX_LABEL_CHARS)?,
        severity: root.req_str("severity", MAX_LABEL_CHARS)?,
        grid: root.opt_str("grid", MAX_ID_CHARS)?,
        address: root.opt_str("address", MAX_TEXT_CHARS)?,
        position: opt_point(root)?,
        deadline: root.opt_instant("deadline")?,
        note: root.opt_str("note", MAX_TEXT_CHARS)?,
        drill: root.opt_bool("drill")?.unwrap_or(false),
        at: root.req_instant("at")?,
    })
}
