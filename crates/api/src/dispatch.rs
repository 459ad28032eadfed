//! Dispatch beyond the state machine: tasks to worker terminals through the outbox, acknowledgement
//! deadlines and the alert when one passes, reminders and supervision reaching the terminal, and the
//! officer's choice of worker recorded when it is not the recommendation's first.

use chrono::{DateTime, Duration, Utc};
use redgrid_bus::payload::{encode_task, GeoPoint, TaskMessage};
use std::collections::HashSet;

use redgrid_core::account::DataScope;
use redgrid_core::acts::StationAct;
use redgrid_core::closed_loop::{Actor, Command, CommandKind, Event, Transition};
use redgrid_core::dispatch::{
    Assessment, Availability, CandidateWorker, DispatchIndex, DispatchTarget, GeoPoint as Point,
    Recommendation,
};
use redgrid_core::event::Status;
use redgrid_core::grid::GridCode;
use redgrid_store::dispatch::{TaskProgress, TaskRow};
use redgrid_store::WriteTx;

use crate::{ApiError, EventView, Result, Station};

/// An officer's dispatch: the workers chosen, and why when the first is not the recommendation's first.
#[derive(Debug, Clone, Default)]
pub struct DispatchChoice {
    pub workers: Vec<String>,
    pub note: String,
    /// Required when `workers[0]` is not the top recommendation: the override is recorded with it.
    pub override_reason: Option<String>,
}

/// A ranking for the dispatch dialog: the eligible candidates best first, and whether the on-shift
/// facts came from a roster or from the on-duty flags.
#[derive(Debug, Clone)]
pub struct Ranking {
    pub candidates: Vec<Recommendation>,
    pub from_roster: bool,
}

/// Minutes a worker has to acknowledge a task in peacetime; wartime halves it like every other limit.
pub const DEFAULT_ACK_MINUTES: i64 = 10;
/// The longest acknowledgement limit a station may set: a day.
pub const MAX_ACK_MINUTES: i64 = 1440;

/// What [`Station::after_transition`] needs to know of the command beyond its kind.
pub(crate) struct Extra<'a> {
    pub note: &'a str,
    /// Whose feedback an officer entered (a worker who phoned it in).
    pub on_behalf_of: Option<&'a str>,
    /// Recorded on the tasks of a dispatch that overrode the recommendation.
    pub override_note: Option<&'a str>,
}

/// A task id: the event, the worker and the event version that dispatched it, so that a re-dispatch
/// after a send-back is a new task and a terminal can tell the two apart.
pub fn task_id(event_id: i64, worker_id: &str, version: i64) -> String {
    format!("{event_id}:{worker_id}:{version}")
}

impl Station {
    /// Minutes to acknowledge a task, from the `task_ack_minutes` setting.
    pub async fn ack_minutes(&self) -> Result<i64> {
        let base = self
            .store()
            .setting("task_ack_minutes")
            .await?
            .and_then(|m| m.trim().parse::<i64>().ok())
            .filter(|m| *m > 0)
            .unwrap_or(DEFAULT_ACK_MINUTES);
        let rules = self.rules();
        Ok(rules.level.acknowledgement_minutes(base))
    }

    /// Sets the peacetime minutes a worker has to acknowledge a task (wartime takes its percentage of
    /// them); administrators and leaders only, audited. Tasks already sent keep their limit.
    pub async fn set_ack_minutes(&self, actor: &Actor, minutes: i64, reason: &str) -> Result<()> {
        crate::allow(actor.role, StationAct::SetAckLimit)?;
        if !(1..=MAX_ACK_MINUTES).contains(&minutes) {
            return Err(ApiError::Invalid(format!(
                "签收时限应为 1 至 {MAX_ACK_MINUTES} 分钟，收到 {minutes}"
            )));
        }
        let now = self.now();
        let before = self
            .store()
            .setting("task_ack_minutes")
            .await?
            .unwrap_or_else(|| DEFAULT_ACK_MINUTES.to_string());
        let mut text = format!("签收时限：{before} → {minutes} 分钟（平时）");
        if !reason.trim().is_empty() {
            text.push_str(&format!("；{}", reason.trim()));
        }
        let mut tx = self.store().begin_write().await?;
        tx.set_setting("task_ack_minutes", &minutes.to_string(), now).await?;
        tx.append_audit(&crate::station_audit(actor, now, "ack_limit", None, text)).await?;
        tx.commit().await?;
        tracing::info!(actor = %actor.id, minutes, "acknowledgement limit changed");
        Ok(())
    }

