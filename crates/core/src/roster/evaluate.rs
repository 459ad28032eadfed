//! The exact objective and hard-rule check of a roster, written for clarity rather than speed.
//!
//! For a benchmark instance this is the benchmark's objective (on-requests + off-requests +
//! cover) and its ten hard constraints with the horizon edge rules of `FORMAT.md`. The solver
//! keeps its own incremental version and re-checks its answer with this one.

use super::assignments::Roster;
use super::model::{Model, ShiftIndex, WorkerIndex};

/// Each kind of hard rule a roster can break.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HardKind {
    /// A shift on day d followed by one of its forbidden successors on day d+1.
    ForbiddenSuccession,
    /// Less rest than the contract's minimum between two consecutive days' shifts.
    MinRest,
    MaxShiftsOfType,
    MaxTotalMinutes,
    MinTotalMinutes,
    MaxConsecutiveShifts,
    MinConsecutiveShifts,
    MinConsecutiveDaysOff,
    MaxWeekends,
    /// Work on a fixed day off.
    DayOff,
    /// A part-time worker rostered outside their availability.
    Unavailable,
    /// A shift given to a worker without a skill it needs.
    MissingSkill,
    MaxShiftsPerWeek,
}

/// One broken rule. `day` is the day it shows on (for a block, its first day) when it has one;
/// `amount` is by how much (days, minutes, weekends or shifts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HardViolation {
    pub kind: HardKind,
    pub worker: WorkerIndex,
    pub day: Option<usize>,
    pub amount: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Evaluation {
    pub on_request_penalty: i64,
    pub off_request_penalty: i64,
    pub cover_penalty: i64,
    pub fairness_penalty: i64,
    /// Every broken hard rule; empty for a feasible roster.
    pub hard: Vec<HardViolation>,
}

impl Evaluation {
    /// The soft penalty to minimise.
    pub fn objective(&self) -> i64 {
        self.on_request_penalty + self.off_request_penalty + self.cover_penalty + self.fairness_penalty
    }

    pub fn hard_violations(&self) -> usize {
        self.hard.len()
    }

    pub fn is_feasible(&self) -> bool {
        self.hard.is_empty()
    }

    pub fn count(&self, kind: HardKind) -> usize {
        self.hard.iter().filter(|v| v.kind == kind).count()
    }
}

