//! What the desktop console asks of a station beyond the closed loop: its health, the actions a role may
//! take on an event now, the alerts behind an event, positions for the map, worker search for a dispatch
//! that overrides the ranking, the path of a grid, and revealing a masked number (an audited act).

use redgrid_store::FeedEntity;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use redgrid_core::account::DataScope;
use redgrid_core::acts::{self, StationAct};
use redgrid_core::closed_loop::{self, Actor, CommandKind, Event, Role};
use redgrid_core::event::Source;
use redgrid_core::register::Resident;
use redgrid_core::time_limit::Mode;
use redgrid_store::console::WorkerPosition;
use redgrid_store::feeds::AlertRow;
use redgrid_store::{GridNode, StoreError, WorkerRecord};

use crate::scope::{self, covers_home_grid};
use crate::{station_audit, ApiError, EventView, Result, Station};

/// Who the station is.
#[derive(Debug, Clone, PartialEq)]
pub struct StationInfo {
    pub id: String,
    pub centre_name: String,
    pub township_code: String,
    pub township_name: String,
}

/// Whether the store answers.
#[derive(Debug, Clone, PartialEq)]
pub struct DatabaseHealth {
    /// Readable, and the last write (an act's or the probe's) succeeded.
    pub ok: bool,
    pub backend: &'static str,
    /// The file or host (never a password), or the error.
    pub detail: String,
    /// Opened for viewing only: every change is refused (`read_only`).
    pub read_only: bool,
    /// The last write that failed for the disk, until one succeeds again.
    pub failure: Option<redgrid_store::WriteFailure>,
    /// Free bytes on the SQLite file's disk.
    pub free_bytes: Option<u64>,
}

/// The station's state for the status bar (the broker's state is the running station's, not the store's).
#[derive(Debug, Clone, PartialEq)]
pub struct StationHealth {
    pub now: DateTime<Utc>,
    pub station: StationInfo,
    pub mode: Mode,
    pub mode_since: Option<DateTime<Utc>>,
    /// The response level in force, since when and by whom.
    pub level: crate::response::LevelView,
    /// The drill running or paused now: every station shows it.
    pub drill: Option<redgrid_store::drills::DrillRow>,
    pub database: DatabaseHealth,
    /// `(name, state, changed_at)` as [`redgrid_store::Store::nvr_states`].
    pub nvrs: Vec<(String, String, DateTime<Utc>)>,
    pub feed_head: i64,
}

/// Remembers when the mode last changed, so that the status bar's frequent refreshes do not search the
/// audit log each time; looked up again whenever the stored mode differs from the one remembered.
#[derive(Debug, Clone, Default)]
pub struct ModeSince(Arc<Mutex<Option<ModeSeen>>>);

/// A mode and when it began (`None`: never switched).
#[derive(Debug, Clone)]
struct ModeSeen {
    mode: String,
    since: Option<DateTime<Utc>>,
}

/// A worker found by search, with what the dispatch dialog shows.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerMatch {
    pub record: WorkerRecord,
    pub grid_name: Option<String>,
    pub on_shift: bool,
    pub active_tasks: i64,
}

/// A camera on the map.
#[derive(Debug, Clone, PartialEq)]
pub struct CameraPosition {
    pub id: String,
    pub name: String,
    pub nvr_name: String,
    pub grid_code: String,
    pub lon: f64,
    pub lat: f64,
    /// `None` when the station cannot tell which NVR serves the camera.
    pub online: Option<bool>,
}

/// Workers and cameras for the map.
#[derive(Debug, Clone, PartialEq)]
pub struct Positions {
    pub workers: Vec<WorkerPosition>,
    pub cameras: Vec<CameraPosition>,
}

/// A masked field the console may ask to see in plain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevealField {
    ResidentIdNumber,
    ResidentPhone,
    WorkerPhone,
    KeyPlacePhone,
}

