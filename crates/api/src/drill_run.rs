//! Running a drill (演练): a commissioner starts a scenario (`redgrid_drill::Scenario`) at a speed; the
//! injector sends each inject when its time comes, through the real paths — a report goes to the station's
//! broker on `reports/drill-<id>` as a resident's or worker's terminal would send it, so ingest, the queue and
//! the terminals are exercised — and everything a drill creates carries its id.
//!
//! The injector writes each inject into the outbox of the station that runs the broker (any database: the
//! running station publishes it), so `redgrid drill run` needs a station running on the same database and
//! never needs the broker's credentials. A hotline inject (电话) is a call the officer must log: the event
//! the officer logs in the drill queue in that village is linked to it. A call-up inject calls the village
//! up, as a drill's call-up. A camera alert goes on `alerts/drill-<id>` as the camera's NVR would send it
//! (Frigate's injects too, in the native format): its alerts are grouped apart from real ones, never muted
//! away or attached to real work, and become a drill event when the officer converts them.

use chrono::{DateTime, Duration, Utc};
use redgrid_bus::payload::Report;
use redgrid_core::acts::StationAct;
use redgrid_core::closed_loop::{Actor, Role};
use redgrid_drill::{InjectKind, Scenario};

use redgrid_store::drills::{DrillRow, InjectRow};
use redgrid_store::WriteTx;

use crate::callup::CallupSelection;
use crate::{allow, station_audit, ApiError, Result, Station};

/// The speeds a drill may run at: real time up to sixty times faster (training and tests).
pub const MAX_SPEED: u32 = 60;

/// When an inject is due, in wall-clock time: the start, plus its offset at the drill's speed, plus the
/// time spent paused; `None` while the drill is paused or over.
pub fn due_at(drill: &DrillRow, inject: &InjectRow) -> Option<DateTime<Utc>> {
    if drill.state != "running" {
        return None;
    }
    let at_speed = inject.planned_offset_ms / drill.speed.max(1);
    Some(drill.started_at + Duration::milliseconds(at_speed + drill.paused_ms))
}

impl Station {
    /// Starts a drill; refused while another one is running or paused (`drill_running`).
    pub async fn start_drill(&self, actor: &Actor, scenario: &Scenario, speed: u32) -> Result<DrillRow> {
        allow(actor.role, StationAct::RunDrill)?;
        if !(1..=MAX_SPEED).contains(&speed) {
            return Err(ApiError::Invalid(format!("演练倍速须为 1–{MAX_SPEED}，收到 {speed}")));
        }
        if scenario.injects.is_empty() {
            return Err(ApiError::Invalid("演练脚本没有任何条目".into()));
        }
        let now = self.now();
        let catalogue = self.drill_catalogue().await?;
        let mut tx = self.store().begin_write().await?;
        if let Some(live) = tx.live_drill().await? {
            return Err(ApiError::DrillRunning(format!(
                "演练“{}”（{}）正在进行，须先结束才能开始新的演练",
                live.title, live.id
            )));
        }
        let serial = tx.count_rows("drills").await? + 1;
        let day = now.with_timezone(&redgrid_core::time::shanghai()).format("%Y%m%d");
        let id = format!("DR-{day}-{serial:03}");
        let drill = DrillRow {
            id: id.clone(),
            title: scenario.title.clone(),
            scenario: scenario.to_csv(&catalogue),
            state: "running".into(),
            speed: i64::from(speed),
            started_at: now,
            started_by_id: actor.id.clone(),
            started_by_name: actor.name.clone(),
            paused_at: None,
            paused_ms: 0,
            ended_at: None,
        };
        let injects: Vec<InjectRow> = scenario
            .injects
            .iter()
            .map(|i| InjectRow {
                drill_id: id.clone(),
                seq: i64::from(i.seq),
                kind: i.kind.key().into(),
                village_code: i.village_code.clone(),
                planned_offset_ms: i.offset.as_millis() as i64,
                injected_at: None,
                event_id: None,
                detail: String::new(),
            })
            .collect();
        tx.insert_drill(&drill, &injects).await?;
        let reason = format!("开始演练 {id}：《{}》，{} 条，{speed} 倍速", drill.title, injects.len());
        tx.append_audit(&station_audit(actor, now, "drill_start", None, reason)).await?;
        tx.commit().await?;
        tracing::info!(drill = %id, injects = injects.len(), speed, "drill started");
        Ok(drill)
    }

