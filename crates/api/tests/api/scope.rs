//! The data scope enforced: a duty officer limited to 大圩村 reads and acts on 大圩村 only — the queue and
//! its count, events by id, acts, registers, the map's grids, alerts, positions, workers, dispatch
//! candidates, statistics, history and the live feed — while a township account sees everything as before.

use redgrid_api::scope::{ScopedFeedEntry, EVENT_OUT_OF_SCOPE};
use redgrid_api::session::Seat;
use redgrid_api::store::history::HistoryQuery;
use redgrid_api::{ApiError, DEMO_PASSWORD};
use redgrid_core::account::DataScope;
use redgrid_core::closed_loop::{Actor, Command, MergeTarget, NewEvent};
use redgrid_core::event::{Category, DisputeKind, Severity, Source, Status};
use redgrid_core::grid::{GridCode, LevelScheme};
use redgrid_core::time::Month;
use redgrid_store::{FeedEntity, QueueFilter};
use serde_json::json;

use crate::station::{demo_station, TestStation};

const DAXU: &str = "450802101";
/// 大圩村: the scoped officer's village.
const DAXU_VILLAGE: &str = "450802101201";
/// 新建村: a neighbouring village outside the scope.
const XINJIAN: &str = "450802101202";

/// The demo township with duty2 limited to 大圩村 and signed in, and duty1 (the whole township) signed in
/// at a seat of their own.
struct Scoped {
    t: TestStation,
    scoped: Seat,
    township: Seat,
}

impl Scoped {
    fn scope(&self) -> DataScope {
        self.scoped.scope().expect("duty2 is signed in and unlocked")
    }

    fn officer(&self) -> Actor {
        self.scoped.actor().unwrap()
    }

    fn township_officer(&self) -> Actor {
        self.township.actor().unwrap()
    }
}

async fn scoped_station() -> Scoped {
    let t = demo_station(10).await;
    let s = &t.station;
    let admin = Seat::new(s.clone()).sign_in("admin", DEMO_PASSWORD).await.unwrap().actor();
    s.set_account_scope(&admin, "duty2", DataScope::Villages(vec![DAXU_VILLAGE.into()])).await.unwrap();
    let scoped = Seat::new(s.clone());
    let session = scoped.sign_in("duty2", DEMO_PASSWORD).await.unwrap();
    assert_eq!(
        session.scope,
        DataScope::Villages(vec![DAXU_VILLAGE.into()]),
        "the stored scope is the session's"
    );
    let township = Seat::new(s.clone());
    assert_eq!(township.sign_in("duty1", DEMO_PASSWORD).await.unwrap().scope, DataScope::Township);
    Scoped { t, scoped, township }
}

fn call_in(village: &str) -> NewEvent {
    NewEvent {
        title: "群众来电反映邻里纠纷".into(),
        description: "来电人称与邻居因排水沟发生争执".into(),
        category: Category::Dispute(DisputeKind::Neighbours),
        severity: Severity::General,
        source: Source::ByHand,
        grid: GridCode::parse(&format!("{village}001"), &LevelScheme::guigang()).unwrap(),
        lon: None,
        lat: None,
        address: String::new(),
        reporter: "来电群众".into(),
        drill: false,
    }
}

/// One event reported in 大圩村 and one in 新建村, by the township officer.
async fn one_in_each(x: &Scoped) -> (i64, i64) {
    let s = &x.t.station;
    let inside = s.report(&x.township_officer(), call_in(DAXU_VILLAGE)).await.unwrap().stored.event.id;
    let outside = s.report(&x.township_officer(), call_in(XINJIAN)).await.unwrap().stored.event.id;
    (inside, outside)
}

fn is_forbidden<T: std::fmt::Debug>(result: Result<T, ApiError>) -> String {
    match result {
        Err(error) if error.code() == "forbidden" => error.to_string(),
        other => panic!("expected forbidden, got {other:?}"),
    }
}

