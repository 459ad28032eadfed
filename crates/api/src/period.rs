//! The emergency period as a record (应急期间记录): from the first switch above the everyday level to the
//! return to it — the levels and who switched, the call-ups and their answer rates, zero-report compliance,
//! and the events reported in the period with how they were handled and how many steps were on time.
//! Drills never count in it.

use chrono::{DateTime, Duration, Utc};
use redgrid_store::history::HistoryQuery;
use redgrid_store::response::LevelSwitch;

use crate::{ApiError, Result, Station};

/// One call-up of the period, with its answers.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodCallup {
    pub callup_id: String,
    pub reason: String,
    pub started_at: DateTime<Utc>,
    pub called: usize,
    pub available: usize,
    pub unavailable: usize,
    pub silent: usize,
}

/// The period's record.
#[derive(Debug, Clone, PartialEq)]
pub struct EmergencyPeriod {
    pub started_at: DateTime<Utc>,
    /// `None` while the period goes on.
    pub ended_at: Option<DateTime<Utc>>,
    pub switches: Vec<LevelSwitch>,
    /// The highest level reached, by name.
    pub highest: String,
    pub callups: Vec<PeriodCallup>,
    /// Zero reports owed (villages × periods of each level with a cadence) and received (one a village a
    /// period counts).
    pub zero_reports_owed: usize,
    pub zero_reports_received: usize,
    pub events_reported: usize,
    /// Still open at the end of the record.
    pub events_open: usize,
    pub events_closed: usize,
    /// Steps completed within their limit, and all steps completed.
    pub steps_on_time: u32,
    pub steps_done: u32,
}

impl EmergencyPeriod {
    pub fn answer_rate(&self) -> Option<f64> {
        let called: usize = self.callups.iter().map(|c| c.called).sum();
        let answered: usize = self.callups.iter().map(|c| c.available + c.unavailable).sum();
        (called > 0).then(|| answered as f64 / called as f64)
    }

    pub fn zero_report_rate(&self) -> Option<f64> {
        (self.zero_reports_owed > 0)
            .then(|| self.zero_reports_received as f64 / self.zero_reports_owed as f64)
    }

    pub fn on_time_rate(&self) -> Option<f64> {
        (self.steps_done > 0).then(|| f64::from(self.steps_on_time) / f64::from(self.steps_done))
    }
}

