//! Statistics of the closed loop, with their exact definitions.
//!
//! Every figure counts the events *reported* in the period (a month in Asia/Shanghai), drill events never.
//! - **valid** (有效事件): reported, less those rejected (不予受理), merged into another event or voided.
//! - **handling rate** (处置率) = handled ÷ valid, where handled means the event now stands at handled,
//!   verified or closed, or was escalated to the county (处置移交).
//! - **closing rate** (结案率) = closed ÷ valid.
//! - **on-time rate of a step** (按时率) = events that completed the step and were never late on it ÷ events
//!   that completed it. A step done twice (after a send-back) is late if either time was late.
//! - **mediation success rate** (调解成功率) = disputes closed as mediated successfully ÷ disputes closed
//!   as mediated successfully or as mediation failed.
//!
//! A rate with a zero denominator is absent, not zero.
//!
//! [`Counters::count`] is the one definition: the store only groups events with identical facts in SQL and
//! hands the groups to [`Counters::count_many`].

use std::collections::BTreeMap;

use crate::event::{Category, Outcome, Status, Step};

/// The facts of one event that statistics read.
#[derive(Debug, Clone, PartialEq)]
pub struct EventFacts {
    pub status: Status,
    pub category: Category,
    pub drill: bool,
    pub on_time_steps: i64,
    pub late_steps: i64,
    pub outcome: Option<Outcome>,
}

/// Additive counts from which every rate is derived.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    pub reported: i64,
    pub valid: i64,
    pub handled: i64,
    pub closed: i64,
    /// Per [`Step`], in `Step::ALL` order.
    pub step_done: [i64; 5],
    pub step_late: [i64; 5],
    pub disputes_mediated: i64,
    pub disputes_mediation_failed: i64,
}

/// The rates, each absent when its denominator is zero.
#[derive(Debug, Clone, PartialEq)]
pub struct Rates {
    pub handling_rate: Option<f64>,
    pub closing_rate: Option<f64>,
    pub on_time_rate: [Option<f64>; 5],
    pub mediation_success_rate: Option<f64>,
}

pub fn is_valid_status(status: Status) -> bool {
    !matches!(status, Status::Rejected | Status::Merged | Status::Voided)
}

pub fn is_handled_status(status: Status) -> bool {
    matches!(status, Status::Handled | Status::Verified | Status::Closed | Status::Escalated)
}

fn ratio(numerator: i64, denominator: i64) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

impl Counters {
    /// Adds one event by the definitions above.
    pub fn count(&mut self, facts: &EventFacts) {
        self.count_many(facts, 1);
    }

    /// Adds `events` events that share the same facts (the store groups identical facts in SQL).
    pub fn count_many(&mut self, facts: &EventFacts, events: i64) {
        if facts.drill {
            return;
        }
        self.reported += events;
        if !is_valid_status(facts.status) {
            return;
        }
        let when = |condition: bool| if condition { events } else { 0 };
        self.valid += events;
        self.handled += when(is_handled_status(facts.status));
        self.closed += when(facts.status == Status::Closed);
        for (i, step) in Step::ALL.into_iter().enumerate() {
            self.step_done[i] += when((facts.on_time_steps | facts.late_steps) & step.bit() != 0);
            self.step_late[i] += when(facts.late_steps & step.bit() != 0);
        }
        if facts.status == Status::Closed && facts.category.is_dispute() {
            self.disputes_mediated += when(facts.outcome == Some(Outcome::MediatedSuccessfully));
            self.disputes_mediation_failed += when(facts.outcome == Some(Outcome::MediationFailed));
        }
    }

    pub fn add(&mut self, other: &Counters) {
        self.reported += other.reported;
        self.valid += other.valid;
        self.handled += other.handled;
        self.closed += other.closed;
        for i in 0..5 {
            self.step_done[i] += other.step_done[i];
            self.step_late[i] += other.step_late[i];
        }
        self.disputes_mediated += other.disputes_mediated;
        self.disputes_mediation_failed += other.disputes_mediation_failed;
    }

    pub fn rates(&self) -> Rates {
        let mut on_time_rate = [None; 5];
        for (i, rate) in on_time_rate.iter_mut().enumerate() {
            *rate = ratio(self.step_done[i] - self.step_late[i], self.step_done[i]);
        }
        Rates {
            handling_rate: ratio(self.handled, self.valid),
            closing_rate: ratio(self.closed, self.valid),
            on_time_rate,
            mediation_success_rate: ratio(
                self.disputes_mediated,
                self.disputes_mediated + self.disputes_mediation_failed,
            ),
        }
    }
}

/// Counters of one (grid, category) cell, as the store aggregates them.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub grid: String,
    pub category: Category,
    pub counters: Counters,
}

/// A period's statistics rolled up every way the console reports them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatsReport {
    pub total: Counters,
    pub by_grid: BTreeMap<String, Counters>,
    /// Keyed by the 12-digit village/community code.
    pub by_village: BTreeMap<String, Counters>,
    pub by_category: BTreeMap<Category, Counters>,
}

impl StatsReport {
    /// Rolls cells up; `village_code_len` is the length of a village code in the level scheme.
    pub fn from_cells(cells: &[Cell], village_code_len: usize) -> StatsReport {
        let mut report = StatsReport::default();
        for cell in cells {
            report.total.add(&cell.counters);
            report.by_grid.entry(cell.grid.clone()).or_default().add(&cell.counters);
            let village = cell.grid.get(..village_code_len).unwrap_or(&cell.grid).to_string();
            report.by_village.entry(village).or_default().add(&cell.counters);
            report.by_category.entry(cell.category).or_default().add(&cell.counters);
        }
        report
    }
}

/// Reminders (催办), supervision (督办) and send-backs (退回) over the events reported in the period, and the
/// open events past their current step's deadline when the report is made (当前超时). Drills never count.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoopCounts {
    pub reminders: i64,
    pub supervisions: i64,
    pub send_backs: i64,
    pub overdue_open: i64,
}

/// What statistics read of one task sent to a worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskFacts {
    pub acknowledged: bool,
    /// Acknowledged no later than its acknowledgement deadline.
    pub acknowledged_in_time: bool,
    pub arrived: bool,
    /// The worker reported back (反馈) on it.
    pub done: bool,
    /// Its acknowledgement deadline passed unacknowledged (the officer was alerted).
    pub not_acknowledged: bool,
}

/// One worker's tasks dispatched in the period, drills excluded. A task counts once, in the month it was
/// dispatched, whatever happened to it later.
/// - **acknowledgement rate** (签收及时率) = acknowledged in time ÷ tasks.
/// - **feedback rate** (反馈率) = done ÷ tasks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkerCounters {
    pub tasks: i64,
    pub acknowledged: i64,
    pub acknowledged_in_time: i64,
    pub arrived: i64,
    pub done: i64,
    pub not_acknowledged: i64,
}

impl WorkerCounters {
    pub fn count(&mut self, task: &TaskFacts) {
        self.tasks += 1;
        self.acknowledged += i64::from(task.acknowledged);
        self.acknowledged_in_time += i64::from(task.acknowledged_in_time);
        self.arrived += i64::from(task.arrived);
        self.done += i64::from(task.done);
        self.not_acknowledged += i64::from(task.not_acknowledged);
    }

    pub fn acknowledgement_rate(&self) -> Option<f64> {
        ratio(self.acknowledged_in_time, self.tasks)
    }

    pub fn feedback_rate(&self) -> Option<f64> {
        ratio(self.done, self.tasks)
    }
}