impl RevealField {
    pub fn parse(key: &str) -> Option<RevealField> {
        match key {
            "resident.id_number" => Some(RevealField::ResidentIdNumber),
            "resident.phone" => Some(RevealField::ResidentPhone),
            "worker.phone" => Some(RevealField::WorkerPhone),
            "key_place.contact_phone" => Some(RevealField::KeyPlacePhone),
            _ => None,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            RevealField::ResidentIdNumber => "resident.id_number",
            RevealField::ResidentPhone => "resident.phone",
            RevealField::WorkerPhone => "worker.phone",
            RevealField::KeyPlacePhone => "key_place.contact_phone",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            RevealField::ResidentIdNumber => "居民身份证号",
            RevealField::ResidentPhone => "居民电话",
            RevealField::WorkerPhone => "网格员电话",
            RevealField::KeyPlacePhone => "重点场所联系电话",
        }
    }
}

/// The opaque handle of a resident for [`Station::reveal`]: the household and the resident's place in it
/// (by identity number), so that the identity number itself never has to leave the station.
pub fn resident_ref(household_id: &str, index: usize) -> String {
    format!("{household_id}#{index}")
}

/// The handle of every resident, in the order given.
pub fn resident_refs(residents: &[Resident]) -> Vec<String> {
    let mut by_household: HashMap<&str, Vec<&str>> = HashMap::new();
    for r in residents {
        by_household.entry(r.household_id.as_str()).or_default().push(r.id_number.as_str());
    }
    for ids in by_household.values_mut() {
        ids.sort_unstable();
    }
    residents
        .iter()
        .map(|r| {
            let ids = &by_household[r.household_id.as_str()];
            let index = ids.binary_search(&r.id_number.as_str()).unwrap_or_default();
            resident_ref(&r.household_id, index)
        })
        .collect()
}

impl Station {
    /// Events whatever their status, by number, words, grid and date (历史事件查询), newest first.
    pub async fn search_history(
        &self,
        query: &redgrid_store::history::HistoryQuery,
    ) -> Result<Vec<EventView>> {
        let now = self.now();
        let events = self.store().search_events(query, &self.scheme()).await?;
        Ok(events.into_iter().map(|e| self.view(e, now)).collect())
    }

    /// [`Station::search_history`] among the events in a data scope, in the query itself (so the limit
    /// counts only what may be shown).
    pub async fn search_history_in_scope(
        &self,
        scope: &DataScope,
        query: &redgrid_store::history::HistoryQuery,
    ) -> Result<Vec<EventView>> {
        match scope::limit_prefixes(scope, &query.grid_prefixes) {
            None => self.search_history(query).await,
            Some(prefixes) if prefixes.is_empty() => Ok(Vec::new()),
            Some(grid_prefixes) => {
                let query = redgrid_store::history::HistoryQuery { grid_prefixes, ..query.clone() };
                self.search_history(&query).await
            }
        }
    }

    /// The audit log by person, station, event and time, newest first: read by the roles the act table
    /// allows.
    pub async fn search_audit(
        &self,
        actor: &Actor,
        query: &redgrid_store::history::AuditQuery,
    ) -> Result<Vec<redgrid_store::AuditRecord>> {
        crate::allow(actor.role, StationAct::ViewAudit)?;
        Ok(self.store().search_audit(query).await?)
    }

    /// [`Station::search_audit`] for a session limited to `scope`: asking for an event outside it is
    /// `forbidden`, and the records of events outside it are left out (after the limit: a page may hold
    /// fewer). Records of no event (sign-ins, station acts) are the station's and stay.
    pub async fn search_audit_in_scope(
        &self,
        actor: &Actor,
        scope: &DataScope,
        query: &redgrid_store::history::AuditQuery,
    ) -> Result<Vec<redgrid_store::AuditRecord>> {
        crate::allow(actor.role, StationAct::ViewAudit)?;
        if scope.prefixes().is_none() {
            return self.search_audit(actor, query).await;
        }
        if let Some(id) = query.event_id {
            scope::check_event(scope, &self.event_alone(id).await?.stored.event)?;
        }
        let mut records = self.store().search_audit(query).await?;
        let mut ids: Vec<i64> = records.iter().filter_map(|r| r.entry.event_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let grids = self.store().event_grid_codes(&ids).await?;
        records.retain(|r| {
            r.entry.event_id.is_none_or(|id| grids.get(&id).is_some_and(|grid| scope.covers(grid)))
        });
        Ok(records)
    }

    /// An event logged by hand at the console (来电来访登记), by a role the act table allows.
    pub async fn report_by_hand(
        &self,
        actor: &Actor,
        new: redgrid_core::closed_loop::NewEvent,
    ) -> Result<EventView> {
        crate::allow(actor.role, StationAct::ReportEvent)?;
        self.report(actor, new).await
    }

    /// [`Station::report_by_hand`] for a session limited to `scope`: only on a grid inside it.
    pub async fn report_by_hand_in_scope(
        &self,
        actor: &Actor,
        scope: &DataScope,
        new: redgrid_core::closed_loop::NewEvent,
    ) -> Result<EventView> {
        if !scope.covers(new.grid.as_str()) {
            return Err(scope::grid_out_of_scope(new.grid.as_str()));
        }
        self.report_by_hand(actor, new).await
    }
}

/// How a phone call about an event went (联系结果).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactOutcome {
    Reached,
    NoAnswer,
    Unreachable,
    /// The number was copied for a call from another phone; the outcome is not known here.
    Copied,
}

