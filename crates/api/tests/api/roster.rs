//! The township roster on the demo township: plans that keep every hard rule (re-checked from what was
//! stored), wartime cover above peacetime, "on shift" at chosen instants, the printable sheet, and who may
//! plan.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use redgrid_api::roster::{self, PlanBudget, RosterPlan, RosterPlanRequest};
use redgrid_api::{ApiError, Station};
use redgrid_core::closed_loop::{Actor, Role};
use redgrid_core::roster::evaluate;
use redgrid_core::time::shanghai;
use redgrid_core::time_limit::Mode;
use redgrid_core::worker::Employment;

use crate::station::demo_station;

/// Enough moves for a feasible roster of the demo (about 400 workers × 14 days) with few gaps; counted in
/// moves so that the test gives the same roster on any machine.
const MOVES: u64 = 2_000_000;

fn person(role: Role, id: &str, name: &str) -> Actor {
    Actor { id: id.into(), name: name.into(), role, station: "test-station".into() }
}

/// Monday after the test clock's Wednesday 18 November 2026.
fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

fn request(mode: Mode) -> RosterPlanRequest {
    RosterPlanRequest { first_day: first_day(), weeks: 2, mode, budget: PlanBudget::Moves(MOVES), seed: 1 }
}

/// An instant in Guigang local time.
fn local(day: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    shanghai()
        .from_local_datetime(&day.and_hms_opt(hour, minute, 0).unwrap())
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

/// Re-reads the stored roster, rebuilds the model and scores it with the core's plain evaluator.
async fn recheck(
    station: &Station,
    plan: &RosterPlan,
) -> (roster::TownshipRoster, redgrid_core::roster::Roster) {
    let stored = station.store().roster(plan.roster_id).await.unwrap().expect("the plan was stored");
    assert_eq!(stored.header.mode, plan.mode);
    assert_eq!(stored.header.days, 14);
    assert_eq!(stored.header.hard_violations, 0);
    let township = roster::township_roster(station, plan.first_day, 2, plan.mode).await.unwrap();
    let roster = township.roster_of(&stored).expect("the stored roster fits the township model");
    let evaluation = evaluate(&township.model, &roster);
    assert!(
        evaluation.is_feasible(),
        "a stored roster keeps every hard rule, re-checked independently of the solver: {:?}",
        &evaluation.hard[..evaluation.hard.len().min(5)]
    );
    assert_eq!(evaluation.objective(), plan.objective, "the stored roster scores what the plan reported");
    (township, roster)
}

#[tokio::test]
async fn peacetime_and_wartime_plans_keep_every_rule_and_wartime_covers_more() {
    let t = demo_station(1).await;
    let s = &t.station;
    let officer = person(Role::DutyOfficer, "duty1", "黄志明");
    let leader = person(Role::Leader, "leader", "陈永福");
    let feed_before = s.store().feed_head().await.unwrap();

    let peace =
        s.plan_roster(&officer, &request(Mode::Peacetime)).await.expect("a duty officer plans peacetime");
    eprintln!(
        "peacetime: objective {} covered {}/{} gaps {} worked {} in {:.1} s ({} moves)",
        peace.objective,
        peace.coverage.covered,
        peace.coverage.required,
        peace.coverage.gaps.len(),
        peace.coverage.worked_shifts,
        peace.seconds,
        peace.moves
    );
    assert_eq!(peace.hard_violations, 0);
    assert_eq!(peace.days, 14);
    let (township, peace_roster) = recheck(s, &peace).await;

    // Every full-time worker works, and for about 40 hours a week.
    for (w, record) in township.workers.iter().enumerate() {
        if record.worker.employment != Employment::FullTime {
            continue;
        }
        let minutes: u32 = (0..14)
            .filter_map(|d| peace_roster.get(w, d))
            .map(|shift| township.model.shifts[shift].length_minutes)
            .sum();
        assert!(
            (72 * 60..=88 * 60).contains(&minutes),
            "full-time worker {} works {} h over two weeks, not about 80",
            record.worker.id,
            minutes / 60
        );
    }
    assert!(peace.full_time_workers >= 10, "the demo has one full-time worker per village");
    // The duty desk is never left empty: its cover weighs most.
    let desk_gaps: Vec<_> =
        peace.coverage.gaps.iter().filter(|g| g.shift_code == "白" || g.shift_code == "夜").collect();
    assert!(desk_gaps.is_empty(), "centre duty is staffed day and night: {desk_gaps:?}");
    assert!(
        peace.coverage.covered * 10 >= peace.coverage.required * 9,
        "at least 90% of the peacetime demand is met: {}/{}",
        peace.coverage.covered,
        peace.coverage.required
    );

    // One audit record and one feed entry for the plan, in its transaction.
    let audit = s.store().recent_audit(1).await.unwrap();
    assert_eq!(audit[0].entry.command, "roster_plan");
    assert_eq!(audit[0].entry.actor_id, "duty1");
    assert!(audit[0].entry.reason.contains(&format!("#{}", peace.roster_id)), "{}", audit[0].entry.reason);
    let feed = s.store().feed_since(feed_before, 10).await.unwrap();
    assert_eq!(feed.len(), 1, "one feed entry per plan: {feed:?}");
    assert_eq!((feed[0].entity.as_str(), feed[0].entity_id.clone()), ("roster", peace.roster_id.to_string()));

    // A duty officer may not plan wartime while the station is at peace; a leader may.
    let refused = s.plan_roster(&officer, &request(Mode::Wartime)).await;
    assert!(matches!(refused, Err(ApiError::Forbidden(_))), "{refused:?}");
    let war = s.plan_roster(&leader, &request(Mode::Wartime)).await.expect("a leader plans wartime");
    eprintln!(
        "wartime: objective {} covered {}/{} gaps {} worked {} in {:.1} s ({} moves)",
        war.objective,
        war.coverage.covered,
        war.coverage.required,
        war.coverage.gaps.len(),
        war.coverage.worked_shifts,
        war.seconds,
        war.moves
    );
    let (_, war_roster) = recheck(s, &war).await;
    assert!(
        war.coverage.required > peace.coverage.required && war.coverage.covered > peace.coverage.covered,
        "wartime demands and staffs more shifts: {}/{} against {}/{}",
        war.coverage.covered,
        war.coverage.required,
        peace.coverage.covered,
        peace.coverage.required
    );
    let standbys = (0..township.workers.len())
        .flat_map(|w| (0..14).map(move |d| (w, d)))
        .filter(|&(w, d)| war_roster.get(w, d) == Some(roster::STANDBY))
        .count();
    assert!(standbys >= 14 * 10, "wartime puts a night standby in the villages every night: {standbys}");
    assert_eq!(s.store().verify_audit().await.unwrap().first_bad, None);

    // "On shift" follows the newest roster covering the day: the wartime one.
    let day = first_day() + Duration::days(3);
    let d = 3;
    let night = (0..township.workers.len())
        .find(|&w| war_roster.get(w, d) == Some(roster::DUTY_NIGHT))
        .expect("wartime has night duty every night");
    let night_id = township.workers[night].worker.id.clone();
    assert!(s.on_shift(&night_id, local(day, 20, 0)).await.unwrap(), "a night shift starts at 20:00");
    assert!(s.on_shift(&night_id, local(day, 23, 30)).await.unwrap(), "and holds before midnight");
    assert!(
        s.on_shift(&night_id, local(day + Duration::days(1), 7, 59)).await.unwrap(),
        "and past midnight until 08:00 the next morning"
    );
    assert!(
        !s.on_shift(&night_id, local(day + Duration::days(1), 8, 0)).await.unwrap(),
        "a night ends at 08:00 (no day shift may follow a night)"
    );
    assert!(s.workers_on_shift(local(day, 23, 30)).await.unwrap().contains(&night_id));

    let patrol = (0..township.workers.len())
        .find(|&w| {
            war_roster.get(w, d) == Some(roster::PATROL) && (d == 0 || war_roster.get(w, d - 1).is_none())
        })
        .expect("somebody patrols after a day off");
    let patrol_id = township.workers[patrol].worker.id.clone();
    assert!(!s.on_shift(&patrol_id, local(day, 8, 59)).await.unwrap(), "a patrol starts at 09:00");
    assert!(s.on_shift(&patrol_id, local(day, 9, 0)).await.unwrap());
    assert!(s.on_shift(&patrol_id, local(day, 16, 59)).await.unwrap());
    assert!(!s.on_shift(&patrol_id, local(day, 17, 0)).await.unwrap(), "and ends at 17:00");

    // Somebody the peacetime roster had on a patrol but the wartime roster has off that day is off.
    let replaced = (0..township.workers.len()).find(|&w| {
        peace_roster.get(w, d) == Some(roster::PATROL)
            && war_roster.get(w, d).is_none()
            && (d == 0 || war_roster.get(w, d - 1).is_none())
    });
    let replaced = replaced.expect("the wartime roster moves some peacetime patrol (fixed seed and moves)");
    let replaced_id = &township.workers[replaced].worker.id;
    assert!(
        !s.on_shift(replaced_id, local(day, 12, 0)).await.unwrap(),
        "the newer roster is in force for the day, not the peacetime one that had a patrol at noon"
    );
    let before = first_day() - Duration::days(2);
    assert!(
        !s.on_shift(&night_id, local(before, 12, 0)).await.unwrap(),
        "no roster covers that day: nobody is on shift"
    );
    let unknown = s.on_shift("W-nobody", local(day, 12, 0)).await;
    assert!(matches!(unknown, Err(ApiError::Invalid(_))), "{unknown:?}");

    // The sheet of the newest roster: every stored shift in its cell, totals that add up.
    let sheet = s.roster_sheet(None).await.unwrap();
    assert_eq!(sheet.roster_id, war.roster_id, "the newest roster by default");
    assert_eq!(sheet.mode, Mode::Wartime);
    assert_eq!(sheet.days.len(), 14);
    assert_eq!(roster::day_label(sheet.days[0]), "11-23 周一");
    assert_eq!(sheet.rows.len(), township.workers.len(), "one line per worker");
    assert_eq!(sheet.rows[0].category, "专职网格员", "full-time workers come first");
    for (w, record) in township.workers.iter().enumerate() {
        let row = &sheet.rows[w];
        assert_eq!(row.worker_id, record.worker.id, "the sheet lists workers in the model's order");
        for d in 0..14 {
            let expected = war_roster.get(w, d).map(|s| township.model.shifts[s].id.clone());
            assert_eq!(row.cells[d], expected, "worker {} day {d}", row.worker_id);
        }
    }
    let total: u32 = sheet.rows.iter().map(|r| r.shifts).sum();
    assert_eq!(total, war.coverage.worked_shifts, "row totals add up to the roster");
    assert_eq!(sheet.day_totals.iter().sum::<u32>(), total, "day totals add up to the roster");
    let nights = sheet.shift_types.iter().position(|t| t.code == "夜").unwrap();
    assert!(
        sheet.day_counts[nights].iter().all(|&n| n == 2),
        "wartime doubles the night desk: {:?}",
        sheet.day_counts[nights]
    );
    let peace_sheet = s.roster_sheet(Some(peace.roster_id)).await.unwrap();
    assert_eq!(peace_sheet.mode, Mode::Peacetime);
    assert_eq!(peace_sheet.rows.iter().map(|r| r.shifts).sum::<u32>(), peace.coverage.worked_shifts);
}

#[tokio::test]
async fn only_leaders_and_duty_officers_plan_and_refusals_write_nothing() {
    let t = demo_station(1).await;
    let s = &t.station;
    let audit_before = s.store().verify_audit().await.unwrap().records;
    let feed_before = s.store().feed_head().await.unwrap();
    for role in [Role::Administrator, Role::Commissioner, Role::GridWorker] {
        let refused = s.plan_roster(&person(role, "x", "某人"), &request(Mode::Peacetime)).await;
        assert!(matches!(refused, Err(ApiError::Forbidden(_))), "{role:?} may not plan: {refused:?}");
    }
    let officer = person(Role::DutyOfficer, "duty1", "黄志明");
    let refused = s.plan_roster(&officer, &request(Mode::Wartime)).await;
    let Err(ApiError::Forbidden(message)) = refused else {
        panic!("a duty officer plans wartime only in wartime: {refused:?}")
    };
    assert!(message.contains("战时"), "the refusal says why in Chinese: {message}");
    let bad_weeks =
        s.plan_roster(&officer, &RosterPlanRequest { weeks: 0, ..request(Mode::Peacetime) }).await;
    assert!(matches!(bad_weeks, Err(ApiError::Invalid(_))), "{bad_weeks:?}");
    let no_time = s
        .plan_roster(
            &officer,
            &RosterPlanRequest { budget: PlanBudget::Seconds(0.0), ..request(Mode::Peacetime) },
        )
        .await;
    assert!(matches!(no_time, Err(ApiError::Invalid(_))), "{no_time:?}");
    assert_eq!(
        s.store().verify_audit().await.unwrap().records,
        audit_before,
        "refusals write no audit record"
    );
    assert_eq!(s.store().feed_head().await.unwrap(), feed_before, "nor a feed entry");
    let no_roster = s.roster_sheet(None).await;
    assert!(matches!(no_roster, Err(ApiError::Invalid(_))), "no roster yet: {no_roster:?}");
    assert_eq!(roster::next_monday(NaiveDate::from_ymd_opt(2026, 11, 18).unwrap()), first_day());
    assert_eq!(
        roster::next_monday(first_day()),
        first_day() + Duration::days(7),
        "on a Monday the next roster starts a week later"
    );
}