    /// The side effects of a transition that leave the station: run inside the transition's own
    /// transaction, so a task is published if and only if the dispatch committed.
    pub(crate) async fn after_transition(
        &self,
        tx: &mut WriteTx,
        actor: &Actor,
        transition: &Transition,
        extra: Extra<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let event = &transition.event;
        match transition.command {
            CommandKind::Dispatch => {
                let ack_due_at = now + Duration::minutes(self.ack_minutes().await?);
                for task in event.tasks.iter().filter(|t| t.dispatched_at == now) {
                    let row = TaskRow {
                        task_id: task_id(event.id, &task.worker_id, event.version),
                        event_id: event.id,
                        worker_id: task.worker_id.clone(),
                        dispatched_by: actor.name.clone(),
                        dispatched_at: now,
                        ack_due_at,
                        acked_at: None,
                        arrived_at: None,
                        done_at: None,
                        cancelled_at: None,
                        no_ack_at: None,
                        override_note: extra.override_note.map(str::to_string),
                    };
                    tx.insert_task(&row).await?;
                    self.publish_task(tx, event, &row, extra.note, now).await?;
                }
            }
            CommandKind::Acknowledge | CommandKind::Arrive | CommandKind::Feedback => {
                let progress = match transition.command {
                    CommandKind::Acknowledge => TaskProgress::Acknowledged,
                    CommandKind::Arrive => TaskProgress::Arrived,
                    _ => TaskProgress::Done,
                };
                let worker = extra.on_behalf_of.unwrap_or(&actor.id);
                tx.task_progress(event.id, worker, progress, now).await?;
                if progress == TaskProgress::Done {
                    // One worker's feedback finishes the handling step for all who were sent.
                    tx.cancel_tasks(event.id, now).await?;
                }
            }
            CommandKind::Remind | CommandKind::Supervise => {
                let label = if transition.command == CommandKind::Remind { "催办" } else { "督办" };
                let note = format!("{label}：{}", extra.note);
                for row in self.store().event_tasks(event.id).await? {
                    if row.done_at.is_none() && row.cancelled_at.is_none() {
                        self.publish_task(tx, event, &row, &note, now).await?;
                    }
                }
            }
            _ => {}
        }
        // Leaving the handling step any other way ends the tasks still out.
        let left_handling =
            transition.from == Some(Status::Dispatched) && transition.to != Status::Dispatched;
        if left_handling || matches!(transition.to, Status::Closed | Status::Voided | Status::Merged) {
            tx.cancel_tasks(event.id, now).await?;
        }
        Ok(())
    }

    /// Queues a task (or a reminder of it: the same task id with a new note) for the worker's terminal.
    async fn publish_task(
        &self,
        tx: &mut WriteTx,
        event: &Event,
        row: &TaskRow,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let message = TaskMessage {
            task_id: row.task_id.clone(),
            event_id: event.id.to_string(),
            title: event.title.clone(),
            category: event.category.key().to_string(),
            severity: event.severity.key().to_string(),
            grid: Some(event.grid.to_string()),
            address: (!event.address.is_empty()).then(|| event.address.clone()),
            position: event.lat.zip(event.lon).map(|(lat, lon)| GeoPoint { lat, lon }),
            deadline: event.due_at,
            note: (!note.trim().is_empty()).then(|| note.to_string()),
            drill: event.drill,
            at: now,
        };
        let topic = self.config.topics.terminal_tasks(&row.worker_id);
        tx.enqueue_task(self.station_id(), &row.task_id, &topic, &encode_task(&message), now).await?;
        Ok(())
    }

