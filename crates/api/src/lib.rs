//! The RedGrid application facade: the one way the desktop shell, the CLI and the tests act on a station.
//!
//! A short tour:
//! - [`Station`]: a store plus the rules in force (level scheme, time limits, calendar, mode) and a
//!   [`Clock`]. Every command takes an [`Actor`], is checked by the core's closed loop, and is applied in
//!   one transaction with its audit record and change-feed entry.
//! - [`serve`]: the running station (broker, ingest, outbox, watchdog, feed follower).
//! - [`session`] and [`handover`]: the seat at a workstation and the shift.
//! - [`import`]: divisions, grid boundaries and the registers from CSV, XLSX and GeoJSON.
//! - [`error`]: the one error shape callers see.
//!
//! The demo township, the city seed and the simulator are the data factory's, in `redgrid-demo`.

pub mod accounts;
pub mod backup;
pub mod calendar;
pub mod callup;
pub mod console;
pub mod dispatch;
pub mod divisions;
pub mod drill;
pub mod drill_run;
pub mod error;
pub mod follow;
pub mod handover;
pub mod import;
pub mod ingest;
pub mod init;
pub mod period;
pub mod response;
pub mod roster;
pub mod roster_desk;
pub mod scope;
pub mod serve;
pub mod session;
pub mod settings;
pub mod terminal;
pub mod triage;
pub mod zero_report;

use redgrid_store::FeedEntity;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use redgrid_core::account::DataScope;
use redgrid_core::acts::{self, StationAct};
use redgrid_core::closed_loop::{self, Actor, Command, LoopContext, MergeTarget, NewEvent, Transition};
use redgrid_core::grid::LevelScheme;
use redgrid_core::response::{ResponseLadder, ResponseLevel};
use redgrid_core::stats::StatsReport;
use redgrid_core::time::Month;
use redgrid_core::time_limit::{Mode, TimeLimitPolicy, WorkCalendar};
use redgrid_store::{AuditEntry, AuditRecord, QueueFilter, QueuePage, Store, StoredEvent, WriteTx};

pub use accounts::{AccountView, DEMO_MARKER, DEMO_PASSWORD};
pub use error::ApiError;
pub use redgrid_store as store;

pub type Result<T, E = ApiError> = std::result::Result<T, E>;

/// Where the station reads the time. The core never reads the clock; the facade reads it here once per
/// command, so that tests can fix it.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until moved; for tests and for replaying history.
#[derive(Debug)]
pub struct FixedClock(RwLock<DateTime<Utc>>);

impl FixedClock {
    pub fn new(at: DateTime<Utc>) -> FixedClock {
        FixedClock(RwLock::new(at))
    }
    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.write().expect("clock lock") = at;
    }
    pub fn advance(&self, by: chrono::Duration) {
        *self.0.write().expect("clock lock") += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.read().expect("clock lock")
    }
}

/// How a station identifies itself in audit records, and the MQTT topics it listens to.
#[derive(Debug, Clone)]
pub struct StationConfig {
    pub station_id: String,
    pub topics: redgrid_bus::topics::Topics,
}

impl Default for StationConfig {
    fn default() -> Self {
        StationConfig { station_id: "station-1".into(), topics: redgrid_bus::topics::Topics::default() }
    }
}

/// The rules in force, re-read after the settings change.
#[derive(Debug, Clone)]
pub(crate) struct Rules {
    scheme: LevelScheme,
    policy: TimeLimitPolicy,
    calendar: WorkCalendar,
    /// The binary mode old readers know: the level's `legacy_mode`.
    mode: Mode,
    ladder: ResponseLadder,
    /// The response level in force; steps that start now get its pace.
    level: ResponseLevel,
}

/// A station: cheap to clone; every clone shares the store and the rules.
#[derive(Debug, Clone)]
pub struct Station {
    store: Store,
    clock: Arc<dyn Clock>,
    config: StationConfig,
    /// A std lock: it is held only to copy the rules out, never across an await.
    rules: Arc<RwLock<Rules>>,
    /// Woken after a commit that may have queued outbox messages, so that tasks leave at once rather
    /// than at the publisher's next poll.
    outbox_wake: Arc<tokio::sync::Notify>,
    /// Grid names remembered for the views; forgotten by the feed follower when the grids change.
    grid_names: console::GridNames,
    /// How many times each account was changed by an administrator since this station started: a session
    /// opened before the latest change (a disable, a new role or scope, a reset) is over.
    account_epochs: Arc<std::sync::Mutex<std::collections::HashMap<String, u64>>>,
    /// The broker this station runs itself (the single-station default), to reload its logins.
    managed: Arc<std::sync::Mutex<Option<Arc<terminal::ManagedHandle>>>>,
}

