//! The six-step state machine against the design's table "Transitions and who may make them".
//!
//! The table is written out again here, from DESIGN.md, rather than read from `closed_loop::rule`, so that a
//! change to the code's table that the design does not make is caught. Every command is tried by every
//! role from every status.

use chrono::{Duration, TimeZone, Utc};
use redgrid_core::closed_loop::{
    self, Actor, Command, CommandKind, Event, LoopContext, MergeTarget, NewEvent, PendingRequest, Rejection,
    RequestKind, Role,
};
use redgrid_core::event::{Category, DisputeKind, Evaluation, Outcome, Severity, Source, Status, Step};
use redgrid_core::grid::{GridCode, LevelScheme};
use redgrid_core::time::Instant;
use redgrid_core::time_limit::{Mode, Pace, TimeLimitPolicy, WorkCalendar};

const WORKER: &str = "w1";

fn t0() -> Instant {
    // A Wednesday morning in Asia/Shanghai (02:00 UTC = 10:00 local).
    Utc.with_ymd_and_hms(2026, 11, 18, 2, 0, 0).unwrap()
}

fn actor(role: Role) -> Actor {
    let id = match role {
        Role::GridWorker | Role::GridLeader => WORKER.to_string(),
        other => other.key().to_string(),
    };
    Actor { id, name: role.name_zh().into(), role, station: "test-station".into() }
}

struct Fixture {
    policy: TimeLimitPolicy,
    calendar: WorkCalendar,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture { policy: TimeLimitPolicy::standard(), calendar: WorkCalendar::default() }
    }

    fn ctx(&self) -> LoopContext<'_> {
        LoopContext {
            policy: &self.policy,
            calendar: &self.calendar,
            pace: Pace::PEACETIME,
            worker_names: &[],
        }
    }

    fn new_event(&self, category: Category) -> NewEvent {
        NewEvent {
            title: "村民因宅基地界址发生争执".into(),
            description: String::new(),
            category,
            severity: Severity::General,
            source: Source::ByHand,
            grid: GridCode::parse("450802101201001", &LevelScheme::guigang()).unwrap(),
            lon: None,
            lat: None,
            address: String::new(),
            reporter: "来电群众".into(),
            drill: false,
        }
    }

    fn reported(&self) -> Event {
        let mut event = closed_loop::report(
            self.new_event(Category::PublicOrder),
            &actor(Role::DutyOfficer),
            t0(),
            &self.ctx(),
        )
        .expect("a duty officer may log a report by hand")
        .event;
        event.id = 1;
        event
    }

    fn step(&self, event: &Event, role: Role, command: Command, minutes: i64) -> Event {
        let at = event.reported_at + Duration::minutes(minutes);
        closed_loop::apply(event, command, &actor(role), at, &self.ctx())
            .unwrap_or_else(|r| panic!("fixture step refused: {r}"))
            .event
    }

    /// An event brought to `status` by the ordinary path.
    fn event_in(&self, status: Status) -> Event {
        let accept = Command::Accept { category: None, severity: None, grid: None };
        let dispatch = Command::Dispatch { workers: vec![WORKER.into()], note: String::new() };
        let feedback = Command::Feedback { notes: "已处置".into(), photos: vec![], on_behalf_of: None };
        let close = Command::Close {
            outcome: Outcome::Resolved,
            evaluation: Evaluation::Satisfied,
            note: String::new(),
        };
        let e = self.reported();
        match status {
            Status::Reported => e,
            Status::Rejected => {
                self.step(&e, Role::DutyOfficer, Command::Reject { reason: "不属于受理范围".into() }, 1)
            }
            Status::Merged => self.step(
                &e,
                Role::DutyOfficer,
                Command::Merge {
                    into: MergeTarget { id: 2, status: Status::Accepted },
                    reason: String::new(),
                },
                1,
            ),
            _ => {
                let e = self.step(&e, Role::DutyOfficer, accept, 1);
                match status {
                    Status::Accepted => e,
                    Status::Voided => {
                        self.step(&e, Role::Leader, Command::Void { reason: "重复登记".into() }, 2)
                    }
                    Status::Parked => {
                        let e = self.step(
                            &e,
                            Role::DutyOfficer,
                            Command::RequestPark { reason: "等待县里答复".into() },
                            2,
                        );
                        self.step(&e, Role::Leader, Command::Approve { note: String::new() }, 3)
                    }
                    Status::Escalated => {
                        let e = self.step(
                            &e,
                            Role::DutyOfficer,
                            Command::RequestEscalation { reason: "跨乡镇".into() },
                            2,
                        );
                        self.step(&e, Role::Leader, Command::Approve { note: String::new() }, 3)
                    }
                    _ => {
                        let e = self.step(&e, Role::DutyOfficer, dispatch, 2);
                        if status == Status::Dispatched {
                            return e;
                        }
                        let e = self.step(&e, Role::GridWorker, feedback, 60);
                        if status == Status::Handled {
                            return e;
                        }
                        let e = self.step(&e, Role::DutyOfficer, Command::Verify { note: String::new() }, 70);
                        if status == Status::Verified {
                            return e;
                        }
                        self.step(&e, Role::DutyOfficer, close, 80)
                    }
                }
            }
        }
    }
}