#[tokio::test]
async fn the_scoped_queue_holds_only_the_village_and_its_count_matches() {
    let x = scoped_station().await;
    let s = &x.t.station;
    for _ in 0..3 {
        one_in_each(&x).await;
    }
    let all = QueueFilter::default();
    let (everything, township_total) = s.queue(&all, 0, 100_000).await.unwrap();
    let in_village =
        everything.iter().filter(|v| v.stored.event.grid.as_str().starts_with(DAXU_VILLAGE)).count();
    assert!(in_village > 0 && (in_village as i64) < township_total, "both villages have open events");

    let (rows, total) = s.queue_in_scope(&x.scope(), &all, 0, 100_000).await.unwrap();
    assert!(
        rows.iter().all(|v| v.stored.event.grid.as_str().starts_with(DAXU_VILLAGE)),
        "only 大圩村's events reach a console limited to it"
    );
    assert_eq!(rows.len(), in_village, "every open event of 大圩村, as the township's queue holds them");
    assert_eq!(total, in_village as i64, "the count is the scope's, not the township's");
    // A page is a page of the scope's queue, with the same count.
    let (page, paged_total) = s.queue_in_scope(&x.scope(), &all, 1, 2).await.unwrap();
    assert_eq!(paged_total, total);
    let ids = |views: &[redgrid_api::EventView]| views.iter().map(|v| v.stored.event.id).collect::<Vec<_>>();
    assert_eq!(ids(&page), ids(&rows[1..3]), "the same order, most urgent first");
    // A filter the console sets is narrowed by the scope, never widened: 新建村 inside a 大圩村 scope is empty.
    let other = QueueFilter { grid_prefix: Some(XINJIAN.into()), ..QueueFilter::default() };
    assert_eq!(s.queue_in_scope(&x.scope(), &other, 0, 100).await.unwrap().1, 0);
    let asked = QueueFilter { grid_prefixes: vec![XINJIAN.into()], ..QueueFilter::default() };
    assert_eq!(s.queue_in_scope(&x.scope(), &asked, 0, 100).await.unwrap().1, 0);
    // Two villages: both, counted in the same statement.
    let both = DataScope::Villages(vec![DAXU_VILLAGE.into(), XINJIAN.into()]);
    let in_both = everything
        .iter()
        .filter(|v| [DAXU_VILLAGE, XINJIAN].iter().any(|c| v.stored.event.grid.as_str().starts_with(c)))
        .count();
    let (two, two_total) = s.queue_in_scope(&both, &all, 0, 100_000).await.unwrap();
    assert_eq!((two.len(), two_total), (in_both, in_both as i64));
    // The township's officer sees the township's queue, as before.
    let (as_before, as_before_total) =
        s.queue_in_scope(&x.township.scope().unwrap(), &all, 0, 100_000).await.unwrap();
    assert_eq!((ids(&as_before), as_before_total), (ids(&everything), township_total));
    // A scope of no grids at all (never stored: parse refuses it) shows nothing rather than everything.
    assert_eq!(s.queue_in_scope(&DataScope::Grids(Vec::new()), &all, 0, 100).await.unwrap().1, 0);
    // The handover summary counts the officer's own scope.
    let summary = x.scoped.handover_summary().await.unwrap();
    assert_eq!(summary.open_total, total, "the scoped officer hands over 大圩村's events");
}

