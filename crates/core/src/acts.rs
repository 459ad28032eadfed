//! Who may take the station's acts beyond the closed loop, in one table in the style of
//! [`crate::closed_loop::rule`]: switching the response level, triaging camera alerts, logging an event,
//! handing over, revealing a masked number, importing, editing the calendar, the acknowledgement limit and
//! the settings, planning and editing rosters, the audit log, contacts, muting cameras, accounts, call-ups,
//! zero reports, drills, backups and restores. The api checks every act against it, and the console's capabilities (which buttons
//! it shows) are computed from it, so the two cannot disagree.

use crate::closed_loop::Role;

/// An act at a station that is not a closed-loop command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StationAct {
    /// 平战切换.
    SwitchMode,
    /// Dismissing camera alerts, turning them into events, attaching them (研判).
    TriageAlerts,
    /// Logging an event by hand at the console (来电来访登记).
    ReportEvent,
    /// 交接班.
    Handover,
    /// Seeing a masked identity or phone number in clear, with a reason.
    Reveal,
    /// Importing divisions, grids and registers.
    Import,
    /// Holidays and make-up working days.
    EditCalendar,
    /// The minutes a worker has to acknowledge a task.
    SetAckLimit,
    /// Planning a roster (a wartime one by a duty officer only while the station is in wartime).
    PlanRoster,
    /// Changing a stored roster by hand (the same wartime condition).
    EditRoster,
    /// Reading the audit log beyond an event's own history: a shift's, a person's, the station's.
    ViewAudit,
    /// Recording a phone call made about an event (联系记录).
    LogContact,
    /// Silencing a noisy camera for a while (its alerts are dismissed as they arrive).
    MuteCamera,
    /// Creating, disabling, resetting console accounts and setting their roles and data scopes.
    ManageAccounts,
    /// Calling people up (叫应) and recording their answers given by phone, in person or by radio.
    CallUp,
    /// Recording a village's zero report (零报告) on its behalf, when the grid leader reports by phone.
    ZeroReport,
    /// Changing a station setting (`redgrid setting set`): intervals, lockout, idle lock, the centre's name.
    EditSettings,
    /// Starting a drill from a scenario (演练).
    RunDrill,
    /// Pausing, resuming or stopping a drill (one's own; a leader any).
    ControlDrill,
    /// Issuing and revoking the broker logins of terminals, NVRs and report sources.
    ManageTerminals,
    /// Writing a copy of the station's database (`redgrid backup`).
    Backup,
    /// Replacing the station's database by a backup (`redgrid restore`).
    Restore,
}

impl StationAct {
    pub const ALL: [StationAct; 22] = [
        StationAct::SwitchMode,
        StationAct::TriageAlerts,
        StationAct::ReportEvent,
        StationAct::Handover,
        StationAct::Reveal,
        StationAct::Import,
        StationAct::EditCalendar,
        StationAct::SetAckLimit,
        StationAct::PlanRoster,
        StationAct::EditRoster,
        StationAct::ViewAudit,
        StationAct::LogContact,
        StationAct::MuteCamera,
        StationAct::ManageAccounts,
        StationAct::CallUp,
        StationAct::ZeroReport,
        StationAct::EditSettings,
        StationAct::RunDrill,
        StationAct::ControlDrill,
        StationAct::ManageTerminals,
        StationAct::Backup,
        StationAct::Restore,
    ];