/// Scores `roster` against `model` in its current mode.
pub fn evaluate(model: &Model, roster: &Roster) -> Evaluation {
    let mut e = Evaluation::default();
    let days = model.horizon_days;
    for (w, worker) in model.workers.iter().enumerate() {
        let row = roster.worker_days(w);
        let c = &worker.contract;
        let mut push = |kind, day, amount: u32| e.hard.push(HardViolation { kind, worker: w, day, amount });
        for (d, cell) in row.iter().enumerate() {
            let Some(s) = *cell else { continue };
            if worker.days_off.contains(&d) {
                push(HardKind::DayOff, Some(d), 1);
            }
            if worker.available_days.as_ref().is_some_and(|a| !a[d]) {
                push(HardKind::Unavailable, Some(d), 1);
            }
            if !model.shifts[s].required_skills.iter().all(|k| worker.skills.contains(k)) {
                push(HardKind::MissingSkill, Some(d), 1);
            }
            // Day d+1 past the horizon counts as off, so no succession crosses the boundary.
            if let Some(Some(next)) = row.get(d + 1) {
                if model.shifts[s].forbidden_successors.contains(next) {
                    push(HardKind::ForbiddenSuccession, Some(d), 1);
                }
                if model.rest_too_short(w, s, *next) {
                    push(HardKind::MinRest, Some(d), 1);
                }
            }
        }
        for (s, &limit) in c.max_shifts_per_type.iter().enumerate() {
            let worked = row.iter().filter(|x| **x == Some(s)).count() as u32;
            if worked > limit {
                push(HardKind::MaxShiftsOfType, None, worked - limit);
            }
        }
        let minutes: u32 = row.iter().flatten().map(|&s| model.shifts[s].length_minutes).sum();
        if minutes > c.max_total_minutes {
            push(HardKind::MaxTotalMinutes, None, minutes - c.max_total_minutes);
        }
        if minutes < c.min_total_minutes {
            push(HardKind::MinTotalMinutes, None, c.min_total_minutes - minutes);
        }
        for (start, len, working) in blocks(row) {
            let touches_edge = start == 0 || start + len == days;
            let len = len as u32;
            if working {
                if len > c.max_consecutive_shifts {
                    push(HardKind::MaxConsecutiveShifts, Some(start), len - c.max_consecutive_shifts);
                }
                // The benchmark assumes unlimited work before and after the horizon.
                if !touches_edge && len < c.min_consecutive_shifts {
                    push(HardKind::MinConsecutiveShifts, Some(start), c.min_consecutive_shifts - len);
                }
            } else if !touches_edge && len < c.min_consecutive_days_off {
                push(HardKind::MinConsecutiveDaysOff, Some(start), c.min_consecutive_days_off - len);
            }
        }
        let weekends = worked_weekends(model, row);
        if weekends > c.max_weekends {
            push(HardKind::MaxWeekends, None, weekends - c.max_weekends);
        }
        if let Some(limit) = c.max_shifts_per_week {
            let mut per_week = vec![0u32; model.week_count()];
            for (d, cell) in row.iter().enumerate() {
                if cell.is_some() {
                    per_week[model.week_of_day(d)] += 1;
                }
            }
            for (week, &n) in per_week.iter().enumerate() {
                if n > limit {
                    let first_day = (0..days).find(|&d| model.week_of_day(d) == week);
                    push(HardKind::MaxShiftsPerWeek, first_day, n - limit);
                }
            }
        }
    }

    let works = |w: usize, d: usize, s: ShiftIndex| roster.get(w, d) == Some(s);
    e.on_request_penalty = model
        .on_requests
        .iter()
        .filter(|r| !works(r.worker, r.day, r.shift))
        .map(|r| i64::from(r.weight))
        .sum();
    e.off_request_penalty = model
        .off_requests
        .iter()
        .filter(|r| works(r.worker, r.day, r.shift))
        .map(|r| i64::from(r.weight))
        .sum();
    e.cover_penalty = model
        .active_demand()
        .iter()
        .map(|c| {
            let x = model
                .workers
                .iter()
                .enumerate()
                .filter(|(w, worker)| worker.area == c.area && works(*w, c.day, c.shift))
                .count() as i64;
            let need = i64::from(c.requirement);
            if x < need {
                (need - x) * i64::from(c.under_weight)
            } else {
                (x - need) * i64::from(c.over_weight)
            }
        })
        .sum();
    if model.fairness_weight > 0 {
        e.fairness_penalty = (0..model.workers.len())
            .map(|w| {
                let load = i64::from(unpopular_load(model, roster.worker_days(w)));
                load * load
            })
            .sum::<i64>()
            * i64::from(model.fairness_weight);
    }
    e
}

/// Maximal runs of working days and of days off: (first day, length, working).
pub fn blocks(row: &[Option<ShiftIndex>]) -> Vec<(usize, usize, bool)> {
    let mut out = Vec::new();
    let mut start = 0;
    for d in 1..=row.len() {
        if d == row.len() || row[d].is_some() != row[start].is_some() {
            out.push((start, d - start, row[start].is_some()));
            start = d;
        }
    }
    out
}

/// Weekends on which the worker works the Saturday, the Sunday or both.
pub fn worked_weekends(model: &Model, row: &[Option<ShiftIndex>]) -> u32 {
    let mut worked = vec![false; model.weekend_count()];
    for (d, cell) in row.iter().enumerate() {
        if let (Some(_), Some(w)) = (cell, model.weekend_of_day(d)) {
            worked[w] = true;
        }
    }
    worked.iter().filter(|&&x| x).count() as u32
}

/// The work fairness spreads: worked weekends plus night duties.
pub fn unpopular_load(model: &Model, row: &[Option<ShiftIndex>]) -> u32 {
    let nights = row
        .iter()
        .flatten()
        .filter(|&&s| model.shifts[s].kind == super::model::ShiftKind::CentreDutyNight)
        .count() as u32;
    worked_weekends(model, row) + nights
}