    /// Marks every task whose acknowledgement is overdue and returns them: the console alerts the
    /// officer and offers the next candidate. Safe on several stations at once: a task is marked once.
    pub async fn check_acknowledgements(&self) -> Result<Vec<TaskRow>> {
        let now = self.now();
        let overdue = self.store().overdue_acks(now).await?;
        if overdue.is_empty() {
            return Ok(overdue);
        }
        let mut tx = self.store().begin_write().await?;
        let mut marked = Vec::new();
        for task in overdue {
            if tx.mark_no_ack(&task.task_id, now).await? {
                tracing::warn!(task = %task.task_id, worker = %task.worker_id, "task not acknowledged in time");
                marked.push(task);
            }
        }
        tx.commit().await?;
        Ok(marked)
    }

    /// Every worker with their terminal and load, and who is on shift now: from the roster covering today
    /// (or the on-duty flags when no roster does). What dispatch ranks and the worker board shows.
    async fn force_now(&self) -> Result<(Vec<redgrid_store::WorkerRecord>, ForceNow)> {
        let now = self.now();
        let store = self.store();
        let workers = store.workers(&self.scheme()).await?;
        let states = store.worker_states(now).await?.into_iter().map(|s| (s.worker_id.clone(), s)).collect();
        let roster = store.roster_covering(redgrid_core::time::local_date(now)).await?.is_some();
        let on_shift =
            if roster { store.workers_on_shift(now).await?.into_iter().collect() } else { HashSet::new() };
        // Under 24-hour cover, those who answered a call-up "available" are on duty now, roster or not: the
        // recommendation uses them at once.
        let called_up = if self.level().roster_profile == redgrid_core::response::RosterProfile::Wartime {
            store.called_up_available().await?.into_iter().collect()
        } else {
            HashSet::new()
        };
        Ok((workers, ForceNow { states, roster, on_shift, called_up }))
    }

    /// The grid force as dispatch sees it now: register, last positions, terminal presence, load, and
    /// on shift from the roster covering today (or the on-duty flags when no roster does).
    /// Only the workers in `scope` are candidates.
    async fn dispatch_index(&self, scope: &DataScope) -> Result<(DispatchIndex, bool)> {
        let scheme = self.scheme();
        let (workers, force) = self.force_now().await?;
        let roster = force.roster;
        let candidates = workers
            .into_iter()
            .filter(|record| crate::scope::covers_worker(scope, &record.worker))
            .map(|record| {
                let state = force.states.get(&record.worker.id);
                CandidateWorker {
                    on_shift: force.is_on_shift(&record),
                    location: record.lat.zip(record.lon).map(|(lat, lon)| Point { lat, lon }),
                    availability: match state.map(|s| s.terminal_state.as_str()) {
                        Some("offline") => Availability::TerminalOffline,
                        _ => Availability::Available,
                    },
                    active_tasks: state.map_or(0, |s| s.active_tasks.max(0) as u32),
                    recent_tasks: state.map_or(0, |s| s.recent_tasks.max(0) as u32),
                    max_tasks: state.map_or(3, |s| s.max_tasks.max(0) as u32),
                    worker: record.worker,
                }
            })
            .collect();
        let index = DispatchIndex::new(&scheme, candidates).map_err(|e| ApiError::Invalid(e.to_string()))?;
        Ok((index, roster))
    }

    /// What dispatch aims at for an event: its grid, position, category, the grids beside it, and the
    /// workers not to propose (already sent, or let it time out unacknowledged).
    async fn dispatch_target(&self, event: &Event) -> Result<DispatchTarget> {
        let scheme = self.scheme();
        let node = self.store().grid_node(event.grid.as_str()).await?;
        let mut neighbours = Vec::new();
        if let Some(parent) = node.and_then(|n| n.parent_code) {
            for code in self.store().grid_children(&parent).await? {
                if code != event.grid.as_str() {
                    if let Ok(code) = GridCode::parse(&code, &scheme) {
                        neighbours.push(code);
                    }
                }
            }
        }
        let excluded_workers = self
            .store()
            .event_tasks(event.id)
            .await?
            .into_iter()
            .filter(|t| t.no_ack_at.is_some() || (t.cancelled_at.is_none() && t.done_at.is_none()))
            .map(|t| t.worker_id)
            .collect();
        Ok(DispatchTarget {
            grid: event.grid.clone(),
            location: event.lat.zip(event.lon).map(|(lat, lon)| Point { lat, lon }),
            category: event.category,
            neighbours,
            excluded_workers,
        })
    }