impl Station {
    /// The latest emergency period (or the one going on); `invalid` when the station never left its
    /// everyday level.
    pub async fn emergency_period(&self) -> Result<EmergencyPeriod> {
        let ladder = self.ladder();
        let base = ladder.base().key.clone();
        let all = self.store().level_switches(None).await?;
        let mut start: Option<usize> = None;
        let mut end: Option<usize> = None;
        for (i, s) in all.iter().enumerate() {
            if s.from_level == base && s.to_level != base {
                start = Some(i);
                end = None;
            } else if s.to_level == base && start.is_some() {
                end = Some(i);
            }
        }
        let Some(first) = start else {
            return Err(ApiError::Invalid("尚无应急期间：本站从未切换到平时以上的响应等级".into()));
        };
        let last = end.unwrap_or(all.len() - 1);
        let switches: Vec<LevelSwitch> = all[first..=last].to_vec();
        let started_at = switches[0].at;
        let ended_at = end.map(|i| all[i].at);
        let until = ended_at.unwrap_or_else(|| self.now());
        let highest = switches
            .iter()
            .filter_map(|s| ladder.rank(&s.to_level).map(|r| (r, s.to_level.clone())))
            .max()
            .and_then(|(_, key)| ladder.find(&key).map(|l| l.name.clone()))
            .unwrap_or_default();

        let store = self.store();
        let mut callups = Vec::new();
        for row in store.callups_since(started_at).await?.into_iter().rev() {
            if row.started_at > until || row.drill_id.is_some() {
                continue;
            }
            let s = self.callup_status(&row.id).await?;
            callups.push(PeriodCallup {
                callup_id: row.id,
                reason: row.reason,
                started_at: row.started_at,
                called: s.called,
                available: s.available,
                unavailable: s.unavailable,
                silent: s.silent,
            });
        }

        // Zero reports: each level with a cadence owes one per village per period of it.
        let villages = self.villages().await?.len();
        let mut owed = 0;
        for (i, s) in switches.iter().enumerate() {
            let to = switches.get(i + 1).map_or(until, |next| next.at);
            let Some(hours) = ladder.find(&s.to_level).and_then(|l| l.zero_report_hours) else { continue };
            let span = (to - s.at).num_seconds().max(0);
            owed += villages * (span / (hours * 3600)) as usize;
        }
        let mut received: Vec<(String, i64)> = store
            .zero_reports_since(started_at)
            .await?
            .into_iter()
            .filter(|r| r.reported_at <= until)
            .map(|r| (r.village_code, r.period_start.timestamp()))
            .collect();
        received.sort();
        received.dedup();

        let query = HistoryQuery {
            from: Some(started_at),
            until: Some(until + Duration::milliseconds(1)),
            limit: 100_000,
            ..Default::default()
        };
        let events = store.search_events(&query, &self.scheme()).await?;
        let real: Vec<_> = events.iter().filter(|e| !e.event.drill).collect();
        let ones = |bits: i64| bits.count_ones();
        Ok(EmergencyPeriod {
            started_at,
            ended_at,
            highest,
            callups,
            zero_reports_owed: owed,
            zero_reports_received: received.len(),
            events_reported: real.len(),
            events_open: real.iter().filter(|e| e.event.status.is_open()).count(),
            events_closed: real
                .iter()
                .filter(|e| e.event.status == redgrid_core::event::Status::Closed)
                .count(),
            steps_on_time: real.iter().map(|e| ones(e.event.on_time_steps)).sum(),
            steps_done: real.iter().map(|e| ones(e.event.on_time_steps) + ones(e.event.late_steps)).sum(),
            switches,
        })
    }
}

/// A request waiting for a leader (提级, 延时, 挂账, 解除挂账) on an open event.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitingRequest {
    pub event_id: i64,
    pub version: i64,
    pub title: String,
    pub grid_code: String,
    pub drill: bool,
    pub kind: &'static str,
    pub kind_zh: &'static str,
    /// For an extension, the minutes asked.
    pub minutes: Option<i64>,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub reason: String,
}

impl Station {
    /// The requests waiting for a leader's approval, oldest first: the leader's desk answers them one key
    /// at a time (批准 / 驳回 are the closed loop's `approve` and `deny`).
    pub async fn requests_waiting(&self) -> Result<Vec<WaitingRequest>> {
        use redgrid_core::closed_loop::RequestKind;
        let mut waiting = Vec::new();
        for drill in [false, true] {
            let filter = redgrid_store::QueueFilter { drill, ..Default::default() };
            let page = self.store().open_queue(&filter, 0, 1_000_000, &self.scheme()).await?;
            for stored in page.events {
                let event = stored.event;
                let Some(pending) = event.pending else { continue };
                let (kind, minutes) = match pending.kind {
                    RequestKind::Escalate => ("escalate", None),
                    RequestKind::Extend { minutes } => ("extend", Some(minutes)),
                    RequestKind::Park => ("park", None),
                    RequestKind::Unpark => ("unpark", None),
                };
                waiting.push(WaitingRequest {
                    event_id: event.id,
                    version: event.version,
                    title: event.title,
                    grid_code: event.grid.to_string(),
                    drill: event.drill,
                    kind,
                    kind_zh: pending.kind.name_zh(),
                    minutes,
                    requested_by: self.person_name(&pending.requested_by).await?,
                    requested_at: pending.requested_at,
                    reason: pending.reason,
                });
            }
        }
        // Real work first, then the drill's; each oldest first.
        waiting.sort_by_key(|w| (w.drill, w.requested_at));
        Ok(waiting)
    }
}