/// An event with what the console shows of it beyond the core state.
#[derive(Debug, Clone)]
pub struct EventView {
    pub stored: StoredEvent,
    pub overdue: bool,
    /// Seconds left on the current step, negative when overdue.
    pub seconds_left: Option<i64>,
    /// Workers still on the event who let their task's acknowledgement limit pass (未签收超时). Filled by
    /// the reads the console shows (`queue`, `event`, `events_by_ids`); empty after a command.
    pub unacknowledged: Vec<Unacknowledged>,
}

/// A task sent to a worker who has not acknowledged it within the limit.
#[derive(Debug, Clone, PartialEq)]
pub struct Unacknowledged {
    pub task_id: String,
    pub worker_id: String,
    pub worker_name: String,
    pub dispatched_at: DateTime<Utc>,
    pub ack_due_at: DateTime<Utc>,
}

impl Station {
    /// Opens the store at `url` and reads the rules stored with it.
    pub async fn open(url: &str, config: StationConfig, clock: Arc<dyn Clock>) -> Result<Station> {
        let store = Store::open(url).await?;
        Station::with_store(store, config, clock).await
    }

    pub async fn with_store(store: Store, config: StationConfig, clock: Arc<dyn Clock>) -> Result<Station> {
        let rules = load_rules(&store).await?;
        Ok(Station {
            store,
            clock,
            config,
            rules: Arc::new(RwLock::new(rules)),
            outbox_wake: Arc::new(tokio::sync::Notify::new()),
            grid_names: console::GridNames::default(),
            account_epochs: Arc::default(),
            managed: Arc::default(),
        })
    }

    /// Grid names by code, remembered across calls (see [`console::GridNames`]).
    pub fn grid_names(&self) -> &console::GridNames {
        &self.grid_names
    }

    /// Re-reads the scheme, time limits, calendar and mode from the store.
    pub async fn reload_rules(&self) -> Result<()> {
        let rules = load_rules(&self.store).await?;
        *self.rules.write().expect("rules lock") = rules;
        Ok(())
    }

    /// Resolves when a commit may have queued messages to publish.
    pub async fn outbox_woken(&self) {
        self.outbox_wake.notified().await
    }

