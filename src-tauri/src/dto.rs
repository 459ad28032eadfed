//! The JSON the console sees (docs/ipc.md), converted by hand from the api's types: core types are not
//! `Serialize`, and the UI's shapes are versioned with the contract, not with the domain.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use redgrid_api::console::StationHealth;
use redgrid_api::session::Session;
use redgrid_api::{ApiError, EventView};
use redgrid_core::closed_loop::{RequestKind, Role};
use redgrid_core::register::mask_phone;
use redgrid_core::stats::Counters;
use redgrid_store::feeds::AlertRow;
use redgrid_store::{AuditRecord, FeedEntry, GridNode};
use serde::Serialize;

pub type Millis = i64;

pub fn ms(at: DateTime<Utc>) -> Millis {
    at.timestamp_millis()
}

fn opt_ms(at: Option<DateTime<Utc>>) -> Option<Millis> {
    at.map(ms)
}

/// The one error shape the console sees.
#[derive(Debug, Serialize)]
pub struct UiError {
    pub code: String,
    pub message: String,
}

impl UiError {
    pub fn new(code: &str, message: impl Into<String>) -> UiError {
        UiError { code: code.to_string(), message: message.into() }
    }

    pub fn invalid(message: impl Into<String>) -> UiError {
        UiError::new("invalid", message)
    }
}

impl From<ApiError> for UiError {
    fn from(error: ApiError) -> Self {
        UiError { code: error.code().to_string(), message: error.to_string() }
    }
}

impl From<redgrid_store::StoreError> for UiError {
    fn from(error: redgrid_store::StoreError) -> Self {
        UiError::from(ApiError::from(error))
    }
}

#[derive(Debug, Serialize)]
pub struct SessionDto {
    pub account: String,
    pub name: String,
    pub role: &'static str,
    pub role_name: &'static str,
    pub station: String,
    pub signed_in_at: Millis,
    pub locked: bool,
    /// A reset password: the console shows only the password change until it is done.
    pub must_change_password: bool,
    /// Every station act by key (`redgrid_core::acts::StationAct::key`) → whether this person may.
    pub can: BTreeMap<&'static str, bool>,
}

pub fn session(s: &Session) -> SessionDto {
    let can = s.can();
    SessionDto {
        account: s.account.clone(),
        name: s.name.clone(),
        role: s.role.key(),
        role_name: s.role.name_zh(),
        station: s.station.clone(),
        signed_in_at: ms(s.signed_in_at),
        locked: s.locked,
        must_change_password: s.must_change_password,
        can: can.into_iter().map(|(act, may)| (act.key(), may)).collect(),
    }
}

#[derive(Debug, Serialize)]
pub struct StationDto {
    pub id: String,
    pub centre_name: String,
    pub township_code: String,
    pub township_name: String,
}