    /// Pauses, resumes or stops a drill: the commissioner who started it, or a leader.
    pub async fn control_drill(&self, actor: &Actor, id: &str, change: DrillChange) -> Result<DrillRow> {
        allow(actor.role, StationAct::ControlDrill)?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let mut drill = tx.drill(id).await?.ok_or_else(|| ApiError::Invalid(format!("演练 {id} 不存在")))?;
        if actor.role != Role::Leader && drill.started_by_id != actor.id {
            return Err(ApiError::Forbidden(format!(
                "演练 {id} 由{}发起：只有发起人或领导可以暂停或结束",
                drill.started_by_name
            )));
        }
        let (command, what) = match (change, drill.state.as_str()) {
            (DrillChange::Pause, "running") => {
                drill.state = "paused".into();
                drill.paused_at = Some(now);
                ("drill_pause", "暂停")
            }
            (DrillChange::Resume, "paused") => {
                let paused = drill.paused_at.take().map_or(0, |at| (now - at).num_milliseconds());
                drill.paused_ms += paused;
                drill.state = "running".into();
                ("drill_resume", "继续")
            }
            (DrillChange::Stop, "running" | "paused") => {
                drill.state = "stopped".into();
                drill.ended_at = Some(now);
                ("drill_stop", "结束")
            }
            (_, state) => {
                return Err(ApiError::Invalid(format!(
                    "演练 {id} 当前状态为{}，不能{}",
                    state_zh(state),
                    change.name_zh()
                )))
            }
        };
        tx.update_drill(&drill, command.trim_start_matches("drill_"), now).await?;
        tx.append_audit(&station_audit(actor, now, command, None, format!("{what}演练 {id}"))).await?;
        tx.commit().await?;
        Ok(drill)
    }

    pub async fn drills(&self) -> Result<Vec<DrillRow>> {
        Ok(self.store().drills().await?)
    }

    /// One round of the injector: every inject now due is sent, each in a transaction of its own; when the
    /// last is in, the drill is finished. Returns the injects sent this round.
    pub async fn inject_due(&self, drill_id: &str) -> Result<Vec<InjectRow>> {
        let store = self.store();
        let Some(drill) = store.drill(drill_id).await? else {
            return Err(ApiError::Invalid(format!("演练 {drill_id} 不存在")));
        };
        let now = self.now();
        let mut sent = Vec::new();
        let injects = store.drill_injects(drill_id).await?;
        let due: Vec<&InjectRow> = injects
            .iter()
            .filter(|i| i.injected_at.is_none() && due_at(&drill, i).is_some_and(|at| at <= now))
            .collect();
        // The scenario as stored names villages, cameras and workers as the file did: read it back against
        // the township once a round, and only when something is due.
        let scenario = if due.is_empty() {
            None
        } else {
            let file = redgrid_drill::parse(drill.scenario.as_bytes(), "drill.csv")
                .map_err(|e| ApiError::Invalid(format!("演练 {} 的脚本无法读取：{e}", drill.id)))?;
            Some(
                file.resolve(&self.drill_catalogue().await?)
                    .map_err(|e| ApiError::Invalid(format!("演练 {} 的脚本与当前登记不符：{e}", drill.id)))?,
            )
        };
        for inject in due {
            let Some(planned) =
                scenario.as_ref().and_then(|s| s.injects.iter().find(|i| i64::from(i.seq) == inject.seq))
            else {
                continue;
            };
            // A call-up is a transaction of its own (its calls and their records): made before the inject's.
            let called = match planned.kind {
                InjectKind::Callup => Some(self.drill_callup(&drill, inject, planned, now).await?),
                _ => None,
            };
            let mut tx = store.begin_write().await?;
            let detail = match called {
                Some(detail) => detail,
                None => self.send_inject(&mut tx, &drill, inject, planned, now).await?,
            };
            if tx.mark_injected(drill_id, inject.seq, now, &detail).await? {
                tx.commit().await?;
                self.wake_outbox();
                sent.push(InjectRow { injected_at: Some(now), detail, ..inject.clone() });
            }
        }
        let all_in = store.drill_injects(drill_id).await?.iter().all(|i| i.injected_at.is_some());
        if all_in && drill.state == "running" {
            let mut tx = store.begin_write().await?;
            if let Some(mut live) = tx.drill(drill_id).await?.filter(|d| d.state == "running") {
                live.state = "finished".into();
                live.ended_at = Some(now);
                tx.update_drill(&live, "finished", now).await?;
                let station = drill_director(self);
                tx.append_audit(&station_audit(
                    &station,
                    now,
                    "drill_finish",
                    None,
                    format!("演练 {drill_id} 全部条目已注入"),
                ))
                .await?;
                tx.commit().await?;
            }
        }
        Ok(sent)
    }

