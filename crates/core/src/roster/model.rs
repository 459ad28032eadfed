//! The roster model: shifts, workers and their contracts, requests and coverage demand.
//!
//! One model serves both the township's grid workers and the Curtois–Qu shift scheduling
//! benchmark: a benchmark instance is one area, no skills, no part-time limits and a fairness
//! weight of 0 (see `docs/rostering.md`).

use chrono::Weekday;
use thiserror::Error;

/// Index of a shift in [`Model::shifts`].
pub type ShiftIndex = usize;
/// Index of a worker in [`Model::workers`].
pub type WorkerIndex = usize;
/// Index of an area (a grid, a village or the centre itself) in [`Model::areas`].
pub type AreaIndex = usize;

/// The solver packs a day's assignment into a byte and successor sets into a 64-bit mask, so a
/// model may have at most this many shifts (the largest benchmark instance has 32).
pub const MAX_SHIFTS: usize = 63;

/// What a shift is for. Fairness counts night duty as unpopular work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ShiftKind {
    CentreDutyDay,
    CentreDutyNight,
    GridPatrol,
    Standby,
    /// Imported from a file that does not say (the benchmark format carries no kind).
    Unspecified,
}

/// A shift type: worked on a day by at most one shift per worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    pub id: String,
    /// Minutes after midnight of the day it is worked on; only used for the minimum rest rule.
    pub start_minute: u32,
    pub length_minutes: u32,
    pub kind: ShiftKind,
    /// A worker must hold every one of these skills to work this shift.
    pub required_skills: Vec<String>,
    /// Shifts that may not be worked on the day after this one (night → day).
    pub forbidden_successors: Vec<ShiftIndex>,
}

/// The hard rules of a worker's contract over the whole horizon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contract {
    /// Indexed by shift; 0 means the worker never works that shift.
    pub max_shifts_per_type: Vec<u32>,
    pub max_total_minutes: u32,
    pub min_total_minutes: u32,
    pub max_consecutive_shifts: u32,
    /// Blocks touching the first or last day of the horizon are exempt.
    pub min_consecutive_shifts: u32,
    /// Blocks touching the first or last day of the horizon are exempt.
    pub min_consecutive_days_off: u32,
    pub max_weekends: u32,
    /// Minimum minutes between the end of one day's shift and the start of the next day's.
    pub min_rest_minutes: u32,
    /// For part-time workers; weeks are calendar weeks starting on Monday.
    pub max_shifts_per_week: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Employment {
    FullTime,
    PartTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Worker {
    pub id: String,
    pub employment: Employment,
    /// The area whose coverage this worker's shifts count towards.
    pub area: AreaIndex,
    pub skills: Vec<String>,
    pub contract: Contract,
    /// Days on which the worker must not work (fixed days off, leave, sickness).
    pub days_off: Vec<usize>,
    /// For part-time workers: `Some(v)` with `v[day] == false` where they are not available.
    pub available_days: Option<Vec<bool>>,
}

/// A weighted wish to work (on-request) or not to work (off-request) a shift on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    pub worker: WorkerIndex,
    pub day: usize,
    pub shift: ShiftIndex,
    pub weight: u32,
}

/// How many workers an area needs on a shift on a day, and what a miss costs per worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoverDemand {
    pub area: AreaIndex,
    pub day: usize,
    pub shift: ShiftIndex,
    pub requirement: u32,
    pub under_weight: u32,
    pub over_weight: u32,
}

/// The operating profile a leader switches between (平时/战时).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Peacetime,
    Wartime,
}

/// Coverage demand for both profiles. A (area, day, shift) with no entry needs nobody and costs
/// nothing when covered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demand {
    pub peacetime: Vec<CoverDemand>,
    /// `None` when wartime needs the same as peacetime.
    pub wartime: Option<Vec<CoverDemand>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    pub horizon_days: usize,
    /// Weekday of day 0; the benchmark always starts on a Monday.
    pub first_weekday: Weekday,
    pub shifts: Vec<Shift>,
    pub areas: Vec<String>,
    pub workers: Vec<Worker>,
    pub on_requests: Vec<Request>,
    pub off_requests: Vec<Request>,
    pub demand: Demand,
    pub mode: Mode,
    /// Weight of Σ over workers of (worked weekends + night duties)²: 0 turns fairness off.
    pub fairness_weight: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ModelError {
    #[error("the model has {0} shifts; at most {MAX_SHIFTS} are supported")]
    TooManyShifts(usize),
    #[error("the horizon is empty")]
    EmptyHorizon,
    #[error("worker {worker} lists {found} per-shift limits for {expected} shifts")]
    ShiftLimitCount { worker: String, expected: usize, found: usize },
    #[error("worker {worker} belongs to unknown area {area}")]
    UnknownArea { worker: String, area: usize },
    #[error("worker {worker}: day {day} lies outside the horizon")]
    DayOutOfRange { worker: String, day: usize },
    #[error("worker {worker}: availability covers {found} days, the horizon {expected}")]
    AvailabilityLength { worker: String, expected: usize, found: usize },
    #[error("shift {shift} forbids unknown successor {successor}")]
    UnknownSuccessor { shift: String, successor: usize },
    #[error("a request or demand refers to worker {worker}, day {day}, shift {shift} or area {area}, outside the model")]
    ReferenceOutOfRange { worker: usize, day: usize, shift: usize, area: usize },
}