#[derive(Debug, Serialize)]
pub struct DatabaseDto {
    pub ok: bool,
    pub backend: &'static str,
    pub detail: String,
    pub read_only: bool,
    pub failure: Option<WriteFailureDto>,
    pub free_bytes: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WriteFailureDto {
    pub code: &'static str,
    pub message: String,
    pub at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct BrokerDto {
    pub ok: bool,
    pub kind: &'static str,
    pub url: String,
    /// `connected`, `connecting`, `subscribing`, `refused`, `disconnected`, `unstable` or `not_started`.
    pub state: &'static str,
    /// The state in Chinese (已连接, 已断开，4 秒后重连, …).
    pub state_zh: String,
    pub detail: String,
    /// Tasks waiting in the outbox for the broker.
    pub waiting_tasks: i64,
}

/// The link as it is now.
pub async fn broker(ready: &crate::startup::Ready) -> BrokerDto {
    let broker = &ready.broker;
    let health = broker.health.as_ref().map(|h| h.borrow().clone());
    let state = match (&health, &broker.error) {
        (Some(health), None) => Ok(health),
        (_, Some(error)) => Err(error.as_str()),
        (None, None) => Err("未连接"),
    };
    let view = ready.station().link_view(state).await;
    BrokerDto {
        ok: view.ok,
        kind: broker.kind,
        url: broker.url.clone(),
        state: view.state,
        state_zh: view.state_zh,
        detail: view.detail_zh,
        waiting_tasks: view.waiting_tasks,
    }
}

#[derive(Debug, Serialize)]
pub struct NvrDto {
    pub name: String,
    pub state: String,
    pub changed_at: Millis,
}

#[derive(Debug, Serialize)]
pub struct HealthDto {
    pub now: Millis,
    pub station: StationDto,
    pub mode: &'static str,
    pub mode_since: Option<Millis>,
    pub level: LevelDto,
    /// `{ id, title, state, speed, started_by }` of the drill running or paused, or null.
    pub drill: Option<serde_json::Value>,
    pub database: DatabaseDto,
    pub broker: BrokerDto,
    pub nvrs: Vec<NvrDto>,
    pub feed_head: i64,
}

pub fn health(h: StationHealth, broker: BrokerDto) -> HealthDto {
    HealthDto {
        now: ms(h.now),
        station: StationDto {
            id: h.station.id,
            centre_name: h.station.centre_name,
            township_code: h.station.township_code,
            township_name: h.station.township_name,
        },
        mode: h.mode.key(),
        mode_since: opt_ms(h.mode_since),
        level: level(&h.level),
        drill: h.drill.as_ref().map(|d| {
            serde_json::json!({ "id": d.id, "title": d.title, "state": d.state, "speed": d.speed, "started_by": d.started_by_name })
        }),
        database: DatabaseDto {
            ok: h.database.ok,
            backend: h.database.backend,
            detail: h.database.detail,
            read_only: h.database.read_only,
            failure: h.database.failure.map(|f| WriteFailureDto { code: f.code, message: f.message, at: ms(f.at) }),
            free_bytes: h.database.free_bytes,
        },
        broker,
        nvrs: h
            .nvrs
            .into_iter()
            .map(|(name, state, at)| NvrDto { name, state, changed_at: ms(at) })
            .collect(),
        feed_head: h.feed_head,
    }
}

#[derive(Debug, Serialize)]
pub struct QueueRow {
    pub id: i64,
    pub version: i64,
    pub status: &'static str,
    pub title: String,
    pub category: &'static str,
    pub severity: i64,
    pub source: &'static str,
    pub grid_code: String,
    pub grid_name: String,
    pub village_name: Option<String>,
    pub reported_at: Millis,
    pub due_at: Option<Millis>,
    pub step: Option<&'static str>,
    pub pending_kind: Option<&'static str>,
    pub drill: bool,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub address: String,
    pub updated_at: Millis,
    pub updated_by: String,
    /// Workers who let the acknowledgement limit pass (未签收超时), oldest first.
    pub no_ack: Vec<NoAckDto>,
}

#[derive(Debug, Serialize, Clone)]
pub struct NoAckDto {
    pub task_id: String,
    pub worker_id: String,
    pub worker_name: String,
    pub dispatched_at: Millis,
    pub ack_due_at: Millis,
}

/// `queue`: a page of the open queue.
#[derive(Debug, Serialize)]
pub struct QueuePage {
    pub rows: Vec<QueueRow>,
    pub total: i64,
    pub now: Millis,
}

fn request_kind(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::Escalate => "escalate",
        RequestKind::Extend { .. } => "extend",
        RequestKind::Park => "park",
        RequestKind::Unpark => "unpark",
    }
}

/// Grid and village names by code, looked up by the caller (see `GridNames`).
pub struct Names<'a> {
    pub grids: &'a HashMap<String, Option<String>>,
    pub village_len: usize,
}

impl Names<'_> {
    fn grid(&self, code: &str) -> String {
        self.grids.get(code).cloned().flatten().unwrap_or_else(|| code.to_string())
    }

    fn village(&self, code: &str) -> Option<String> {
        let village = code.get(..self.village_len)?;
        self.grids.get(village).cloned().flatten()
    }

    /// The codes whose names a set of events needs.
    pub fn codes_of<'e>(views: impl Iterator<Item = &'e EventView>, village_len: usize) -> Vec<&'e str> {
        let mut codes = Vec::new();
        for view in views {
            let code = view.stored.event.grid.as_str();
            codes.push(code);
            if let Some(village) = code.get(..village_len) {
                codes.push(village);
            }
        }
        codes
    }
}