impl ContactOutcome {
    pub const ALL: [ContactOutcome; 4] = [
        ContactOutcome::Reached,
        ContactOutcome::NoAnswer,
        ContactOutcome::Unreachable,
        ContactOutcome::Copied,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ContactOutcome::Reached => "reached",
            ContactOutcome::NoAnswer => "no_answer",
            ContactOutcome::Unreachable => "unreachable",
            ContactOutcome::Copied => "copied",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            ContactOutcome::Reached => "已接通",
            ContactOutcome::NoAnswer => "无人接听",
            ContactOutcome::Unreachable => "无法接通",
            ContactOutcome::Copied => "已复制号码拨打",
        }
    }

    pub fn parse(key: &str) -> Option<ContactOutcome> {
        ContactOutcome::ALL.into_iter().find(|o| o.key() == key)
    }
}

impl Station {
    /// Records a call made about an event (联系记录): on the event's own history, with a feed entry so the
    /// drawer shows it at once. No state changes.
    pub async fn log_contact(
        &self,
        actor: &Actor,
        event_id: i64,
        whom: &str,
        outcome: ContactOutcome,
        note: &str,
    ) -> Result<()> {
        crate::allow(actor.role, StationAct::LogContact)?;
        let whom = whom.trim();
        if whom.is_empty() {
            return Err(ApiError::Invalid("请填写联系的是谁".into()));
        }
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let event = tx.load_event(event_id, &self.scheme()).await?;
        let mut reason = format!("联系 {whom}：{}", outcome.name_zh());
        if !note.trim().is_empty() {
            reason.push_str(&format!("；{}", note.trim()));
        }
        let mut record = station_audit(actor, now, "contact", None, reason);
        record.event_id = Some(event_id);
        tx.append_audit(&record).await?;
        tx.append_feed(now, FeedEntity::Event, &event_id.to_string(), "contact", event.event.version).await?;
        tx.commit().await?;
        Ok(())
    }

    /// [`Station::log_contact`] for a session limited to `scope`: an event outside it is `forbidden`.
    pub async fn log_contact_in_scope(
        &self,
        actor: &Actor,
        scope: &DataScope,
        event_id: i64,
        whom: &str,
        outcome: ContactOutcome,
        note: &str,
    ) -> Result<()> {
        scope::check_event(scope, &self.event_alone(event_id).await?.stored.event)?;
        self.log_contact(actor, event_id, whom, outcome, note).await
    }
}

/// The audit log's command key as people read it: a closed-loop command's name, or the station act's.
pub fn command_name_zh(key: &str) -> String {
    if let Some(kind) = CommandKind::from_key(key) {
        return kind.name_zh().to_string();
    }
    match key {
        "switch_mode" => "平战切换",
        "sign_in" => "登录",
        "sign_out" => "退出登录",
        "handover" => "交接班",
        "reveal" => "查看明文",
        "alert_dismiss" => "排除告警",
        "alert_attach" => "附加告警",
        "import_divisions" => "导入区划",
        "import_grids" => "导入网格边界",
        "import_residents" => "导入居民",
        "import_places" => "导入重点场所",
        "import_workers" => "导入网格员",
        "seed" | "demo_seed" => "生成演示数据",
        "roster_plan" => "编制排班",
        "roster_edit" => "调整排班",
        "roster_replan" => "重新排班",
        "ack_limit" => "修改签收时限",
        "calendar" => "修改工作日历",
        "contact" => "联系记录",
        "camera_mute" => "静默摄像头",
        "camera_unmute" => "解除静默",
        "zero_report" => "零报告",
        "zero_report_remind" => "零报告催报",
        other => other,
    }
    .to_string()
}

