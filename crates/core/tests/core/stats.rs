//! The statistics definitions, case by case.

use redgrid_core::event::{Category, DisputeKind, Outcome, Status, Step};
use redgrid_core::stats::{Cell, Counters, EventFacts, StatsReport};

fn facts(status: Status, category: Category) -> EventFacts {
    EventFacts { status, category, drill: false, on_time_steps: 0, late_steps: 0, outcome: None }
}

#[test]
fn rates_follow_their_definitions() {
    let dispute = Category::Dispute(DisputeKind::Neighbours);
    let mut c = Counters::default();
    let closed_ok = EventFacts {
        on_time_steps: Step::Accept.bit() | Step::Dispatch.bit(),
        late_steps: Step::Handle.bit(),
        outcome: Some(Outcome::MediatedSuccessfully),
        ..facts(Status::Closed, dispute)
    };
    c.count(&closed_ok);
    c.count(&EventFacts { outcome: Some(Outcome::MediationFailed), ..facts(Status::Closed, dispute) });
    c.count(&facts(Status::Handled, Category::Fire));
    c.count(&facts(Status::Escalated, Category::Petition));
    c.count(&facts(Status::Dispatched, Category::Fire));
    c.count(&facts(Status::Rejected, Category::Fire));
    c.count(&facts(Status::Merged, Category::Fire));
    c.count(&facts(Status::Voided, Category::Fire));
    c.count(&EventFacts { drill: true, ..facts(Status::Closed, Category::Weather) });
    assert_eq!(c.reported, 8, "drills are never counted, not even as reported");
    assert_eq!(c.valid, 5, "rejected, merged and voided are not valid");
    assert_eq!(c.handled, 4, "closed ×2, handled, escalated");
    assert_eq!(c.closed, 2);
    let rates = c.rates();
    assert_eq!(rates.handling_rate, Some(4.0 / 5.0));
    assert_eq!(rates.closing_rate, Some(2.0 / 5.0));
    assert_eq!(rates.mediation_success_rate, Some(0.5));
    assert_eq!(rates.on_time_rate[0], Some(1.0), "accept: done once, on time");
    assert_eq!(rates.on_time_rate[2], Some(0.0), "handle: done once, late");
    assert_eq!(rates.on_time_rate[3], None, "verify: never done, no rate rather than zero");
}

#[test]
fn cells_roll_up_by_grid_village_and_category() {
    let mut a = Counters::default();
    a.count(&facts(Status::Closed, Category::Fire));
    let mut b = Counters::default();
    b.count(&facts(Status::Dispatched, Category::Fire));
    let cells = vec![
        Cell { grid: "450802101201001".into(), category: Category::Fire, counters: a.clone() },
        Cell { grid: "450802101201002".into(), category: Category::Fire, counters: b.clone() },
        Cell { grid: "450802101202001".into(), category: Category::Safety, counters: a.clone() },
    ];
    let report = StatsReport::from_cells(&cells, 12);
    assert_eq!(report.total.valid, 3);
    assert_eq!(report.by_village["450802101201"].valid, 2);
    assert_eq!(report.by_village["450802101201"].closed, 1);
    assert_eq!(report.by_village["450802101202"].closed, 1);
    assert_eq!(report.by_category[&Category::Fire].valid, 2);
    assert_eq!(report.by_grid.len(), 3);
}