pub fn queue_row(view: &EventView, names: &Names<'_>) -> QueueRow {
    let e = &view.stored.event;
    let grid = e.grid.as_str();
    QueueRow {
        id: e.id,
        version: e.version,
        status: e.status.key(),
        title: e.title.clone(),
        category: e.category.key(),
        severity: e.severity.level(),
        source: e.source.key(),
        grid_code: grid.to_string(),
        grid_name: names.grid(grid),
        village_name: names.village(grid),
        reported_at: ms(e.reported_at),
        due_at: opt_ms(e.due_at),
        step: e.status.pending_step().map(|s| s.key()),
        pending_kind: e.pending.as_ref().map(|p| request_kind(p.kind)),
        drill: e.drill,
        lon: e.lon,
        lat: e.lat,
        address: e.address.clone(),
        updated_at: ms(view.stored.updated_at),
        updated_by: view.stored.updated_by.clone(),
        no_ack: view
            .unacknowledged
            .iter()
            .map(|u| NoAckDto {
                task_id: u.task_id.clone(),
                worker_name: if u.worker_name.is_empty() {
                    u.worker_id.clone()
                } else {
                    u.worker_name.clone()
                },
                worker_id: u.worker_id.clone(),
                dispatched_at: ms(u.dispatched_at),
                ack_due_at: ms(u.ack_due_at),
            })
            .collect(),
    }
}

#[derive(Debug, Serialize)]
pub struct ClockDto {
    pub step: &'static str,
    pub started_at: Millis,
    pub limit_minutes: i64,
    pub basis: &'static str,
    pub extension_minutes: i64,
}

#[derive(Debug, Serialize)]
pub struct MilestonesDto {
    pub accepted_at: Option<Millis>,
    pub dispatched_at: Option<Millis>,
    pub handled_at: Option<Millis>,
    pub verified_at: Option<Millis>,
    pub closed_at: Option<Millis>,
}

#[derive(Debug, Serialize)]
pub struct TaskDto {
    pub worker_id: String,
    pub worker_name: String,
    pub phone_masked: String,
    pub dispatched_at: Millis,
    pub acknowledged_at: Option<Millis>,
    pub arrived_at: Option<Millis>,
}

