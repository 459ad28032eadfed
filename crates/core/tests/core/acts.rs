//! The station-act table against DESIGN.md's users, restated here independently of the code.

use redgrid_core::acts::{self, StationAct};
use redgrid_core::closed_loop::Role;

/// Who DESIGN.md says does what, beyond the closed loop: the leader switches peacetime ⇄ wartime; the duty
/// officer watches and triages the alert feed and hands the shift over; anyone at the console logs a phone
/// call, but the administrator "takes no event actions"; personal numbers are for those who act on events;
/// the administrator "manages accounts and settings" (imports, the calendar, the acknowledgement limit), the
/// leader too for the settings that shape a response; rosters are planned by the leader and, for the
/// centre's own duty, the duty officer.
fn design(act: StationAct) -> Vec<Role> {
    use Role::*;
    match act {
        StationAct::SwitchMode => vec![Leader],
        StationAct::TriageAlerts => vec![DutyOfficer],
        StationAct::Handover => vec![DutyOfficer],
        StationAct::ReportEvent => vec![DutyOfficer, Commissioner, Leader],
        StationAct::Reveal => vec![DutyOfficer, Commissioner, Leader],
        StationAct::Import => vec![Administrator, System],
        StationAct::EditCalendar => vec![Administrator, Leader],
        StationAct::SetAckLimit => vec![Administrator, Leader],
        StationAct::PlanRoster => vec![Leader, DutyOfficer],
        StationAct::EditRoster => vec![Leader, DutyOfficer],
        // "Every transition is an audit record: who, role, station, when": the console's users read it.
        StationAct::ViewAudit => vec![DutyOfficer, Commissioner, Leader, Administrator],
        StationAct::LogContact => vec![DutyOfficer, Commissioner, Leader],
        StationAct::MuteCamera => vec![DutyOfficer],
        // "The administrator manages accounts and settings": accounts are the administrator's alone.
        StationAct::ManageAccounts => vec![Administrator],
        // The typhoon scene: "a leader or duty officer calls up" (and a drill's injector, as the station).
        StationAct::CallUp => vec![Leader, DutyOfficer, System],
        // Zero reports: "confirmed from a grid leader's terminal … or by the officer on the village's
        // behalf" — the duty officer, and the leader on duty beside them.
        StationAct::ZeroReport => vec![DutyOfficer, Leader],
        // "The administrator manages accounts and settings".
        StationAct::EditSettings => vec![Administrator],
        // "Drills for political-legal commissioners"; "a leader may pause or stop any drill".
        StationAct::RunDrill => vec![Commissioner],
        StationAct::ControlDrill => vec![Commissioner, Leader],
        // Terminal logins are the broker's accounts: the administrator's, as the console's accounts are.
        StationAct::ManageTerminals => vec![Administrator],
        // "The administrator manages accounts and settings": the database itself, its backups and restores.
        StationAct::Backup => vec![Administrator],
        StationAct::Restore => vec![Administrator],
    }
}

const ROLES: [Role; 9] = [
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

#[test]
fn the_act_table_is_the_design_table() {
    for act in StationAct::ALL {
        for role in ROLES {
            assert_eq!(acts::may(role, act), design(act).contains(&role), "{role:?} × {act:?}");
        }
    }
}

#[test]
fn the_administrator_takes_no_event_actions_and_terminals_no_station_acts() {
    for act in [StationAct::TriageAlerts, StationAct::ReportEvent, StationAct::Handover, StationAct::Reveal] {
        assert!(!acts::may(Role::Administrator, act), "{act:?}");
    }
    for act in StationAct::ALL {
        // The wall screen only looks.
        for role in [Role::GridWorker, Role::GridLeader, Role::Resident, Role::Wall] {
            assert!(!acts::may(role, act), "{role:?} × {act:?}");
        }
    }
}

#[test]
fn a_refusal_names_the_role_and_the_act_in_chinese() {
    assert_eq!(
        acts::check(Role::DutyOfficer, StationAct::SwitchMode),
        Err("值班员无权切换平战模式".to_string())
    );
    assert_eq!(acts::check(Role::Leader, StationAct::SwitchMode), Ok(()));
    let keys: std::collections::HashSet<&str> = StationAct::ALL.iter().map(|a| a.key()).collect();
    assert_eq!(keys.len(), StationAct::ALL.len(), "every act has a key of its own");
}