#[tokio::test]
async fn an_event_outside_the_scope_is_forbidden_by_id_and_so_is_every_act_on_it() {
    let x = scoped_station().await;
    let s = &x.t.station;
    let scope = x.scope();
    let officer = x.officer();
    let (inside, outside) = one_in_each(&x).await;

    let refused = is_forbidden(s.event_in_scope(&scope, outside).await);
    assert_eq!(refused, EVENT_OUT_OF_SCOPE);
    assert_eq!(s.event_in_scope(&scope, inside).await.unwrap().stored.event.id, inside);
    // Rows by id (the feed's refetch) leave the outside event out, like an unknown id.
    let rows = s.events_by_ids_in_scope(&scope, &[outside, inside, 999_999]).await.unwrap();
    assert_eq!(rows.iter().map(|v| v.stored.event.id).collect::<Vec<_>>(), vec![inside]);

    let accept = || Command::Accept { category: None, severity: None, grid: None };
    let version = s.event(outside).await.unwrap().stored.event.version;
    is_forbidden(s.act_in_scope(&officer, &scope, outside, Some(version), accept()).await);
    let untouched = s.event(outside).await.unwrap().stored.event;
    assert_eq!(
        (untouched.version, untouched.status),
        (version, Status::Reported),
        "a refused act changes nothing"
    );
    is_forbidden(s.recommend_in_scope(&scope, outside, 5).await);
    is_forbidden(
        s.log_contact_in_scope(
            &officer,
            &scope,
            outside,
            "来电人",
            redgrid_api::console::ContactOutcome::Reached,
            "",
        )
        .await,
    );
    is_forbidden(s.report_by_hand_in_scope(&officer, &scope, call_in(XINJIAN)).await);
    // Nor may an act inside the scope reach outside it: merging into 新建村's event, moving it there.
    let merge = Command::Merge {
        into: MergeTarget { id: outside, status: Status::Reported },
        reason: "重复".into(),
    };
    is_forbidden(s.act_in_scope(&officer, &scope, inside, None, merge).await);
    let move_out = Command::Accept {
        category: None,
        severity: None,
        grid: Some(GridCode::parse(&format!("{XINJIAN}001"), &s.scheme()).unwrap()),
    };
    is_forbidden(s.act_in_scope(&officer, &scope, inside, None, move_out).await);

    // Inside the scope the loop runs as before, and dispatch offers and takes only the scope's workers.
    s.act_in_scope(&officer, &scope, inside, None, accept()).await.expect("大圩村's own event");
    let ranking = s.recommend_in_scope(&scope, inside, 20).await.unwrap();
    assert!(!ranking.candidates.is_empty(), "大圩村 has workers to send");
    let workers = s.store().workers(&s.scheme()).await.unwrap();
    let home = |id: &str| workers.iter().find(|w| w.worker.id == id).unwrap().worker.grids[0].to_string();
    assert!(
        ranking.candidates.iter().all(|c| home(&c.worker_id).starts_with(DAXU_VILLAGE)),
        "only workers whose home grid is in 大圩村 are candidates"
    );
    let stranger = workers.iter().find(|w| w.worker.grids[0].as_str().starts_with(XINJIAN)).unwrap();
    let choice = |worker: &str| redgrid_api::dispatch::DispatchChoice {
        workers: vec![worker.to_string()],
        note: String::new(),
        override_reason: Some("就近".into()),
    };
    is_forbidden(s.dispatch_in_scope(&officer, &scope, inside, None, choice(&stranger.worker.id)).await);
    let top = ranking.candidates[0].worker_id.clone();
    let dispatched = s.dispatch_in_scope(&officer, &scope, inside, None, choice(&top)).await.unwrap();
    assert_eq!(dispatched.stored.event.status, Status::Dispatched);

    // History finds the scope's events only, by number too.
    let find = |text: String| HistoryQuery { text, limit: 50, ..HistoryQuery::default() };
    assert!(s.search_history_in_scope(&scope, &find(format!("#{outside}"))).await.unwrap().is_empty());
    assert_eq!(s.search_history_in_scope(&scope, &find(format!("#{inside}"))).await.unwrap().len(), 1);
    let words = s.search_history_in_scope(&scope, &find("排水沟".into())).await.unwrap();
    assert!(
        words.iter().all(|v| v.stored.event.grid.as_str().starts_with(DAXU_VILLAGE)) && !words.is_empty()
    );

    // The audit log: an outside event's trail is refused by id and left out of a search.
    let audit =
        |event_id| redgrid_api::store::history::AuditQuery { event_id, limit: 2_000, ..Default::default() };
    is_forbidden(s.search_audit_in_scope(&officer, &scope, &audit(Some(outside))).await);
    assert!(!s.search_audit_in_scope(&officer, &scope, &audit(Some(inside))).await.unwrap().is_empty());
    let log = s.search_audit_in_scope(&officer, &scope, &audit(None)).await.unwrap();
    assert!(log.iter().any(|r| r.entry.event_id == Some(inside)), "大圩村's event's records are there");
    assert!(log.iter().all(|r| r.entry.event_id != Some(outside)), "新建村's are not");
    let township_log = s.search_audit(&officer, &audit(None)).await.unwrap();
    assert!(township_log.iter().any(|r| r.entry.event_id == Some(outside)), "the unscoped log has both");

    // The township's officer still acts on either.
    s.act_in_scope(&x.township_officer(), &x.township.scope().unwrap(), outside, None, accept())
        .await
        .expect("the township covers 新建村");
}