#[derive(Debug, Serialize)]
pub struct PendingDto {
    pub kind: &'static str,
    pub minutes: i64,
    pub requested_by: String,
    pub requested_by_name: String,
    pub requested_at: Millis,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct EventDetail {
    #[serde(flatten)]
    pub row: QueueRow,
    pub description: String,
    pub reporter: String,
    pub clock: Option<ClockDto>,
    pub milestones: MilestonesDto,
    pub on_time_steps: i64,
    pub late_steps: i64,
    pub tasks: Vec<TaskDto>,
    pub pending: Option<PendingDto>,
    pub parked_from: Option<&'static str>,
    pub outcome: Option<&'static str>,
    pub evaluation: Option<&'static str>,
    pub merged_into: Option<i64>,
    pub reminders: i64,
    pub supervisions: i64,
    pub send_backs: i64,
}

/// What the detail needs besides the event: who the workers and the requester are.
pub struct People {
    /// Worker id → (name, phone).
    pub workers: HashMap<String, (String, String)>,
    pub requested_by_name: Option<String>,
}

pub fn event_detail(view: &EventView, names: &Names<'_>, people: &People) -> EventDetail {
    let e = &view.stored.event;
    let m = &e.milestones;
    EventDetail {
        row: queue_row(view, names),
        description: e.description.clone(),
        reporter: mask_phones_in(&e.reporter),
        clock: e.clock.as_ref().map(|c| ClockDto {
            step: c.step.key(),
            started_at: ms(c.started_at),
            limit_minutes: c.limit.minutes,
            basis: c.limit.basis.key(),
            extension_minutes: c.extension_minutes,
        }),
        milestones: MilestonesDto {
            accepted_at: opt_ms(m.accepted_at),
            dispatched_at: opt_ms(m.dispatched_at),
            handled_at: opt_ms(m.handled_at),
            verified_at: opt_ms(m.verified_at),
            closed_at: opt_ms(m.closed_at),
        },
        on_time_steps: e.on_time_steps,
        late_steps: e.late_steps,
        tasks: e
            .tasks
            .iter()
            .map(|t| {
                let (name, phone) = people.workers.get(&t.worker_id).cloned().unwrap_or_default();
                TaskDto {
                    worker_name: if name.is_empty() { t.worker_id.clone() } else { name },
                    phone_masked: if phone.is_empty() { String::new() } else { mask_phone(&phone) },
                    worker_id: t.worker_id.clone(),
                    dispatched_at: ms(t.dispatched_at),
                    acknowledged_at: opt_ms(t.acknowledged_at),
                    arrived_at: opt_ms(t.arrived_at),
                }
            })
            .collect(),
        pending: e.pending.as_ref().map(|p| PendingDto {
            kind: request_kind(p.kind),
            minutes: match p.kind {
                RequestKind::Extend { minutes } => minutes,
                _ => 0,
            },
            requested_by_name: people.requested_by_name.clone().unwrap_or_else(|| p.requested_by.clone()),
            requested_by: p.requested_by.clone(),
            requested_at: ms(p.requested_at),
            reason: p.reason.clone(),
        }),
        parked_from: e.parked_from.map(|s| s.key()),
        outcome: e.outcome.map(|o| o.key()),
        evaluation: e.evaluation.map(|v| v.key()),
        merged_into: e.merged_into,
        reminders: e.reminders,
        supervisions: e.supervisions,
        send_backs: e.send_backs,
    }
}

/// Masks every mobile number inside free text (a by-hand report keeps the caller's number with the
/// reporter's name; the console shows it masked like every other number).
pub fn mask_phones_in(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if run == 0 {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let digits: String = chars[i..i + run].iter().collect();
        if run >= 7 {
            out.push_str(&mask_phone(&digits));
        } else {
            out.push_str(&digits);
        }
        i += run;
    }
    out
}

#[derive(Debug, Serialize)]
pub struct AuditRow {
    pub seq: i64,
    pub at: Millis,
    pub actor_id: String,
    pub actor_name: String,
    pub role: String,
    pub role_name: String,
    pub station: String,
    pub event_id: Option<i64>,
    pub command: String,
    pub command_name: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub reason: String,
}

pub fn audit_row(r: &AuditRecord) -> AuditRow {
    let e = &r.entry;
    let command_name = redgrid_api::console::command_name_zh(&e.command);
    AuditRow {
        seq: r.seq,
        at: ms(e.at),
        actor_id: e.actor_id.clone(),
        actor_name: e.actor_name.clone(),
        role: e.role.clone(),
        role_name: Role::from_key(&e.role).map(|r| r.name_zh().to_string()).unwrap_or_else(|| e.role.clone()),
        station: e.station.clone(),
        event_id: e.event_id,
        command: e.command.clone(),
        command_name,
        from_status: e.from_status.clone(),
        to_status: e.to_status.clone(),
        reason: e.reason.clone(),
    }
}

#[derive(Debug, Serialize)]
pub struct AlertDto {
    pub id: i64,
    pub alert_key: String,
    pub source: String,
    pub nvr: String,
    pub camera_name: String,
    pub nvr_camera: String,
    pub camera_id: Option<String>,
    pub grid_code: Option<String>,
    pub kind: String,
    pub label: String,
    pub priority: i64,
    pub confidence: Option<f64>,
    pub first_at: Millis,
    pub last_at: Millis,
    pub ended: bool,
    pub updates: i64,
    pub has_snapshot: bool,
    pub recognition: Option<String>,
    pub status: String,
    pub event_id: Option<i64>,
}

pub fn alert(a: &AlertRow) -> AlertDto {
    AlertDto {
        id: a.id,
        alert_key: a.alert_key.clone(),
        source: a.source.clone(),
        nvr: a.nvr.clone(),
        // People read the camera's RedGrid name; the NVR's own name stays beside it.
        camera_name: a.camera_label.clone().unwrap_or_else(|| a.camera_name.clone()),
        nvr_camera: a.camera_name.clone(),
        camera_id: a.camera_id.clone(),
        grid_code: a.grid_code.clone(),
        kind: a.kind.clone(),
        label: a.label.clone(),
        priority: a.priority,
        confidence: a.confidence,
        first_at: ms(a.first_at),
        last_at: ms(a.last_at),
        ended: a.ended,
        updates: a.updates,
        has_snapshot: a.snapshot.is_some(),
        recognition: a.recognition.clone(),
        status: a.status.clone(),
        event_id: a.event_id,
    }
}

#[derive(Debug, Serialize)]
pub struct GridNodeDto {
    pub code: String,
    pub parent_code: Option<String>,
    pub depth: i64,
    pub kind: String,
    pub name: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
}

pub fn grid_node(n: GridNode) -> GridNodeDto {
    GridNodeDto {
        code: n.code,
        parent_code: n.parent_code,
        depth: n.depth,
        kind: n.kind,
        name: n.name,
        lon: n.lon,
        lat: n.lat,
    }
}

#[derive(Debug, Serialize)]
pub struct Totals {
    pub reported: i64,
    pub valid: i64,
    pub handled: i64,
    pub closed: i64,
    pub handling_rate: Option<f64>,
    pub closing_rate: Option<f64>,
    pub on_time_rate: [Option<f64>; 5],
    pub mediation_success_rate: Option<f64>,
}

pub fn totals(c: &Counters) -> Totals {
    let rates = c.rates();
    Totals {
        reported: c.reported,
        valid: c.valid,
        handled: c.handled,
        closed: c.closed,
        handling_rate: rates.handling_rate,
        closing_rate: rates.closing_rate,
        on_time_rate: rates.on_time_rate,
        mediation_success_rate: rates.mediation_success_rate,
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FeedEntryDto {
    pub seq: i64,
    pub at: Millis,
    pub kind: &'static str,
    pub key: String,
    pub action: String,
    pub version: i64,
}

pub fn feed_entry(e: FeedEntry) -> FeedEntryDto {
    FeedEntryDto {
        seq: e.seq,
        at: ms(e.at),
        kind: e.entity.key(),
        key: e.entity_id,
        action: e.change,
        version: e.version,
    }
}

/// An entry as a console limited to a data scope receives it: one outside the scope is `withheld`, with
/// its `seq` and nothing of what changed, so that the console's cursor sees no gap.
pub fn scoped_feed_entry(e: redgrid_api::scope::ScopedFeedEntry) -> FeedEntryDto {
    match e {
        redgrid_api::scope::ScopedFeedEntry::Shown(e) => feed_entry(e),
        redgrid_api::scope::ScopedFeedEntry::Withheld { seq, at } => FeedEntryDto {
            seq,
            at: ms(at),
            kind: WITHHELD_FEED_KIND,
            key: String::new(),
            action: String::new(),
            version: 0,
        },
    }
}

/// The kind of a withheld entry: no `store::FeedEntity`, so the console routes it nowhere.
pub const WITHHELD_FEED_KIND: &str = "withheld";

#[derive(Debug, Clone, Serialize)]
pub struct FeedBatch {
    pub entries: Vec<FeedEntryDto>,
    pub resync: bool,
    /// The broker link, when it changed: it is this station's own state, not on the shared feed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<BrokerDto>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_a_reporter_line_are_masked() {
        // A by-hand report stores "name (phone)"; the detail shows the phone masked like the registers.
        assert_eq!(mask_phones_in("张三（13812345678）"), "张三（138****5678）");
        assert_eq!(mask_phones_in("3 号楼"), "3 号楼");
    }

    #[test]
    fn a_withheld_feed_entry_keeps_its_place_and_says_nothing_of_what_changed() {
        use redgrid_api::scope::ScopedFeedEntry;
        let at = chrono::DateTime::from_timestamp_millis(1_800_000_000_000).unwrap();
        let entry = FeedEntry {
            seq: 41,
            at,
            entity: redgrid_store::FeedEntity::Event,
            entity_id: "1207".into(),
            change: "dispatch".into(),
            version: 3,
        };
        // In the scope: the entry as the unscoped console gets it.
        let shown = scoped_feed_entry(ScopedFeedEntry::Shown(entry.clone()));
        assert_eq!((shown.seq, shown.kind, shown.key.as_str(), shown.version), (41, "event", "1207", 3));
        // Outside it: the seq, so the console's cursor sees no gap, and no id, change or version.
        let withheld = scoped_feed_entry(ScopedFeedEntry::Withheld { seq: 42, at });
        assert_eq!(withheld.seq, 42);
        assert_eq!(
            (withheld.kind, withheld.key.as_str(), withheld.action.as_str()),
            (WITHHELD_FEED_KIND, "", "")
        );
        assert_eq!(withheld.version, 0);
        // A kind the console routes nowhere: no store entity is called that.
        assert!(redgrid_store::FeedEntity::ALL.iter().all(|e| e.key() != WITHHELD_FEED_KIND));
    }
}

/// `grid_boundaries`: one level as a GeoJSON FeatureCollection, geometries passed through unparsed.
#[derive(Debug, Serialize)]
pub struct FeatureCollection {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub features: Vec<Feature>,
}

#[derive(Debug, Serialize)]
pub struct Feature {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub geometry: Box<serde_json::value::RawValue>,
    pub properties: GridProperties,
}

#[derive(Debug, Serialize)]
pub struct GridProperties {
    pub code: String,
    pub depth: i64,
    pub kind: String,
    pub name: String,
}

/// `positions`: workers and cameras on the map.
#[derive(Debug, Serialize)]
pub struct Positions {
    pub workers: Vec<WorkerPositionDto>,
    pub cameras: Vec<serde_json::Value>,
}

/// One worker on the map.
#[derive(Debug, Serialize)]
pub struct WorkerPositionDto {
    pub id: String,
    pub name: String,
    pub employment: String,
    pub on_duty: bool,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub located_at: Option<i64>,
    pub grid_code: String,
    pub active_tasks: i64,
}

#[derive(Debug, Serialize)]
pub struct HandoverDto {
    pub id: i64,
    pub station: String,
    pub from_account: String,
    pub from_name: String,
    pub to_name: String,
    pub at: Millis,
    pub note: String,
    pub figures: String,
}

/// `shift_brief`: when the shift began, and the handover that began it.
#[derive(Debug, Serialize)]
pub struct ShiftBriefDto {
    pub started_at: Millis,
    pub handover: Option<HandoverDto>,
}

pub fn shift_brief(brief: &redgrid_api::session::ShiftBrief) -> ShiftBriefDto {
    ShiftBriefDto {
        started_at: ms(brief.started_at),
        handover: brief.handover.as_ref().map(|h| HandoverDto {
            id: h.id,
            station: h.station.clone(),
            from_account: h.from_account.clone(),
            from_name: h.from_name.clone(),
            to_name: h.to_name.clone(),
            at: ms(h.at),
            note: h.note.clone(),
            figures: h.figures.clone(),
        }),
    }
}

/// `worker_board`: one worker as the live board shows them.
#[derive(Debug, Serialize)]
pub struct BoardRowDto {
    pub id: String,
    pub name: String,
    pub phone_masked: String,
    pub employment: &'static str,
    pub group: &'static str,
    pub group_name: &'static str,
    pub roles: Vec<&'static str>,
    pub home_grid: String,
    pub village_code: String,
    pub village_name: Option<String>,
    pub on_shift: bool,
    pub terminal_state: String,
    pub terminal_seen_at: Option<Millis>,
    pub active_tasks: i64,
    pub max_tasks: i64,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
}

pub fn board_row(
    r: &redgrid_api::dispatch::BoardRow,
    villages: &HashMap<String, Option<String>>,
    village_len: usize,
) -> BoardRowDto {
    let home = r.worker.grids.first().map(|g| g.as_str().to_string()).unwrap_or_default();
    let village = home.get(..village_len).unwrap_or(&home).to_string();
    BoardRowDto {
        id: r.worker.id.clone(),
        name: r.worker.name.clone(),
        phone_masked: redgrid_core::register::mask_phone(&r.worker.phone),
        employment: r.worker.employment.key(),
        group: r.worker.group.key(),
        group_name: r.worker.group.name_zh(),
        roles: r.worker.roles.iter().map(|x| x.name_zh()).collect(),
        village_name: villages.get(&village).cloned().flatten(),
        village_code: village,
        home_grid: home,
        on_shift: r.on_shift,
        terminal_state: r.terminal_state.clone(),
        terminal_seen_at: r.terminal_seen_at.map(ms),
        active_tasks: r.active_tasks,
        max_tasks: r.max_tasks,
        lon: r.lon,
        lat: r.lat,
    }
}

#[derive(Debug, Serialize)]
pub struct MuteDto {
    pub camera_id: String,
    pub camera_name: String,
    pub until: Millis,
    pub muted_by: String,
    pub reason: String,
}

pub fn mute(m: &redgrid_store::feeds::CameraMute) -> MuteDto {
    MuteDto {
        camera_id: m.camera_id.clone(),
        camera_name: m.camera_name.clone(),
        until: ms(m.until),
        muted_by: m.muted_by.clone(),
        reason: m.reason.clone(),
    }
}

/// The response level in force, for the status bar.
#[derive(Debug, Serialize)]
pub struct LevelDto {
    pub key: String,
    pub name: String,
    pub legacy_mode: &'static str,
    pub since: Option<Millis>,
    pub by: Option<String>,
}

pub fn level(v: &redgrid_api::response::LevelView) -> LevelDto {
    LevelDto {
        key: v.level.key.clone(),
        name: v.level.name.clone(),
        legacy_mode: v.level.legacy_mode.key(),
        since: opt_ms(v.since),
        by: v.by.clone(),
    }
}