    /// The best `k` workers for an event, with a reason for each in Chinese.
    pub async fn recommend(&self, event_id: i64, k: usize) -> Result<Ranking> {
        self.recommend_in_scope(&DataScope::Township, event_id, k).await
    }

    /// [`Station::recommend`] for a session limited to `scope`: an event outside it is `forbidden`, and
    /// only the workers whose home grid is inside it are candidates.
    pub async fn recommend_in_scope(&self, scope: &DataScope, event_id: i64, k: usize) -> Result<Ranking> {
        let event = self.event_in_scope(scope, event_id).await?.stored.event;
        let (index, from_roster) = self.dispatch_index(scope).await?;
        let target = self.dispatch_target(&event).await?;
        Ok(Ranking { candidates: index.recommend(&target, k), from_roster })
    }

    /// Why one worker is or is not a candidate for an event (the officer looks up someone by hand).
    pub async fn assess_worker(&self, event_id: i64, worker_id: &str) -> Result<Assessment> {
        let event = self.event(event_id).await?.stored.event;
        let (index, _) = self.dispatch_index(&DataScope::Township).await?;
        let target = self.dispatch_target(&event).await?;
        index.assess(worker_id, &target).map_err(|e| ApiError::Invalid(e.to_string()))
    }

    /// Dispatches (派遣) to the chosen workers. Choosing someone other than the recommendation's first is
    /// allowed and needs a reason, which the audit record and the tasks keep.
    pub async fn dispatch(
        &self,
        actor: &Actor,
        event_id: i64,
        expected_version: Option<i64>,
        choice: DispatchChoice,
    ) -> Result<EventView> {
        self.dispatch_in_scope(actor, &DataScope::Township, event_id, expected_version, choice).await
    }

    /// [`Station::dispatch`] for a session limited to `scope`: the event and every worker chosen must lie
    /// in it (checked under the write lock), and the recommendation an override is measured against is
    /// the scope's own.
    pub async fn dispatch_in_scope(
        &self,
        actor: &Actor,
        scope: &DataScope,
        event_id: i64,
        expected_version: Option<i64>,
        choice: DispatchChoice,
    ) -> Result<EventView> {
        let Some(first) = choice.workers.first() else {
            return Err(ApiError::Invalid("请至少选择一名网格员".into()));
        };
        let ranking = self.recommend_in_scope(scope, event_id, 1).await?;
        let top = ranking.candidates.first().map(|r| r.worker_id.clone());
        let mut note = choice.note.clone();
        let mut override_note = None;
        if let Some(top) = top.filter(|top| top != first) {
            let reason = choice.override_reason.as_deref().map(str::trim).unwrap_or_default();
            if reason.is_empty() {
                return Err(ApiError::Invalid(format!("未选择推荐首位网格员（{top}），请填写改选理由")));
            }
            let text = format!("未采用推荐首位 {top}，改派 {first}：{reason}");
            note = if note.trim().is_empty() { text.clone() } else { format!("{note}（{text}）") };
            override_note = Some(
                serde_json::json!({ "recommended": top, "chosen": first, "reason": reason }).to_string(),
            );
        }
        let now = self.now();
        let command = Command::Dispatch { workers: choice.workers, note };
        let mut tx = self.store().begin_write().await?;
        self.check_command_in_scope(&mut tx, scope, event_id, &command).await?;
        let transition = self
            .act_in(&mut tx, actor, event_id, expected_version, command, override_note.as_deref(), now)
            .await?;
        tx.commit().await?;
        self.wake_outbox();
        tracing::info!(event = event_id, actor = %actor.id, overridden = override_note.is_some(), "dispatched");
        self.event_in_scope(scope, transition.event.id).await
    }

    /// Raises the deadline alerts that are due: events past their step's deadline (超时) and events within
    /// `due_soon` of it (即将超时), each once per deadline. Returns (overdue, due soon) event ids.
    pub async fn check_deadlines(&self, due_soon: Duration) -> Result<(Vec<i64>, Vec<i64>)> {
        use redgrid_store::dispatch::DeadlineAlert;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let overdue = tx.raise_deadline_alerts(DeadlineAlert::Overdue, now, due_soon).await?;
        let soon = tx.raise_deadline_alerts(DeadlineAlert::DueSoon, now, due_soon).await?;
        tx.commit().await?;
        if !overdue.is_empty() {
            // A station opened on a backlog finds thousands at once: name the first few, count the rest.
            tracing::warn!(count = overdue.len(), first = ?&overdue[..overdue.len().min(20)], "events overdue");
        }
        Ok((overdue, soon))
    }