/// The source of an event logged at the desk: a phone call or walk-in, or a hotline transfer — and, in the
/// drill queue, the drill source every drill event must carry.
pub fn hand_logged_source(key: &str, drill: bool) -> Result<Source> {
    match (key, drill) {
        ("drill", true) => Ok(Source::Drill),
        ("by_hand", false) => Ok(Source::ByHand),
        ("hotline", false) => Ok(Source::Hotline),
        (_, true) => Err(ApiError::Invalid("演练事件的来源只能是“演练”".into())),
        (other, false) => {
            Err(ApiError::Invalid(format!("指挥台只能登记来电来访或热线转办，而不是“{other}”")))
        }
    }
}

/// The commands a role may take on an event now: those the closed loop's table admits for the role and
/// the status, less approve/deny with nothing pending and a new request while one is pending. Terminal
/// commands (acknowledge, arrive) and report are never offered at the console.
pub fn allowed_commands(event: &Event, role: Role) -> Vec<CommandKind> {
    CommandKind::ALL
        .into_iter()
        .filter(|kind| !matches!(kind, CommandKind::Report | CommandKind::Acknowledge | CommandKind::Arrive))
        .filter(|kind| {
            let rule = closed_loop::rule(*kind);
            rule.roles.contains(&role) && rule.from.is_some_and(|from| from.contains(&event.status))
        })
        .filter(|kind| match kind {
            CommandKind::Approve | CommandKind::Deny => event.pending.is_some(),
            CommandKind::RequestEscalation
            | CommandKind::RequestExtension
            | CommandKind::RequestPark
            | CommandKind::RequestUnpark => event.pending.is_none(),
            _ => true,
        })
        .collect()
}

/// A database URL without its password.
fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let (authority, tail) = rest.split_once('/').map_or((rest, ""), |(a, t)| (a, t));
    let authority = match authority.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info.split(':').next().unwrap_or_default();
            format!("{user}@{host}")
        }
        None => authority.to_string(),
    };
    let tail = tail.split('?').next().unwrap_or_default();
    if tail.is_empty() && !rest.contains('/') {
        format!("{scheme}://{authority}")
    } else {
        format!("{scheme}://{authority}/{tail}")
    }
}

impl Station {
    /// Who the station is: the township from the `township` setting (or the top of the grid tree), the
    /// centre's name from `centre_name` (or the township's 综治中心).
    pub async fn station_info(&self) -> Result<StationInfo> {
        let store = self.store();
        let root = store.grid_tree(0).await?.into_iter().next();
        let township_code = match store.setting("township").await? {
            Some(code) => code,
            None => root.as_ref().map(|n| n.code.clone()).unwrap_or_default(),
        };
        let township_name = match store.grid_node(&township_code).await? {
            Some(node) => node.name,
            None => root.map(|n| n.name).unwrap_or_default(),
        };
        let centre_name = match store.setting("centre_name").await? {
            Some(name) if !name.trim().is_empty() => name,
            _ if township_name.is_empty() => "综治中心".to_string(),
            _ => format!("{township_name}综治中心"),
        };
        Ok(StationInfo { id: self.station_id().to_string(), centre_name, township_code, township_name })
    }