/// The design's table, written out again.
fn design_roles(kind: CommandKind) -> &'static [Role] {
    use Role::*;
    match kind {
        CommandKind::Report => &[DutyOfficer, Commissioner, Leader, GridWorker, GridLeader, Resident, System],
        CommandKind::Accept | CommandKind::Reject | CommandKind::Merge | CommandKind::Dispatch => {
            &[DutyOfficer]
        }
        CommandKind::Acknowledge | CommandKind::Arrive => &[GridWorker, GridLeader],
        CommandKind::Feedback => &[GridWorker, GridLeader, DutyOfficer],
        CommandKind::Verify | CommandKind::SendBack => &[DutyOfficer, GridLeader],
        CommandKind::Close => &[DutyOfficer, Leader],
        CommandKind::Reopen => &[Leader],
        CommandKind::RequestEscalation | CommandKind::RequestPark | CommandKind::RequestUnpark => {
            &[DutyOfficer]
        }
        CommandKind::RequestExtension => &[DutyOfficer, GridWorker, GridLeader],
        CommandKind::Approve | CommandKind::Deny | CommandKind::Void => &[Leader],
        CommandKind::Remind => &[DutyOfficer],
        CommandKind::Supervise => &[Commissioner, Leader],
    }
}

fn design_from(kind: CommandKind) -> &'static [Status] {
    use Status::*;
    const OPEN: &[Status] = &[Reported, Accepted, Dispatched, Handled, Verified, Parked];
    match kind {
        CommandKind::Report => &[],
        CommandKind::Accept | CommandKind::Reject => &[Reported],
        CommandKind::Merge => &[Reported, Accepted],
        // DESIGN.md's table says accepted only; dispatched → dispatched is the reassignment (改派) the
        // dispatch issue adds for a worker who does not acknowledge.
        CommandKind::Dispatch => &[Accepted, Dispatched],
        CommandKind::Acknowledge | CommandKind::Arrive | CommandKind::Feedback => &[Dispatched],
        CommandKind::Verify | CommandKind::SendBack => &[Handled],
        CommandKind::Close => &[Verified],
        CommandKind::Reopen => &[Closed],
        CommandKind::RequestEscalation | CommandKind::RequestPark => &[Accepted, Dispatched],
        CommandKind::RequestUnpark => &[Parked],
        // An extension moves the deadline of a running step; a parked event's clock is stopped.
        CommandKind::RequestExtension => &[Reported, Accepted, Dispatched, Handled, Verified],
        CommandKind::Approve
        | CommandKind::Deny
        | CommandKind::Void
        | CommandKind::Remind
        | CommandKind::Supervise => OPEN,
    }
}

