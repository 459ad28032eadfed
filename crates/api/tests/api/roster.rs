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

mod desk {
    //! The roster at the duty desk: rule breaks named, manual changes checked before they are stored, a
    //! stale base refused, re-plans that change only what they must.

    use redgrid_api::roster_desk::{ReplanReason, RosterCell};

    use super::*;

    #[tokio::test]
    async fn manual_changes_are_checked_against_every_hard_rule_before_they_are_stored() {
        let t = demo_station(1).await;
        let s = &t.station;
        let officer = person(Role::DutyOfficer, "duty1", "黄志明");
        let plan = s.plan_roster(&officer, &request(Mode::Peacetime)).await.unwrap();
        let desk = s.roster_desk(None).await.unwrap();
        assert_eq!(desk.header.id, plan.roster_id, "the newest roster by default");
        assert!(desk.breaks.is_empty(), "a planned roster breaks no rule: {:?}", desk.breaks.first());
        assert_eq!(desk.days.len(), 14);
        assert_eq!(desk.workers.len(), plan.workers);
        assert_eq!(desk.coverage, plan.coverage, "the desk reports the plan's coverage");
        let required: u32 = desk.area_cover.iter().flatten().flatten().map(|(_, need)| need).sum();
        assert_eq!(required, plan.coverage.required, "per-area cover adds up to the whole");

        // A night duty followed by a day duty: the forbidden succession is named on its day.
        let (worker, night) = desk
            .workers
            .iter()
            .find_map(|w| (0..13).find(|&d| w.cells[d].as_deref() == Some("夜")).map(|d| (w.clone(), d)))
            .expect("someone has a night duty");
        let next_day = desk.days[night + 1];
        let bad =
            vec![RosterCell { worker_id: worker.id.clone(), day: next_day, shift_code: Some("白".into()) }];
        let check = s.check_roster_changes(plan.roster_id, &bad, None).await.unwrap();
        let succession =
            check.breaks.iter().find(|b| b.rule == "forbidden_succession").expect("night → day is named");
        assert_eq!(succession.worker_id, worker.id);
        assert!(
            succession.text.contains(&worker.name) && succession.text.contains("夜班"),
            "{}",
            succession.text
        );
        let refused = s.save_roster_changes(&officer, plan.roster_id, &bad, None).await.unwrap_err();
        assert_eq!(refused.code(), "invalid");
        assert!(refused.to_string().contains("违反硬性规则"), "{refused}");
        assert_eq!(s.store().latest_roster().await.unwrap().unwrap().id, plan.roster_id, "nothing stored");

        // Unknown shift codes, workers and days are refused with what was wrong.
        let unknown = vec![RosterCell { worker_id: "W404".into(), day: next_day, shift_code: None }];
        let error = s.check_roster_changes(plan.roster_id, &unknown, None).await.unwrap_err();
        assert!(error.to_string().contains("W404"), "{error}");
        let outside = vec![RosterCell {
            worker_id: worker.id.clone(),
            day: first_day() - Duration::days(1),
            shift_code: None,
        }];
        assert!(s.check_roster_changes(plan.roster_id, &outside, None).await.is_err());

        // A legal change: a part-time patrol given a day off.
        let (part, day) = desk
            .workers
            .iter()
            .filter(|w| !w.full_time)
            .find_map(|w| (0..14).find(|&d| w.cells[d].as_deref() == Some("巡")).map(|d| (w.clone(), d)))
            .expect("a part-time worker patrols");
        let off = vec![RosterCell { worker_id: part.id.clone(), day: desk.days[day], shift_code: None }];
        let check = s.check_roster_changes(plan.roster_id, &off, None).await.unwrap();
        assert!(check.breaks.is_empty(), "{:?}", check.breaks);
        let commissioner = person(Role::Commissioner, "commissioner", "梁文华");
        let forbidden = s.save_roster_changes(&commissioner, plan.roster_id, &off, None).await.unwrap_err();
        assert_eq!(forbidden.code(), "forbidden");
        let saved = s.save_roster_changes(&officer, plan.roster_id, &off, None).await.unwrap();
        let new_id = saved.roster_id.expect("stored as a new roster");
        assert!(new_id > plan.roster_id);
        let after = s.roster_desk(Some(new_id)).await.unwrap();
        let row = after.workers.iter().find(|w| w.id == part.id).unwrap();
        assert_eq!(row.cells[day], None, "the change is in the new roster");
        let unchanged = after.workers.iter().zip(&desk.workers).filter(|(a, b)| a.cells != b.cells).count();
        assert_eq!(unchanged, 1, "and nothing else changed");
        let audit = s.store().latest_audit_of("roster_edit").await.unwrap().expect("the edit is audited");
        assert_eq!(audit.entry.actor_id, "duty1");
        assert!(audit.entry.reason.contains(&format!("#{}", plan.roster_id)), "{}", audit.entry.reason);

        // A second officer still looking at the old roster is told who changed it.
        let stale = s.save_roster_changes(&officer, plan.roster_id, &off, None).await.unwrap_err();
        assert_eq!(stale.code(), "conflict");
        assert!(
            stale.to_string().contains("黄志明") && stale.to_string().contains(&format!("#{new_id}")),
            "{stale}"
        );

        // Next fortnight's plan does not supersede this fortnight's roster: a change to it is still saved.
        let next =
            RosterPlanRequest { first_day: first_day() + Duration::days(14), ..request(Mode::Peacetime) };
        let later = s.plan_roster(&officer, &next).await.unwrap();
        assert!(later.roster_id > new_id);
        let back = vec![RosterCell {
            worker_id: part.id.clone(),
            day: desk.days[day],
            shift_code: Some("巡".into()),
        }];
        let saved =
            s.save_roster_changes(&officer, new_id, &back, None).await.expect("no overlap, no conflict");
        assert!(saved.roster_id.unwrap() > later.roster_id);
    }

