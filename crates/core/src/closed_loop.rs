//! The six-step closed loop (六步闭环) as a state machine: the only way an event changes state.
//!
//! [`report`] creates an event; [`apply`] takes an event, a [`Command`] and its [`Actor`] and returns the
//! [`Transition`] to store, or a typed [`Rejection`]. Who may do what, from which status, is the table
//! [`rule`] — the table "Transitions and who may make them" of the design, row for row.

use crate::event::{Category, Evaluation, Outcome, Severity, Source, Status};
use crate::grid::GridCode;
use crate::time::Instant;
use crate::time_limit::{Pace, StepClock, TimeLimitPolicy, WorkCalendar};

/// Who acts, as what, from where. Every command carries one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Account id for people at the console, worker id for terminals.
    pub id: String,
    pub name: String,
    pub role: Role,
    /// The station (workstation or terminal) the command came from.
    pub station: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// 值班员.
    DutyOfficer,
    /// 政法委员.
    Commissioner,
    /// 领导.
    Leader,
    /// 管理员: accounts and settings, no event actions.
    Administrator,
    /// A grid worker's terminal.
    GridWorker,
    /// A grid leader (网格长) at a terminal.
    GridLeader,
    /// A resident reporting through the public channel.
    Resident,
    /// The station itself: a camera alert turned into an event, a drill injection.
    System,
    /// 大屏: the wall screen's read-only account; it takes no act at all.
    Wall,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::DutyOfficer,
        Role::Commissioner,
        Role::Leader,
        Role::Administrator,
        Role::GridWorker,
        Role::GridLeader,
        Role::Resident,
        Role::System,
        Role::Wall,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Role::DutyOfficer => "duty_officer",
            Role::Commissioner => "commissioner",
            Role::Leader => "leader",
            Role::Administrator => "administrator",
            Role::GridWorker => "grid_worker",
            Role::GridLeader => "grid_leader",
            Role::Resident => "resident",
            Role::System => "system",
            Role::Wall => "wall",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Role::DutyOfficer => "值班员",
            Role::Commissioner => "政法委员",
            Role::Leader => "领导",
            Role::Administrator => "管理员",
            Role::GridWorker => "网格员",
            Role::GridLeader => "网格长",
            Role::Resident => "群众",
            Role::System => "系统",
            Role::Wall => "大屏",
        }
    }

    pub fn from_key(key: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.key() == key)
    }
}

/// A worker's task within a dispatch.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub worker_id: String,
    pub dispatched_at: Instant,
    pub acknowledged_at: Option<Instant>,
    pub arrived_at: Option<Instant>,
}

/// A side-path request waiting for a leader's approval.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingRequest {
    pub kind: RequestKind,
    pub requested_by: String,
    pub requested_at: Instant,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    Escalate,
    Extend { minutes: i64 },
    Park,
    Unpark,
}

impl RequestKind {
    pub fn name_zh(self) -> &'static str {
        match self {
            RequestKind::Escalate => "提级",
            RequestKind::Extend { .. } => "延时",
            RequestKind::Park => "挂账",
            RequestKind::Unpark => "解除挂账",
        }
    }
}

/// When each step of the loop was last completed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Milestones {
    pub accepted_at: Option<Instant>,
    pub dispatched_at: Option<Instant>,
    pub handled_at: Option<Instant>,
    pub verified_at: Option<Instant>,
    pub closed_at: Option<Instant>,
}

/// An event as the closed loop sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Assigned by the store; 0 until then.
    pub id: i64,
    /// Optimistic-concurrency version; every transition increments it.
    pub version: i64,
    pub status: Status,
    pub title: String,
    pub description: String,
    pub category: Category,
    pub severity: Severity,
    pub source: Source,
    pub grid: GridCode,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub address: String,
    pub reporter: String,
    /// Drill events are tagged here at creation and never counted in real statistics.
    pub drill: bool,
    pub reported_at: Instant,
    pub clock: Option<StepClock>,
    /// The deadline of the current step as of the last transition (`None` when paused or not timed).
    pub due_at: Option<Instant>,
    pub parked_from: Option<Status>,
    pub pending: Option<PendingRequest>,
    pub tasks: Vec<Task>,
    pub milestones: Milestones,
    /// Steps completed within their limit (bit per [`Step`]).
    pub on_time_steps: i64,
    /// Steps completed late (bit per [`Step`]); a repeated step late once stays late.
    pub late_steps: i64,
    pub outcome: Option<Outcome>,
    pub evaluation: Option<Evaluation>,
    pub merged_into: Option<i64>,
    pub reminders: i64,
    pub supervisions: i64,
    pub send_backs: i64,
}