/// The status each command leads to, when it changes the status at all.
fn design_to(kind: CommandKind, from: Status, pending: Option<RequestKind>) -> Status {
    match kind {
        CommandKind::Accept => Status::Accepted,
        CommandKind::Reject => Status::Rejected,
        CommandKind::Merge => Status::Merged,
        CommandKind::Dispatch => Status::Dispatched,
        CommandKind::Feedback => Status::Handled,
        CommandKind::Verify => Status::Verified,
        CommandKind::SendBack | CommandKind::Reopen => Status::Accepted,
        CommandKind::Close => Status::Closed,
        CommandKind::Void => Status::Voided,
        CommandKind::Approve => match pending {
            Some(RequestKind::Escalate) => Status::Escalated,
            Some(RequestKind::Park) => Status::Parked,
            Some(RequestKind::Unpark) => Status::Accepted,
            _ => from,
        },
        _ => from,
    }
}

fn sample_command(kind: CommandKind) -> Command {
    match kind {
        CommandKind::Report => unreachable!("report has its own function"),
        CommandKind::Accept => Command::Accept { category: None, severity: None, grid: None },
        CommandKind::Reject => Command::Reject { reason: "无效".into() },
        CommandKind::Merge => {
            Command::Merge { into: MergeTarget { id: 2, status: Status::Accepted }, reason: String::new() }
        }
        // A worker not already on the event, so that the reassignment from dispatched is accepted too.
        CommandKind::Dispatch => Command::Dispatch { workers: vec!["W-SPARE".into()], note: String::new() },
        CommandKind::Acknowledge => Command::Acknowledge,
        CommandKind::Arrive => Command::Arrive,
        CommandKind::Feedback => Command::Feedback {
            notes: "已处置".into(),
            photos: vec!["p.jpg".into()],
            on_behalf_of: Some(WORKER.into()),
        },
        CommandKind::Verify => Command::Verify { note: String::new() },
        CommandKind::SendBack => Command::SendBack { reason: "材料不全".into() },
        CommandKind::Close => Command::Close {
            outcome: Outcome::Resolved,
            evaluation: Evaluation::Satisfied,
            note: String::new(),
        },
        CommandKind::Reopen => Command::Reopen { reason: "群众反映未解决".into() },
        CommandKind::RequestEscalation => Command::RequestEscalation { reason: "跨乡镇".into() },
        CommandKind::RequestExtension => {
            Command::RequestExtension { minutes: 120, reason: "当事人外出".into() }
        }
        CommandKind::RequestPark => Command::RequestPark { reason: "等待答复".into() },
        CommandKind::RequestUnpark => Command::RequestUnpark { reason: "已答复".into() },
        CommandKind::Approve => Command::Approve { note: String::new() },
        CommandKind::Deny => Command::Deny { reason: "理由不充分".into() },
        CommandKind::Void => Command::Void { reason: "重复".into() },
        CommandKind::Remind => Command::Remind { note: "请加快".into() },
        CommandKind::Supervise => Command::Supervise { note: "督办".into() },
    }
}

/// A pending request that suits the event's status, so that approve and deny have something to act on.
fn pending_for(status: Status) -> RequestKind {
    match status {
        Status::Parked => RequestKind::Unpark,
        Status::Accepted => RequestKind::Park,
        Status::Dispatched => RequestKind::Escalate,
        _ => RequestKind::Extend { minutes: 60 },
    }
}

#[test]
fn the_code_table_is_the_design_table() {
    for kind in CommandKind::ALL {
        let rule = closed_loop::rule(kind);
        let mut roles = rule.roles.to_vec();
        roles.sort();
        let mut expected = design_roles(kind).to_vec();
        expected.sort();
        assert_eq!(roles, expected, "roles allowed to {}", kind.key());
        let from = rule.from.unwrap_or(&[]);
        for status in Status::ALL {
            assert_eq!(
                from.contains(&status),
                design_from(kind).contains(&status),
                "{} from {} in the code's table",
                kind.key(),
                status.key()
            );
        }
    }
}