    /// The month's loop counts and per-worker task figures (drills excluded), by the core's definitions.
    pub async fn duty_stats(&self, month: redgrid_core::time::Month) -> Result<DutyStats> {
        let (from, to) = month.span();
        let store = self.store();
        let loop_counts = store.loop_counts(from, to, self.now()).await?;
        let names: std::collections::HashMap<String, String> =
            store.workers(&self.scheme()).await?.into_iter().map(|w| (w.worker.id, w.worker.name)).collect();
        let workers = store
            .worker_stats(from, to)
            .await?
            .into_iter()
            .map(|(id, counters)| WorkerStats {
                name: names.get(&id).cloned().unwrap_or_default(),
                worker_id: id,
                counters,
            })
            .collect();
        Ok(DutyStats { loop_counts, workers })
    }
}

/// Per-worker figures for a month.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerStats {
    pub worker_id: String,
    pub name: String,
    pub counters: redgrid_core::stats::WorkerCounters,
}

/// The dispatch side of a month's statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct DutyStats {
    pub loop_counts: redgrid_core::stats::LoopCounts,
    /// Workers with tasks in the month, by worker id.
    pub workers: Vec<WorkerStats>,
}

/// One worker on the live board (人员看板): who, where, how busy, whether their terminal is reachable.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardRow {
    pub worker: redgrid_core::worker::Worker,
    pub on_shift: bool,
    /// `online`, `offline`, or `unknown` for a terminal never heard from.
    pub terminal_state: String,
    pub terminal_seen_at: Option<DateTime<Utc>>,
    pub active_tasks: i64,
    pub max_tasks: i64,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
}

impl Station {
    /// Every worker as the duty desk sees them now, on shift first, then by name: on shift from the roster
    /// covering today (or the on-duty flags when no roster does), as dispatch ranks them.
    pub async fn worker_board(&self) -> Result<Vec<BoardRow>> {
        let (workers, force) = self.force_now().await?;
        let mut rows: Vec<BoardRow> = workers
            .into_iter()
            .map(|record| {
                let state = force.states.get(&record.worker.id);
                BoardRow {
                    on_shift: force.is_on_shift(&record),
                    terminal_state: state.map_or_else(|| "unknown".into(), |s| s.terminal_state.clone()),
                    terminal_seen_at: state.and_then(|s| s.terminal_seen_at),
                    active_tasks: state.map_or(0, |s| s.active_tasks),
                    max_tasks: state.map_or(3, |s| s.max_tasks),
                    lon: record.lon,
                    lat: record.lat,
                    worker: record.worker,
                }
            })
            .collect();
        rows.sort_by(|a, b| b.on_shift.cmp(&a.on_shift).then_with(|| a.worker.name.cmp(&b.worker.name)));
        Ok(rows)
    }

    /// [`Station::worker_board`] limited to a data scope: the workers whose home grid is in it.
    pub async fn worker_board_in_scope(&self, scope: &DataScope) -> Result<Vec<BoardRow>> {
        let mut rows = self.worker_board().await?;
        rows.retain(|row| crate::scope::covers_worker(scope, &row.worker));
        Ok(rows)
    }
}

/// The force at one instant: see [`Station::force_now`].
struct ForceNow {
    states: std::collections::HashMap<String, redgrid_store::dispatch::WorkerState>,
    /// Whether a roster covers today; without one the on-duty flags say who is on shift.
    roster: bool,
    on_shift: HashSet<String>,
    /// Called up and available under 24-hour cover.
    called_up: HashSet<String>,
}

impl ForceNow {
    fn is_on_shift(&self, record: &redgrid_store::WorkerRecord) -> bool {
        if self.called_up.contains(&record.worker.id) {
            return true;
        }
        if self.roster {
            self.on_shift.contains(&record.worker.id)
        } else {
            record.on_duty
        }
    }
}