impl Model {
    /// The coverage demand of the current mode.
    pub fn active_demand(&self) -> &[CoverDemand] {
        match (self.mode, &self.demand.wartime) {
            (Mode::Wartime, Some(wartime)) => wartime,
            _ => &self.demand.peacetime,
        }
    }

    /// The same model operating in `mode`.
    pub fn in_mode(&self, mode: Mode) -> Model {
        Model { mode, ..self.clone() }
    }

    /// `Some(w)` when `day` is a Saturday or Sunday of weekend `w`; a horizon starting on a
    /// Sunday has a weekend 0 made of that Sunday alone.
    pub fn weekend_of_day(&self, day: usize) -> Option<usize> {
        let absolute = self.first_weekday.num_days_from_monday() as usize + day;
        (absolute % 7 >= 5).then_some(absolute / 7)
    }

    /// Number of weekends that [`Model::weekend_of_day`] can return.
    pub fn weekend_count(&self) -> usize {
        (0..self.horizon_days).filter_map(|d| self.weekend_of_day(d)).max().map_or(0, |w| w + 1)
    }

    /// Calendar week (Monday to Sunday) of a day, counted from the week holding day 0.
    pub fn week_of_day(&self, day: usize) -> usize {
        (self.first_weekday.num_days_from_monday() as usize + day) / 7
    }

    pub fn week_count(&self) -> usize {
        if self.horizon_days == 0 {
            0
        } else {
            self.week_of_day(self.horizon_days - 1) + 1
        }
    }

    /// Whether `worker` may be given `shift` on `day` at all: not a day off, available, skilled,
    /// and the contract allows the shift type. Every other hard rule depends on other days.
    pub fn may_work(&self, worker: WorkerIndex, day: usize, shift: ShiftIndex) -> bool {
        let w = &self.workers[worker];
        w.contract.max_shifts_per_type[shift] > 0
            && !w.days_off.contains(&day)
            && w.available_days.as_ref().is_none_or(|a| a[day])
            && self.shifts[shift].required_skills.iter().all(|s| w.skills.contains(s))
    }

    /// Whether working `first` on a day and `second` on the next day breaks a successor or rest
    /// rule for `worker`.
    pub fn succession_forbidden(&self, worker: WorkerIndex, first: ShiftIndex, second: ShiftIndex) -> bool {
        self.shifts[first].forbidden_successors.contains(&second)
            || self.rest_too_short(worker, first, second)
    }

    /// Whether the rest between `first` on a day and `second` the next day is under the
    /// worker's minimum rest.
    pub fn rest_too_short(&self, worker: WorkerIndex, first: ShiftIndex, second: ShiftIndex) -> bool {
        let min_rest = self.workers[worker].contract.min_rest_minutes;
        if min_rest == 0 {
            return false;
        }
        let a = &self.shifts[first];
        let b = &self.shifts[second];
        let end = i64::from(a.start_minute) + i64::from(a.length_minutes);
        let rest = 1440 + i64::from(b.start_minute) - end;
        rest < i64::from(min_rest)
    }

    pub fn validate(&self) -> Result<(), ModelError> {
        if self.shifts.len() > MAX_SHIFTS {
            return Err(ModelError::TooManyShifts(self.shifts.len()));
        }
        if self.horizon_days == 0 {
            return Err(ModelError::EmptyHorizon);
        }
        for shift in &self.shifts {
            if let Some(&successor) = shift.forbidden_successors.iter().find(|&&s| s >= self.shifts.len()) {
                return Err(ModelError::UnknownSuccessor { shift: shift.id.clone(), successor });
            }
        }
        for worker in &self.workers {
            let found = worker.contract.max_shifts_per_type.len();
            if found != self.shifts.len() {
                return Err(ModelError::ShiftLimitCount {
                    worker: worker.id.clone(),
                    expected: self.shifts.len(),
                    found,
                });
            }
            if worker.area >= self.areas.len() {
                return Err(ModelError::UnknownArea { worker: worker.id.clone(), area: worker.area });
            }
            if let Some(&day) = worker.days_off.iter().find(|&&d| d >= self.horizon_days) {
                return Err(ModelError::DayOutOfRange { worker: worker.id.clone(), day });
            }
            if let Some(available) = &worker.available_days {
                if available.len() != self.horizon_days {
                    return Err(ModelError::AvailabilityLength {
                        worker: worker.id.clone(),
                        expected: self.horizon_days,
                        found: available.len(),
                    });
                }
            }
        }
        let out_of_range = |worker: usize, day: usize, shift: usize, area: usize| {
            worker >= self.workers.len()
                || day >= self.horizon_days
                || shift >= self.shifts.len()
                || area >= self.areas.len()
        };
        for r in self.on_requests.iter().chain(&self.off_requests) {
            if out_of_range(r.worker, r.day, r.shift, 0) {
                return Err(ModelError::ReferenceOutOfRange {
                    worker: r.worker,
                    day: r.day,
                    shift: r.shift,
                    area: 0,
                });
            }
        }
        let wartime = self.demand.wartime.iter().flatten();
        for c in self.demand.peacetime.iter().chain(wartime) {
            if out_of_range(0, c.day, c.shift, c.area) {
                return Err(ModelError::ReferenceOutOfRange {
                    worker: 0,
                    day: c.day,
                    shift: c.shift,
                    area: c.area,
                });
            }
        }
        Ok(())
    }
}
