//! Taking in what arrives over MQTT: decode, store once, in one transaction per batch.
//!
//! Every message is either applied (with its natural key recorded in the same transaction, so that a
//! redelivery changes nothing), recognised as a redelivery and skipped, ignored by design (a topic the
//! console does not use), or quarantined with its bytes and the reason. Nothing is dropped silently and
//! nothing panics: a refusal of one message never aborts the others in its batch.

use chrono::{DateTime, Utc};
use redgrid_bus::payload::{
    self, AckTarget, AlertPriority, Decoded, Idempotency, Inbound, ObjectRecognition, ReviewSeverity,
};
use redgrid_bus::topics::Topics;
use redgrid_core::closed_loop::{Actor, Command, NewEvent, Role};
use redgrid_core::event::{Category, Severity, Source};
use redgrid_core::grid::GridCode;
use redgrid_store::dispatch::TaskRow;
use redgrid_store::feeds::AlertUpsert;
use redgrid_store::feeds::Settled;
use redgrid_store::FeedEntity;
use redgrid_store::WriteTx;
use serde_json::json;

use crate::{ApiError, Result, Station};

/// What a batch came to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestReport {
    pub applied: usize,
    pub duplicates: usize,
    pub ignored: usize,
    pub quarantined: usize,
}

impl std::ops::AddAssign for IngestReport {
    fn add_assign(&mut self, other: IngestReport) {
        self.applied += other.applied;
        self.duplicates += other.duplicates;
        self.ignored += other.ignored;
        self.quarantined += other.quarantined;
    }
}

fn priority_level(priority: AlertPriority) -> i64 {
    match priority {
        AlertPriority::Low => 1,
        AlertPriority::Normal => 2,
        AlertPriority::High => 3,
        AlertPriority::Top => 4,
    }
}

/// How long after an event's last alert a repeat of its camera and kind is attached to it by itself.
pub const REPEAT_HOURS: i64 = 2;

impl Station {
    /// The topics this station listens to and publishes on.
    pub fn topics(&self) -> Topics {
        self.config.topics.clone()
    }

    /// Takes in a batch as [`Station::ingest`] does; when its transaction fails, each message again on its
    /// own, so that one message the store refuses — a fault no decoder foresaw — is quarantined
    /// (`store_refused`) and the others go through instead of the whole batch being retried for ever. Errs
    /// only when a message can be neither stored nor quarantined: the store is away, and the caller keeps the
    /// batch unacknowledged and tries again later.
    pub async fn ingest_batch(&self, messages: &[(&str, &[u8])]) -> Result<IngestReport> {
        let error = match self.ingest(messages).await {
            Ok(report) => return Ok(report),
            Err(error) => error,
        };
        tracing::warn!(%error, messages = messages.len(), "a batch failed; taking its messages one at a time");
        let mut total = IngestReport::default();
        for message in messages {
            match self.ingest(std::slice::from_ref(message)).await {
                Ok(report) => total += report,
                Err(error) => {
                    let (topic, bytes) = *message;
                    let reason = format!("消息无法保存：{error}");
                    let mut tx = self.store().begin_write().await?;
                    tx.quarantine(topic, bytes, "store_refused", &reason, self.now()).await?;
                    tx.commit().await?;
                    tracing::error!(%error, topic, "a message the store refuses was quarantined");
                    total.quarantined += 1;
                }
            }
        }
        Ok(total)
    }