    /// Sends one inject in the caller's transaction; returns what the record says of it.
    async fn send_inject(
        &self,
        tx: &mut WriteTx,
        drill: &DrillRow,
        inject: &InjectRow,
        raw: &redgrid_drill::Inject,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let kind = raw.kind;
        let topics = self.topics();
        Ok(match kind {
            InjectKind::ResidentReport | InjectKind::WorkerReport => {
                let reporter = match (kind, &raw.worker_id) {
                    (InjectKind::WorkerReport, Some(worker)) => worker.clone(),
                    (InjectKind::WorkerReport, None) => "网格员（演练）".into(),
                    _ => "群众（演练）".into(),
                };
                let report = Report {
                    report_id: format!("{}-{}", drill.id, inject.seq),
                    reporter,
                    grid: raw.grid.clone().or_else(|| Some(inject.village_code.clone())),
                    position: None,
                    category: raw.category.map(|c| c.key().to_string()),
                    text: format!("【演练】{}", raw.content),
                    photos: Vec::new(),
                    at: now,
                };
                let topic = topics.reports(&format!("drill-{}", drill.id));
                tx.enqueue(
                    self.station_id(),
                    &topic,
                    &redgrid_bus::payload::encode_report(&report),
                    false,
                    now,
                )
                .await?;
                format!("已发送 {topic}")
            }
            InjectKind::Hotline => format!("来电待登记：{}", raw.content),
            // `inject_due` makes a call-up in a transaction of its own, before this one.
            InjectKind::Callup => String::new(),
            InjectKind::Unreachable => {
                format!(
                    "{}{}",
                    redgrid_store::drills::UNREACHABLE_PREFIX,
                    raw.worker_id.clone().unwrap_or_default()
                )
            }
            InjectKind::CameraAlert | InjectKind::FrigateAlert => {
                // As the camera's NVR reports it: by its name on the NVR, under the drill's own source, so
                // that its alerts are grouped, triaged and converted as a drill's, apart from real ones.
                let cameras = self.store().cameras(&self.scheme()).await?;
                let Some(camera) =
                    raw.camera_id.as_ref().and_then(|id| cameras.into_iter().find(|c| &c.id == id))
                else {
                    return Ok("未注入：脚本中的摄像头已不在登记中".into());
                };
                let alert = redgrid_bus::payload::CameraAlert {
                    alert_id: format!("{}-{}", drill.id, inject.seq),
                    camera: camera.nvr_name.clone(),
                    kind: alert_kind(raw.category),
                    confidence: 0.9,
                    at: now,
                    snapshot: None,
                    bounding_box: None,
                };
                let topic = topics.camera_alerts(&format!("drill-{}", drill.id));
                tx.enqueue(
                    self.station_id(),
                    &topic,
                    &redgrid_bus::payload::encode_camera_alert(&alert),
                    false,
                    now,
                )
                .await?;
                format!("已发送 {topic}（{}）", camera.name)
            }
        })
    }