#[test]
fn every_command_by_every_role_from_every_status() {
    let fixture = Fixture::new();
    let mut allowed = 0;
    let mut refused = 0;
    for status in Status::ALL {
        let mut event = fixture.event_in(status);
        assert_eq!(event.status, status, "the fixture reaches {}", status.key());
        let pending = status.is_open().then(|| pending_for(status));
        event.pending = pending.map(|kind| PendingRequest {
            kind,
            requested_by: "duty_officer".into(),
            requested_at: t0(),
            reason: "测试".into(),
        });
        for kind in CommandKind::ALL.into_iter().filter(|k| *k != CommandKind::Report) {
            for role in Role::ALL {
                let role_ok = design_roles(kind).contains(&role);
                let status_ok = design_from(kind).contains(&status);
                let mut subject = event.clone();
                if matches!(
                    kind,
                    CommandKind::RequestEscalation
                        | CommandKind::RequestExtension
                        | CommandKind::RequestPark
                        | CommandKind::RequestUnpark
                ) {
                    // One request at a time: clear the fixture's pending request so the new one can be made.
                    subject.pending = None;
                }
                let result = closed_loop::apply(
                    &subject,
                    sample_command(kind),
                    &actor(role),
                    t0() + Duration::hours(2),
                    &fixture.ctx(),
                );
                let context = format!("{} by {} from {}", kind.key(), role.key(), status.key());
                match (role_ok, status_ok) {
                    (false, _) => {
                        assert!(
                            matches!(result, Err(Rejection::RoleNotAllowed { .. })),
                            "{context}: {result:?}"
                        );
                        refused += 1;
                    }
                    (true, false) => {
                        assert!(
                            matches!(result, Err(Rejection::IllegalFromStatus { .. })),
                            "{context}: {result:?}"
                        );
                        refused += 1;
                    }
                    (true, true) => {
                        let workers_without_task = matches!(role, Role::GridWorker | Role::GridLeader)
                            && kind == CommandKind::RequestExtension
                            && subject.tasks.is_empty();
                        if workers_without_task {
                            // A worker may only ask for more time on a task of their own.
                            assert_eq!(result, Err(Rejection::NotAssigned(WORKER.into())), "{context}");
                            continue;
                        }
                        let transition =
                            result.unwrap_or_else(|r| panic!("{context} should be allowed, got {r}"));
                        assert_eq!(transition.from, Some(status), "{context}");
                        assert_eq!(
                            transition.to,
                            design_to(kind, status, subject.pending.as_ref().map(|p| p.kind)),
                            "{context}"
                        );
                        assert_eq!(
                            transition.event.version,
                            subject.version + 1,
                            "{context}: every command bumps the version"
                        );
                        allowed += 1;
                    }
                }
            }
        }
    }
    // 11 statuses × 20 commands × 9 roles; the counts guard against the loops silently doing nothing.
    assert!(allowed > 60, "allowed transitions exercised: {allowed}");
    assert!(refused > 1000, "refusals exercised: {refused}");
}

#[test]
fn report_is_open_to_everyone_signed_in_but_the_administrator_and_the_wall_screen() {
    let fixture = Fixture::new();
    for role in Role::ALL {
        let result =
            closed_loop::report(fixture.new_event(Category::Fire), &actor(role), t0(), &fixture.ctx());
        if matches!(role, Role::Administrator | Role::Wall) {
            assert!(
                matches!(result, Err(Rejection::RoleNotAllowed { .. })),
                "the administrator takes no event actions and the wall screen only looks"
            );
        } else {
            let transition = result.unwrap_or_else(|r| panic!("{} may report: {r}", role.key()));
            assert_eq!(transition.to, Status::Reported);
            assert_eq!(
                transition.event.clock.as_ref().map(|c| c.step),
                Some(Step::Accept),
                "the accept clock starts at report"
            );
        }
    }
}