impl Event {
    pub fn is_open(&self) -> bool {
        self.status.is_open()
    }

    pub fn is_overdue(&self, now: Instant) -> bool {
        self.due_at.is_some_and(|due| due < now)
    }

    pub fn assignees(&self) -> impl Iterator<Item = &str> {
        self.tasks.iter().map(|t| t.worker_id.as_str())
    }
}

/// What a report carries.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub title: String,
    pub description: String,
    pub category: Category,
    pub severity: Severity,
    pub source: Source,
    pub grid: GridCode,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub address: String,
    pub reporter: String,
    pub drill: bool,
}

/// Everything but the event itself that a transition depends on.
#[derive(Debug, Clone)]
pub struct LoopContext<'a> {
    pub policy: &'a TimeLimitPolicy,
    pub calendar: &'a WorkCalendar,
    /// The pace of the response level in force: steps that start now get limits at it.
    pub pace: Pace,
    /// `(worker id, name)` of the workers a dispatch names, so that the audit trail reads
    /// 「派遣：韦建国（W1010012）」; an id not listed is written as it is.
    pub worker_names: &'a [(String, String)],
}

impl LoopContext<'_> {
    /// A worker as the audit trail names them.
    fn worker_named(&self, id: &str) -> String {
        match self.worker_names.iter().find(|(w, _)| w == id) {
            Some((id, name)) => format!("{name}（{id}）"),
            None => id.to_string(),
        }
    }
}

/// The target of a merge as the caller found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MergeTarget {
    pub id: i64,
    pub status: Status,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Accept { category: Option<Category>, severity: Option<Severity>, grid: Option<GridCode> },
    Reject { reason: String },
    Merge { into: MergeTarget, reason: String },
    Dispatch { workers: Vec<String>, note: String },
    Acknowledge,
    Arrive,
    Feedback { notes: String, photos: Vec<String>, on_behalf_of: Option<String> },
    Verify { note: String },
    SendBack { reason: String },
    Close { outcome: Outcome, evaluation: Evaluation, note: String },
    Reopen { reason: String },
    RequestEscalation { reason: String },
    RequestExtension { minutes: i64, reason: String },
    RequestPark { reason: String },
    RequestUnpark { reason: String },
    Approve { note: String },
    Deny { reason: String },
    Void { reason: String },
    Remind { note: String },
    Supervise { note: String },
}

/// The kinds of command, for the rule table and for audit records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CommandKind {
    Report,
    Accept,
    Reject,
    Merge,
    Dispatch,
    Acknowledge,
    Arrive,
    Feedback,
    Verify,
    SendBack,
    Close,
    Reopen,
    RequestEscalation,
    RequestExtension,
    RequestPark,
    RequestUnpark,
    Approve,
    Deny,
    Void,
    Remind,
    Supervise,
}

impl CommandKind {
    pub const ALL: [CommandKind; 21] = [
        CommandKind::Report,
        CommandKind::Accept,
        CommandKind::Reject,
        CommandKind::Merge,
        CommandKind::Dispatch,
        CommandKind::Acknowledge,
        CommandKind::Arrive,
        CommandKind::Feedback,
        CommandKind::Verify,
        CommandKind::SendBack,
        CommandKind::Close,
        CommandKind::Reopen,
        CommandKind::RequestEscalation,
        CommandKind::RequestExtension,
        CommandKind::RequestPark,
        CommandKind::RequestUnpark,
        CommandKind::Approve,
        CommandKind::Deny,
        CommandKind::Void,
        CommandKind::Remind,
        CommandKind::Supervise,
    ];