    pub(crate) fn wake_outbox(&self) {
        self.outbox_wake.notify_one();
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// An administrator changed `account` (here, or on another station: the feed follower says so).
    pub fn note_account_changed(&self, account: &str) {
        *self.account_epochs.lock().expect("account epochs lock").entry(account.to_string()).or_default() +=
            1;
    }

    pub(crate) fn account_epoch(&self, account: &str) -> u64 {
        self.account_epochs.lock().expect("account epochs lock").get(account).copied().unwrap_or(0)
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn station_id(&self) -> &str {
        &self.config.station_id
    }

    pub fn scheme(&self) -> LevelScheme {
        self.rules.read().expect("rules lock").scheme.clone()
    }

    pub fn mode(&self) -> Mode {
        self.rules.read().expect("rules lock").mode
    }

    pub(crate) fn rules(&self) -> Rules {
        self.rules.read().expect("rules lock").clone()
    }

    pub(crate) fn view(&self, stored: StoredEvent, now: DateTime<Utc>) -> EventView {
        let seconds_left = stored.event.due_at.map(|due| (due - now).num_seconds());
        EventView { overdue: stored.event.is_overdue(now), seconds_left, stored, unacknowledged: Vec::new() }
    }

    /// Fills in the tasks gone unacknowledged, in one read for all the views. A worker the event no
    /// longer lists (replaced by 改派) is no longer waited for.
    pub(crate) async fn with_unacknowledged(&self, mut views: Vec<EventView>) -> Result<Vec<EventView>> {
        if views.iter().all(|v| v.stored.event.tasks.is_empty()) {
            return Ok(views);
        }
        let mut late = self.store.unacknowledged_tasks().await?;
        if late.is_empty() {
            return Ok(views);
        }
        for view in &mut views {
            let event = &view.stored.event;
            view.unacknowledged = late
                .iter_mut()
                .filter(|(t, _)| {
                    t.event_id == event.id && event.tasks.iter().any(|x| x.worker_id == t.worker_id)
                })
                .map(|(t, name)| Unacknowledged {
                    task_id: t.task_id.clone(),
                    worker_id: t.worker_id.clone(),
                    worker_name: std::mem::take(name),
                    dispatched_at: t.dispatched_at,
                    ack_due_at: t.ack_due_at,
                })
                .collect();
        }
        Ok(views)
    }

    /// Reports a new event (上报): from a terminal, a resident, a camera alert, a drill, or logged by hand
    /// from a phone call or walk-in.
    pub async fn report(&self, actor: &Actor, new: NewEvent) -> Result<EventView> {
        let now = self.clock.now();
        let mut tx = self.store.begin_write().await?;
        let (drill, grid) = (new.drill, new.grid.to_string());
        let id = self.report_in(&mut tx, actor, new, now).await?;
        if drill {
            // The call a drill's hotline inject stands for, logged by the officer: linked to the inject.
            self.link_hotline(&mut tx, &grid, id).await?;
        }
        tx.commit().await?;
        tracing::info!(event = id, actor = %actor.id, "event reported");
        let stored = self.store.load_event(id, &self.scheme()).await?;
        Ok(self.view(stored, now))
    }

    /// Reports inside a caller's transaction (ingest batches several messages in one); returns the id.
    pub(crate) async fn report_in(
        &self,
        tx: &mut WriteTx,
        actor: &Actor,
        new: NewEvent,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let rules = self.rules();
        let ctx = LoopContext {
            policy: &rules.policy,
            calendar: &rules.calendar,
            pace: rules.level.pace(),
            worker_names: &[],
        };
        let mut transition = closed_loop::report(new, actor, now, &ctx)?;
        if self.store.grid_node(transition.event.grid.as_str()).await?.is_none() {
            return Err(ApiError::UnknownGrid(transition.event.grid.to_string()));
        }
        let id = tx.insert_event(&transition.event, &rules.scheme, &actor.name).await?;
        transition.event.id = id;
        self.record(tx, actor, &transition, now).await?;
        Ok(id)
    }

    /// Applies a closed-loop command (accept, reject, merge, dispatch, acknowledge, arrive, feedback,
    /// verify, send back, close, reopen, the escalation, extension and park requests and their approval,
    /// void, remind, supervise). `expected_version` is the version the actor saw; a newer stored version
    /// is a conflict naming who changed it, never a silent overwrite.
    pub async fn act(
        &self,
        actor: &Actor,
        event_id: i64,
        expected_version: Option<i64>,
        command: Command,
    ) -> Result<EventView> {
        self.act_in_scope(actor, &DataScope::Township, event_id, expected_version, command).await
    }

    /// [`Station::act`] for a console session limited to `scope`: refused (`forbidden`) for an event
    /// outside it, and for a merge into, a placing on or a dispatch of anything outside it; checked under
    /// the write lock, so the event cannot move between the check and the act.
    pub async fn act_in_scope(
        &self,
        actor: &Actor,
        scope: &DataScope,
        event_id: i64,
        expected_version: Option<i64>,
        command: Command,
    ) -> Result<EventView> {
        let now = self.clock.now();
        let mut tx = self.store.begin_write().await?;
        self.check_command_in_scope(&mut tx, scope, event_id, &command).await?;
        let transition = self.act_in(&mut tx, actor, event_id, expected_version, command, None, now).await?;
        tx.commit().await?;
        self.outbox_wake.notify_one();
        tracing::info!(
            event = event_id,
            actor = %actor.id,
            command = transition.command.key(),
            to = transition.to.key(),
            "event changed"
        );
        Ok(self.view(
            StoredEvent { event: transition.event, updated_at: now, updated_by: actor.name.clone() },
            now,
        ))
    }

    /// Applies a command inside a caller's transaction. Everything that can refuse is decided before the
    /// first write, so a refusal leaves the transaction usable for the caller's other work.
    // Eight, because a command inside a caller's transaction needs each of them: the transaction, who,
    // which event at which version, what, the override being recorded, and when.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn act_in(
        &self,
        tx: &mut WriteTx,
        actor: &Actor,
        event_id: i64,
        expected_version: Option<i64>,
        command: Command,
        override_note: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Transition> {
        let rules = self.rules();
        let current = tx.load_event(event_id, &rules.scheme).await?;
        if let Some(expected) = expected_version {
            if expected != current.event.version {
                return Err(ApiError::Store(redgrid_store::StoreError::Conflict {
                    id: event_id,
                    expected,
                    current: current.event.version,
                    by: current.updated_by,
                }));
            }
        }
        let command = match command {
            Command::Merge { into, reason } => {
                let target = tx.load_event(into.id, &rules.scheme).await?;
                Command::Merge { into: MergeTarget { id: into.id, status: target.event.status }, reason }
            }
            other => other,
        };
        // Dispatched workers by name in the audit trail: 「派遣：韦建国（W1010012）」 reads at a glance.
        let mut worker_names: Vec<(String, String)> = Vec::new();
        if let Command::Dispatch { workers, .. } = &command {
            for worker in workers {
                match self.store.worker(worker, &rules.scheme).await? {
                    Some(record) => worker_names.push((worker.clone(), record.worker.name)),
                    None => return Err(ApiError::Invalid(format!("网格员 {worker} 不存在，无法派遣"))),
                }
            }
        }
        let ctx = LoopContext {
            policy: &rules.policy,
            calendar: &rules.calendar,
            pace: rules.level.pace(),
            worker_names: &worker_names,
        };
        let kind = command.kind();
        let (note, on_behalf_of) = match &command {
            Command::Dispatch { note, .. } | Command::Remind { note } | Command::Supervise { note } => {
                (note.clone(), None)
            }
            Command::Feedback { on_behalf_of, .. } => (String::new(), on_behalf_of.clone()),
            _ => (String::new(), None),
        };
        let transition = closed_loop::apply(&current.event, command, actor, now, &ctx).inspect_err(|rejection| {
            tracing::warn!(event = event_id, actor = %actor.id, command = kind.key(), %rejection, "command rejected");
        })?;
        tx.update_event(
            &current.event,
            &transition.event,
            current.event.version,
            &rules.scheme,
            now,
            &actor.name,
        )
        .await?;
        self.record(tx, actor, &transition, now).await?;
        let extra = dispatch::Extra { note: &note, on_behalf_of: on_behalf_of.as_deref(), override_note };
        self.after_transition(tx, actor, &transition, extra, now).await?;
        Ok(transition)
    }

    async fn record(
        &self,
        tx: &mut WriteTx,
        actor: &Actor,
        transition: &Transition,
        now: DateTime<Utc>,
    ) -> Result<()> {
        tx.append_audit(&audit_entry(actor, transition, now)).await?;
        let change = transition.command.key();
        tx.append_feed(
            now,
            FeedEntity::Event,
            &transition.event.id.to_string(),
            change,
            transition.event.version,
        )
        .await?;
        Ok(())
    }

    /// Switches peacetime ⇄ wartime (平战切换): a leader's act, with a reason, audited.
    /// The binary switch of older callers: peacetime is the ladder's base level, wartime its highest.
    pub async fn switch_mode(&self, actor: &Actor, mode: Mode, reason: &str) -> Result<()> {
        let key = self.rules().ladder.for_mode(mode).key.clone();
        self.set_level(actor, &key, reason).await.map(|_| ())
    }

    /// The open queue, most urgent first.
    pub async fn queue(
        &self,
        filter: &QueueFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<EventView>, i64)> {
        let now = self.clock.now();
        let QueuePage { events, total } =
            self.store.open_queue(filter, offset, limit, &self.scheme()).await?;
        let views = events.into_iter().map(|e| self.view(e, now)).collect();
        Ok((self.with_unacknowledged(views).await?, total))
    }

    /// [`Station::queue`] limited to a data scope: only events at or below the scope's grids, in the
    /// query itself, so the page and the count agree.
    pub async fn queue_in_scope(
        &self,
        scope: &DataScope,
        filter: &QueueFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<EventView>, i64)> {
        match scope::limit_prefixes(scope, &filter.grid_prefixes) {
            None => self.queue(filter, offset, limit).await,
            Some(prefixes) if prefixes.is_empty() => Ok((Vec::new(), 0)),
            Some(grid_prefixes) => {
                let filter = QueueFilter { grid_prefixes, ..filter.clone() };
                self.queue(&filter, offset, limit).await
            }
        }
    }

    pub async fn event(&self, id: i64) -> Result<EventView> {
        let view = self.event_alone(id).await?;
        Ok(self.with_unacknowledged(vec![view]).await?.remove(0))
    }

    /// [`Station::event`] for a session limited to `scope`: an event outside it is `forbidden`.
    pub async fn event_in_scope(&self, scope: &DataScope, id: i64) -> Result<EventView> {
        let view = self.event_alone(id).await?;
        scope::check_event(scope, &view.stored.event)?;
        Ok(self.with_unacknowledged(vec![view]).await?.remove(0))
    }

    /// The event without its unacknowledged tasks, for reads that fill those in for many at once.
    pub(crate) async fn event_alone(&self, id: i64) -> Result<EventView> {
        let stored = self.store.load_event(id, &self.scheme()).await?;
        Ok(self.view(stored, self.clock.now()))
    }

    /// An event's full history from the audit log.
    pub async fn history(&self, id: i64) -> Result<Vec<AuditRecord>> {
        Ok(self.store.event_history(id).await?)
    }

    /// A grid and everything under it down to `max_depth`, parents before children: the grids an event
    /// can be placed on within a village, below the depth the map loads.
    pub async fn grid_subtree(&self, root: &str, max_depth: i64) -> Result<Vec<redgrid_store::GridNode>> {
        Ok(self.store.grid_subtree(root, max_depth).await?)
    }

    /// [`Station::grid_subtree`] for a session limited to `scope`: a root outside it and above none of it
    /// is `forbidden`; under it only the grids in the scope or on the way to it.
    pub async fn grid_subtree_in_scope(
        &self,
        scope: &DataScope,
        root: &str,
        max_depth: i64,
    ) -> Result<Vec<redgrid_store::GridNode>> {
        if !scope.reaches(root) {
            return Err(scope::grid_out_of_scope(root));
        }
        let mut nodes = self.store.grid_subtree(root, max_depth).await?;
        nodes.retain(|n| scope.reaches(&n.code));
        Ok(nodes)
    }

    /// The grid tree down to `max_depth` (0 = township), parents before children.
    pub async fn grid_tree(&self, max_depth: i64) -> Result<Vec<redgrid_store::GridNode>> {
        Ok(self.store.grid_tree(max_depth).await?)
    }

    /// [`Station::grid_tree`] limited to a data scope: its grids and the grids above them, which the map
    /// needs to draw the way down to them.
    pub async fn grid_tree_in_scope(
        &self,
        scope: &DataScope,
        max_depth: i64,
    ) -> Result<Vec<redgrid_store::GridNode>> {
        let mut nodes = self.store.grid_tree(max_depth).await?;
        nodes.retain(|n| scope.reaches(&n.code));
        Ok(nodes)
    }

    /// The boundaries of the grids at one depth (code, kind, name, GeoJSON) limited to a data scope, as
    /// [`Station::grid_tree_in_scope`] limits the tree.
    pub async fn grid_boundaries_in_scope(
        &self,
        scope: &DataScope,
        depth: i64,
    ) -> Result<Vec<(String, String, String, String)>> {
        let mut rows = self.store.grid_boundaries_at(depth).await?;
        rows.retain(|(code, ..)| scope.reaches(code));
        Ok(rows)
    }

    /// The four registers of a grid and everything below it.
    pub async fn registers(&self, code: &str) -> Result<redgrid_store::Registers> {
        self.registers_in_scope(&DataScope::Township, code).await
    }

    /// [`Station::registers`] for a session limited to `scope`: a grid outside it and above none of it is
    /// `forbidden`; a grid above part of it (the township over a village) lists only the children and
    /// the records inside the scope.
    pub async fn registers_in_scope(
        &self,
        scope: &DataScope,
        code: &str,
    ) -> Result<redgrid_store::Registers> {
        let parts = scope.parts_under(code);
        if parts.is_empty() {
            return Err(match self.store.grid_node(code).await? {
                Some(_) => scope::grid_out_of_scope(code),
                None => ApiError::UnknownGrid(code.to_string()),
            });
        }
        let mut registers = self
            .store
            .registers_under(code, &parts, &self.scheme())
            .await?
            .ok_or_else(|| ApiError::UnknownGrid(code.to_string()))?;
        registers.children.retain(|child| scope.reaches(&child.code));
        Ok(registers)
    }

    /// Statistics of the events reported in a month (Asia/Shanghai), drills excluded.
    pub async fn stats(&self, month: Month) -> Result<StatsReport> {
        self.stats_in_scope(&DataScope::Township, month).await
    }

    /// [`Station::stats`] counting only the events in a data scope. The store's cells are grouped by
    /// grid, so leaving out the cells outside the scope counts exactly the events inside it.
    pub async fn stats_in_scope(&self, scope: &DataScope, month: Month) -> Result<StatsReport> {
        let (from, to) = month.span();
        let mut cells = self.store.stats_cells(from, to).await?;
        cells.retain(|cell| scope.covers(&cell.grid));
        let scheme = self.scheme();
        let village_len = scheme.level(scheme.village_depth()).map(|l| l.code_len).unwrap_or(12);
        Ok(StatsReport::from_cells(&cells, village_len))
    }
}

/// `Ok` when `role` may take `act` by the station-act table (`redgrid_core::acts`), else `forbidden` with
/// the table's Chinese refusal: the one check every station act makes.
pub(crate) fn allow(role: redgrid_core::closed_loop::Role, act: StationAct) -> Result<()> {
    acts::check(role, act).map_err(ApiError::Forbidden)
}

/// FNV-1a: a hash that is the same on every machine and every Rust release, unlike the std hasher, for
/// everything generated from a seed (demo data, imports' jitter, rosters, the simulator).
pub fn stable_hash(text: &str) -> u64 {
    text.bytes()
        .fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

/// Hashes a password for storage (argon2id with a random salt, PHC string).
pub fn hash_password(password: &str) -> Result<String> {
    use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| ApiError::Invalid(format!("无法处理密码：{e}")))
}

/// Checks a password against a stored PHC string.
pub fn verify_password(password: &str, stored: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(stored)
        .is_ok_and(|hash| argon2::Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
}

/// The audit record of an act that is not an event transition (a mode switch, an import, a seed).
/// The audit entry of a station act (not a closed-loop command) by `actor`. Public for the data factory
/// (`redgrid-demo`), which seeds in bulk through the store.
pub fn station_audit(
    actor: &Actor,
    at: DateTime<Utc>,
    command: &str,
    change: Option<(&str, &str)>,
    reason: String,
) -> AuditEntry {
    AuditEntry {
        at,
        actor_id: actor.id.clone(),
        actor_name: actor.name.clone(),
        role: actor.role.key().into(),
        station: actor.station.clone(),
        event_id: None,
        command: command.into(),
        from_status: change.map(|(from, _)| from.to_string()),
        to_status: change.map(|(_, to)| to.to_string()),
        reason,
    }
}

/// The audit entry of a closed-loop transition. Public for the data factory's replayed history.
pub fn audit_entry(actor: &Actor, transition: &Transition, now: DateTime<Utc>) -> AuditEntry {
    AuditEntry {
        at: now,
        actor_id: actor.id.clone(),
        actor_name: actor.name.clone(),
        role: actor.role.key().into(),
        station: actor.station.clone(),
        event_id: Some(transition.event.id),
        command: transition.command.key().into(),
        from_status: transition.from.map(|s| s.key().into()),
        to_status: Some(transition.to.key().into()),
        reason: transition.reason.clone(),
    }
}

async fn load_rules(store: &Store) -> Result<Rules> {
    let mode = store.setting("mode").await?.and_then(|m| Mode::from_key(&m)).unwrap_or(Mode::Peacetime);
    let ladder = store.response_ladder().await?;
    let state = store.response_state().await?;
    // A level whose binary mode disagrees with the mode setting was overtaken by a binary switch (a
    // station of an older build): the mode wins.
    let level = state
        .key
        .as_deref()
        .and_then(|key| ladder.find(key))
        .filter(|level| level.legacy_mode == mode)
        .unwrap_or_else(|| ladder.for_mode(mode))
        .clone();
    Ok(Rules {
        scheme: store.level_scheme().await?,
        policy: store.time_limit_policy().await?,
        calendar: store.work_calendar().await?,
        mode: level.legacy_mode,
        ladder,
        level,
    })
}