#[tokio::test]
async fn registers_of_another_village_are_forbidden_and_the_township_lists_only_the_scope() {
    let x = scoped_station().await;
    let s = &x.t.station;
    let scope = x.scope();
    is_forbidden(s.registers_in_scope(&scope, XINJIAN).await);
    assert_eq!(s.registers_in_scope(&scope, "450802101299").await.unwrap_err().code(), "unknown_grid");
    assert_eq!(
        s.registers_in_scope(&scope, DAXU_VILLAGE).await.unwrap(),
        s.registers(DAXU_VILLAGE).await.unwrap(),
        "the village itself is wholly in the scope"
    );

    let township = s.registers_in_scope(&scope, DAXU).await.unwrap();
    let village = s.registers(DAXU_VILLAGE).await.unwrap();
    let whole = s.registers(DAXU).await.unwrap();
    assert_eq!(township.grid.code, DAXU);
    assert_eq!(township.children.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(), vec![DAXU_VILLAGE]);
    assert!(
        whole.children.len() > 1 && whole.residents.len() > village.residents.len(),
        "the township has more"
    );
    assert_eq!(township.workers, village.workers, "the township's workers seen from 大圩村 are 大圩村's");
    assert_eq!(township.households, village.households);
    assert_eq!(township.residents, village.residents);
    assert_eq!(township.key_places, village.key_places);

    // The map: the township above, 大圩村 and its grids, never 新建村.
    let tree = s.grid_tree_in_scope(&scope, 2).await.unwrap();
    assert!(tree.iter().any(|n| n.code == DAXU), "the way down to the scope is drawn");
    assert!(tree.iter().any(|n| n.code == DAXU_VILLAGE));
    assert!(tree.iter().any(|n| n.code.len() > DAXU_VILLAGE.len()), "its grids below");
    assert!(tree.iter().all(|n| n.code == DAXU || n.code.starts_with(DAXU_VILLAGE)), "nothing else");
    is_forbidden(s.grid_subtree_in_scope(&scope, XINJIAN, 3).await);
    let subtree = s.grid_subtree_in_scope(&scope, DAXU, 3).await.unwrap();
    assert!(subtree.iter().all(|n| n.code == DAXU || n.code.starts_with(DAXU_VILLAGE)));
    let boundaries = s.grid_boundaries_in_scope(&scope, 1).await.unwrap();
    assert_eq!(boundaries.iter().map(|(code, ..)| code.as_str()).collect::<Vec<_>>(), vec![DAXU_VILLAGE]);
}

fn native_alert(id: &str, camera: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "v": 1, "alert_id": id, "camera": camera, "kind": "crowd", "confidence": 0.9,
        "at": "2026-11-18T09:40:00+08:00",
    }))
    .unwrap()
}