#[test]
fn side_rules_are_typed_rejections() {
    let f = Fixture::new();
    let officer = actor(Role::DutyOfficer);
    let now = t0() + Duration::hours(1);
    let accepted = f.event_in(Status::Accepted);
    let cases: Vec<(Event, Actor, Command, Rejection)> = vec![
        (
            f.event_in(Status::Reported),
            officer.clone(),
            Command::Reject { reason: "  ".into() },
            Rejection::ReasonRequired("不予受理"),
        ),
        (
            accepted.clone(),
            officer.clone(),
            Command::Dispatch { workers: vec![], note: String::new() },
            Rejection::NoWorkers,
        ),
        (
            accepted.clone(),
            officer.clone(),
            Command::Merge { into: MergeTarget { id: 1, status: Status::Accepted }, reason: String::new() },
            Rejection::MergeIntoSelf,
        ),
        (
            accepted.clone(),
            officer.clone(),
            Command::Merge { into: MergeTarget { id: 7, status: Status::Closed }, reason: String::new() },
            Rejection::MergeTargetClosed(7),
        ),
        (
            accepted.clone(),
            actor(Role::Leader),
            Command::Approve { note: String::new() },
            Rejection::NoPendingRequest,
        ),
        (
            accepted.clone(),
            officer.clone(),
            Command::RequestExtension { minutes: 0, reason: "x".into() },
            Rejection::InvalidExtension,
        ),
        (
            f.event_in(Status::Dispatched),
            Actor { id: "w9".into(), ..actor(Role::GridWorker) },
            Command::Acknowledge,
            Rejection::NotAssigned("w9".into()),
        ),
        (
            f.event_in(Status::Verified),
            officer.clone(),
            Command::Close {
                outcome: Outcome::MediatedSuccessfully,
                evaluation: Evaluation::Satisfied,
                note: String::new(),
            },
            Rejection::OutcomeNotForCategory { outcome: "调解成功", category: "社会治安" },
        ),
    ];
    for (event, who, command, expected) in cases {
        let kind = command.kind();
        let before = event.clone();
        assert_eq!(closed_loop::apply(&event, command, &who, now, &f.ctx()), Err(expected), "{}", kind.key());
        assert_eq!(event, before, "a refused command leaves the event as it was");
    }
    // A second request while one is pending is refused.
    let requested = f.step(&accepted, Role::DutyOfficer, Command::RequestPark { reason: "等待".into() }, 5);
    assert_eq!(
        closed_loop::apply(
            &requested,
            Command::RequestEscalation { reason: "跨乡镇".into() },
            &officer,
            now,
            &f.ctx()
        ),
        Err(Rejection::RequestAlreadyPending("挂账"))
    );
    // A drill flag must agree with the drill source.
    let mut drill = f.new_event(Category::Weather);
    drill.drill = true;
    assert_eq!(
        closed_loop::report(drill, &actor(Role::Commissioner), now, &f.ctx()),
        Err(Rejection::DrillMismatch)
    );
}

