//! The console's commands (docs/ipc.md): each takes one `request`, calls the station facade as the
//! signed-in actor, and converts the result to the contract's JSON and any error to `{code, message}`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use base64::Engine;
use redgrid_api::console::{allowed_commands, resident_refs, RevealField};
use redgrid_api::dispatch::DispatchChoice;
use redgrid_api::triage::AlertToEvent;
use redgrid_api::{EventView, Station};
use redgrid_core::account::DataScope;
use redgrid_core::closed_loop::{Actor, Command, MergeTarget, NewEvent};
use redgrid_core::event::{Category, Evaluation, Outcome, Severity, Status};
use redgrid_core::grid::GridCode;
use redgrid_core::register::{mask_id_number, mask_phone};
use redgrid_core::time::Month;
use redgrid_core::time_limit::Mode;
use redgrid_store::QueueFilter;
use serde::Deserialize;
use serde_json::{json, Value};
use tauri::ipc::Channel;
use tauri::State;
use tokio::sync::watch;

use crate::dto::{self, ms, FeedBatch, Names, People, UiError};
use crate::feed::Subscriptions;
use crate::startup::Ready;

type Reply<T = Value> = Result<T, UiError>;

/// What every command reaches: the station once it is up, and the live feeds.
pub struct Shell {
    /// `None` while the station starts; then the station, or why it could not start.
    pub ready: watch::Receiver<Option<Result<Arc<Ready>, String>>>,
    pub subscriptions: Subscriptions,
}

impl Shell {
    /// The station, waiting for it to finish starting (the window opens before a demo seed is done).
    pub(crate) async fn ready(&self) -> Reply<Arc<Ready>> {
        let mut ready = self.ready.clone();
        let state = ready
            .wait_for(Option::is_some)
            .await
            .map_err(|_| UiError::new("station_unavailable", "指挥台后台已停止"))?;
        match state.as_ref().expect("waited for Some") {
            Ok(ready) => Ok(ready.clone()),
            Err(message) => {
                Err(UiError::new("station_unavailable", format!("指挥台后台未能启动：{message}")))
            }
        }
    }

    /// The station and the signed-in, unlocked actor.
    pub(crate) async fn acting(&self) -> Reply<(Arc<Ready>, Actor)> {
        let ready = self.ready().await?;
        let actor = ready.seat.actor()?;
        Ok((ready, actor))
    }