    pub fn key(self) -> &'static str {
        match self {
            CommandKind::Report => "report",
            CommandKind::Accept => "accept",
            CommandKind::Reject => "reject",
            CommandKind::Merge => "merge",
            CommandKind::Dispatch => "dispatch",
            CommandKind::Acknowledge => "acknowledge",
            CommandKind::Arrive => "arrive",
            CommandKind::Feedback => "feedback",
            CommandKind::Verify => "verify",
            CommandKind::SendBack => "send_back",
            CommandKind::Close => "close",
            CommandKind::Reopen => "reopen",
            CommandKind::RequestEscalation => "request_escalation",
            CommandKind::RequestExtension => "request_extension",
            CommandKind::RequestPark => "request_park",
            CommandKind::RequestUnpark => "request_unpark",
            CommandKind::Approve => "approve",
            CommandKind::Deny => "deny",
            CommandKind::Void => "void",
            CommandKind::Remind => "remind",
            CommandKind::Supervise => "supervise",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            CommandKind::Report => "上报",
            CommandKind::Accept => "受理",
            CommandKind::Reject => "不予受理",
            CommandKind::Merge => "合并",
            CommandKind::Dispatch => "派遣",
            CommandKind::Acknowledge => "签收",
            CommandKind::Arrive => "到场",
            CommandKind::Feedback => "反馈",
            CommandKind::Verify => "核查",
            CommandKind::SendBack => "退回重派",
            CommandKind::Close => "结案",
            CommandKind::Reopen => "重新启动",
            CommandKind::RequestEscalation => "申请提级",
            CommandKind::RequestExtension => "申请延时",
            CommandKind::RequestPark => "申请挂账",
            CommandKind::RequestUnpark => "申请解除挂账",
            CommandKind::Approve => "批准",
            CommandKind::Deny => "驳回申请",
            CommandKind::Void => "作废",
            CommandKind::Remind => "催办",
            CommandKind::Supervise => "督办",
        }
    }

    pub fn from_key(key: &str) -> Option<CommandKind> {
        CommandKind::ALL.into_iter().find(|k| k.key() == key)
    }
}

impl Command {
    pub fn kind(&self) -> CommandKind {
        match self {
            Command::Accept { .. } => CommandKind::Accept,
            Command::Reject { .. } => CommandKind::Reject,
            Command::Merge { .. } => CommandKind::Merge,
            Command::Dispatch { .. } => CommandKind::Dispatch,
            Command::Acknowledge => CommandKind::Acknowledge,
            Command::Arrive => CommandKind::Arrive,
            Command::Feedback { .. } => CommandKind::Feedback,
            Command::Verify { .. } => CommandKind::Verify,
            Command::SendBack { .. } => CommandKind::SendBack,
            Command::Close { .. } => CommandKind::Close,
            Command::Reopen { .. } => CommandKind::Reopen,
            Command::RequestEscalation { .. } => CommandKind::RequestEscalation,
            Command::RequestExtension { .. } => CommandKind::RequestExtension,
            Command::RequestPark { .. } => CommandKind::RequestPark,
            Command::RequestUnpark { .. } => CommandKind::RequestUnpark,
            Command::Approve { .. } => CommandKind::Approve,
            Command::Deny { .. } => CommandKind::Deny,
            Command::Void { .. } => CommandKind::Void,
            Command::Remind { .. } => CommandKind::Remind,
            Command::Supervise { .. } => CommandKind::Supervise,
        }
    }
}

/// One row of the transition table: who may issue a command, from which statuses.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub roles: &'static [Role],
    /// `None` for report (no event yet).
    pub from: Option<&'static [Status]>,
}

const OPEN: &[Status] = &[
    Status::Reported,
    Status::Accepted,
    Status::Dispatched,
    Status::Handled,
    Status::Verified,
    Status::Parked,
];
const TIMED: &[Status] =
    &[Status::Reported, Status::Accepted, Status::Dispatched, Status::Handled, Status::Verified];
const WORKING: &[Status] = &[Status::Accepted, Status::Dispatched];
const TERMINAL: &[Role] = &[Role::GridWorker, Role::GridLeader];