#[test]
fn a_full_loop_records_milestones_and_on_time_steps() {
    let f = Fixture::new();
    let mut new = f.new_event(Category::Dispute(DisputeKind::Neighbours));
    new.source = Source::GridWorker;
    let mut e = closed_loop::report(new, &actor(Role::GridWorker), t0(), &f.ctx()).unwrap().event;
    e.id = 5;
    let e = f.step(
        &e,
        Role::DutyOfficer,
        Command::Accept { category: None, severity: Some(Severity::Serious), grid: None },
        10,
    );
    assert_eq!(e.severity, Severity::Serious, "triage may change the severity");
    // Dispatch 2 hours after acceptance: over the 60-minute dispatch limit.
    let e = f.step(
        &e,
        Role::DutyOfficer,
        Command::Dispatch { workers: vec![WORKER.into()], note: String::new() },
        130,
    );
    let e = f.step(&e, Role::GridWorker, Command::Acknowledge, 132);
    let e = f.step(&e, Role::GridWorker, Command::Arrive, 150);
    assert!(e.tasks[0].acknowledged_at.is_some() && e.tasks[0].arrived_at.is_some());
    assert_eq!(e.status, Status::Dispatched, "acknowledge and arrive are task-level");
    let e = f.step(
        &e,
        Role::GridWorker,
        Command::Feedback { notes: "调解成功".into(), photos: vec![], on_behalf_of: None },
        300,
    );
    let e = f.step(&e, Role::GridLeader, Command::Verify { note: String::new() }, 320);
    let e = f.step(
        &e,
        Role::DutyOfficer,
        Command::Close {
            outcome: Outcome::MediatedSuccessfully,
            evaluation: Evaluation::Satisfied,
            note: String::new(),
        },
        330,
    );
    assert_eq!(e.status, Status::Closed);
    assert_eq!(e.outcome, Some(Outcome::MediatedSuccessfully));
    assert!(e.due_at.is_none() && e.clock.is_none(), "a closed event has no running clock");
    assert_eq!(e.late_steps, Step::Dispatch.bit(), "only dispatch was late");
    assert_eq!(
        e.on_time_steps,
        Step::Accept.bit() | Step::Handle.bit() | Step::Verify.bit() | Step::Close.bit(),
        "every other step was on time"
    );
    // Reopening is a new transition back to dispatch, not an edit.
    let reopened = f.step(&e, Role::Leader, Command::Reopen { reason: "当事人反映又起争执".into() }, 2000);
    assert_eq!(reopened.status, Status::Accepted);
    assert_eq!(reopened.outcome, None);
    assert_eq!(reopened.clock.as_ref().map(|c| c.step), Some(Step::Dispatch));
}

#[test]
fn park_stops_the_clock_and_unpark_restarts_it_where_it_stood() {
    let f = Fixture::new();
    let e = f.event_in(Status::Accepted);
    let due_before = e.due_at.expect("accepted events have a dispatch deadline");
    let e = f.step(&e, Role::DutyOfficer, Command::RequestPark { reason: "等待县里答复".into() }, 10);
    let parked = f.step(&e, Role::Leader, Command::Approve { note: String::new() }, 20);
    assert_eq!(parked.status, Status::Parked);
    assert_eq!(parked.due_at, None, "no deadline while the clock is stopped");
    let e = f.step(&parked, Role::DutyOfficer, Command::RequestUnpark { reason: "已答复".into() }, 500);
    let unparked = f.step(&e, Role::Leader, Command::Approve { note: String::new() }, 620);
    assert_eq!(unparked.status, Status::Accepted, "unpark returns to the status it was parked from");
    // Parked from minute 20 to minute 620: the deadline moves by those 600 minutes.
    assert_eq!(unparked.due_at, Some(due_before + Duration::minutes(600)));
}

#[test]
fn an_approved_extension_moves_the_deadline() {
    let f = Fixture::new();
    let e = f.event_in(Status::Dispatched);
    let due = e.due_at.unwrap();
    let e = f.step(
        &e,
        Role::GridWorker,
        Command::RequestExtension { minutes: 90, reason: "当事人外出".into() },
        5,
    );
    assert_eq!(e.due_at, Some(due), "a request alone changes nothing");
    let e = f.step(&e, Role::Leader, Command::Approve { note: String::new() }, 6);
    assert_eq!(e.due_at, Some(due + Duration::minutes(90)));
    assert!(e.pending.is_none());
}

#[test]
fn wartime_halves_the_limits() {
    let f = Fixture::new();
    let peace = f.reported();
    let ctx = LoopContext {
        policy: &f.policy,
        calendar: &f.calendar,
        pace: f.policy.pace(Mode::Wartime),
        worker_names: &[],
    };
    let war = closed_loop::report(f.new_event(Category::PublicOrder), &actor(Role::DutyOfficer), t0(), &ctx)
        .unwrap()
        .event;
    let peace_limit = peace.due_at.unwrap() - t0();
    let war_limit = war.due_at.unwrap() - t0();
    assert_eq!(war_limit * 2, peace_limit, "the standard policy's wartime share is 50%");
}