    /// The station, the signed-in, unlocked actor and their data scope (`Seat::scope`): what every
    /// command that reads or acts on the township's data passes to the api, which does the limiting.
    pub(crate) async fn scoped(&self) -> Reply<(Arc<Ready>, Actor, DataScope)> {
        let ready = self.ready().await?;
        let session = ready.seat.session()?;
        Ok((ready, session.actor(), session.scope))
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct Empty {}

fn to_json<T: serde::Serialize>(value: T) -> Reply {
    serde_json::to_value(value).map_err(|e| UiError::new("ipc", format!("结果无法编码：{e}")))
}

fn parse_category(key: &str) -> Reply<Category> {
    Category::parse(key).ok_or_else(|| UiError::invalid(format!("未知事件类别“{key}”")))
}

fn parse_severity(level: i64) -> Reply<Severity> {
    Severity::from_level(level).ok_or_else(|| UiError::invalid(format!("事件等级须为 1–4，而不是 {level}")))
}

fn parse_grid(station: &Station, code: &str) -> Reply<GridCode> {
    GridCode::parse(code.trim(), &station.scheme()).map_err(|e| UiError::invalid(e.to_string()))
}

fn village_len(station: &Station) -> usize {
    let scheme = station.scheme();
    scheme.level(scheme.village_depth()).map(|l| l.code_len).unwrap_or(12)
}

/// Queue rows with their grid and village names.
async fn queue_rows_of(ready: &Ready, views: &[EventView]) -> Reply<Vec<dto::QueueRow>> {
    let station = ready.station();
    let len = village_len(station);
    let codes = Names::codes_of(views.iter(), len);
    let grids = station.grid_names().names(station, &codes).await?;
    let names = Names { grids: &grids, village_len: len };
    Ok(views.iter().map(|v| dto::queue_row(v, &names)).collect())
}

async fn event_detail_of(ready: &Ready, view: &EventView) -> Reply<dto::EventDetail> {
    let station = ready.station();
    let len = village_len(station);
    let codes = Names::codes_of(std::iter::once(view), len);
    let grids = station.grid_names().names(station, &codes).await?;
    let names = Names { grids: &grids, village_len: len };
    let event = &view.stored.event;
    let mut workers = HashMap::new();
    for task in &event.tasks {
        if let Some(record) = station.store().worker(&task.worker_id, &station.scheme()).await? {
            workers.insert(task.worker_id.clone(), (record.worker.name, record.worker.phone));
        }
    }
    let requested_by_name = match &event.pending {
        Some(pending) => Some(station.person_name(&pending.requested_by).await?),
        None => None,
    };
    Ok(dto::event_detail(view, &names, &People { workers, requested_by_name }))
}

// ---- session ------------------------------------------------------------------------------------------

#[tauri::command]
pub async fn session(shell: State<'_, Shell>, request: Empty) -> Reply {
    let _ = request;
    let ready = shell.ready().await?;
    to_json(ready.seat.current().as_ref().map(dto::session))
}

#[derive(Debug, Deserialize)]
pub struct SignInRequest {
    account: String,
    password: String,
}

#[tauri::command]
pub async fn sign_in(shell: State<'_, Shell>, request: SignInRequest) -> Reply<dto::SessionDto> {
    let ready = shell.ready().await?;
    Ok(dto::session(&ready.seat.sign_in(&request.account, &request.password).await?))
}

#[tauri::command]
pub async fn sign_out(shell: State<'_, Shell>, request: Empty) -> Reply<()> {
    let _ = request;
    Ok(shell.ready().await?.seat.sign_out().await?)
}

#[tauri::command]
pub async fn lock(shell: State<'_, Shell>, request: Empty) -> Reply<()> {
    let _ = request;
    Ok(shell.ready().await?.seat.lock()?)
}

#[derive(Debug, Deserialize)]
pub struct UnlockRequest {
    password: String,
}

#[tauri::command]
pub async fn unlock(shell: State<'_, Shell>, request: UnlockRequest) -> Reply<dto::SessionDto> {
    let ready = shell.ready().await?;
    Ok(dto::session(&ready.seat.unlock(&request.password).await?))
}

// ---- station ------------------------------------------------------------------------------------------

#[tauri::command]
pub async fn station_health(shell: State<'_, Shell>, request: Empty) -> Reply<dto::HealthDto> {
    let _ = request;
    let ready = shell.ready().await?;
    let health = ready.station().health(&ready.mode_since).await;
    let broker = dto::broker(&ready).await;
    Ok(dto::health(health, broker))
}

#[derive(Debug, Deserialize)]
pub struct SwitchModeRequest {
    mode: String,
    reason: String,
}

#[tauri::command]
pub async fn switch_mode(shell: State<'_, Shell>, request: SwitchModeRequest) -> Reply {
    let (ready, actor) = shell.acting().await?;
    let mode = Mode::from_key(&request.mode)
        .ok_or_else(|| UiError::invalid(format!("未知模式“{}”", request.mode)))?;
    ready.station().switch_mode(&actor, mode, &request.reason).await?;
    Ok(json!({ "mode": mode.key() }))
}

#[derive(Debug, Deserialize)]
pub struct StatsRequest {
    month: Option<String>,
}

#[tauri::command]
pub async fn stats(shell: State<'_, Shell>, request: StatsRequest) -> Reply {
    let (ready, _, scope) = shell.scoped().await?;
    let station = ready.station();
    let month = match request.month.as_deref() {
        Some(text) => {
            Month::parse(text).ok_or_else(|| UiError::invalid(format!("月份应为 YYYY-MM：{text}")))?
        }
        None => Month::of(station.now()),
    };
    let report = station.stats_in_scope(&scope, month).await?;
    let villages: Vec<&str> = report.by_village.keys().map(String::as_str).collect();
    let names = station.grid_names().names(station, &villages).await?;
    let with = |extra: Value, counters| -> Reply {
        let mut value = to_json(dto::totals(counters))?;
        if let (Some(target), Value::Object(extra)) = (value.as_object_mut(), extra) {
            target.extend(extra);
        }
        Ok(value)
    };
    let by_category = report
        .by_category
        .iter()
        .map(|(category, c)| with(json!({ "category": category.key() }), c))
        .collect::<Reply<Vec<_>>>()?;
    let by_village = report
        .by_village
        .iter()
        .map(|(code, c)| with(json!({ "code": code, "name": names.get(code).cloned().flatten().unwrap_or_else(|| code.clone()) }), c))
        .collect::<Reply<Vec<_>>>()?;
    Ok(json!({
        "month": month.to_string(),
        "generated_at": ms(station.now()),
        "total": dto::totals(&report.total),
        "by_category": by_category,
        "by_village": by_village,
    }))
}

// ---- queue and events -----------------------------------------------------------------------------------

#[derive(Debug, Deserialize, Default)]
pub struct QueueFilterRequest {
    #[serde(default)]
    drill: bool,
    status: Option<String>,
    grid_prefix: Option<String>,
    category: Option<String>,
    min_severity: Option<i64>,
    #[serde(default)]
    overdue_only: bool,
}

#[derive(Debug, Deserialize)]
pub struct QueueRequest {
    #[serde(default)]
    filter: QueueFilterRequest,
    #[serde(default)]
    offset: i64,
    limit: i64,
}

#[tauri::command]
pub async fn queue(shell: State<'_, Shell>, request: QueueRequest) -> Reply<dto::QueuePage> {
    let (ready, _, scope) = shell.scoped().await?;
    let station = ready.station();
    let f = request.filter;
    let filter = QueueFilter {
        status: match f.status.as_deref() {
            Some(key) => {
                Some(Status::from_key(key).ok_or_else(|| UiError::invalid(format!("未知状态“{key}”")))?)
            }
            None => None,
        },
        grid_prefix: f.grid_prefix.filter(|p| !p.is_empty()),
        village_code: None,
        grid_prefixes: Vec::new(),
        category: f.category.as_deref().map(parse_category).transpose()?,
        min_severity: f.min_severity.map(parse_severity).transpose()?,
        overdue_at: f.overdue_only.then(|| station.now()),
        drill: f.drill,
    };
    let now = station.now();
    let (views, total) = station
        .queue_in_scope(&scope, &filter, request.offset.max(0), request.limit.clamp(1, 20_000))
        .await?;
    // Typed, not a `json!` tree: a city's backlog is 10,000 rows in one answer.
    Ok(dto::QueuePage { rows: queue_rows_of(&ready, &views).await?, total, now: ms(now) })
}

#[derive(Debug, Deserialize)]
pub struct IdsRequest {
    ids: Vec<i64>,
}

#[tauri::command]
pub async fn queue_rows(shell: State<'_, Shell>, request: IdsRequest) -> Reply<Vec<dto::QueueRow>> {
    let (ready, _, scope) = shell.scoped().await?;
    let views = ready.station().events_by_ids_in_scope(&scope, &request.ids).await?;
    queue_rows_of(&ready, &views).await
}

#[derive(Debug, Deserialize)]
pub struct MuteRequest {
    camera_id: String,
    #[serde(default)]
    minutes: i64,
    #[serde(default)]
    reason: String,
}

#[tauri::command]
pub async fn mute_camera(shell: State<'_, Shell>, request: MuteRequest) -> Reply<Value> {
    let (ready, actor, scope) = shell.scoped().await?;
    let until = ready
        .station()
        .mute_camera_in_scope(&actor, &scope, &request.camera_id, request.minutes, &request.reason)
        .await?;
    Ok(json!({ "until": ms(until) }))
}

#[tauri::command]
pub async fn unmute_camera(shell: State<'_, Shell>, request: MuteRequest) -> Reply<bool> {
    let (ready, actor, scope) = shell.scoped().await?;
    Ok(ready.station().unmute_camera_in_scope(&actor, &scope, &request.camera_id).await?)
}

#[tauri::command]
pub async fn muted_cameras(shell: State<'_, Shell>, request: Empty) -> Reply<Vec<dto::MuteDto>> {
    let _ = request;
    let (ready, _, scope) = shell.scoped().await?;
    Ok(ready.station().muted_cameras_in_scope(&scope).await?.iter().map(dto::mute).collect())
}

#[derive(Debug, Deserialize)]
pub struct ContactRequest {
    event_id: i64,
    whom: String,
    outcome: String,
    #[serde(default)]
    note: String,
}

#[tauri::command]
pub async fn log_contact(shell: State<'_, Shell>, request: ContactRequest) -> Reply<()> {
    let (ready, actor, scope) = shell.scoped().await?;
    let outcome = redgrid_api::console::ContactOutcome::parse(&request.outcome)
        .ok_or_else(|| UiError::invalid(format!("未知的联系结果“{}”", request.outcome)))?;
    ready
        .station()
        .log_contact_in_scope(&actor, &scope, request.event_id, &request.whom, outcome, &request.note)
        .await?;
    Ok(())
}

#[tauri::command]
pub async fn worker_board(shell: State<'_, Shell>, request: Empty) -> Reply<Vec<dto::BoardRowDto>> {
    let _ = request;
    let (ready, _, scope) = shell.scoped().await?;
    let station = ready.station();
    let rows = station.worker_board_in_scope(&scope).await?;
    let len = village_len(station);
    let villages: Vec<&str> =
        rows.iter().filter_map(|r| r.worker.grids.first()?.as_str().get(..len)).collect();
    let names = station.grid_names().names(station, &villages).await?;
    Ok(rows.iter().map(|r| dto::board_row(r, &names, len)).collect())
}

#[derive(Debug, Deserialize)]
pub struct HistoryRequest {
    #[serde(default)]
    text: String,
    status: Option<String>,
    #[serde(default)]
    ended_only: bool,
    from: Option<i64>,
    until: Option<i64>,
    #[serde(default)]
    drill: bool,
    limit: Option<i64>,
}

#[tauri::command]
pub async fn history_search(shell: State<'_, Shell>, request: HistoryRequest) -> Reply<Vec<dto::QueueRow>> {
    let (ready, _, scope) = shell.scoped().await?;
    let query = redgrid_store::history::HistoryQuery {
        text: request.text,
        status: request.status.as_deref().map(parse_status).transpose()?,
        ended_only: request.ended_only,
        grid_prefix: None,
        grid_prefixes: Vec::new(),
        from: request.from.map(from_ms),
        until: request.until.map(from_ms),
        drill: request.drill,
        limit: request.limit.unwrap_or(200),
    };
    let views = ready.station().search_history_in_scope(&scope, &query).await?;
    queue_rows_of(&ready, &views).await
}

#[derive(Debug, Deserialize)]
pub struct AuditRequest {
    actor_id: Option<String>,
    station: Option<String>,
    event_id: Option<i64>,
    from: Option<i64>,
    until: Option<i64>,
    limit: Option<i64>,
}

#[tauri::command]
pub async fn audit_search(shell: State<'_, Shell>, request: AuditRequest) -> Reply<Vec<dto::AuditRow>> {
    let (ready, actor, scope) = shell.scoped().await?;
    let query = redgrid_store::history::AuditQuery {
        actor_id: request.actor_id.filter(|a| !a.trim().is_empty()),
        station: request.station.filter(|s| !s.trim().is_empty()),
        event_id: request.event_id,
        from: request.from.map(from_ms),
        until: request.until.map(from_ms),
        limit: request.limit.unwrap_or(500),
    };
    let records = ready.station().search_audit_in_scope(&actor, &scope, &query).await?;
    Ok(records.iter().map(dto::audit_row).collect())
}

fn parse_status(key: &str) -> Result<Status, UiError> {
    Status::from_key(key).ok_or_else(|| UiError::invalid(format!("未知的事件状态“{key}”")))
}

fn from_ms(ms: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

#[derive(Debug, Deserialize)]
pub struct IdRequest {
    id: i64,
}

#[tauri::command]
pub async fn event_detail(shell: State<'_, Shell>, request: IdRequest) -> Reply {
    let (ready, actor, scope) = shell.scoped().await?;
    let station = ready.station();
    // Checked first: the history and the alerts below are read by the same id.
    let view = station.event_in_scope(&scope, request.id).await?;
    let history = station.history(request.id).await?;
    let alerts = station.alerts_of_event(request.id).await?;
    let allowed: Vec<Value> = allowed_commands(&view.stored.event, actor.role)
        .into_iter()
        .map(|k| json!({ "command": k.key(), "name": k.name_zh() }))
        .collect();
    Ok(json!({
        "event": event_detail_of(&ready, &view).await?,
        "history": history.iter().map(dto::audit_row).collect::<Vec<_>>(),
        "allowed": allowed,
        "alerts": alerts.iter().map(dto::alert).collect::<Vec<_>>(),
    }))
}

/// The core `Command` as the console sends it: snake_case, tagged by `kind`.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CommandRequest {
    Accept {
        category: Option<String>,
        severity: Option<i64>,
        grid: Option<String>,
    },
    Reject {
        reason: String,
    },
    Merge {
        into: i64,
        #[serde(default)]
        reason: String,
    },
    Dispatch {
        workers: Vec<String>,
        #[serde(default)]
        note: String,
        override_note: Option<String>,
    },
    Feedback {
        notes: String,
        #[serde(default)]
        photos: Vec<String>,
        on_behalf_of: Option<String>,
    },
    Verify {
        #[serde(default)]
        note: String,
    },
    SendBack {
        reason: String,
    },
    Close {
        outcome: String,
        evaluation: String,
        #[serde(default)]
        note: String,
    },
    Reopen {
        reason: String,
    },
    RequestEscalation {
        reason: String,
    },
    RequestExtension {
        minutes: i64,
        reason: String,
    },
    RequestPark {
        reason: String,
    },
    RequestUnpark {
        reason: String,
    },
    Approve {
        #[serde(default)]
        note: String,
    },
    Deny {
        reason: String,
    },
    Void {
        reason: String,
    },
    Remind {
        #[serde(default)]
        note: String,
    },
    Supervise {
        #[serde(default)]
        note: String,
    },
}

fn core_command(station: &Station, request: CommandRequest) -> Reply<Command> {
    Ok(match request {
        CommandRequest::Accept { category, severity, grid } => Command::Accept {
            category: category.as_deref().filter(|c| !c.is_empty()).map(parse_category).transpose()?,
            severity: severity.map(parse_severity).transpose()?,
            grid: grid
                .as_deref()
                .filter(|g| !g.trim().is_empty())
                .map(|g| parse_grid(station, g))
                .transpose()?,
        },
        CommandRequest::Reject { reason } => Command::Reject { reason },
        // The target's status is looked up under the write lock by the facade; this one is a placeholder.
        CommandRequest::Merge { into, reason } => {
            Command::Merge { into: MergeTarget { id: into, status: Status::Reported }, reason }
        }
        CommandRequest::Dispatch { workers, note, .. } => Command::Dispatch { workers, note },
        CommandRequest::Feedback { notes, photos, on_behalf_of } => {
            Command::Feedback { notes, photos, on_behalf_of }
        }
        CommandRequest::Verify { note } => Command::Verify { note },
        CommandRequest::SendBack { reason } => Command::SendBack { reason },
        CommandRequest::Close { outcome, evaluation, note } => Command::Close {
            outcome: Outcome::from_key(&outcome)
                .ok_or_else(|| UiError::invalid(format!("未知结案结果“{outcome}”")))?,
            evaluation: Evaluation::from_key(&evaluation)
                .ok_or_else(|| UiError::invalid(format!("未知评价“{evaluation}”")))?,
            note,
        },
        CommandRequest::Reopen { reason } => Command::Reopen { reason },
        CommandRequest::RequestEscalation { reason } => Command::RequestEscalation { reason },
        CommandRequest::RequestExtension { minutes, reason } => Command::RequestExtension { minutes, reason },
        CommandRequest::RequestPark { reason } => Command::RequestPark { reason },
        CommandRequest::RequestUnpark { reason } => Command::RequestUnpark { reason },
        CommandRequest::Approve { note } => Command::Approve { note },
        CommandRequest::Deny { reason } => Command::Deny { reason },
        CommandRequest::Void { reason } => Command::Void { reason },
        CommandRequest::Remind { note } => Command::Remind { note },
        CommandRequest::Supervise { note } => Command::Supervise { note },
    })
}

#[derive(Debug, Deserialize)]
pub struct ActRequest {
    id: i64,
    expected_version: Option<i64>,
    command: CommandRequest,
}

#[tauri::command]
pub async fn act(shell: State<'_, Shell>, request: ActRequest) -> Reply<dto::EventDetail> {
    let (ready, actor, scope) = shell.scoped().await?;
    let station = ready.station();
    let view = match request.command {
        // A dispatch goes through the facade's own entry, which checks and records an override of the
        // recommendation.
        CommandRequest::Dispatch { workers, note, override_note } => {
            let choice = DispatchChoice {
                workers,
                note,
                override_reason: override_note.filter(|n| !n.trim().is_empty()),
            };
            station.dispatch_in_scope(&actor, &scope, request.id, request.expected_version, choice).await?
        }
        other => {
            let command = core_command(station, other)?;
            station.act_in_scope(&actor, &scope, request.id, request.expected_version, command).await?
        }
    };
    event_detail_of(&ready, &view).await
}

#[derive(Debug, Deserialize)]
pub struct ReportRequest {
    source: String,
    title: String,
    #[serde(default)]
    description: String,
    category: String,
    severity: i64,
    grid: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    reporter: String,
    #[serde(default)]
    reporter_phone: String,
    #[serde(default)]
    drill: bool,
}

#[tauri::command]
pub async fn report_event(shell: State<'_, Shell>, request: ReportRequest) -> Reply<dto::EventDetail> {
    let (ready, actor, scope) = shell.scoped().await?;
    let station = ready.station();
    let source = redgrid_api::console::hand_logged_source(&request.source, request.drill)?;
    let grid = parse_grid(station, &request.grid)?;
    // A report logged by hand is placed at its grid's centre until someone on the spot reports a position.
    let node = station.store().grid_node(grid.as_str()).await?;
    let phone = request.reporter_phone.trim();
    let reporter = match (request.reporter.trim(), phone) {
        (name, "") => name.to_string(),
        ("", phone) => phone.to_string(),
        (name, phone) => format!("{name}（{phone}）"),
    };
    let new = NewEvent {
        title: request.title,
        description: request.description,
        category: parse_category(&request.category)?,
        severity: parse_severity(request.severity)?,
        source,
        grid,
        lon: node.as_ref().and_then(|n| n.lon),
        lat: node.as_ref().and_then(|n| n.lat),
        address: request.address,
        reporter,
        drill: request.drill,
    };
    let view = station.report_by_hand_in_scope(&actor, &scope, new).await?;
    event_detail_of(&ready, &view).await
}

#[derive(Debug, Deserialize)]
pub struct RecommendRequest {
    event_id: i64,
    #[serde(default = "default_candidates")]
    limit: usize,
}

fn default_candidates() -> usize {
    8
}

#[tauri::command]
pub async fn recommend(shell: State<'_, Shell>, request: RecommendRequest) -> Reply {
    let (ready, _, scope) = shell.scoped().await?;
    let station = ready.station();
    let ranking = station.recommend_in_scope(&scope, request.event_id, request.limit.clamp(1, 50)).await?;
    let ids: Vec<String> = ranking.candidates.iter().map(|c| c.worker_id.clone()).collect();
    let found = station.workers_for_dispatch(&ids).await?;
    let candidates: Vec<Value> = ranking
        .candidates
        .iter()
        .map(|c| {
            let extra = found.get(&c.worker_id);
            json!({
                "worker_id": c.worker_id,
                "name": c.name,
                "employment": c.employment.key(),
                "tier": c.tier.key(),
                "tier_name": c.tier.name_zh(),
                "score": c.score,
                "distance_km": c.distance_km,
                "active_tasks": c.active_tasks,
                "max_tasks": c.max_tasks,
                "recent_tasks": c.recent_tasks,
                "skill_match": c.skill_match,
                "on_shift": extra.map(|w| w.on_shift),
                "explanation": c.explanation,
                "phone_masked": extra.map(|w| mask_phone(&w.record.worker.phone)),
                "grid_name": extra.and_then(|w| w.grid_name.clone()),
            })
        })
        .collect();
    Ok(json!({ "candidates": candidates, "from_roster": ranking.from_roster }))
}

#[derive(Debug, Deserialize)]
pub struct SearchWorkersRequest {
    query: String,
    #[serde(default = "default_search")]
    limit: i64,
}

fn default_search() -> i64 {
    20
}

#[tauri::command]
pub async fn search_workers(shell: State<'_, Shell>, request: SearchWorkersRequest) -> Reply<Vec<Value>> {
    let (ready, _, scope) = shell.scoped().await?;
    let found = ready.station().search_workers_in_scope(&scope, &request.query, request.limit).await?;
    Ok(found
        .into_iter()
        .map(|w| {
            let worker = &w.record.worker;
            json!({
                "worker_id": worker.id,
                "name": worker.name,
                "employment": worker.employment.key(),
                "group_name": worker.group.name_zh(),
                "grid_name": w.grid_name,
                "phone_masked": mask_phone(&worker.phone),
                "on_shift": w.on_shift,
                "active_tasks": w.active_tasks,
            })
        })
        .collect())
}

// ---- camera alerts ------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct LimitRequest {
    #[serde(default = "default_alerts")]
    limit: i64,
}

fn default_alerts() -> i64 {
    200
}

#[tauri::command]
pub async fn alert_groups(shell: State<'_, Shell>, request: LimitRequest) -> Reply<Value> {
    let (ready, _, scope) = shell.scoped().await?;
    let station = ready.station();
    let groups = station.alert_groups_in_scope(&scope, request.limit.clamp(1, 2_000)).await?;
    // The groups are the newest `limit` alerts; the count is all of them, as the handover counts.
    let total = station.new_alert_count_in_scope(&scope).await?;
    let codes: Vec<&str> = groups.iter().filter_map(|g| g.alerts.first()?.grid_code.as_deref()).collect();
    let names = station.grid_names().names(station, &codes).await?;
    let groups: Vec<Value> = groups
        .iter()
        .map(|g| {
            let first = g.alerts.first();
            let grid_code = first.and_then(|a| a.grid_code.clone());
            json!({
                "camera_name": g.camera_label.clone().unwrap_or_else(|| g.camera_name.clone()),
                "nvr_camera": g.camera_name,
                "camera_id": first.and_then(|a| a.camera_id.clone()),
                "grid_name": grid_code.as_ref().and_then(|c| names.get(c).cloned().flatten()),
                "grid_code": grid_code,
                "nvr": first.map(|a| a.nvr.clone()).unwrap_or_default(),
                "kind": g.kind,
                "drill_id": g.drill_id,
                "priority": g.priority,
                "first_at": ms(g.first_at),
                "last_at": ms(g.last_at),
                "alerts": g.alerts.iter().map(dto::alert).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(json!({ "groups": groups, "total": total }))
}

#[derive(Debug, Deserialize)]
pub struct SnapshotRequest {
    alert_id: i64,
}

/// The biggest snapshot file the shell will inline.
const SNAPSHOT_MAX_BYTES: u64 = 5 * 1024 * 1024;

#[tauri::command]
pub async fn alert_snapshot(shell: State<'_, Shell>, request: SnapshotRequest) -> Reply {
    let (ready, _, scope) = shell.scoped().await?;
    let alerts = ready.station().alerts_by_ids_in_scope(&scope, &[request.alert_id]).await?;
    let snapshot = alerts.into_iter().next().and_then(|a| a.snapshot);
    let data_url = match snapshot {
        Some(s) if s.starts_with("data:image/") => Some(s),
        Some(path) => snapshot_file(&path).await,
        None => None,
    };
    Ok(json!({ "data_url": data_url }))
}

/// A snapshot the NVR left as a local image file (a mounted media folder), as a data URL. Only image
/// files are read: the path comes from an MQTT message, and the shell must not become a file reader for
/// whoever can publish one. `frigate://camera/id` references need the NVR's HTTP API, which the station
/// is not configured for yet, so they come back empty.
async fn snapshot_file(path: &str) -> Option<String> {
    let path = std::path::Path::new(path);
    let mime = match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        _ => return None,
    };
    let metadata = tokio::fs::metadata(path).await.ok()?;
    if !metadata.is_file() || metadata.len() > SNAPSHOT_MAX_BYTES {
        return None;
    }
    let bytes = tokio::fs::read(path).await.ok()?;
    Some(format!("data:{mime};base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes)))
}

#[derive(Debug, Deserialize)]
pub struct AlertsToEventRequest {
    ids: Vec<i64>,
    title: String,
    category: String,
    severity: i64,
    grid: Option<String>,
}

#[tauri::command]
pub async fn alerts_to_event(shell: State<'_, Shell>, request: AlertsToEventRequest) -> Reply {
    let (ready, actor, scope) = shell.scoped().await?;
    let decision = AlertToEvent {
        title: request.title,
        category: parse_category(&request.category)?,
        severity: parse_severity(request.severity)?,
        grid: request.grid.filter(|g| !g.trim().is_empty()),
    };
    let event_id = ready.station().alerts_to_event_in_scope(&actor, &scope, &request.ids, decision).await?;
    Ok(json!({ "event_id": event_id }))
}

#[derive(Debug, Deserialize)]
pub struct AttachRequest {
    ids: Vec<i64>,
    event_id: i64,
}

#[tauri::command]
pub async fn attach_alerts(shell: State<'_, Shell>, request: AttachRequest) -> Reply<()> {
    let (ready, actor, scope) = shell.scoped().await?;
    Ok(ready.station().attach_alerts_in_scope(&actor, &scope, &request.ids, request.event_id).await?)
}

#[derive(Debug, Deserialize)]
pub struct DismissRequest {
    ids: Vec<i64>,
    #[serde(default)]
    reason: String,
}

#[tauri::command]
pub async fn dismiss_alerts(shell: State<'_, Shell>, request: DismissRequest) -> Reply<()> {
    let (ready, actor, scope) = shell.scoped().await?;
    Ok(ready.station().dismiss_alerts_in_scope(&actor, &scope, &request.ids, &request.reason).await?)
}

// ---- grids, map and registers ----------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct GridTreeRequest {
    max_depth: i64,
}

#[tauri::command]
pub async fn grid_tree(shell: State<'_, Shell>, request: GridTreeRequest) -> Reply {
    let (ready, _, scope) = shell.scoped().await?;
    let station = ready.station();
    let levels: Vec<Value> = station
        .scheme()
        .levels()
        .iter()
        .enumerate()
        .map(|(depth, l)| json!({ "depth": depth, "key": l.key, "name": l.name, "code_len": l.code_len }))
        .collect();
    let nodes: Vec<dto::GridNodeDto> = station
        .grid_tree_in_scope(&scope, request.max_depth)
        .await?
        .into_iter()
        .map(dto::grid_node)
        .collect();
    Ok(json!({ "levels": levels, "nodes": nodes }))
}

#[derive(Debug, Deserialize)]
pub struct GridSubtreeRequest {
    code: String,
    max_depth: i64,
}

#[tauri::command]
pub async fn grid_subtree(
    shell: State<'_, Shell>,
    request: GridSubtreeRequest,
) -> Reply<Vec<dto::GridNodeDto>> {
    let (ready, _, scope) = shell.scoped().await?;
    let nodes = ready.station().grid_subtree_in_scope(&scope, &request.code, request.max_depth).await?;
    Ok(nodes.into_iter().map(dto::grid_node).collect())
}

#[derive(Debug, Deserialize)]
pub struct BoundariesRequest {
    depth: i64,
}

#[tauri::command]
pub async fn grid_boundaries(
    shell: State<'_, Shell>,
    request: BoundariesRequest,
) -> Reply<dto::FeatureCollection> {
    let (ready, _, scope) = shell.scoped().await?;
    let rows = ready.station().grid_boundaries_in_scope(&scope, request.depth).await?;
    let depth = request.depth;
    let mut features = Vec::with_capacity(rows.len());
    for (code, kind, name, boundary) in rows {
        // The stored GeoJSON goes out as it is (checked when imported): at city scale a parsed tree of
        // 32,000 geometries only to write them out again cost tens of megabytes and a good part of a second.
        match serde_json::value::RawValue::from_string(boundary) {
            Ok(geometry) => features.push(dto::Feature {
                kind: "Feature",
                geometry,
                properties: dto::GridProperties { code, depth, kind, name },
            }),
            Err(error) => tracing::warn!(%code, %error, "a grid boundary is not JSON; left off the map"),
        }
    }
    Ok(dto::FeatureCollection { kind: "FeatureCollection", features })
}

#[derive(Debug, Deserialize)]
pub struct RegistersRequest {
    code: String,
}

/// Residents sent at most for one grid: a village at city scale has thousands; its small grids fewer.
const RESIDENTS_SHOWN: usize = 5_000;

#[tauri::command]
pub async fn registers(shell: State<'_, Shell>, request: RegistersRequest) -> Reply {
    let (ready, _, scope) = shell.scoped().await?;
    let station = ready.station();
    let registers = station.registers_in_scope(&scope, &request.code).await?;
    let scheme = station.scheme();
    let grid = &registers.grid;
    let level_name = usize::try_from(grid.depth).ok().and_then(|d| scheme.level(d)).map(|l| l.name.clone());
    let path: Vec<Value> = station
        .grid_path(&grid.code)
        .await?
        .into_iter()
        .map(|n| json!({ "code": n.code, "name": n.name }))
        .collect();
    let mut care: BTreeMap<&'static str, i64> = BTreeMap::new();
    for resident in &registers.residents {
        for tag in &resident.care_tags {
            *care.entry(tag.key()).or_default() += 1;
        }
    }
    let refs = resident_refs(&registers.residents);
    let truncated = registers.residents.len() > RESIDENTS_SHOWN;
    let residents: Vec<Value> = registers
        .residents
        .iter()
        .zip(refs)
        .take(RESIDENTS_SHOWN)
        .map(|(r, reference)| {
            json!({
                "ref": reference,
                "name": r.name,
                "id_number_masked": mask_id_number(&r.id_number),
                "phone_masked": mask_phone(&r.phone),
                "household_id": r.household_id,
                // 户号: the household's number within its grid, as the register book writes it.
                "household_no": r.grid.serial(&scheme).map(|n| format!("{n}号")).unwrap_or_else(|| r.household_id.clone()),
                "grid_code": r.grid.as_str(),
                "care_tags": r.care_tags.iter().map(|t| t.key()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let workers: Vec<Value> = registers
        .workers
        .iter()
        .map(|w| {
            json!({
                "id": w.worker.id,
                "name": w.worker.name,
                "phone_masked": mask_phone(&w.worker.phone),
                "employment": w.worker.employment.key(),
                "group_name": w.worker.group.name_zh(),
                "roles": w.worker.roles.iter().map(|r| r.name_zh()).collect::<Vec<_>>(),
                "on_duty": w.on_duty,
            })
        })
        .collect();
    let households: Vec<Value> = registers
        .households
        .iter()
        .map(|h| json!({ "id": h.id, "address": h.address, "head_name": h.head_name, "grid_code": h.grid.as_str() }))
        .collect();
    let key_places: Vec<Value> = registers
        .key_places
        .iter()
        .map(|p| {
            json!({
                "id": p.id,
                "name": p.name,
                "kind": p.kind.key(),
                "address": p.address,
                "contact_phone_masked": mask_phone(&p.contact_phone),
                "lon": p.lon,
                "lat": p.lat,
            })
        })
        .collect();
    Ok(json!({
        "grid": {
            "code": grid.code, "name": grid.name, "depth": grid.depth, "level_name": level_name,
            "kind": grid.kind, "parent_code": grid.parent_code, "lon": grid.lon, "lat": grid.lat,
        },
        "path": path,
        "children": registers.children.iter().cloned().map(dto::grid_node).collect::<Vec<_>>(),
        "counts": {
            "households": registers.households.len(),
            "residents": registers.residents.len(),
            "care": care,
        },
        "workers": workers,
        "households": households,
        "residents": residents,
        "key_places": key_places,
        "truncated": { "residents": truncated },
    }))
}

#[derive(Debug, Deserialize)]
pub struct RevealRequest {
    field: String,
    #[serde(rename = "ref")]
    reference: String,
    reason: String,
}

#[tauri::command]
pub async fn reveal(shell: State<'_, Shell>, request: RevealRequest) -> Reply {
    let (ready, actor, scope) = shell.scoped().await?;
    let field = RevealField::parse(&request.field)
        .ok_or_else(|| UiError::invalid(format!("不能查看字段“{}”", request.field)))?;
    let value =
        ready.station().reveal_in_scope(&actor, &scope, field, &request.reference, &request.reason).await?;
    Ok(json!({ "value": value }))
}

#[derive(Debug, Deserialize)]
pub struct PositionsRequest {
    worker_ids: Option<Vec<String>>,
}

#[tauri::command]
pub async fn positions(shell: State<'_, Shell>, request: PositionsRequest) -> Reply<dto::Positions> {
    let (ready, _, scope) = shell.scoped().await?;
    let positions = ready.station().positions_in_scope(&scope, request.worker_ids.as_deref()).await?;
    // Typed rows rather than `json!` trees: 65,000 workers at city scale.
    let workers = positions
        .workers
        .into_iter()
        .map(|w| dto::WorkerPositionDto {
            located_at: w.located_at.map(ms),
            id: w.id,
            name: w.name,
            employment: w.employment,
            on_duty: w.on_duty,
            lon: w.lon,
            lat: w.lat,
            grid_code: w.home_grid,
            active_tasks: w.active_tasks,
        })
        .collect();
    let cameras = positions
        .cameras
        .iter()
        .map(|c| {
            json!({
                "id": c.id, "name": c.name, "nvr_name": c.nvr_name, "grid_code": c.grid_code,
                "lon": c.lon, "lat": c.lat, "online": c.online,
            })
        })
        .collect();
    Ok(dto::Positions { workers, cameras })
}

// ---- shift handover ---------------------------------------------------------------------------------

#[tauri::command]
pub async fn handover_summary(shell: State<'_, Shell>, request: Empty) -> Reply {
    let _ = request;
    let ready = shell.ready().await?;
    let summary = ready.seat.handover_summary().await?;
    let overdue = queue_rows_of(&ready, &summary.overdue).await?;
    let unacknowledged = queue_rows_of(&ready, &summary.unacknowledged).await?;
    Ok(json!({
        "now": ms(summary.now),
        "officer": dto::session(&summary.officer),
        "shift_started_at": ms(summary.shift_started_at),
        "open_total": summary.open_total,
        "overdue_total": summary.overdue_total,
        "by_status": summary.by_status,
        "overdue": overdue,
        "unacknowledged": unacknowledged,
        "pending_approvals": summary.pending_approvals,
        "alerts_pending": summary.alerts_pending,
        "acts_this_shift": summary.acts_this_shift,
        "duty_log": summary.duty_log.iter().map(dto::audit_row).collect::<Vec<_>>(),
    }))
}

#[tauri::command]
pub async fn shift_brief(shell: State<'_, Shell>, request: Empty) -> Reply<dto::ShiftBriefDto> {
    let _ = request;
    let ready = shell.ready().await?;
    Ok(dto::shift_brief(&ready.seat.shift_brief().await?))
}

#[derive(Debug, Deserialize)]
pub struct HandoverRequest {
    to_account: String,
    to_password: String,
    #[serde(default)]
    note: String,
}

#[tauri::command]
pub async fn handover(shell: State<'_, Shell>, request: HandoverRequest) -> Reply<dto::SessionDto> {
    let ready = shell.ready().await?;
    let incoming = ready.seat.handover(&request.to_account, &request.to_password, &request.note).await?;
    Ok(dto::session(&incoming))
}

// ---- live change feed -----------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct SubscribeRequest {
    after_seq: i64,
}

#[tauri::command]
pub async fn subscribe(
    shell: State<'_, Shell>,
    webview: tauri::Webview,
    request: SubscribeRequest,
    channel: Channel<FeedBatch>,
) -> Reply {
    let (ready, _) = shell.acting().await?;
    let (head, subscription) =
        shell.subscriptions.subscribe(ready, webview.label(), request.after_seq, channel).await?;
    Ok(json!({ "head": head, "subscription": subscription }))
}

#[derive(Debug, Deserialize)]
pub struct UnsubscribeRequest {
    subscription: u64,
}

#[tauri::command]
pub async fn unsubscribe(shell: State<'_, Shell>, request: UnsubscribeRequest) -> Reply<()> {
    shell.subscriptions.unsubscribe(request.subscription);
    Ok(())
}