    /// The station's health. Never fails for a database that does not answer: that is what it reports.
    pub async fn health(&self, mode_since: &ModeSince) -> StationHealth {
        let now = self.now();
        let store = self.store();
        let backend = store.backend().name();
        let probe = async {
            let feed_head = store.feed_head().await?;
            let station = self.station_info().await?;
            let mode = store.setting("mode").await?.and_then(|m| Mode::from_key(&m)).unwrap_or(self.mode());
            let nvrs = store.nvr_states().await?;
            let cached = mode_since.0.lock().expect("mode cache lock").clone();
            let since = match cached {
                Some(seen) if seen.mode == mode.key() => seen.since,
                _ => {
                    let since = store.latest_audit_of("switch_mode").await?.map(|r| r.entry.at);
                    *mode_since.0.lock().expect("mode cache lock") =
                        Some(ModeSeen { mode: mode.key().to_string(), since });
                    since
                }
            };
            let level = self.level_view().await?;
            let drill = store.live_drill().await?;
            Ok::<_, ApiError>((feed_head, station, mode, since, nvrs, level, drill))
        };
        let storage = store.storage_health().await;
        match probe.await {
            Ok((feed_head, station, mode, since, nvrs, level, drill)) => StationHealth {
                now,
                station,
                mode,
                mode_since: since,
                level,
                drill,
                database: DatabaseHealth {
                    ok: storage.failure.is_none(),
                    backend,
                    detail: redact_url(store.url()),
                    read_only: storage.read_only,
                    failure: storage.failure,
                    free_bytes: storage.free_bytes,
                },
                nvrs,
                feed_head,
            },
            Err(error) => StationHealth {
                now,
                station: StationInfo {
                    id: self.station_id().to_string(),
                    centre_name: "综治中心".into(),
                    township_code: String::new(),
                    township_name: String::new(),
                },
                mode: self.mode(),
                mode_since: None,
                level: crate::response::LevelView { level: self.level(), since: None, by: None },
                drill: None,
                database: DatabaseHealth {
                    ok: false,
                    backend,
                    detail: error.to_string(),
                    read_only: storage.read_only,
                    failure: storage.failure,
                    free_bytes: storage.free_bytes,
                },
                nvrs: Vec::new(),
                feed_head: 0,
            },
        }
    }

    /// The current rows of some events, open or not; unknown ids are left out.
    pub async fn events_by_ids(&self, ids: &[i64]) -> Result<Vec<EventView>> {
        let mut views = Vec::with_capacity(ids.len());
        for &id in ids {
            match self.event_alone(id).await {
                Ok(view) => views.push(view),
                Err(ApiError::Store(StoreError::EventNotFound(_))) => {}
                Err(error) => return Err(error),
            }
        }
        self.with_unacknowledged(views).await
    }

    /// [`Station::events_by_ids`] limited to a data scope: the events outside it are left out, like
    /// unknown ids.
    pub async fn events_by_ids_in_scope(&self, scope: &DataScope, ids: &[i64]) -> Result<Vec<EventView>> {
        let mut views = Vec::with_capacity(ids.len());
        for &id in ids {
            match self.event_alone(id).await {
                Ok(view) if scope.covers(view.stored.event.grid.as_str()) => views.push(view),
                Ok(_) | Err(ApiError::Store(StoreError::EventNotFound(_))) => {}
                Err(error) => return Err(error),
            }
        }
        self.with_unacknowledged(views).await
    }

    /// The camera alerts turned into or attached to an event.
    pub async fn alerts_of_event(&self, event_id: i64) -> Result<Vec<AlertRow>> {
        let ids = self.store().alert_ids_of_event(event_id).await?;
        Ok(self.store().alerts_by_ids(&ids).await?)
    }

    /// The grids above `code`, the township first.
    pub async fn grid_path(&self, code: &str) -> Result<Vec<GridNode>> {
        let mut path = Vec::new();
        let mut next = self.store().grid_node(code).await?.and_then(|n| n.parent_code);
        while let Some(parent) = next {
            let Some(node) = self.store().grid_node(&parent).await? else { break };
            next = node.parent_code.clone();
            path.push(node);
        }
        path.reverse();
        Ok(path)
    }

    /// Workers (all, or those named) and cameras for the map. A camera is online when its NVR is; with
    /// several NVRs and no record of which serves which camera, that is only known when all agree.
    pub async fn positions(&self, worker_ids: Option<&[String]>) -> Result<Positions> {
        let workers = self.store().worker_positions(worker_ids).await?;
        if worker_ids.is_some() {
            return Ok(Positions { workers, cameras: Vec::new() });
        }
        let nvrs = self.store().nvr_states().await?;
        let online = if nvrs.is_empty() {
            None
        } else if nvrs.iter().all(|(_, state, _)| state == "online") {
            Some(true)
        } else if nvrs.len() == 1 || nvrs.iter().all(|(_, state, _)| state != "online") {
            Some(false)
        } else {
            None
        };
        let cameras = self
            .store()
            .cameras(&self.scheme())
            .await?
            .into_iter()
            .map(|c| CameraPosition {
                grid_code: c.grid.to_string(),
                id: c.id,
                name: c.name,
                nvr_name: c.nvr_name,
                lon: c.lon,
                lat: c.lat,
                online,
            })
            .collect();
        Ok(Positions { workers, cameras })
    }