    /// Takes in a batch of MQTT messages in one transaction.
    //
    // Writing a batch's alerts with one multi-row statement (merged by alert) was tried and measured: the
    // same 8,000 alerts/s as one statement per message, because the cost is per row (about 60–90 µs an
    // alert in SQLite through sqlx), not per round trip. So each message is applied on its own, in order.
    pub async fn ingest(&self, messages: &[(&str, &[u8])]) -> Result<IngestReport> {
        let topics = self.topics();
        let now = self.now();
        let watchlist = self.store().setting("face_watchlist").await?.unwrap_or_default();
        let mut report = IngestReport::default();
        let mut tx = self.store().begin_write().await?;
        for (topic, bytes) in messages {
            let inbound = match payload::decode(&topics, topic, bytes) {
                Ok(Decoded::Inbound(inbound)) => inbound,
                Ok(Decoded::Ignored(why)) => {
                    tracing::trace!(topic, why, "message ignored");
                    report.ignored += 1;
                    continue;
                }
                Err(error) => {
                    tracing::warn!(topic, code = error.code(), %error, "message quarantined");
                    tx.quarantine(topic, bytes, error.code(), &error.to_string(), now).await?;
                    report.quarantined += 1;
                    continue;
                }
            };
            // The decoder has no clock: a time ahead of the station's is refused here, with its own code,
            // before the message's key is recorded (it was never taken in).
            if let Err(error) = payload::check_not_ahead(&inbound, now) {
                tracing::warn!(topic, code = error.code(), %error, "message quarantined: dated ahead of the station");
                tx.quarantine(topic, bytes, error.code(), &error.to_string(), now).await?;
                report.quarantined += 1;
                continue;
            }
            if inbound.idempotency() == Idempotency::NaturalKey
                && !tx.record_inbound(&inbound.natural_key(), topic, now).await?
            {
                report.duplicates += 1;
                continue;
            }
            match self.apply_inbound(&mut tx, &topics, &inbound, &watchlist, now).await {
                Ok(()) => report.applied += 1,
                // A message that decodes but that the station must refuse (a task for an unknown event, an
                // acknowledgement the loop does not allow): kept with the refusal, like undecodable input.
                Err(Refusal::Api(ApiError::Store(error))) if error.is_storage() => {
                    return Err(ApiError::Store(error))
                }
                Err(error) => {
                    tracing::warn!(topic, code = error.code(), %error, "message refused");
                    tx.quarantine(topic, bytes, error.code(), &error.to_string(), now).await?;
                    report.quarantined += 1;
                }
            }
        }
        tx.commit().await?;
        self.wake_outbox();
        Ok(report)
    }

    /// A new alert from a registered camera that is muted is dismissed; a repeat of an open event's camera and kind is attached
    /// to it, audited as the station's own act. Either way it never waits for triage.
    async fn settle(&self, tx: &mut WriteTx, id: i64, now: DateTime<Utc>) -> Result<()> {
        match tx.settle_new_alert(id, now, chrono::Duration::hours(REPEAT_HOURS)).await? {
            Settled::Untouched | Settled::Muted => {}
            Settled::Attached(event_id) => {
                let system = Actor {
                    id: "system".into(),
                    name: "系统".into(),
                    role: Role::System,
                    station: self.station_id().into(),
                };
                let reason = format!("同一摄像头同类告警 #{id} 自动关联到事件 #{event_id}");
                let mut record = crate::station_audit(&system, now, "alert_attach", None, reason);
                record.event_id = Some(event_id);
                tx.append_audit(&record).await?;
            }
        }
        Ok(())
    }

