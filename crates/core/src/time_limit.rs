//! Time limits (时限): the policy table, the working-day calendar, and the clock of the current step.
//!
//! A limit is counted either in calendar time or in working time. Working time runs only on working days
//! (Monday to Friday, less public holidays, plus make-up working days 调休), whole days counted in
//! Asia/Shanghai. A parked event's clock stops; an approved extension moves the deadline.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use crate::event::{Category, Severity, Step};
use crate::time::{local_date, start_of_local_day, Instant};

/// Which clock a limit runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Basis {
    Calendar,
    Working,
}

impl Basis {
    pub fn key(self) -> &'static str {
        match self {
            Basis::Calendar => "calendar",
            Basis::Working => "working",
        }
    }
    pub fn from_key(key: &str) -> Option<Basis> {
        match key {
            "calendar" => Some(Basis::Calendar),
            "working" => Some(Basis::Working),
            _ => None,
        }
    }
}

/// A time limit: minutes on a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limit {
    pub minutes: i64,
    pub basis: Basis,
}

impl Limit {
    pub const fn calendar_minutes(minutes: i64) -> Limit {
        Limit { minutes, basis: Basis::Calendar }
    }
    pub const fn calendar_hours(hours: i64) -> Limit {
        Limit { minutes: hours * 60, basis: Basis::Calendar }
    }
    pub const fn working_days(days: i64) -> Limit {
        Limit { minutes: days * 24 * 60, basis: Basis::Working }
    }
}

/// Operating mode; wartime shortens every limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    Peacetime,
    Wartime,
}

impl Mode {
    pub fn key(self) -> &'static str {
        match self {
            Mode::Peacetime => "peacetime",
            Mode::Wartime => "wartime",
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            Mode::Peacetime => "平时",
            Mode::Wartime => "战时",
        }
    }
    pub fn from_key(key: &str) -> Option<Mode> {
        match key {
            "peacetime" => Some(Mode::Peacetime),
            "wartime" => Some(Mode::Wartime),
            _ => None,
        }
    }
}

/// How fast steps must move: their limits as a percentage of the peacetime ones (100 in peacetime; each
/// response level sets its own, `crate::response`). A step keeps the pace it started under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pace {
    pub percent: i64,
}

impl Pace {
    pub const PEACETIME: Pace = Pace { percent: 100 };

    /// A limit at this pace, rounded up to a whole minute and never below one.
    pub fn scale(self, minutes: i64) -> i64 {
        if self.percent == 100 {
            return minutes;
        }
        ((minutes * self.percent + 99) / 100).max(1)
    }
}

/// One row of the policy table; `None` matches any category or severity.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitRule {
    pub category: Option<Category>,
    pub severity: Option<Severity>,
    pub step: Step,
    pub limit: Limit,
}

/// The table category × severity × step → limit. The most specific matching rule wins: category and
/// severity, then category, then severity, then the step's default.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeLimitPolicy {
    pub rules: Vec<LimitRule>,
    /// Wartime limits are this percentage of peacetime ones (rounded up to a whole minute).
    pub wartime_percent: i64,
}

impl TimeLimitPolicy {
    /// The pace of the binary mode: wartime is the configurable percentage of peacetime.
    pub fn pace(&self, mode: Mode) -> Pace {
        match mode {
            Mode::Peacetime => Pace::PEACETIME,
            Mode::Wartime => Pace { percent: self.wartime_percent },
        }
    }

    /// The limit for a step of an event in a mode, or `None` when the table has no rule for the step.
    pub fn limit(&self, category: Category, severity: Severity, step: Step, mode: Mode) -> Option<Limit> {
        self.limit_at(category, severity, step, self.pace(mode))
    }

    /// The limit for a step of an event at a pace, or `None` when the table has no rule for the step.
    pub fn limit_at(&self, category: Category, severity: Severity, step: Step, pace: Pace) -> Option<Limit> {
        let specificity = |rule: &LimitRule| -> Option<u8> {
            if rule.step != step
                || rule.category.is_some_and(|c| c != category)
                || rule.severity.is_some_and(|s| s != severity)
            {
                return None;
            }
            Some(u8::from(rule.category.is_some()) * 2 + u8::from(rule.severity.is_some()))
        };
        let best =
            self.rules.iter().filter_map(|r| specificity(r).map(|s| (s, r))).max_by_key(|(s, _)| *s)?.1;
        let mut limit = best.limit;
        if pace != Pace::PEACETIME {
            limit.minutes = (limit.minutes * pace.percent + 99) / 100;
        }
        Some(limit)
    }