#[test]
fn reassignment_replaces_the_silent_worker_and_keeps_the_clock() {
    let f = Fixture::new();
    let e = f.event_in(Status::Dispatched);
    let (due, clock) = (e.due_at, e.clock.clone());
    let again = closed_loop::apply(
        &e,
        Command::Dispatch { workers: vec![WORKER.into()], note: String::new() },
        &actor(Role::DutyOfficer),
        e.reported_at + Duration::minutes(20),
        &f.ctx(),
    )
    .unwrap_err();
    assert_eq!(again.code(), "already_assigned");
    let moved = closed_loop::apply(
        &e,
        Command::Dispatch { workers: vec!["W-SPARE".into()], note: "原网格员未签收".into() },
        &actor(Role::DutyOfficer),
        e.reported_at + Duration::minutes(20),
        &f.ctx(),
    )
    .unwrap();
    assert_eq!(moved.to, Status::Dispatched);
    assert!(moved.reason.starts_with("改派：W-SPARE"), "{}", moved.reason);
    let workers: Vec<&str> = moved.event.tasks.iter().map(|t| t.worker_id.as_str()).collect();
    assert_eq!(workers, ["W-SPARE"], "the worker who never acknowledged is replaced");
    assert_eq!(moved.event.due_at, due, "a reassignment does not restart the handling clock");
    assert_eq!(moved.event.clock, clock);
}

#[test]
fn dispatched_workers_are_named_and_the_note_is_left_alone() {
    let f = Fixture::new();
    let e = f.event_in(Status::Accepted);
    let names = vec![("W1".to_string(), "韦建国".to_string()), ("W2".to_string(), "黄丽".to_string())];
    let ctx = LoopContext { worker_names: &names, ..f.ctx() };
    let dispatch = |workers: &[&str], note: &str| {
        let command =
            Command::Dispatch { workers: workers.iter().map(|w| w.to_string()).collect(), note: note.into() };
        closed_loop::apply(&e, command, &actor(Role::DutyOfficer), e.reported_at + Duration::minutes(5), &ctx)
            .unwrap()
            .reason
    };
    assert_eq!(dispatch(&["W1", "W2"], ""), "派遣：韦建国（W1）、黄丽（W2）");
    assert_eq!(
        dispatch(&["W2"], "W1 未确认"),
        "派遣：黄丽（W2）；W1 未确认",
        "a note that mentions an id stays as typed"
    );
    assert_eq!(dispatch(&["W9"], ""), "派遣：W9", "an unknown id stays as it is");
}

#[test]
fn a_note_ending_in_a_full_stop_reads_as_one_sentence() {
    let f = Fixture::new();
    let e = f.event_in(Status::Dispatched);
    let command = Command::Feedback {
        notes: "已清理倒伏树木。".into(),
        photos: vec!["p1".into(), "p2".into()],
        on_behalf_of: None,
    };
    let done = closed_loop::apply(
        &e,
        command,
        &actor(Role::GridWorker),
        e.reported_at + Duration::minutes(40),
        &f.ctx(),
    );
    let reason = done.map(|t| t.reason).unwrap_or_else(|r| panic!("{r}"));
    assert_eq!(reason, "已清理倒伏树木；照片 2 张", "no 「。；」");
}

#[test]
fn a_false_alarm_closes_as_such_and_counts_as_closed() {
    let f = Fixture::new();
    let e = f.event_in(Status::Verified);
    let close = Command::Close {
        outcome: Outcome::FalseAlarm,
        evaluation: Evaluation::Acceptable,
        note: "现场核实为误报。".into(),
    };
    let done = closed_loop::apply(
        &e,
        close,
        &actor(Role::DutyOfficer),
        e.reported_at + Duration::hours(3),
        &f.ctx(),
    )
    .unwrap();
    assert_eq!(done.to, Status::Closed);
    assert_eq!(done.event.outcome, Some(Outcome::FalseAlarm));
    assert!(done.reason.starts_with("误报/无效"), "{}", done.reason);
    assert_eq!(Outcome::from_key("false_alarm"), Some(Outcome::FalseAlarm), "the store reads it back");
}