    async fn apply_inbound(
        &self,
        tx: &mut WriteTx,
        topics: &Topics,
        inbound: &Inbound,
        watchlist: &str,
        now: DateTime<Utc>,
    ) -> std::result::Result<(), Refusal> {
        let on_watchlist =
            |name: &str| watchlist.split([',', '，']).any(|w| !w.trim().is_empty() && w.trim() == name);
        if let Some(alert) = alert_upsert(topics, inbound, watchlist, now) {
            let stored = tx.upsert_alert(&alert, now).await?;
            // A drill's alert is never muted away or attached to real work: the officer triages it.
            let drill = crate::triage::drill_of_nvr(&alert.nvr).is_some();
            if stored.new && stored.camera_id.is_some() && !drill {
                self.settle(tx, stored.id, now).await?;
            }
            return Ok(());
        }
        match inbound {
            Inbound::FrigateEvent(_) | Inbound::CameraAlert { .. } => unreachable!("alert_upsert takes them"),
            Inbound::FrigateReview(review) => {
                if review.severity == ReviewSeverity::Alert {
                    let class = review.alert_class();
                    let mut raised = 0;
                    for key in review.object_alert_keys() {
                        raised += usize::from(
                            tx.raise_alert(&key, priority_level(class.priority), None, now).await?,
                        );
                    }
                    if raised == 0 {
                        // A review whose objects the station never saw becomes an alert of its own.
                        let alert = AlertUpsert {
                            alert_key: format!("frigate:review:{}", review.id),
                            source: "frigate".into(),
                            nvr: topics.frigate_prefix.clone(),
                            camera_name: review.camera.clone(),
                            kind: class.kind.as_str().into(),
                            label: review.objects.first().cloned().unwrap_or_else(|| "review".into()),
                            priority: priority_level(class.priority),
                            confidence: None,
                            at: review.end_time.or(review.start_time).unwrap_or(now),
                            ended: review.end_time.is_some(),
                            snapshot: review.thumb_path.clone(),
                            detail: json!({ "zones": review.zones, "objects": review.objects, "audio": review.audio })
                                .to_string(),
                        };
                        let stored = tx.upsert_alert(&alert, now).await?;
                        if stored.new && stored.camera_id.is_some() {
                            self.settle(tx, stored.id, now).await?;
                        }
                    }
                }
            }
            Inbound::FrigateObjectUpdate(update) => {
                let key = format!("frigate:{}", update.id);
                let (priority, recognition) = match &update.result {
                    ObjectRecognition::Face(face) => {
                        let top = on_watchlist(&face.name);
                        let priority = if top { priority_level(AlertPriority::Top) } else { 0 };
                        (priority, json!({ "face": face.name, "score": face.score, "watchlist": top }))
                    }
                    ObjectRecognition::LicensePlate { plate, name, score } => {
                        (0, json!({ "plate": plate, "name": name, "score": score }))
                    }
                };
                if !tx.raise_alert(&key, priority, Some(&recognition.to_string()), now).await? {
                    tracing::info!(alert = %key, "recognition for an object not seen yet");
                }
            }
            Inbound::FrigateAvailability(state) => {
                tx.set_nvr_state(&topics.frigate_prefix, state.as_str(), now).await?;
            }
            Inbound::TerminalAck { worker_id, ack } => match &ack.target {
                AckTarget::Task { task_id } => {
                    let task =
                        terminal_task(tx, worker_id, TaskNamed::Task(task_id), TerminalStep::Acknowledge)
                            .await?;
                    self.terminal_act(tx, worker_id, &task, Command::Acknowledge, now).await?;
                }
                AckTarget::Callup { callup_id, available } => {
                    let note = ack.note.as_deref().unwrap_or_default();
                    let position = ack.position.as_ref().map(|p| (p.lat, p.lon));
                    self.answer_from_terminal(tx, worker_id, callup_id, *available, note, position, now)
                        .await?;
                }
            },
            Inbound::TerminalArrive { worker_id, arrive } => {
                let task =
                    terminal_task(tx, worker_id, TaskNamed::Task(&arrive.task_id), TerminalStep::Arrive)
                        .await?;
                self.terminal_act(tx, worker_id, &task, Command::Arrive, now).await?;
            }
            Inbound::TerminalFeedback { worker_id, feedback } => {
                let named = match (feedback.task_id.as_deref(), feedback.event_id.as_deref()) {
                    (Some(task_id), event_id) => TaskNamed::TaskOfEvent(task_id, event_id),
                    (None, Some(event_id)) => TaskNamed::Event(event_id),
                    (None, None) => TaskNamed::Task(""),
                };
                let task = terminal_task(tx, worker_id, named, TerminalStep::Feedback).await?;
                let command = Command::Feedback {
                    notes: feedback.notes.clone(),
                    photos: feedback.photos.clone(),
                    on_behalf_of: None,
                };
                self.terminal_act(tx, worker_id, &task, command, now).await?;
            }
            Inbound::TerminalLocation { worker_id, location } => {
                if tx.set_worker_location(worker_id, location.lat, location.lon, location.at).await?.is_none()
                {
                    return Err(ApiError::Invalid(format!("未知的网格员终端 {worker_id}")).into());
                }
                tx.set_terminal_state(worker_id, "online", now).await?;
            }
            Inbound::ZeroReport { worker_id, report } => {
                self.zero_report_from_terminal(tx, worker_id, report, now).await?;
            }
            Inbound::OwnTracksLocation(fix) => {
                if tx.set_worker_location(&fix.user, fix.lat, fix.lon, fix.at).await?.is_none() {
                    return Err(
                        ApiError::Invalid(format!("OwnTracks 用户 {} 未对应任何网格员", fix.user)).into()
                    );
                }
                tx.set_terminal_state(&fix.user, "online", now).await?;
            }
            Inbound::OwnTracksOffline { user, .. } => {
                // The last will carries no time of its own worth trusting: the broker sends it when it
                // notices the phone gone, which is now.
                if tx.set_terminal_state(user, "offline", now).await?.is_none() {
                    return Err(ApiError::Invalid(format!("OwnTracks 用户 {user} 未对应任何网格员")).into());
                }
            }
            Inbound::Report { source, report } => {
                // Who reported is what the topic proves, never what the payload says: the broker lets a login
                // write only `reports/<login>`, so `reports/W0042` is worker W0042's, while the `reporter`
                // string is whatever the channel typed (a resident's name, a phone, or a console account's
                // name) and is kept only as the event's display field. A drill's reports come on
                // `reports/drill-<id>`, written by the station's own injector: a worker's report there names
                // the worker as its reporter, which sets the role and nothing more.
                let drill = source.strip_prefix("drill-").map(String::from);
                let source_worker = match &drill {
                    Some(_) => None,
                    None => self.store().worker(source, &self.scheme()).await?,
                };
                let by_worker = match &drill {
                    Some(_) => self.store().worker(&report.reporter, &self.scheme()).await?.is_some(),
                    None => source_worker.is_some(),
                };
                let (role, mut event_source) = if by_worker {
                    (Role::GridWorker, Source::GridWorker)
                } else {
                    (Role::Resident, Source::Resident)
                };
                if drill.is_some() {
                    event_source = Source::Drill;
                }
                let actor = Actor {
                    id: format!("mqtt:{source}"),
                    name: report_source_label(source, source_worker.as_ref().map(|w| w.worker.name.as_str())),
                    role,
                    station: format!("mqtt:{source}"),
                };
                let scheme = self.scheme();
                let grid_text = match &report.grid {
                    Some(grid) => grid.clone(),
                    None => self.store().setting("township").await?.unwrap_or_default(),
                };
                let grid =
                    GridCode::parse(&grid_text, &scheme).map_err(|e| ApiError::Invalid(e.to_string()))?;
                let title: String = report.text.chars().take(40).collect();
                let new = NewEvent {
                    title: if title.trim().is_empty() { "群众上报".into() } else { title },
                    description: report.text.clone(),
                    category: report
                        .category
                        .as_deref()
                        .and_then(Category::parse)
                        .unwrap_or(Category::Livelihood),
                    severity: Severity::General,
                    source: event_source,
                    grid,
                    lon: report.position.map(|p| p.lon),
                    lat: report.position.map(|p| p.lat),
                    address: String::new(),
                    reporter: report.reporter.clone(),
                    drill: drill.is_some(),
                };
                let id = self.report_in(tx, &actor, new, now).await?;
                if let Some(drill_id) = &drill {
                    self.tag_drill_event(tx, drill_id, &report.report_id, id).await?;
                }
            }
            Inbound::StationPresence { station_id, presence } => {
                tx.append_feed(now, FeedEntity::Station, station_id, presence.state.as_str(), 0).await?;
            }
        }
        Ok(())
    }