    /// Minutes a worker has to acknowledge (签收) a task, from the station's peacetime figure: wartime
    /// shortens it by the same percentage as every step limit (rounded up, never below a minute).
    pub fn acknowledgement_minutes(&self, peacetime: i64, mode: Mode) -> i64 {
        let minutes = match mode {
            Mode::Peacetime => peacetime,
            Mode::Wartime => (peacetime * self.wartime_percent + 99) / 100,
        };
        minutes.max(1)
    }

    /// The default table: quick acceptance and dispatch on the calendar clock, handling in working days for
    /// ordinary matters and in hours for serious ones, fires and public-order emergencies.
    pub fn standard() -> TimeLimitPolicy {
        use Step::*;
        let any = |step, limit| LimitRule { category: None, severity: None, step, limit };
        let sev = |severity, step, limit| LimitRule { category: None, severity: Some(severity), step, limit };
        let cat = |category, step, limit| LimitRule { category: Some(category), severity: None, step, limit };
        let mut rules = vec![
            any(Accept, Limit::calendar_minutes(30)),
            any(Dispatch, Limit::calendar_minutes(60)),
            any(Handle, Limit::working_days(3)),
            any(Verify, Limit::working_days(1)),
            any(Close, Limit::working_days(1)),
        ];
        for severity in [Severity::Major, Severity::Extreme] {
            rules.push(sev(severity, Accept, Limit::calendar_minutes(10)));
            rules.push(sev(severity, Dispatch, Limit::calendar_minutes(15)));
            rules.push(sev(severity, Handle, Limit::calendar_hours(4)));
            rules.push(sev(severity, Verify, Limit::calendar_hours(4)));
            rules.push(sev(severity, Close, Limit::calendar_hours(8)));
        }
        rules.push(sev(Severity::Serious, Handle, Limit::working_days(1)));
        rules.push(cat(Category::Fire, Accept, Limit::calendar_minutes(5)));
        rules.push(cat(Category::Fire, Dispatch, Limit::calendar_minutes(5)));
        rules.push(cat(Category::Fire, Handle, Limit::calendar_hours(2)));
        rules.push(cat(Category::PublicOrder, Handle, Limit::calendar_hours(24)));
        rules.push(cat(Category::Weather, Handle, Limit::calendar_hours(12)));
        for kind in [
            crate::event::DisputeKind::LandForestWater,
            crate::event::DisputeKind::Family,
            crate::event::DisputeKind::LabourWages,
        ] {
            rules.push(cat(Category::Dispute(kind), Handle, Limit::working_days(7)));
        }
        TimeLimitPolicy { rules, wartime_percent: 50 }
    }
}

/// Working days in Asia/Shanghai: Monday to Friday, less holidays, plus make-up working days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    pub holidays: BTreeSet<NaiveDate>,
    pub make_up_days: BTreeSet<NaiveDate>,
}

/// No search for working time goes further than ten years; a calendar without working days would
/// otherwise never end it.
const MAX_DAYS_SEARCHED: i64 = 3660;