    /// A call-up inject: the village called up as the drill's.
    async fn drill_callup(
        &self,
        drill: &DrillRow,
        inject: &InjectRow,
        raw: &redgrid_drill::Inject,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let selection = CallupSelection { villages: vec![inject.village_code.clone()], ..Default::default() };
        let reply_by = now + Duration::seconds((600 / drill.speed.max(1)).max(30));
        let director = drill_director(self);
        let reason = format!("【演练】{}", raw.content);
        let started = self.start_callup(&director, &selection, &reason, reply_by, Some(&drill.id)).await?;
        Ok(format!("叫应 {}：{} 人", started.callup_id, started.called))
    }

    /// Links the event an officer logged in the drill queue to the earliest hotline inject waiting in its
    /// village.
    pub(crate) async fn link_hotline(&self, tx: &mut WriteTx, grid: &str, event_id: i64) -> Result<()> {
        let scheme = self.scheme();
        let village_len = scheme.level(scheme.village_depth()).map_or(12, |l| l.code_len);
        let village = &grid[..village_len.min(grid.len())];
        if let Some((drill_id, seq)) = tx.waiting_hotline(village).await? {
            tx.set_event_drill(event_id, &drill_id).await?;
            tx.link_inject(&drill_id, seq, event_id).await?;
        }
        Ok(())
    }

    /// Tags an event a drill's report created with the drill, and links it to its inject.
    pub(crate) async fn tag_drill_event(
        &self,
        tx: &mut WriteTx,
        drill_id: &str,
        report_id: &str,
        event_id: i64,
    ) -> Result<()> {
        tx.set_event_drill(event_id, drill_id).await?;
        if let Some(seq) = report_id.strip_prefix(&format!("{drill_id}-")).and_then(|s| s.parse::<i64>().ok())
        {
            tx.link_inject(drill_id, seq, event_id).await?;
        }
        Ok(())
    }
}

/// What a camera would see of an inject's category.
fn alert_kind(category: Option<redgrid_core::event::Category>) -> redgrid_bus::payload::AlertKind {
    use redgrid_bus::payload::AlertKind;
    use redgrid_core::event::Category;
    match category {
        Some(Category::Fire) => AlertKind::SmokeFire,
        Some(Category::PublicOrder) => AlertKind::Crowd,
        Some(Category::Weather) => AlertKind::NearWater,
        Some(Category::Safety) => AlertKind::Intrusion,
        _ => AlertKind::Other,
    }
}

/// The drill's director: the station acting for the scenario (its call-ups, its finish).
fn drill_director(station: &Station) -> Actor {
    Actor {
        id: "drill".into(),
        name: "演练导调".into(),
        role: Role::System,
        station: station.station_id().into(),
    }
}

/// What a commissioner does to a running drill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrillChange {
    Pause,
    Resume,
    Stop,
}

impl DrillChange {
    pub fn name_zh(self) -> &'static str {
        match self {
            DrillChange::Pause => "暂停",
            DrillChange::Resume => "继续",
            DrillChange::Stop => "结束",
        }
    }
}

pub fn state_zh(state: &str) -> &'static str {
    match state {
        "running" => "进行中",
        "paused" => "已暂停",
        "stopped" => "已结束",
        "finished" => "已完成",
        "archived" => "已归档",
        _ => "未知",
    }
}

/// Runs the injector until every inject is in or the drill ends, calling `on_inject` for each one sent.
pub async fn run_injector(
    station: Station,
    drill_id: String,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
    mut on_inject: impl FnMut(&InjectRow),
) -> Result<DrillRow> {
    loop {
        for sent in station.inject_due(&drill_id).await? {
            on_inject(&sent);
        }
        let drill = station
            .store()
            .drill(&drill_id)
            .await?
            .ok_or_else(|| ApiError::Invalid(format!("演练 {drill_id} 不存在")))?;
        if !matches!(drill.state.as_str(), "running" | "paused") {
            return Ok(drill);
        }
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_millis(200)) => {}
            _ = shutdown.changed() => return Ok(drill),
        }
    }
}