    #[tokio::test]
    async fn a_sick_worker_is_replanned_with_few_changes_and_wartime_raises_cover() {
        let t = demo_station(1).await;
        let s = &t.station;
        let officer = person(Role::DutyOfficer, "duty1", "黄志明");
        let leader = person(Role::Leader, "leader", "陈永福");
        let plan = s.plan_roster(&officer, &request(Mode::Peacetime)).await.unwrap();
        let desk = s.roster_desk(Some(plan.roster_id)).await.unwrap();
        // A full-time worker who works the first two days falls sick for them.
        let sick = desk
            .workers
            .iter()
            .find(|w| w.full_time && w.cells[0].is_some() && w.cells[1].is_some())
            .expect("a full-time worker works the first two days")
            .clone();
        let reason =
            ReplanReason::Sick { worker_id: sick.id.clone(), days: vec![desk.days[0], desk.days[1]] };
        let proposal = s.propose_replan(plan.roster_id, &reason, 300_000).await.unwrap();
        for d in 0..2 {
            let cell = proposal
                .changes
                .iter()
                .find(|c| c.worker_id == sick.id && c.day == desk.days[d])
                .expect("the sick days are cleared");
            assert_eq!(cell.shift_code, None);
        }
        let cells = 14 * desk.workers.len();
        assert!(
            proposal.changes.len() * 20 < cells,
            "a re-plan changes a small part of the roster: {} of {cells} cells",
            proposal.changes.len()
        );
        assert_eq!(proposal.changes.len(), proposal.before.len());
        for (change, before) in proposal.changes.iter().zip(&proposal.before) {
            assert_ne!(&change.shift_code, before, "only cells that differ are listed");
        }
        assert_eq!(
            s.store().latest_roster().await.unwrap().unwrap().id,
            plan.roster_id,
            "a proposal stores nothing"
        );

        let saved =
            s.save_roster_changes(&officer, plan.roster_id, &proposal.changes, Some(&reason)).await.unwrap();
        let new_id = saved.roster_id.unwrap();
        let after = s.roster_desk(Some(new_id)).await.unwrap();
        let row = after.workers.iter().find(|w| w.id == sick.id).unwrap();
        assert_eq!((&row.cells[0], &row.cells[1]), (&None, &None));
        assert!(after.breaks.is_empty(), "the accepted re-plan keeps every rule: {:?}", after.breaks.first());
        assert!(s.store().latest_audit_of("roster_replan").await.unwrap().is_some());
        let leave = s.store().leave_between(desk.days[0], desk.days[13]).await.unwrap();
        assert_eq!(
            leave.iter().map(|l| (l.worker_id.as_str(), l.day)).collect::<Vec<_>>(),
            vec![(sick.id.as_str(), desk.days[0]), (sick.id.as_str(), desk.days[1])],
            "the sick days are kept as leave for later rosters"
        );
        assert!(
            leave.iter().all(|l| l.credit_minutes > 0),
            "each lost shift counts towards the worker's hours"
        );

        // The sickness runs on: a second re-plan over the second day again and the third. The day already
        // on leave keeps its credit (the roster has it off, so it would be credited nothing now).
        let again = ReplanReason::Sick { worker_id: sick.id.clone(), days: vec![desk.days[1], desk.days[2]] };
        let proposal = s.propose_replan(new_id, &again, 300_000).await.unwrap();
        let saved = s.save_roster_changes(&officer, new_id, &proposal.changes, Some(&again)).await.unwrap();
        let new_id = saved.roster_id.unwrap();
        let longer = s.store().leave_between(desk.days[0], desk.days[13]).await.unwrap();
        assert_eq!(longer.len(), 3);
        assert_eq!(longer[1].credit_minutes, leave[1].credit_minutes, "the second day keeps its credit");
        let after = s.roster_desk(Some(new_id)).await.unwrap();
        assert!(after.breaks.is_empty(), "{:?}", after.breaks.first());

        // Wartime: the leader's re-plan covers at least as much of the wartime demand as the old roster.
        let war = s.propose_replan(new_id, &ReplanReason::Wartime, 300_000).await.unwrap();
        assert!(war.coverage_before.required > after.coverage.required, "wartime demand is higher");
        assert!(war.coverage_after.covered > war.coverage_before.covered, "and the re-plan meets more of it");
        let refused = s
            .save_roster_changes(&officer, new_id, &war.changes, Some(&ReplanReason::Wartime))
            .await
            .unwrap_err();
        assert_eq!(refused.code(), "forbidden", "a duty officer may not make a wartime roster in peacetime");
        let saved =
            s.save_roster_changes(&leader, new_id, &war.changes, Some(&ReplanReason::Wartime)).await.unwrap();
        let wartime = s.roster_desk(saved.roster_id).await.unwrap();
        assert_eq!(wartime.header.mode, Mode::Wartime);
        assert!(wartime.breaks.is_empty(), "{:?}", wartime.breaks.first());
    }