    /// A terminal's act on a task [`terminal_task`] accepted: the worker of the topic acts on the task's event.
    async fn terminal_act(
        &self,
        tx: &mut WriteTx,
        worker_id: &str,
        task: &TaskRow,
        command: Command,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let worker = self
            .store()
            .worker(worker_id, &self.scheme())
            .await?
            .ok_or_else(|| ApiError::Invalid(format!("未知的网格员终端 {worker_id}")))?;
        let role = if worker.worker.is_grid_leader() { Role::GridLeader } else { Role::GridWorker };
        let actor = Actor {
            id: worker.worker.id.clone(),
            name: worker.worker.name.clone(),
            role,
            station: format!("terminal:{worker_id}"),
        };
        self.act_in(tx, &actor, task.event_id, None, command, None, now).await?;
        tx.set_terminal_state(&worker.worker.id, "online", now).await?;
        Ok(())
    }
}

/// Why a message that decoded was not applied: the station's own refusal of a terminal's message about a
/// task, or any other refusal (the loop's rules, an unknown grid, the store).
#[derive(Debug, thiserror::Error)]
enum Refusal {
    #[error(transparent)]
    Terminal(#[from] TerminalRefusal),
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl Refusal {
    fn code(&self) -> &'static str {
        match self {
            Refusal::Terminal(refusal) => refusal.code(),
            Refusal::Api(error) => error.code(),
        }
    }
}

impl From<redgrid_store::StoreError> for Refusal {
    fn from(error: redgrid_store::StoreError) -> Self {
        Refusal::Api(ApiError::Store(error))
    }
}

/// Why the station refuses a terminal's acknowledgement, arrival or feedback: the task it names is checked
/// by its full id against the station's task row, under the write lock. Each refusal is quarantined with
/// its [`TerminalRefusal::code`] and changes nothing else.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TerminalRefusal {
    /// No task has this id (the station's ids are `<event id>:<worker id>:<event version>`), or the task
    /// is not on the event the message also names.
    #[error("任务“{task_id}”不存在，无法{step}")]
    UnknownTask { task_id: String, step: &'static str },
    /// The task was sent to another worker: a terminal acts only on its own worker's tasks.
    #[error("任务“{task_id}”派给了网格员 {assigned}，不是 {worker_id} 的任务，不能{step}")]
    NotYourTask { task_id: String, assigned: String, worker_id: String, step: &'static str },
    /// A feedback naming only an event, from a worker with no task on it.
    #[error("网格员 {worker_id} 在事件“{event_id}”上没有任务，不能{step}")]
    NoTaskOnEvent { event_id: String, worker_id: String, step: &'static str },
    /// The task was cancelled (the event left the handling step, or another worker's feedback ended it) or
    /// is done (its feedback was taken).
    #[error("任务“{task_id}”{state}，不能再{step}")]
    TaskNotLive { task_id: String, state: &'static str, step: &'static str },
}

impl TerminalRefusal {
    /// A stable code for the quarantine: `unknown_task`, `not_your_task` (also for an event the worker
    /// has no task on) or `task_not_live`.
    pub fn code(&self) -> &'static str {
        match self {
            TerminalRefusal::UnknownTask { .. } => "unknown_task",
            TerminalRefusal::NotYourTask { .. } | TerminalRefusal::NoTaskOnEvent { .. } => "not_your_task",
            TerminalRefusal::TaskNotLive { .. } => "task_not_live",
        }
    }
}

/// What a terminal does with a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TerminalStep {
    Acknowledge,
    Arrive,
    Feedback,
}

impl TerminalStep {
    fn name_zh(self) -> &'static str {
        match self {
            TerminalStep::Acknowledge => "签收",
            TerminalStep::Arrive => "到场",
            TerminalStep::Feedback => "反馈",
        }
    }
}