/// One step of an inject's handling on the scorecard.
#[derive(Debug, Clone, PartialEq)]
pub struct StepScore {
    /// `accept`, `dispatch`, `acknowledge`, `arrive`, `feedback`, `verify`, `close`.
    pub step: &'static str,
    pub at: DateTime<Utc>,
    /// From the step's start (the injection, or the previous step done) to this one.
    pub seconds: i64,
    /// The limit at the level in force, divided by the drill's speed; `None` for a step without one.
    pub limit_seconds: Option<i64>,
    pub on_time: Option<bool>,
}

/// Whether an action the scenario expected happened, and by whom.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectedScore {
    pub action: &'static str,
    pub done: bool,
    pub by: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InjectScore {
    pub seq: i64,
    pub kind: String,
    pub planned_at: DateTime<Utc>,
    pub injected_at: Option<DateTime<Utc>>,
    pub event_id: Option<i64>,
    pub steps: Vec<StepScore>,
    pub expected: Vec<ExpectedScore>,
    pub score: f64,
}

/// The drill's scorecard (docs/drills.md "Scorecard").
#[derive(Debug, Clone, PartialEq)]
pub struct Scorecard {
    pub drill: DrillRow,
    pub score: f64,
    pub conclusion: &'static str,
    pub injects: Vec<InjectScore>,
    /// Per officer (by name): how many of the drill events' steps they took.
    pub officers: Vec<(String, usize)>,
    /// Per worker (by id): tasks acknowledged and fed back on drill events.
    pub workers: Vec<(String, usize)>,
    /// The drill's call-ups: (called, answered).
    pub callup: Option<(usize, usize)>,
}

/// The closed-loop commands a scorecard times, in order, and the step whose limit applies.
const TIMED: [(&str, Option<redgrid_core::event::Step>); 7] = {
    use redgrid_core::event::Step;
    [
        ("accept", Some(Step::Accept)),
        ("dispatch", Some(Step::Dispatch)),
        ("acknowledge", None),
        ("arrive", None),
        ("feedback", Some(Step::Handle)),
        ("verify", Some(Step::Verify)),
        ("close", Some(Step::Close)),
    ]
};