    #[tokio::test]
    async fn a_worker_added_since_the_plan_does_not_lock_the_roster() {
        let t = demo_station(1).await;
        let s = &t.station;
        let officer = person(Role::DutyOfficer, "duty1", "黄志明");
        let plan = s.plan_roster(&officer, &request(Mode::Peacetime)).await.unwrap();
        // A full-time worker joins after the plan: the stored roster gives them nothing, which their
        // contract's hours forbid.
        let scheme = s.scheme();
        let mut newcomer = s
            .store()
            .workers(&scheme)
            .await
            .unwrap()
            .into_iter()
            .find(|w| w.worker.employment == Employment::FullTime)
            .unwrap();
        newcomer.worker.id = "W1019999".into();
        newcomer.worker.name = "新来的".into();
        let mut tx = s.store().begin_write().await.unwrap();
        tx.upsert_workers(&[newcomer]).await.unwrap();
        tx.commit().await.unwrap();
        let desk = s.roster_desk(Some(plan.roster_id)).await.unwrap();
        assert!(
            desk.breaks.iter().any(|b| b.worker_id == "W1019999" && b.rule == "min_total_minutes"),
            "the newcomer's missing hours are named: {:?}",
            desk.breaks
        );
        // A legal change elsewhere still saves; the old break is carried, not blamed on the change.
        let (part, day) = desk
            .workers
            .iter()
            .filter(|w| !w.full_time)
            .find_map(|w| (0..14).find(|&d| w.cells[d].as_deref() == Some("巡")).map(|d| (w.clone(), d)))
            .unwrap();
        let off = vec![RosterCell { worker_id: part.id.clone(), day: desk.days[day], shift_code: None }];
        let check = s.check_roster_changes(plan.roster_id, &off, None).await.unwrap();
        assert!(check.new_breaks.is_empty() && !check.breaks.is_empty(), "{:?}", check.new_breaks);
        let saved = s
            .save_roster_changes(&officer, plan.roster_id, &off, None)
            .await
            .expect("an old break does not block");
        let stored = s.store().roster_header(saved.roster_id.unwrap()).await.unwrap().unwrap();
        assert!(stored.hard_violations > 0, "the stored roster says it still breaks a rule");
        // A change that adds a break is still refused.
        let after = s.roster_desk(saved.roster_id).await.unwrap();
        let (worker, night) = after
            .workers
            .iter()
            .find_map(|w| (0..13).find(|&d| w.cells[d].as_deref() == Some("夜")).map(|d| (w.clone(), d)))
            .unwrap();
        let bad = vec![RosterCell {
            worker_id: worker.id.clone(),
            day: after.days[night + 1],
            shift_code: Some("白".into()),
        }];
        let refused =
            s.save_roster_changes(&officer, saved.roster_id.unwrap(), &bad, None).await.unwrap_err();
        assert_eq!(refused.code(), "invalid", "{refused}");
    }
}