/// How a terminal's message names its task.
#[derive(Debug, Clone, Copy)]
enum TaskNamed<'a> {
    /// `task_id` (acknowledgement, arrival).
    Task(&'a str),
    /// A feedback's `task_id`, with the `event_id` it may also carry.
    TaskOfEvent(&'a str, Option<&'a str>),
    /// A feedback's `event_id` alone.
    Event(&'a str),
}

/// The task a terminal's message is about, if the station takes it: the task exists, is the topic's
/// worker's, and is live (neither cancelled nor done). The same holds for every step: the loop lets a
/// dispatched worker arrive or report back without a separate acknowledgement (each later step fills in
/// the earlier ones), so a feedback needs no acknowledgement first, only a task still out. A feedback that
/// names only an event is resolved to the worker's live task on it. Read under the write transaction, so
/// a cancellation by another seat is either before the check (refused) or after the act.
async fn terminal_task(
    tx: &mut WriteTx,
    worker_id: &str,
    named: TaskNamed<'_>,
    step: TerminalStep,
) -> std::result::Result<TaskRow, Refusal> {
    let step_zh = step.name_zh();
    let refuse = |refusal: TerminalRefusal| {
        tracing::warn!(worker = worker_id, step = step_zh, code = refusal.code(), %refusal, "terminal message refused");
        Err(Refusal::Terminal(refusal))
    };
    let (task, event_named) = match named {
        TaskNamed::Task(task_id) => (tx.task(task_id).await?.ok_or(task_id), None),
        TaskNamed::TaskOfEvent(task_id, event_id) => (tx.task(task_id).await?.ok_or(task_id), event_id),
        TaskNamed::Event(event_id) => {
            let Some(id) = event_number(event_id) else {
                return refuse(TerminalRefusal::NoTaskOnEvent {
                    event_id: event_id.into(),
                    worker_id: worker_id.into(),
                    step: step_zh,
                });
            };
            let tasks = tx.worker_tasks_on_event(id, worker_id).await?;
            match tasks.iter().find(|t| t.cancelled_at.is_none() && t.done_at.is_none()).or(tasks.first()) {
                Some(task) => (Ok(task.clone()), None),
                None => {
                    return refuse(TerminalRefusal::NoTaskOnEvent {
                        event_id: event_id.into(),
                        worker_id: worker_id.into(),
                        step: step_zh,
                    })
                }
            }
        }
    };
    let task = match task {
        Ok(task) => task,
        Err(task_id) => {
            return refuse(TerminalRefusal::UnknownTask { task_id: task_id.into(), step: step_zh })
        }
    };
    if let Some(event_id) = event_named {
        if event_number(event_id) != Some(task.event_id) {
            return refuse(TerminalRefusal::UnknownTask { task_id: task.task_id, step: step_zh });
        }
    }
    if task.worker_id != worker_id {
        return refuse(TerminalRefusal::NotYourTask {
            task_id: task.task_id,
            assigned: task.worker_id,
            worker_id: worker_id.into(),
            step: step_zh,
        });
    }
    let state = if task.cancelled_at.is_some() {
        Some("已撤销")
    } else if task.done_at.is_some() {
        Some("已完成")
    } else {
        None
    };
    if let Some(state) = state {
        return refuse(TerminalRefusal::TaskNotLive { task_id: task.task_id, state, step: step_zh });
    }
    Ok(task)
}

/// An event id as a terminal writes it: the station's decimal id, optionally prefixed `E` or `E-`.
fn event_number(text: &str) -> Option<i64> {
    let text = text.trim();
    let digits = text.strip_prefix("E-").or_else(|| text.strip_prefix('E')).unwrap_or(text);
    digits.parse().ok().filter(|id: &i64| *id > 0)
}

/// The name a report is audited under: the channel its topic names, in Chinese where the channel is a
/// known one, or the worker whose own report topic it is.
fn report_source_label(source: &str, worker_name: Option<&str>) -> String {
    if let Some(name) = worker_name {
        return format!("{name}（{source}）");
    }
    match source {
        "hotline" => "热线".into(),
        s if s.starts_with("resident") => "群众上报".into(),
        s if s.starts_with("drill-") => "演练上报".into(),
        other => other.into(),
    }
}

/// The alert a Frigate event or native camera alert comes to; `None` for every other message.
fn alert_upsert(
    topics: &Topics,
    inbound: &Inbound,
    watchlist: &str,
    now: DateTime<Utc>,
) -> Option<AlertUpsert> {
    let on_watchlist =
        |name: &str| watchlist.split([',', '，']).any(|w| !w.trim().is_empty() && w.trim() == name);
    match inbound {
        Inbound::FrigateEvent(event) => {
            let watch = event.sub_label.as_ref().is_some_and(|s| on_watchlist(&s.name));
            let class = event.alert_class(watch);
            let at = event.end_time.or(event.frame_time).or(event.start_time).unwrap_or(now);
            let alert = AlertUpsert {
                alert_key: inbound.alert_key().unwrap_or_else(|| format!("frigate:{}", event.id)),
                source: "frigate".into(),
                nvr: topics.frigate_prefix.clone(),
                camera_name: event.camera.clone(),
                kind: class.kind.as_str().into(),
                label: event.label.clone(),
                priority: priority_level(class.priority),
                confidence: event.top_score.or(event.score),
                at,
                ended: event.change.as_str() == "end",
                snapshot: event.has_snapshot.then(|| format!("frigate://{}/{}", event.camera, event.id)),
                detail: json!({
                    "zones": event.entered_zones,
                    "sub_label": event.sub_label.as_ref().map(|s| &s.name),
                    "false_positive": event.false_positive,
                    "box": event.bounding_box.map(|b| b.0),
                })
                .to_string(),
            };
            Some(alert)
        }
        Inbound::CameraAlert { source, alert } => {
            let class = alert.kind;
            let upsert = AlertUpsert {
                alert_key: inbound
                    .alert_key()
                    .unwrap_or_else(|| format!("alert:{source}:{}", alert.alert_id)),
                source: "native".into(),
                nvr: source.clone(),
                camera_name: alert.camera.clone(),
                kind: class.as_str().into(),
                label: class.name_zh().into(),
                priority: priority_level(class.base_priority()),
                confidence: Some(alert.confidence),
                at: alert.at,
                ended: true,
                snapshot: alert.snapshot.clone(),
                detail: json!({ "box": alert.bounding_box.map(|b| b.0) }).to_string(),
            };
            Some(upsert)
        }
        _ => None,
    }
}