impl Station {
    /// Scores a drill from its injects, the audit trail of the events they became and its call-ups.
    pub async fn drill_scorecard(&self, id: &str) -> Result<Scorecard> {
        use redgrid_drill::score::{conclusion, drill_score, inject_score, InjectResult};
        let store = self.store();
        let drill = store.drill(id).await?.ok_or_else(|| ApiError::Invalid(format!("演练 {id} 不存在")))?;
        let file = redgrid_drill::parse(drill.scenario.as_bytes(), "drill.csv")
            .map_err(|e| ApiError::Invalid(format!("演练 {id} 的脚本无法读取：{e}")))?;
        let rules = self.rules();
        let ack_minutes = self.ack_minutes().await?;
        let speed = drill.speed.max(1);
        let workers = store.workers(&rules.scheme).await?;
        let full_time = |id: &str| {
            workers.iter().any(|w| {
                w.worker.id == id && w.worker.employment == redgrid_core::worker::Employment::FullTime
            })
        };
        let mut officers: std::collections::BTreeMap<String, usize> = Default::default();
        let mut by_worker: std::collections::BTreeMap<String, usize> = Default::default();
        let mut callup_totals: Option<(usize, usize)> = None;
        let mut injects = Vec::new();
        let mut results = Vec::new();
        for row in store.drill_injects(id).await? {
            let raw = file.injects.iter().find(|i| i64::from(i.seq) == row.seq);
            let planned_at = drill.started_at + Duration::milliseconds(row.planned_offset_ms / speed);
            let mut steps = Vec::new();
            let mut expected = Vec::new();
            let history = match row.event_id {
                Some(event) => store.event_history(event).await?,
                None => Vec::new(),
            };
            let event = match row.event_id {
                Some(event) => Some(self.event(event).await?.stored.event),
                None => None,
            };
            if let (Some(event), Some(start)) = (&event, row.injected_at) {
                let mut from = start;
                for (command, step) in TIMED {
                    let Some(record) = history.iter().find(|r| r.entry.command == command) else { continue };
                    let at = record.entry.at;
                    let limit_minutes = match step {
                        Some(step) => rules
                            .policy
                            .limit_at(event.category, event.severity, step, rules.level.pace())
                            .map(|l| l.minutes),
                        None if command == "acknowledge" => Some(ack_minutes),
                        None => None,
                    };
                    let seconds = (at - from).num_seconds().max(0);
                    let limit_seconds = limit_minutes.map(|m| m * 60 / speed);
                    steps.push(StepScore {
                        step: command,
                        at,
                        seconds,
                        limit_seconds,
                        on_time: limit_seconds.map(|l| seconds <= l),
                    });
                    from = at;
                }
                for record in &history {
                    match record.entry.role.as_str() {
                        "duty_officer" | "leader" | "commissioner" => {
                            *officers.entry(record.entry.actor_name.clone()).or_default() += 1
                        }
                        "grid_worker" | "grid_leader" => {
                            *by_worker.entry(record.entry.actor_id.clone()).or_default() += 1
                        }
                        _ => {}
                    }
                }
            }
            for action in raw.map(|r| r.expected.clone()).unwrap_or_default() {
                use redgrid_drill::ExpectedAction::*;
                let find = |command: &str| {
                    history.iter().find(|r| r.entry.command == command).map(|r| r.entry.actor_name.clone())
                };
                let (done, by) = match action {
                    Accept => (find("accept").is_some(), find("accept")),
                    Dispatch => (find("dispatch").is_some(), find("dispatch")),
                    DispatchFullTime => {
                        let sent =
                            event.as_ref().is_some_and(|e| e.tasks.iter().any(|t| full_time(&t.worker_id)));
                        (sent, find("dispatch"))
                    }
                    Escalate => (find("request_escalation").is_some(), find("request_escalation")),
                    Close => (find("close").is_some(), find("close")),
                    CallupAnswered => {
                        let status = match row.detail.strip_prefix("叫应 ").and_then(|d| d.split('：').next())
                        {
                            Some(callup) => self.callup_status(callup).await.ok(),
                            None => None,
                        };
                        match status {
                            Some(s) => {
                                let answered = s.available + s.unavailable;
                                let totals = callup_totals.get_or_insert((0, 0));
                                totals.0 += s.called;
                                totals.1 += answered;
                                // Answered means nine in ten answered, as a muster is judged.
                                (s.called > 0 && answered * 10 >= s.called * 9, None)
                            }
                            None => (false, None),
                        }
                    }
                };
                expected.push(ExpectedScore { action: action.key(), done, by });
            }
            let result = InjectResult {
                steps_on_time: steps.iter().filter_map(|s| s.on_time).collect(),
                actions_done: expected.iter().map(|e| e.done).collect(),
                severity_weight: raw.map_or(1, |r| r.severity.level().clamp(1, 4) as u32),
            };
            injects.push(InjectScore {
                seq: row.seq,
                kind: row.kind.clone(),
                planned_at,
                injected_at: row.injected_at,
                event_id: row.event_id,
                steps,
                expected,
                score: inject_score(&result),
            });
            results.push(result);
        }
        let score = drill_score(&results);
        Ok(Scorecard {
            drill,
            score,
            conclusion: conclusion(score),
            injects,
            officers: officers.into_iter().collect(),
            workers: by_worker.into_iter().collect(),
            callup: callup_totals,
        })
    }
}