    /// The key the console's capabilities are named by.
    pub fn key(self) -> &'static str {
        match self {
            StationAct::SwitchMode => "switch_mode",
            StationAct::TriageAlerts => "triage_alerts",
            StationAct::ReportEvent => "report_event",
            StationAct::Handover => "handover",
            StationAct::Reveal => "reveal",
            StationAct::Import => "import",
            StationAct::EditCalendar => "edit_calendar",
            StationAct::SetAckLimit => "set_ack_limit",
            StationAct::PlanRoster => "plan_roster",
            StationAct::EditRoster => "edit_roster",
            StationAct::ViewAudit => "view_audit",
            StationAct::LogContact => "log_contact",
            StationAct::MuteCamera => "mute_camera",
            StationAct::ManageAccounts => "manage_accounts",
            StationAct::CallUp => "call_up",
            StationAct::ZeroReport => "zero_report",
            StationAct::EditSettings => "edit_settings",
            StationAct::RunDrill => "run_drill",
            StationAct::ControlDrill => "control_drill",
            StationAct::ManageTerminals => "manage_terminals",
            StationAct::Backup => "backup",
            StationAct::Restore => "restore",
        }
    }

    /// What is refused, as 「{role}无权{this}」 says it.
    pub fn name_zh(self) -> &'static str {
        match self {
            StationAct::SwitchMode => "切换平战模式",
            StationAct::TriageAlerts => "处理视频告警",
            StationAct::ReportEvent => "登记事件",
            StationAct::Handover => "办理值班交接",
            StationAct::Reveal => "查看明文",
            StationAct::Import => "导入数据",
            StationAct::EditCalendar => "修改工作日历",
            StationAct::SetAckLimit => "修改签收时限",
            StationAct::PlanRoster => "编制排班",
            StationAct::EditRoster => "调整排班",
            StationAct::ViewAudit => "查阅审计日志",
            StationAct::LogContact => "记录联系",
            StationAct::MuteCamera => "静默摄像头",
            StationAct::ManageAccounts => "管理账号",
            StationAct::CallUp => "叫应",
            StationAct::ZeroReport => "代村登记零报告",
            StationAct::EditSettings => "修改站点设置",
            StationAct::RunDrill => "发起演练",
            StationAct::ControlDrill => "暂停或结束演练",
            StationAct::ManageTerminals => "管理终端登录",
            StationAct::Backup => "备份数据库",
            StationAct::Restore => "恢复数据库",
        }
    }
}

/// The roles that may take `act`: DESIGN.md's users — the duty officer works the queue and the alerts, the
/// leader switches modes and decides, the commissioner runs drills and may supervise, the administrator
/// manages data and settings and takes no event actions. `System` is the station itself (demo seeding).
pub fn roles(act: StationAct) -> &'static [Role] {
    use Role::*;
    match act {
        StationAct::SwitchMode => &[Leader],
        StationAct::TriageAlerts | StationAct::Handover => &[DutyOfficer],
        StationAct::ReportEvent => &[DutyOfficer, Commissioner, Leader],
        // Personal numbers are for the people who act on events, not for the one who manages accounts.
        StationAct::Reveal => &[DutyOfficer, Commissioner, Leader],
        StationAct::Import => &[Administrator, System],
        StationAct::EditCalendar | StationAct::SetAckLimit => &[Administrator, Leader],
        StationAct::PlanRoster | StationAct::EditRoster => &[Leader, DutyOfficer],
        // Everyone at the console answers for their own acts and reads the record; terminals do not.
        StationAct::ViewAudit => &[DutyOfficer, Commissioner, Leader, Administrator],
        // Those who work events phone about them; the administrator takes no event actions.
        StationAct::LogContact => &[DutyOfficer, Commissioner, Leader],
        // Part of triage: the duty officer's.
        StationAct::MuteCamera => &[DutyOfficer],
        StationAct::ManageAccounts => &[Administrator],
        // "A leader or duty officer calls up a selection"; the commissioner's drills call up through the
        // injector, as the station.
        StationAct::CallUp => &[Leader, DutyOfficer, System],
        // "Confirmed ... by the officer on the village's behalf": the duty officer takes the call, a leader
        // on duty may too. A grid leader's own report comes from the terminal, not through this table.
        StationAct::ZeroReport => &[DutyOfficer, Leader],
        StationAct::EditSettings => &[Administrator],
        // Drills are the political-legal commissioner's; a leader may pause or stop any drill.
        StationAct::RunDrill => &[Commissioner],
        StationAct::ControlDrill => &[Commissioner, Leader],
        StationAct::ManageTerminals => &[Administrator],
        // The database is the administrator's, as the settings are. The daily backup is the station carrying
        // out the administrator's settings (`backup_dir`, …), audited as the station's own act.
        StationAct::Backup | StationAct::Restore => &[Administrator],
    }
}

pub fn may(role: Role, act: StationAct) -> bool {
    roles(act).contains(&role)
}

/// `Ok` when `role` may take `act`, else the refusal in Chinese.
pub fn check(role: Role, act: StationAct) -> Result<(), String> {
    if may(role, act) {
        Ok(())
    } else {
        Err(format!("{}无权{}", role.name_zh(), act.name_zh()))
    }
}
