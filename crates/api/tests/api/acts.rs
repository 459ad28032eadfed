//! Every station act the api takes is refused exactly to the roles the act table (`redgrid_core::acts`)
//! leaves out, and the console's capabilities are that table.

use chrono::NaiveDate;
use redgrid_api::calendar::DayKind;
use redgrid_api::console::RevealField;
use redgrid_api::session::Seat;
use redgrid_api::{ApiError, Result};
use redgrid_core::acts::{self, StationAct};
use redgrid_core::closed_loop::{Actor, NewEvent, Role};
use redgrid_core::event::{Category, Severity, Source};
use redgrid_core::grid::GridCode;
use redgrid_core::time_limit::Mode;

use crate::station::demo_station;

fn refused<T>(result: &Result<T>) -> bool {
    matches!(result, Err(ApiError::Forbidden(_)))
}

#[tokio::test]
async fn the_api_refuses_a_station_act_exactly_where_the_table_does() {
    let t = demo_station(1).await;
    let s = &t.station;
    let worker = s.store().workers(&s.scheme()).await.unwrap()[0].worker.id.clone();
    let grid = GridCode::parse("450802101201001", &s.scheme()).unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 12, 26).unwrap();
    for role in [Role::DutyOfficer, Role::Commissioner, Role::Leader, Role::Administrator, Role::GridWorker] {
        let actor =
            Actor { id: format!("{}-1", role.key()), name: role.name_zh().into(), role, station: "t".into() };
        let mut seen = Vec::new();
        let switched = s.switch_mode(&actor, Mode::Wartime, "演练切换").await;
        seen.push((StationAct::SwitchMode, refused(&switched)));
        if switched.is_ok() {
            s.switch_mode(&actor, Mode::Peacetime, "恢复").await.unwrap();
        }
        seen.push((StationAct::TriageAlerts, refused(&s.dismiss_alerts(&actor, &[], "误报").await)));
        seen.push((StationAct::SetAckLimit, refused(&s.set_ack_minutes(&actor, 10, "").await)));
        seen.push((
            StationAct::EditCalendar,
            refused(&s.set_calendar_days(&actor, &[(day, DayKind::Ordinary)], "").await),
        ));
        seen.push((
            StationAct::Reveal,
            refused(&s.reveal(&actor, RevealField::WorkerPhone, &worker, "回访核实").await),
        ));
        let new = NewEvent {
            title: "来电反映路灯损坏".into(),
            description: String::new(),
            category: Category::Livelihood,
            severity: Severity::General,
            source: Source::ByHand,
            grid: grid.clone(),
            lon: None,
            lat: None,
            address: String::new(),
            reporter: "来电群众".into(),
            drill: false,
        };
        seen.push((StationAct::ReportEvent, refused(&s.report_by_hand(&actor, new).await)));
        let missing = std::path::Path::new("/nonexistent-divisions");
        seen.push((
            StationAct::Import,
            refused(&redgrid_api::import::import_divisions(s, &actor, missing).await),
        ));
        for (act, was_refused) in seen {
            assert_eq!(was_refused, !acts::may(role, act), "{role:?} × {act:?}");
        }
    }
}

#[tokio::test]
async fn the_consoles_capabilities_are_the_table() {
    let t = demo_station(1).await;
    let accounts = [
        ("duty1", Role::DutyOfficer),
        ("commissioner", Role::Commissioner),
        ("leader", Role::Leader),
        ("admin", Role::Administrator),
    ];
    for (account, role) in accounts {
        let session = Seat::new(t.station.clone())
            .sign_in(account, redgrid_demo::township::DEMO_PASSWORD)
            .await
            .unwrap();
        assert_eq!(session.role, role);
        let can = session.can();
        assert_eq!(can.len(), StationAct::ALL.len(), "every act is in the capabilities");
        for (act, may) in can {
            assert_eq!(may, acts::may(role, act), "{account} × {act:?}");
        }
    }
}

#[test]
fn every_audited_act_has_a_chinese_name() {
    for key in [
        "switch_mode",
        "sign_in",
        "sign_out",
        "handover",
        "reveal",
        "alert_dismiss",
        "alert_attach",
        "import_divisions",
        "import_grids",
        "import_residents",
        "import_places",
        "import_workers",
        "demo_seed",
        "roster_plan",
        "roster_edit",
        "roster_replan",
        "ack_limit",
        "calendar",
        "dispatch",
        "close",
    ] {
        let name = redgrid_api::console::command_name_zh(key);
        assert!(name != key && !name.is_ascii(), "{key} → {name}");
    }
}