/// The transition table.
pub fn rule(kind: CommandKind) -> Rule {
    use Role::*;
    use Status::*;
    let (roles, from): (&'static [Role], Option<&'static [Status]>) = match kind {
        CommandKind::Report => {
            (&[DutyOfficer, Commissioner, Leader, GridWorker, GridLeader, Resident, System], None)
        }
        CommandKind::Accept => (&[DutyOfficer], Some(&[Reported])),
        CommandKind::Reject => (&[DutyOfficer], Some(&[Reported])),
        CommandKind::Merge => (&[DutyOfficer], Some(&[Reported, Accepted])),
        // From dispatched too: 改派, another worker when the first does not acknowledge (see apply).
        CommandKind::Dispatch => (&[DutyOfficer], Some(&[Accepted, Dispatched])),
        CommandKind::Acknowledge | CommandKind::Arrive => (TERMINAL, Some(&[Dispatched])),
        CommandKind::Feedback => (&[GridWorker, GridLeader, DutyOfficer], Some(&[Dispatched])),
        CommandKind::Verify => (&[DutyOfficer, GridLeader], Some(&[Handled])),
        CommandKind::SendBack => (&[DutyOfficer, GridLeader], Some(&[Handled])),
        CommandKind::Close => (&[DutyOfficer, Leader], Some(&[Verified])),
        CommandKind::Reopen => (&[Leader], Some(&[Closed])),
        CommandKind::RequestEscalation => (&[DutyOfficer], Some(WORKING)),
        CommandKind::RequestExtension => (&[DutyOfficer, GridWorker, GridLeader], Some(TIMED)),
        CommandKind::RequestPark => (&[DutyOfficer], Some(WORKING)),
        CommandKind::RequestUnpark => (&[DutyOfficer], Some(&[Parked])),
        CommandKind::Approve | CommandKind::Deny => (&[Leader], Some(OPEN)),
        CommandKind::Void => (&[Leader], Some(OPEN)),
        CommandKind::Remind => (&[DutyOfficer], Some(OPEN)),
        CommandKind::Supervise => (&[Commissioner, Leader], Some(OPEN)),
    };
    Rule { roles, from }
}

/// Why a command was refused. Each has a stable [`Rejection::code`] and a Chinese message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("{role}无权执行“{command}”")]
    RoleNotAllowed { command: &'static str, role: &'static str },
    #[error("事件当前状态为“{status}”，不能执行“{command}”")]
    IllegalFromStatus { command: &'static str, status: &'static str },
    #[error("“{0}”必须填写理由")]
    ReasonRequired(&'static str),
    #[error("网格员 {0} 不是本事件的处置人")]
    NotAssigned(String),
    #[error("派遣至少需要一名网格员")]
    NoWorkers,
    #[error("网格员 {0} 已在处置本事件，无需改派")]
    AlreadyAssigned(String),
    #[error("本事件已有待审批的“{0}”申请")]
    RequestAlreadyPending(&'static str),
    #[error("本事件没有待审批的申请")]
    NoPendingRequest,
    #[error("待审批的“{0}”申请已不适用于事件当前状态")]
    RequestNoLongerApplies(&'static str),
    #[error("不能把事件合并到它自身")]
    MergeIntoSelf,
    #[error("合并目标事件 #{0} 已不在办理中")]
    MergeTargetClosed(i64),
    #[error("延时时长必须为 1 到 43200 分钟")]
    InvalidExtension,
    #[error("“{outcome}”不适用于“{category}”类事件")]
    OutcomeNotForCategory { outcome: &'static str, category: &'static str },
    #[error("演练事件必须标记为演练来源")]
    DrillMismatch,
    #[error("事件标题不能为空")]
    EmptyTitle,
}

impl Rejection {
    /// A stable code the UI may branch on.
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::RoleNotAllowed { .. } => "role_not_allowed",
            Rejection::IllegalFromStatus { .. } => "illegal_transition",
            Rejection::ReasonRequired(_) => "reason_required",
            Rejection::NotAssigned(_) => "not_assigned",
            Rejection::NoWorkers => "no_workers",
            Rejection::AlreadyAssigned(_) => "already_assigned",
            Rejection::RequestAlreadyPending(_) => "request_pending",
            Rejection::NoPendingRequest => "no_pending_request",
            Rejection::RequestNoLongerApplies(_) => "request_stale",
            Rejection::MergeIntoSelf => "merge_into_self",
            Rejection::MergeTargetClosed(_) => "merge_target_closed",
            Rejection::InvalidExtension => "invalid_extension",
            Rejection::OutcomeNotForCategory { .. } => "outcome_not_for_category",
            Rejection::DrillMismatch => "drill_mismatch",
            Rejection::EmptyTitle => "empty_title",
        }
    }
}

/// A transition to store: the new event and what the audit record says of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub event: Event,
    pub command: CommandKind,
    pub from: Option<Status>,
    pub to: Status,
    /// The reason, note or summary the audit record keeps.
    pub reason: String,
}