#[tokio::test]
async fn alerts_positions_workers_and_statistics_are_limited_to_the_scope() {
    let x = scoped_station().await;
    let s = &x.t.station;
    let scope = x.scope();
    let township = x.township.scope().unwrap();
    let cameras = s.store().cameras(&s.scheme()).await.unwrap();
    let camera_in = |village: &str| cameras.iter().find(|c| c.grid.as_str().starts_with(village)).unwrap();
    let messages = [
        native_alert("in-1", &camera_in(DAXU_VILLAGE).nvr_name),
        native_alert("out-1", &camera_in(XINJIAN).nvr_name),
        native_alert("unknown-1", "unregistered_cam_9"),
    ];
    let batch: Vec<(&str, &[u8])> =
        messages.iter().map(|m| ("redgrid/v1/alerts/nvr1", m.as_slice())).collect();
    assert_eq!(s.ingest(&batch).await.unwrap().applied, 3);

    let groups = s.alert_groups_in_scope(&scope, 100).await.unwrap();
    assert_eq!(groups.len(), 1, "only 大圩村's camera: {groups:?}");
    assert!(groups[0]
        .alerts
        .iter()
        .all(|a| a.grid_code.as_deref().is_some_and(|g| g.starts_with(DAXU_VILLAGE))));
    assert_eq!(s.new_alert_count_in_scope(&scope).await.unwrap(), 1, "the count is the scope's");
    let everyone = s.alert_groups_in_scope(&township, 100).await.unwrap();
    assert_eq!(everyone, s.alert_groups(100).await.unwrap(), "the township's groups are as before");
    assert_eq!(everyone.len(), 3, "the township sees the unregistered camera's alert too");
    assert_eq!(s.new_alert_count_in_scope(&township).await.unwrap(), 3);
    let alert_of =
        |key: &str| everyone.iter().flat_map(|g| &g.alerts).find(|a| a.alert_key.ends_with(key)).unwrap().id;
    let (outside, unknown) = (alert_of("out-1"), alert_of("unknown-1"));
    is_forbidden(s.alerts_by_ids_in_scope(&scope, &[outside]).await);
    is_forbidden(s.alerts_by_ids_in_scope(&scope, &[unknown]).await);
    is_forbidden(s.dismiss_alerts_in_scope(&x.officer(), &scope, &[outside], "误报").await);
    assert_eq!(
        s.new_alert_count_in_scope(&township).await.unwrap(),
        3,
        "the refused dismissal changed nothing"
    );
    s.dismiss_alerts_in_scope(&x.officer(), &scope, &groups[0].ids(), "误报")
        .await
        .expect("大圩村's own alert");

    // The map: workers whose home grid is in 大圩村, and its cameras.
    let positions = s.positions_in_scope(&scope, None).await.unwrap();
    let all = s.positions(None).await.unwrap();
    assert!(!positions.workers.is_empty() && positions.workers.len() < all.workers.len());
    assert!(positions.workers.iter().all(|w| w.home_grid.starts_with(DAXU_VILLAGE)));
    assert!(
        !positions.cameras.is_empty()
            && positions.cameras.iter().all(|c| c.grid_code.starts_with(DAXU_VILLAGE))
    );
    assert_eq!(s.positions_in_scope(&township, None).await.unwrap(), all);
    // Named workers (after a `worker` feed entry): one of 新建村's is left out.
    let stranger = all.workers.iter().find(|w| w.home_grid.starts_with(XINJIAN)).unwrap().id.clone();
    assert!(s
        .positions_in_scope(&scope, Some(std::slice::from_ref(&stranger)))
        .await
        .unwrap()
        .workers
        .is_empty());

    // Worker search: by grid code, only the scope's; a worker outside it is not found by name or id.
    let found = s.search_workers_in_scope(&scope, DAXU, 100).await.unwrap();
    assert!(!found.is_empty());
    assert!(found.iter().all(|w| w.record.worker.grids[0].as_str().starts_with(DAXU_VILLAGE)));
    assert!(s.search_workers_in_scope(&scope, &stranger, 20).await.unwrap().is_empty());
    assert_eq!(s.search_workers_in_scope(&township, &stranger, 20).await.unwrap().len(), 1);
    let board = s.worker_board_in_scope(&scope).await.unwrap();
    assert!(!board.is_empty() && board.iter().all(|r| r.worker.grids[0].as_str().starts_with(DAXU_VILLAGE)));

    // Statistics count 大圩村's events only, exactly as the township's report counts that village.
    let month = Month::of(s.now());
    let whole = s.stats(month).await.unwrap();
    let scoped = s.stats_in_scope(&scope, month).await.unwrap();
    assert_eq!(scoped.by_village.keys().collect::<Vec<_>>(), vec![DAXU_VILLAGE]);
    assert_eq!(Some(&scoped.total), whole.by_village.get(DAXU_VILLAGE));
    assert!(scoped.total.reported > 0 && scoped.total.reported < whole.total.reported);
    assert_eq!(s.stats_in_scope(&township, month).await.unwrap(), whole, "the township's as before");
}

