//! Graded response (`redgrid_core::response`): the level in force, the leader's switch with its dry run, and
//! the record of switches for the emergency period.
//!
//! A switch is one transaction: the level and the binary mode settings, the switch record, the audit record
//! `switch_mode` (levels' keys in from/to) and the retained `broadcast/mode` with the level for terminals.
//! Other stations take it up through the feed follower, which re-reads the rules after a `setting` entry.

use chrono::{DateTime, Duration, Utc};
use redgrid_core::acts::StationAct;
use redgrid_core::closed_loop::Actor;
use redgrid_core::response::{DutyRequirement, ResponseLadder, ResponseLevel, RosterProfile};
use redgrid_core::time_limit::{Mode, StepClock};
use redgrid_core::worker::Employment;
use redgrid_store::response::LevelSwitch;
use redgrid_store::QueueFilter;

use crate::{allow, station_audit, ApiError, Result, Station};

/// The level in force as the status bar shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelView {
    pub level: ResponseLevel,
    pub since: Option<DateTime<Utc>>,
    pub by: Option<String>,
}

/// How the stored roster meets a level's demand.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageCheck {
    pub roster_id: i64,
    /// The demand the stored roster was planned for.
    pub roster_profile: RosterProfile,
    pub required: u32,
    pub covered: u32,
    pub gaps: usize,
    /// The stored roster was planned for another profile: the roster desk offers the re-plan.
    pub replan_needed: bool,
}

/// What a switch would do, before it is made.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelDryRun {
    pub level: ResponseLevel,
    /// Open events whose current step would be over its limit at the level's pace.
    pub overdue: Vec<i64>,
    /// Open events whose current step would fall due within the hour.
    pub due_within_hour: Vec<i64>,
    /// `None` when there is no stored roster.
    pub coverage: Option<CoverageCheck>,
    pub duty_required: DutyRequirement,
    /// Workers a call-up at this level would reach: the part-time force under 24-hour cover.
    pub callup: Vec<String>,
}

impl Station {
    pub fn ladder(&self) -> ResponseLadder {
        self.rules().ladder
    }

    pub fn level(&self) -> ResponseLevel {
        self.rules().level
    }

    pub async fn level_view(&self) -> Result<LevelView> {
        let level = self.level();
        let state = self.store().response_state().await?;
        let current = state.key.as_deref() == Some(level.key.as_str());
        Ok(LevelView { level, since: state.since.filter(|_| current), by: state.by.filter(|_| current) })
    }

    fn find_level(&self, text: &str) -> Result<ResponseLevel> {
        let ladder = self.ladder();
        ladder.find(text).cloned().ok_or_else(|| {
            let names: Vec<&str> = ladder.levels().iter().map(|l| l.name.as_str()).collect();
            ApiError::Invalid(format!("未知的响应等级“{}”：可选 {}", text.trim(), names.join("、")))
        })
    }