    /// [`Station::positions`] limited to a data scope: the workers whose home grid is in it and the
    /// cameras on its grids.
    pub async fn positions_in_scope(
        &self,
        scope: &DataScope,
        worker_ids: Option<&[String]>,
    ) -> Result<Positions> {
        let mut positions = self.positions(worker_ids).await?;
        if scope.prefixes().is_some() {
            positions.workers.retain(|w| covers_home_grid(scope, &w.home_grid));
            positions.cameras.retain(|c| scope.covers(&c.grid_code));
        }
        Ok(positions)
    }

    /// Workers by name, id, whole phone number (never a tail: phones are shown masked) or home grid, for a
    /// dispatch that overrides the ranking.
    pub async fn search_workers(&self, query: &str, limit: i64) -> Result<Vec<WorkerMatch>> {
        self.search_workers_in_scope(&DataScope::Township, query, limit).await
    }

    /// [`Station::search_workers`] among the workers whose home grid is in a data scope, in the query
    /// itself (so the limit counts only what may be shown).
    pub async fn search_workers_in_scope(
        &self,
        scope: &DataScope,
        query: &str,
        limit: i64,
    ) -> Result<Vec<WorkerMatch>> {
        let limit = limit.clamp(1, 100);
        let ids = match scope.prefixes() {
            None => self.store().search_worker_ids(query, limit).await?,
            Some(prefixes) => self.store().search_worker_ids_under(query, prefixes, limit).await?,
        };
        let mut found = self.workers_for_dispatch(&ids).await?;
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }

    /// Named workers with their shift, load and home grid's name, as the dispatch dialog shows them.
    pub async fn workers_for_dispatch(&self, ids: &[String]) -> Result<HashMap<String, WorkerMatch>> {
        let store = self.store();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let now = self.now();
        let roster = store.roster_covering(redgrid_core::time::local_date(now)).await?.is_some();
        let on_shift: HashSet<String> =
            if roster { store.workers_on_shift(now).await?.into_iter().collect() } else { HashSet::new() };
        let loads: HashMap<String, WorkerPosition> =
            store.worker_positions(Some(ids)).await?.into_iter().map(|p| (p.id.clone(), p)).collect();
        let scheme = self.scheme();
        let mut found = HashMap::with_capacity(ids.len());
        for id in ids {
            let Some(record) = store.worker(id, &scheme).await? else { continue };
            let position = loads.get(id);
            let grid_name = match position {
                Some(p) => store.grid_node(&p.home_grid).await?.map(|n| n.name),
                None => None,
            };
            let found_worker = WorkerMatch {
                on_shift: if roster { on_shift.contains(id) } else { record.on_duty },
                active_tasks: position.map_or(0, |p| p.active_tasks),
                grid_name,
                record,
            };
            found.insert(id.clone(), found_worker);
        }
        Ok(found)
    }

    /// [`Station::reveal`] for a session limited to `scope`: a resident's household, a worker's home grid
    /// or a key place outside it is `forbidden`, before anything is read or recorded.
    pub async fn reveal_in_scope(
        &self,
        actor: &Actor,
        scope: &DataScope,
        field: RevealField,
        reference: &str,
        reason: &str,
    ) -> Result<String> {
        if scope.prefixes().is_some() {
            let store = self.store();
            let grid = match field {
                RevealField::ResidentIdNumber | RevealField::ResidentPhone => {
                    match reference.rsplit_once('#') {
                        Some((household, _)) => store.household_grid(household).await?,
                        None => None,
                    }
                }
                RevealField::WorkerPhone => {
                    store.worker_home_grids(&[reference.to_string()]).await?.remove(reference)
                }
                RevealField::KeyPlacePhone => store.key_place_grid(reference).await?,
            };
            // A reference to nothing is left to `reveal`, which says so.
            if let Some(grid) = grid.filter(|g| !covers_home_grid(scope, g)) {
                return Err(scope::grid_out_of_scope(&grid));
            }
        }
        self.reveal(actor, field, reference, reason).await
    }