#[tokio::test]
async fn the_live_feed_withholds_what_lies_outside_the_scope_and_keeps_its_place() {
    let x = scoped_station().await;
    let s = &x.t.station;
    let before = s.store().feed_head().await.unwrap();
    let (inside, outside) = one_in_each(&x).await;
    let cameras = s.store().cameras(&s.scheme()).await.unwrap();
    let far = cameras.iter().find(|c| c.grid.as_str().starts_with(XINJIAN)).unwrap();
    let alert = native_alert("out-1", &far.nvr_name);
    s.ingest(&[("redgrid/v1/alerts/nvr1", alert.as_slice())]).await.unwrap();
    let entries = s.store().feed_since(before, 1_000).await.unwrap();
    let seqs: Vec<i64> = entries.iter().map(|e| e.seq).collect();

    let scoped = s.feed_in_scope(&x.scope(), entries.clone()).await.unwrap();
    let scoped_seqs: Vec<i64> = scoped
        .iter()
        .map(|e| match e {
            ScopedFeedEntry::Shown(e) => e.seq,
            ScopedFeedEntry::Withheld { seq, .. } => *seq,
        })
        .collect();
    assert_eq!(scoped_seqs, seqs, "every entry keeps its place: the console's cursor sees no gap");
    let shown: Vec<_> = scoped
        .iter()
        .filter_map(|e| match e {
            ScopedFeedEntry::Shown(e) => Some(e),
            ScopedFeedEntry::Withheld { .. } => None,
        })
        .collect();
    let events_shown: Vec<&str> =
        shown.iter().filter(|e| e.entity == FeedEntity::Event).map(|e| e.entity_id.as_str()).collect();
    assert_eq!(events_shown, vec![inside.to_string()], "大圩村's event only, not #{outside}");
    assert!(shown.iter().all(|e| e.entity != FeedEntity::Alert), "新建村's camera alert is withheld");
    assert!(scoped.len() > shown.len());

    // The township's console gets every entry whole; a seat nobody sits at gets none of an event.
    let whole = s.feed_in_scope(&DataScope::Township, entries.clone()).await.unwrap();
    assert!(whole.iter().all(|e| matches!(e, ScopedFeedEntry::Shown(_))));
    assert_eq!(x.township.feed_in_scope(entries.clone()).await.unwrap(), whole);
    let empty_seat = Seat::new(s.clone());
    let nobody = empty_seat.feed_in_scope(entries).await.unwrap();
    assert!(nobody.iter().all(|e| !matches!(e, ScopedFeedEntry::Shown(e) if e.entity == FeedEntity::Event)));
}

#[tokio::test]
async fn a_stored_scope_that_cannot_be_read_refuses_the_sign_in_rather_than_widening_it() {
    let x = scoped_station().await;
    let s = &x.t.station;
    let mut tx = s.store().begin_write().await.unwrap();
    let mut stored = tx.account("duty2").await.unwrap().unwrap();
    stored.scope = "streets:450802101201".into();
    tx.save_account(&stored, "updated", s.now()).await.unwrap();
    tx.commit().await.unwrap();
    let refused = is_forbidden(Seat::new(s.clone()).sign_in("duty2", DEMO_PASSWORD).await);
    assert!(refused.contains("数据范围"), "the officer is told why: {refused}");
}