    /// A leader switches the station to another response level, with a reason; audited and broadcast.
    pub async fn set_level(&self, actor: &Actor, level: &str, reason: &str) -> Result<LevelSwitch> {
        allow(actor.role, StationAct::SwitchMode)?;
        if reason.trim().is_empty() {
            return Err(ApiError::Invalid("切换响应等级必须填写理由".into()));
        }
        let to = self.find_level(level)?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        // The level in force as stored, under the write lock: two leaders switching at once each see the
        // other's switch, and the audit's `from` is what was really in force.
        let ladder = self.ladder();
        let mode = tx.setting("mode").await?.and_then(|m| Mode::from_key(&m)).unwrap_or(Mode::Peacetime);
        let from = tx
            .setting("response_level")
            .await?
            .and_then(|key| ladder.find(&key).cloned())
            .filter(|l| l.legacy_mode == mode)
            .unwrap_or_else(|| ladder.for_mode(mode).clone());
        if from.key == to.key {
            return Err(ApiError::Invalid(format!("当前已是{}，无需切换", to.name)));
        }
        let switch = LevelSwitch {
            id: 0,
            at: now,
            from_level: from.key.clone(),
            to_level: to.key.clone(),
            by_id: actor.id.clone(),
            by_name: actor.name.clone(),
            reason: reason.trim().to_string(),
        };
        tx.switch_level(&switch, to.legacy_mode).await?;
        let change = Some((from.key.as_str(), to.key.as_str()));
        tx.append_audit(&station_audit(actor, now, "switch_mode", change, switch.reason.clone())).await?;
        let broadcast = redgrid_bus::payload::Broadcast::Mode(redgrid_bus::payload::ModeSwitch {
            mode: match to.legacy_mode {
                Mode::Peacetime => redgrid_bus::payload::OperatingMode::Peacetime,
                Mode::Wartime => redgrid_bus::payload::OperatingMode::Wartime,
            },
            reason: switch.reason.clone(),
            by: actor.name.clone(),
            at: now,
            level: Some(to.key.clone()),
            level_name: Some(to.name.clone()),
            text: Some(to.broadcast_text.clone()),
        });
        let topics = self.topics();
        let topic = topics.broadcast(broadcast.kind());
        let payload = redgrid_bus::payload::encode_broadcast(&broadcast);
        tx.enqueue(self.station_id(), &topic, &payload, broadcast.kind().retained(), now).await?;
        tx.commit().await?;
        self.wake_outbox();
        self.reload_rules().await?;
        tracing::info!(actor = %actor.id, from = %from.key, to = %to.key, "response level switched");
        Ok(switch)
    }

    /// What switching to `level` would do: nothing is changed. Open to whoever may switch.
    pub async fn level_dry_run(&self, actor: &Actor, level: &str) -> Result<LevelDryRun> {
        allow(actor.role, StationAct::SwitchMode)?;
        let level = self.find_level(level)?;
        let rules = self.rules();
        let now = self.now();
        let soon = now + Duration::hours(1);
        let open =
            self.store().open_queue(&QueueFilter::default(), 0, 1_000_000, &rules.scheme).await?.events;
        let (mut overdue, mut due_within_hour) = (Vec::new(), Vec::new());
        for stored in &open {
            let event = &stored.event;
            let Some(clock) = &event.clock else { continue };
            let Some(limit) = rules.policy.limit_at(event.category, event.severity, clock.step, level.pace())
            else {
                continue;
            };
            let clock = StepClock { limit, ..clock.clone() };
            match clock.due_at(now, &rules.calendar) {
                Some(due) if due <= now => overdue.push(event.id),
                Some(due) if due <= soon => due_within_hour.push(event.id),
                _ => {}
            }
        }
        let coverage = self.coverage_under(level.roster_profile).await?;
        let callup = match level.roster_profile {
            RosterProfile::Peacetime => Vec::new(),
            RosterProfile::Wartime => self
                .store()
                .workers(&rules.scheme)
                .await?
                .into_iter()
                .filter(|w| w.worker.employment == Employment::PartTime)
                .map(|w| w.worker.id)
                .collect(),
        };
        Ok(LevelDryRun { duty_required: level.duty, level, overdue, due_within_hour, coverage, callup })
    }

    /// How the roster in force (or the newest) meets the demand of `profile`.
    async fn coverage_under(&self, profile: RosterProfile) -> Result<Option<CoverageCheck>> {
        let store = self.store();
        let today = redgrid_core::time::local_date(self.now());
        let header = match store.roster_covering(today).await? {
            Some(header) => header,
            None => match store.latest_roster().await? {
                Some(header) => header,
                None => return Ok(None),
            },
        };
        let stored_profile = match header.mode {
            Mode::Peacetime => RosterProfile::Peacetime,
            Mode::Wartime => RosterProfile::Wartime,
        };
        let desk = self.roster_desk(Some(header.id)).await?;
        Ok(Some(CoverageCheck {
            roster_id: header.id,
            roster_profile: stored_profile,
            required: desk.coverage.required,
            covered: desk.coverage.covered,
            gaps: desk.coverage.gaps.len(),
            replan_needed: stored_profile != profile,
        }))
    }

    /// The level switches since `from` (all when `None`), for the emergency period's record.
    pub async fn level_switches(&self, from: Option<DateTime<Utc>>) -> Result<Vec<LevelSwitch>> {
        Ok(self.store().level_switches(from).await?)
    }
}