fn check_role(kind: CommandKind, actor: &Actor) -> Result<Rule, Rejection> {
    let rule = rule(kind);
    if !rule.roles.contains(&actor.role) {
        return Err(Rejection::RoleNotAllowed { command: kind.name_zh(), role: actor.role.name_zh() });
    }
    Ok(rule)
}

fn require_reason(kind: CommandKind, reason: &str) -> Result<(), Rejection> {
    if reason.trim().is_empty() {
        return Err(Rejection::ReasonRequired(kind.name_zh()));
    }
    Ok(())
}

/// Starts the clock of the step `event` now waits on, with the limit for its category and severity.
/// A typed note as a clause of the audit sentence: without its closing full stop, so that what follows
/// (「；照片 2 张」) does not read 「。；」.
fn clause(note: &str) -> &str {
    note.trim().trim_end_matches(['。', '.', '；', ';', '，', ','])
}

fn start_clock(event: &mut Event, now: Instant, ctx: &LoopContext<'_>) {
    event.clock = event.status.pending_step().and_then(|step| {
        ctx.policy
            .limit_at(event.category, event.severity, step, ctx.pace)
            .map(|limit| StepClock::start(step, now, limit))
    });
    refresh_due(event, now, ctx);
}

fn refresh_due(event: &mut Event, now: Instant, ctx: &LoopContext<'_>) {
    event.due_at = event.clock.as_ref().and_then(|clock| clock.due_at(now, ctx.calendar));
}

/// Marks the current step completed now, on time or late.
fn complete_step(event: &mut Event, now: Instant, ctx: &LoopContext<'_>) {
    if let Some(clock) = &event.clock {
        if clock.on_time(now, ctx.calendar) {
            event.on_time_steps |= clock.step.bit();
        } else {
            event.late_steps |= clock.step.bit();
        }
    }
}

/// Creates a reported event.
pub fn report(
    new: NewEvent,
    actor: &Actor,
    now: Instant,
    ctx: &LoopContext<'_>,
) -> Result<Transition, Rejection> {
    check_role(CommandKind::Report, actor)?;
    if new.title.trim().is_empty() {
        return Err(Rejection::EmptyTitle);
    }
    if new.drill != (new.source == Source::Drill) {
        return Err(Rejection::DrillMismatch);
    }
    let mut event = Event {
        id: 0,
        version: 1,
        status: Status::Reported,
        title: new.title,
        description: new.description,
        category: new.category,
        severity: new.severity,
        source: new.source,
        grid: new.grid,
        lon: new.lon,
        lat: new.lat,
        address: new.address,
        reporter: new.reporter,
        drill: new.drill,
        reported_at: now,
        clock: None,
        due_at: None,
        parked_from: None,
        pending: None,
        tasks: Vec::new(),
        milestones: Milestones::default(),
        on_time_steps: 0,
        late_steps: 0,
        outcome: None,
        evaluation: None,
        merged_into: None,
        reminders: 0,
        supervisions: 0,
        send_backs: 0,
    };
    start_clock(&mut event, now, ctx);
    let reason = format!("{}：{}", event.source.name_zh(), event.title);
    Ok(Transition { event, command: CommandKind::Report, from: None, to: Status::Reported, reason })
}

