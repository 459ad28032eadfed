//! Time limits: the policy table, working time over weekends, holidays and make-up days, pauses.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use redgrid_core::event::{Category, DisputeKind, Severity, Step};
use redgrid_core::time::{start_of_local_day, Instant, Month};
use redgrid_core::time_limit::{Basis, Limit, LimitRule, Mode, StepClock, TimeLimitPolicy, WorkCalendar};

fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> Instant {
    start_of_local_day(NaiveDate::from_ymd_opt(y, m, d).unwrap())
        + Duration::hours(h.into())
        + Duration::minutes(min.into())
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// National Day 2026: 1–7 October off, Saturday 10 October worked.
fn national_day_2026() -> WorkCalendar {
    let mut calendar = WorkCalendar::default();
    for day in 1..=7 {
        calendar.holidays.insert(date(2026, 10, day));
    }
    calendar.make_up_days.insert(date(2026, 10, 10));
    calendar.make_up_days.insert(date(2026, 9, 20));
    calendar
}

#[test]
fn the_most_specific_rule_wins() {
    let policy = TimeLimitPolicy {
        rules: vec![
            LimitRule { category: None, severity: None, step: Step::Handle, limit: Limit::working_days(3) },
            LimitRule {
                category: None,
                severity: Some(Severity::Major),
                step: Step::Handle,
                limit: Limit::calendar_hours(4),
            },
            LimitRule {
                category: Some(Category::Fire),
                severity: None,
                step: Step::Handle,
                limit: Limit::calendar_hours(2),
            },
            LimitRule {
                category: Some(Category::Fire),
                severity: Some(Severity::Extreme),
                step: Step::Handle,
                limit: Limit::calendar_minutes(45),
            },
        ],
        wartime_percent: 50,
    };
    let handle = |c, s| policy.limit(c, s, Step::Handle, Mode::Peacetime);
    assert_eq!(
        handle(Category::Livelihood, Severity::General),
        Some(Limit::working_days(3)),
        "the step default"
    );
    assert_eq!(
        handle(Category::Livelihood, Severity::Major),
        Some(Limit::calendar_hours(4)),
        "severity beats default"
    );
    assert_eq!(
        handle(Category::Fire, Severity::Major),
        Some(Limit::calendar_hours(2)),
        "category beats severity"
    );
    assert_eq!(
        handle(Category::Fire, Severity::Extreme),
        Some(Limit::calendar_minutes(45)),
        "both beat either"
    );
    assert_eq!(
        policy.limit(Category::Fire, Severity::General, Step::Accept, Mode::Peacetime),
        None,
        "no rule, no limit"
    );
    assert_eq!(
        policy.limit(Category::Fire, Severity::Extreme, Step::Handle, Mode::Wartime),
        Some(Limit::calendar_minutes(23)),
        "wartime rounds half of 45 minutes up"
    );
}

#[test]
fn the_standard_policy_gives_every_step_a_limit() {
    let policy = TimeLimitPolicy::standard();
    for category in Category::ALL {
        for severity in Severity::ALL {
            for step in Step::ALL {
                assert!(
                    policy.limit(category, severity, step, Mode::Peacetime).is_some(),
                    "{category:?} {severity:?} {step:?}"
                );
            }
        }
    }
    assert_eq!(
        policy.limit(
            Category::Dispute(DisputeKind::LandForestWater),
            Severity::General,
            Step::Handle,
            Mode::Peacetime
        ),
        Some(Limit::working_days(7)),
        "land disputes get a week of working days"
    );
}

#[test]
fn working_days_skip_weekends_holidays_and_count_make_up_days() {
    let calendar = national_day_2026();
    // 2026-09-30 is a Wednesday; 1–7 October are holidays; 8 and 9 (Thu, Fri) work; 10 (Sat) is a make-up day.
    assert!(calendar.is_working_day(date(2026, 9, 30)));
    assert!(!calendar.is_working_day(date(2026, 10, 1)));
    assert!(calendar.is_working_day(date(2026, 10, 10)), "a make-up Saturday is a working day");
    assert!(!calendar.is_working_day(date(2026, 10, 11)), "an ordinary Sunday is not");
    let start = local(2026, 9, 30, 12, 0);
    // Three working days from Wednesday noon: the rest of 30 Sept (12 h), 8 Oct, 9 Oct, then 12 h of 10 Oct.
    let due = calendar.advance(start, Duration::days(3), Basis::Working).unwrap();
    assert_eq!(due, local(2026, 10, 10, 12, 0));
    assert_eq!(calendar.measure(start, due, Basis::Working), Duration::days(3), "measure inverts advance");
    assert_eq!(
        calendar.advance(due, -Duration::days(3), Basis::Working),
        Some(start),
        "and so does going back"
    );
    assert_eq!(calendar.measure(start, due, Basis::Calendar), due - start);
}

#[test]
fn a_calendar_without_working_days_has_no_deadline() {
    let mut calendar = WorkCalendar::default();
    let from = local(2026, 1, 1, 0, 0);
    for day in 0..4000 {
        calendar.holidays.insert(date(2026, 1, 1) + Duration::days(day));
    }
    assert_eq!(
        calendar.advance(from, Duration::days(1), Basis::Working),
        None,
        "the search gives up rather than spin"
    );
}

#[test]
fn a_paused_clock_has_no_deadline_and_resumes_with_what_was_left() {
    let calendar = WorkCalendar::default();
    let start = local(2026, 11, 18, 10, 0);
    let mut clock = StepClock::start(Step::Handle, start, Limit::calendar_hours(4));
    assert_eq!(clock.due_at(start, &calendar), Some(start + Duration::hours(4)));
    clock.pause(start + Duration::hours(1));
    assert_eq!(clock.due_at(start + Duration::hours(2), &calendar), None);
    clock.resume(start + Duration::hours(6));
    assert_eq!(
        clock.due_at(start + Duration::hours(6), &calendar),
        Some(start + Duration::hours(9)),
        "3 hours were left"
    );
    assert_eq!(clock.elapsed(start + Duration::hours(7), &calendar), Duration::hours(2));
    assert!(clock.on_time(start + Duration::hours(9), &calendar));
    assert!(!clock.on_time(start + Duration::hours(9) + Duration::seconds(1), &calendar));
    clock.extension_minutes = 30;
    assert_eq!(
        clock.due_at(start + Duration::hours(7), &calendar),
        Some(start + Duration::hours(9) + Duration::minutes(30))
    );
}

#[test]
fn months_are_counted_in_shanghai_time() {
    // 2026-10-31 20:00 UTC is already 1 November 04:00 in Guigang.
    let at = Utc.with_ymd_and_hms(2026, 10, 31, 20, 0, 0).unwrap();
    assert_eq!(Month::of(at).to_string(), "2026-11");
    let (from, to) = Month::parse("2026-11").unwrap().span();
    assert_eq!(from, Utc.with_ymd_and_hms(2026, 10, 31, 16, 0, 0).unwrap());
    assert_eq!(to, Utc.with_ymd_and_hms(2026, 11, 30, 16, 0, 0).unwrap());
    assert_eq!(Month::parse("2026-13"), None);
    assert_eq!(Month::parse("2026-12").unwrap().next().to_string(), "2027-01");
}

#[test]
fn an_extension_approved_after_the_deadline_runs_from_the_approval() {
    let calendar = WorkCalendar::default();
    let start = local(2026, 11, 18, 10, 0);
    let mut early = StepClock::start(Step::Handle, start, Limit::calendar_hours(4));
    early.extend(120, start + Duration::hours(1), &calendar);
    assert_eq!(
        early.due_at(start, &calendar),
        Some(start + Duration::hours(6)),
        "before the deadline: after it"
    );
    let mut late = StepClock::start(Step::Handle, start, Limit::calendar_hours(4));
    let approved = start + Duration::hours(5);
    late.extend(120, approved, &calendar);
    let due = late.due_at(approved, &calendar).unwrap();
    assert_eq!(
        due,
        approved + Duration::minutes(120),
        "an hour overdue: the two hours start at the approval"
    );
    assert!(late.on_time(approved + Duration::minutes(119), &calendar), "and the step is no longer overdue");
}