impl WorkCalendar {
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if self.make_up_days.contains(&date) {
            return true;
        }
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        !weekend && !self.holidays.contains(&date)
    }

    /// Length of `[from, to)` on the given clock, in whole seconds.
    pub fn measure(&self, from: Instant, to: Instant, basis: Basis) -> Duration {
        if to <= from {
            return Duration::zero();
        }
        match basis {
            Basis::Calendar => to - from,
            Basis::Working => {
                let mut total = Duration::zero();
                let mut date = local_date(from);
                let last = local_date(to);
                while date <= last {
                    if self.is_working_day(date) {
                        let day_start = start_of_local_day(date).max(from);
                        let day_end = start_of_local_day(date + Duration::days(1)).min(to);
                        if day_end > day_start {
                            total += day_end - day_start;
                        }
                    }
                    date += Duration::days(1);
                }
                total
            }
        }
    }

    /// The instant `amount` of clock time after `from` (before it, for a negative amount).
    pub fn advance(&self, from: Instant, amount: Duration, basis: Basis) -> Option<Instant> {
        if basis == Basis::Calendar {
            return Some(from + amount);
        }
        let forward = amount >= Duration::zero();
        let mut remaining = amount.abs();
        let mut cursor = from;
        for _ in 0..MAX_DAYS_SEARCHED {
            let date = if forward { local_date(cursor) } else { local_date(cursor - Duration::seconds(1)) };
            let day_start = start_of_local_day(date);
            let day_end = start_of_local_day(date + Duration::days(1));
            if self.is_working_day(date) {
                let available = if forward { day_end - cursor } else { cursor - day_start };
                if remaining <= available {
                    return Some(if forward { cursor + remaining } else { cursor - remaining });
                }
                remaining -= available;
            }
            cursor = if forward { day_end } else { day_start };
        }
        None
    }
}

/// The running clock of the step an event is waiting on.
#[derive(Debug, Clone, PartialEq)]
pub struct StepClock {
    pub step: Step,
    pub started_at: Instant,
    pub limit: Limit,
    /// Extra minutes granted by approved extensions, on the limit's own clock.
    pub extension_minutes: i64,
    /// Intervals during which the clock stood still (parked); the last may still be open.
    pub pauses: Vec<(Instant, Option<Instant>)>,
}

impl StepClock {
    pub fn start(step: Step, now: Instant, limit: Limit) -> StepClock {
        StepClock { step, started_at: now, limit, extension_minutes: 0, pauses: Vec::new() }
    }

    pub fn is_paused(&self) -> bool {
        self.pauses.last().is_some_and(|(_, end)| end.is_none())
    }

    pub fn pause(&mut self, now: Instant) {
        if !self.is_paused() {
            self.pauses.push((now, None));
        }
    }

    pub fn resume(&mut self, now: Instant) {
        if let Some((_, end @ None)) = self.pauses.last_mut() {
            *end = Some(now);
        }
    }

    /// Clock time used so far, pauses excluded.
    pub fn elapsed(&self, now: Instant, calendar: &WorkCalendar) -> Duration {
        let basis = self.limit.basis;
        let gross = calendar.measure(self.started_at, now, basis);
        let paused: Duration = self
            .pauses
            .iter()
            .map(|&(from, to)| {
                let from = from.max(self.started_at);
                let to = to.unwrap_or(now).min(now);
                calendar.measure(from, to, basis)
            })
            .sum();
        gross - paused
    }

    /// Grants `minutes` more: after the deadline as it stands, or — when that has passed already — after
    /// `now`, so that an approved extension never leaves the step overdue.
    pub fn extend(&mut self, minutes: i64, now: Instant, calendar: &WorkCalendar) {
        let used = self.elapsed(now, calendar);
        let over = used - self.allowed();
        if over > Duration::zero() {
            // Whole minutes, rounded up: the officer is given at least what was approved.
            self.extension_minutes += (over.num_seconds() + 59) / 60;
        }
        self.extension_minutes += minutes;
    }

    pub fn allowed(&self) -> Duration {
        Duration::minutes(self.limit.minutes + self.extension_minutes)
    }

    /// The deadline, or `None` while the clock is paused.
    pub fn due_at(&self, now: Instant, calendar: &WorkCalendar) -> Option<Instant> {
        if self.is_paused() {
            return None;
        }
        // Measured from the last resume (or the start) there is no pause left to skip.
        let anchor = self.pauses.last().and_then(|(_, end)| *end).unwrap_or(self.started_at).min(now);
        let remaining = self.allowed() - self.elapsed(anchor, calendar);
        calendar.advance(anchor, remaining, self.limit.basis)
    }

    /// Whether completing the step at `now` is within its limit.
    pub fn on_time(&self, now: Instant, calendar: &WorkCalendar) -> bool {
        self.elapsed(now, calendar) <= self.allowed()
    }
}