    /// The plain value behind a masked number. Reading it and its audit record (who, which field, whose,
    /// why) are one transaction: there is no reading without the record.
    pub async fn reveal(
        &self,
        actor: &Actor,
        field: RevealField,
        reference: &str,
        reason: &str,
    ) -> Result<String> {
        if !acts::may(actor.role, StationAct::Reveal) {
            return Err(ApiError::Forbidden(format!(
                "{}无权查看{}明文",
                actor.role.name_zh(),
                field.name_zh()
            )));
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(ApiError::Invalid("查看明文必须填写事由".into()));
        }
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let value = match field {
            RevealField::ResidentIdNumber | RevealField::ResidentPhone => {
                let (household, index) = reference
                    .rsplit_once('#')
                    .and_then(|(h, i)| Some((h, i.parse::<usize>().ok()?)))
                    .ok_or_else(|| ApiError::Invalid(format!("无效的居民标识：{reference}")))?;
                tx.household_numbers(household).await?.into_iter().nth(index).map(|(id_number, phone)| {
                    if field == RevealField::ResidentIdNumber {
                        id_number
                    } else {
                        phone
                    }
                })
            }
            RevealField::WorkerPhone => tx.worker_phone(reference).await?,
            RevealField::KeyPlacePhone => tx.key_place_phone(reference).await?,
        };
        let value = value.ok_or_else(|| ApiError::Invalid(format!("找不到要查看的记录：{reference}")))?;
        let whose = match (field, reference.rsplit_once('#')) {
            (RevealField::ResidentIdNumber | RevealField::ResidentPhone, Some((household, index))) => {
                format!("户 {household} 第 {} 人", index.parse::<usize>().map_or(0, |i| i + 1))
            }
            (RevealField::WorkerPhone, _) => format!("网格员 {reference}"),
            (RevealField::KeyPlacePhone, _) => format!("重点场所 {reference}"),
            _ => reference.to_string(),
        };
        let record = format!("查看{}（{whose}）：{reason}", field.name_zh());
        tx.append_audit(&station_audit(actor, now, "reveal", None, record)).await?;
        tx.commit().await?;
        tracing::info!(actor = %actor.id, field = field.key(), reference, "masked value revealed");
        Ok(value)
    }
}

/// Names of grids by code, remembered: the queue names the grid and village of thousands of events, and
/// grids change only by import (a `register` feed entry, after which the caller clears it).
#[derive(Debug, Clone, Default)]
pub struct GridNames(Arc<Mutex<HashMap<String, Option<String>>>>);

impl GridNames {
    /// The names of these codes (`None` for a code with no grid).
    pub async fn names(&self, station: &Station, codes: &[&str]) -> Result<HashMap<String, Option<String>>> {
        let missing: Vec<String> = {
            let known = self.0.lock().expect("grid names lock");
            let mut missing: Vec<String> =
                codes.iter().filter(|c| !known.contains_key(**c)).map(|c| c.to_string()).collect();
            missing.sort_unstable();
            missing.dedup();
            missing
        };
        let named: HashMap<String, String> = if missing.is_empty() {
            HashMap::new()
        } else {
            station.store().grid_names(&missing).await?.into_iter().collect()
        };
        let mut known = self.0.lock().expect("grid names lock");
        // A code with no grid is remembered as unnamed, so that it is not asked for again.
        for code in missing {
            let name = named.get(&code).cloned();
            known.insert(code, name);
        }
        Ok(codes.iter().map(|c| (c.to_string(), known.get(*c).cloned().flatten())).collect())
    }

    pub fn clear(&self) {
        self.0.lock().expect("grid names lock").clear();
    }
}

impl Station {
    /// The name of whoever an audit record or request names by id: a console account or a worker.
    pub async fn person_name(&self, id: &str) -> Result<String> {
        if let Some(account) = self.store().account(id).await? {
            return Ok(account.name);
        }
        if let Some(worker) = self.store().worker(id, &self.scheme()).await? {
            return Ok(worker.worker.name);
        }
        Ok(id.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_url_loses_its_password_and_options() {
        // The status bar shows the detail; a PostgreSQL password must never reach the screen.
        assert_eq!(
            redact_url("postgres://rg:secret@db.local:5432/redgrid?sslmode=require"),
            "postgres://rg@db.local:5432/redgrid"
        );
        assert_eq!(
            redact_url("sqlite:///var/lib/redgrid/redgrid.db?mode=rwc"),
            "sqlite:///var/lib/redgrid/redgrid.db"
        );
    }
}
