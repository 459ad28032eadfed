//! Several stations on one PostgreSQL: what one seat changes, every other station acts on — the headless
//! `redgrid serve` included, which has no window whose feed forwarder could have done it.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use redgrid_api::serve::{start, BrokerChoice, ServeOptions};
use redgrid_api::{FixedClock, Station, StationConfig};
use redgrid_bus::topics::Topics;
use redgrid_core::closed_loop::{Actor, Role};
use redgrid_core::event::{Category, Severity, Step};
use redgrid_core::time_limit::{Mode, TimeLimitPolicy};
use redgrid_demo::township::{self as demo, DemoConfig};
use redgrid_testkit::TestDb;

fn private_topics(tag: &str) -> Topics {
    let unique =
        format!("{tag}{}x{}", std::process::id(), Utc::now().timestamp_nanos_opt().unwrap_or_default());
    Topics {
        root: format!("rgtest/{unique}/v1"),
        frigate_prefix: format!("rgtest/{unique}/frigate"),
        owntracks_prefix: format!("rgtest/{unique}/owntracks"),
    }
}

/// Minutes the accept step of a fire event is given, as the station computes it when the event is reported.
async fn accept_minutes(station: &Station, grid: &str) -> i64 {
    let actor = Actor {
        id: "duty1".into(),
        name: "值班员甲".into(),
        role: Role::DutyOfficer,
        station: station.station_id().into(),
    };
    let new = redgrid_core::closed_loop::NewEvent {
        title: "村口草垛起火".into(),
        description: String::new(),
        category: Category::Fire,
        severity: Severity::General,
        source: redgrid_core::event::Source::ByHand,
        grid: redgrid_core::grid::GridCode::parse(grid, &station.scheme()).unwrap(),
        lon: None,
        lat: None,
        address: String::new(),
        reporter: "来电群众".into(),
        drill: false,
    };
    let view = station.report(&actor, new).await.unwrap();
    (view.stored.event.due_at.unwrap() - station.now()).num_minutes()
}

#[tokio::test]
async fn a_headless_station_computes_deadlines_in_the_mode_another_station_switched_to() {
    let db = TestDb::postgres().await;
    let clock = Arc::new(FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 18, 2, 0, 0).unwrap()));
    let seat = StationConfig { station_id: "seat-a".into(), topics: private_topics("a") };
    let a = Station::with_store(db.store.clone(), seat, clock.clone()).await.unwrap();
    demo::seed(&a, &DemoConfig { history_days: 1, ..DemoConfig::default() }).await.unwrap();
    a.reload_rules().await.unwrap();

    // The other station: its own store connection and no window, as `redgrid serve` runs it.
    let headless = StationConfig { station_id: "serve-b".into(), topics: private_topics("b") };
    let b = Station::open(db.url(), headless, clock.clone()).await.unwrap();
    let mut options = ServeOptions::new(BrokerChoice::External("mqtt://127.0.0.1:1883".into()));
    options.watchdog_every = Duration::from_secs(60);
    let running = start(b.clone(), options).await.expect("the shared Mosquitto on 127.0.0.1:1883 must run");

    let grid = "450802101201001";
    let policy = TimeLimitPolicy::standard();
    let peace =
        policy.limit(Category::Fire, Severity::General, Step::Accept, Mode::Peacetime).unwrap().minutes;
    let war = policy.limit(Category::Fire, Severity::General, Step::Accept, Mode::Wartime).unwrap().minutes;
    assert!(war < peace, "the standard policy shortens the limit in wartime ({war} < {peace})");
    assert_eq!(accept_minutes(&b, grid).await, peace, "before the switch: peacetime");

    let leader =
        Actor {
            id: "leader1".into(), name: "镇领导".into(), role: Role::Leader, station: "seat-a".into()
        };
    a.switch_mode(&leader, Mode::Wartime, "台风红色预警").await.unwrap();
    for _ in 0..200 {
        if b.mode() == Mode::Wartime {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(b.mode(), Mode::Wartime, "the headless station follows the switch");
    assert_eq!(accept_minutes(&b, grid).await, war, "and its next deadline is a wartime one");

    running.stop().await;
    db.finish().await;
}

#[tokio::test]
async fn a_nul_in_one_message_does_not_stop_a_batch_on_postgresql() {
    let (db, s) = demo_on_postgres().await;
    let camera = s.store().cameras(&s.scheme()).await.unwrap().remove(0);
    let alert = |id: &str| crowd_alert(&camera.nvr_name, id);
    let poisoned = alert("bad\u{0}id");
    let good = alert("good");
    let topic = "redgrid/v1/alerts/nvr1";
    let report =
        s.ingest(&[(topic, poisoned.as_slice()), (topic, good.as_slice())]).await.expect("the batch commits");
    assert_eq!(report.applied, 1, "{report:?}");
    assert_eq!(s.store().new_alert_count().await.unwrap(), 1, "the good alert is stored");
    let quarantined = s.store().quarantine_list(5).await.unwrap();
    assert_eq!(quarantined.iter().map(|q| q.code.as_str()).collect::<Vec<_>>(), ["nul_char"]);
    db.finish().await;
}

#[tokio::test]
async fn a_message_the_store_refuses_is_quarantined_and_the_rest_of_its_batch_goes_through() {
    let (db, s) = demo_on_postgres().await;
    // A fault no decoder foresees, from the real database: a trigger that refuses one alert.
    sqlx::raw_sql(
        "CREATE FUNCTION refuse_poison() RETURNS trigger AS $$ BEGIN \
           IF NEW.alert_key LIKE '%poison%' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; \
         END $$ LANGUAGE plpgsql; \
         CREATE TRIGGER refuse_poison BEFORE INSERT ON camera_alerts FOR EACH ROW EXECUTE FUNCTION refuse_poison();",
    )
    .execute(db.store.read_pool())
    .await
    .unwrap();
    let camera = s.store().cameras(&s.scheme()).await.unwrap().remove(0);
    let alert = |id: &str| crowd_alert(&camera.nvr_name, id);
    let (before, poison, after) = (alert("before"), alert("poison"), alert("after"));
    let topic = "redgrid/v1/alerts/nvr1";
    let batch = [(topic, before.as_slice()), (topic, poison.as_slice()), (topic, after.as_slice())];
    assert!(s.ingest(&batch).await.is_err(), "as one transaction the batch fails");
    let report = s.ingest_batch(&batch).await.expect("one message at a time, the batch goes through");
    assert_eq!((report.applied, report.quarantined), (2, 1), "{report:?}");
    assert_eq!(s.store().new_alert_count().await.unwrap(), 2, "the two good alerts are stored");
    let quarantined = s.store().quarantine_list(5).await.unwrap();
    assert_eq!(quarantined[0].code, "store_refused");
    assert!(quarantined[0].reason.contains("消息无法保存"), "{}", quarantined[0].reason);
    db.finish().await;
}

/// The demo township on a database of its own on the shared PostgreSQL.
async fn demo_on_postgres() -> (TestDb, Station) {
    let db = TestDb::postgres().await;
    let clock = Arc::new(FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 18, 2, 0, 0).unwrap()));
    let s = Station::with_store(db.store.clone(), StationConfig::default(), clock).await.unwrap();
    demo::seed(&s, &DemoConfig { history_days: 1, ..DemoConfig::default() }).await.unwrap();
    (db, s)
}

/// A native crowd alert from the NVR camera `camera`.
fn crowd_alert(camera: &str, id: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "v": 1, "alert_id": id, "camera": camera, "kind": "crowd", "confidence": 0.9, "at": "2026-11-18T10:00:00+08:00"
    }))
    .unwrap()
}