/// Applies a command to an event. The event is not changed on rejection.
pub fn apply(
    event: &Event,
    command: Command,
    actor: &Actor,
    now: Instant,
    ctx: &LoopContext<'_>,
) -> Result<Transition, Rejection> {
    let kind = command.kind();
    let rule = check_role(kind, actor)?;
    if !rule.from.is_some_and(|from| from.contains(&event.status)) {
        return Err(Rejection::IllegalFromStatus { command: kind.name_zh(), status: event.status.name_zh() });
    }
    let from = event.status;
    let mut next = event.clone();
    next.version += 1;
    let reason = match command {
        Command::Accept { category, severity, grid } => {
            complete_step(&mut next, now, ctx);
            next.category = category.unwrap_or(next.category);
            next.severity = severity.unwrap_or(next.severity);
            next.grid = grid.unwrap_or(next.grid);
            next.status = Status::Accepted;
            next.milestones.accepted_at = Some(now);
            start_clock(&mut next, now, ctx);
            format!("{}·{}", next.category.name_zh(), next.severity.name_zh())
        }
        Command::Reject { reason } => {
            require_reason(kind, &reason)?;
            complete_step(&mut next, now, ctx);
            next.status = Status::Rejected;
            next.clock = None;
            next.due_at = None;
            reason
        }
        Command::Merge { into, reason } => {
            if into.id == event.id {
                return Err(Rejection::MergeIntoSelf);
            }
            if !into.status.is_open() {
                return Err(Rejection::MergeTargetClosed(into.id));
            }
            next.status = Status::Merged;
            next.merged_into = Some(into.id);
            next.clock = None;
            next.due_at = None;
            if reason.trim().is_empty() {
                format!("合并至事件 #{}", into.id)
            } else {
                format!("合并至事件 #{}：{reason}", into.id)
            }
        }
        Command::Dispatch { workers, note } => {
            if workers.is_empty() {
                return Err(Rejection::NoWorkers);
            }
            let new_tasks = workers.iter().map(|w| Task {
                worker_id: w.clone(),
                dispatched_at: now,
                acknowledged_at: None,
                arrived_at: None,
            });
            let verb = if event.status == Status::Dispatched {
                // 改派: the handling clock started at the first dispatch and keeps running (a reassignment
                // must not buy time); whoever already acknowledged stays on the task, the silent are replaced.
                if workers.iter().any(|w| next.tasks.iter().any(|t| &t.worker_id == w)) {
                    return Err(Rejection::AlreadyAssigned(workers.join("、")));
                }
                next.tasks.retain(|t| t.acknowledged_at.is_some());
                next.tasks.extend(new_tasks);
                "改派"
            } else {
                complete_step(&mut next, now, ctx);
                next.tasks = new_tasks.collect();
                next.status = Status::Dispatched;
                next.milestones.dispatched_at = Some(now);
                start_clock(&mut next, now, ctx);
                "派遣"
            };
            let names = workers.iter().map(|w| ctx.worker_named(w)).collect::<Vec<_>>().join("、");
            if note.trim().is_empty() {
                format!("{verb}：{names}")
            } else {
                format!("{verb}：{names}；{}", clause(&note))
            }
        }
        Command::Acknowledge | Command::Arrive => {
            let task = next
                .tasks
                .iter_mut()
                .find(|t| t.worker_id == actor.id)
                .ok_or_else(|| Rejection::NotAssigned(actor.id.clone()))?;
            if kind == CommandKind::Acknowledge {
                task.acknowledged_at.get_or_insert(now);
            } else {
                task.acknowledged_at.get_or_insert(now);
                task.arrived_at.get_or_insert(now);
            }
            format!("{} {}", actor.name, kind.name_zh())
        }
        Command::Feedback { notes, photos, on_behalf_of } => {
            let worker = match actor.role {
                Role::DutyOfficer => on_behalf_of.ok_or_else(|| Rejection::NotAssigned(String::new()))?,
                _ => actor.id.clone(),
            };
            if !next.tasks.iter().any(|t| t.worker_id == worker) {
                return Err(Rejection::NotAssigned(worker));
            }
            complete_step(&mut next, now, ctx);
            next.status = Status::Handled;
            next.milestones.handled_at = Some(now);
            start_clock(&mut next, now, ctx);
            let on_behalf = if actor.role == Role::DutyOfficer {
                format!("（{} 代 {worker} 反馈）", actor.name)
            } else {
                String::new()
            };
            let photos =
                if photos.is_empty() { String::new() } else { format!("；照片 {} 张", photos.len()) };
            format!("{}{photos}{on_behalf}", clause(&notes))
        }
        Command::Verify { note } => {
            complete_step(&mut next, now, ctx);
            next.status = Status::Verified;
            next.milestones.verified_at = Some(now);
            start_clock(&mut next, now, ctx);
            note
        }
        Command::SendBack { reason } => {
            require_reason(kind, &reason)?;
            next.status = Status::Accepted;
            next.send_backs += 1;
            next.tasks.clear();
            start_clock(&mut next, now, ctx);
            reason
        }
        Command::Close { outcome, evaluation, note } => {
            let fits = match outcome {
                Outcome::Resolved | Outcome::FalseAlarm => true,
                Outcome::MediatedSuccessfully | Outcome::MediationFailed => next.category.is_dispute(),
            };
            if !fits {
                return Err(Rejection::OutcomeNotForCategory {
                    outcome: outcome.name_zh(),
                    category: next.category.name_zh(),
                });
            }
            complete_step(&mut next, now, ctx);
            next.status = Status::Closed;
            next.outcome = Some(outcome);
            next.evaluation = Some(evaluation);
            next.milestones.closed_at = Some(now);
            next.clock = None;
            next.due_at = None;
            format!(
                "{}·{}{}",
                outcome.name_zh(),
                evaluation.name_zh(),
                if note.is_empty() { String::new() } else { format!("；{}", clause(&note)) }
            )
        }
        Command::Reopen { reason } => {
            require_reason(kind, &reason)?;
            next.status = Status::Accepted;
            next.outcome = None;
            next.evaluation = None;
            next.milestones.closed_at = None;
            next.tasks.clear();
            start_clock(&mut next, now, ctx);
            reason
        }
        Command::RequestEscalation { reason } => {
            request(&mut next, RequestKind::Escalate, reason, actor, now)?
        }
        Command::RequestExtension { minutes, reason } => {
            if !(1..=43_200).contains(&minutes) {
                return Err(Rejection::InvalidExtension);
            }
            if matches!(actor.role, Role::GridWorker | Role::GridLeader)
                && !event.assignees().any(|w| w == actor.id)
            {
                return Err(Rejection::NotAssigned(actor.id.clone()));
            }
            request(&mut next, RequestKind::Extend { minutes }, reason, actor, now)?
        }
        Command::RequestPark { reason } => request(&mut next, RequestKind::Park, reason, actor, now)?,
        Command::RequestUnpark { reason } => request(&mut next, RequestKind::Unpark, reason, actor, now)?,
        Command::Approve { note } => {
            let pending = next.pending.take().ok_or(Rejection::NoPendingRequest)?;
            let stale = || Rejection::RequestNoLongerApplies(pending.kind.name_zh());
            match pending.kind {
                RequestKind::Escalate => {
                    if !WORKING.contains(&from) {
                        return Err(stale());
                    }
                    next.status = Status::Escalated;
                    next.clock = None;
                    next.due_at = None;
                }
                RequestKind::Extend { minutes } => {
                    let clock = next.clock.as_mut().ok_or_else(stale)?;
                    clock.extend(minutes, now, ctx.calendar);
                    refresh_due(&mut next, now, ctx);
                }
                RequestKind::Park => {
                    if !WORKING.contains(&from) {
                        return Err(stale());
                    }
                    next.parked_from = Some(from);
                    next.status = Status::Parked;
                    if let Some(clock) = next.clock.as_mut() {
                        clock.pause(now);
                    }
                    next.due_at = None;
                }
                RequestKind::Unpark => {
                    if from != Status::Parked {
                        return Err(stale());
                    }
                    next.status = next.parked_from.take().unwrap_or(Status::Accepted);
                    if let Some(clock) = next.clock.as_mut() {
                        clock.resume(now);
                    }
                    refresh_due(&mut next, now, ctx);
                }
            }
            let note = if note.is_empty() { String::new() } else { format!("：{note}") };
            format!("批准{}申请（{}）{note}", pending.kind.name_zh(), pending.reason)
        }
        Command::Deny { reason } => {
            require_reason(kind, &reason)?;
            let pending = next.pending.take().ok_or(Rejection::NoPendingRequest)?;
            format!("驳回{}申请：{reason}", pending.kind.name_zh())
        }
        Command::Void { reason } => {
            require_reason(kind, &reason)?;
            next.status = Status::Voided;
            next.clock = None;
            next.due_at = None;
            next.pending = None;
            reason
        }
        Command::Remind { note } => {
            next.reminders += 1;
            note
        }
        Command::Supervise { note } => {
            next.supervisions += 1;
            note
        }
    };
    let to = next.status;
    Ok(Transition { event: next, command: kind, from: Some(from), to, reason })
}

fn request(
    event: &mut Event,
    kind: RequestKind,
    reason: String,
    actor: &Actor,
    now: Instant,
) -> Result<String, Rejection> {
    if let Some(pending) = &event.pending {
        return Err(Rejection::RequestAlreadyPending(pending.kind.name_zh()));
    }
    if reason.trim().is_empty() {
        return Err(Rejection::ReasonRequired(kind.name_zh()));
    }
    event.pending = Some(PendingRequest {
        kind,
        requested_by: actor.id.clone(),
        requested_at: now,
        reason: reason.clone(),
    });
    Ok(match kind {
        RequestKind::Extend { minutes } => format!("申请延时 {minutes} 分钟：{reason}"),
        _ => format!("申请{}：{reason}", kind.name_zh()),
    })
}
