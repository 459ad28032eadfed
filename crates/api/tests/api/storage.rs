//! A station on a database it may only read: it opens at once in the viewing mode, its people sign in to
//! look, every act is refused with `read_only`, the status says so, and it does not start its MQTT side.

use redgrid_api::console::ModeSince;
use redgrid_api::serve::{start, BrokerChoice, ServeOptions};
use redgrid_api::session::Seat;
use redgrid_api::{Station, StationConfig};
use redgrid_core::closed_loop::NewEvent;
use redgrid_core::event::{Category, Severity, Source};
use redgrid_core::grid::{GridCode, LevelScheme};
use redgrid_demo::township::DEMO_PASSWORD;
use redgrid_store::QueueFilter;

use crate::station::demo_station;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_database_is_viewed_signed_in_and_never_written() {
    let t = demo_station(1).await;
    let url = t.station.store().url().to_string();
    let (_, open) = t.station.queue(&QueueFilter::default(), 0, 10).await.unwrap();
    t.station.store().close().await;

    let viewing = format!("{}?mode=ro", url.split('?').next().unwrap());
    let station =
        Station::open(&viewing, StationConfig::default(), t.clock.clone()).await.expect("opens for viewing");
    let seat = Seat::new(station.clone());
    let session = seat.sign_in("duty1", DEMO_PASSWORD).await.expect("its people sign in to look");
    let (_, shown) = station.queue(&QueueFilter::default(), 0, 10).await.unwrap();
    assert_eq!(shown, open, "the same queue");
    let wrong = seat.sign_in("duty1", "not-the-password").await.unwrap_err();
    assert_eq!(wrong.code(), "bad_credentials");

    let report = NewEvent {
        title: "群众来电".into(),
        description: "查看模式下登记".into(),
        category: Category::ALL[0],
        severity: Severity::General,
        source: Source::ByHand,
        grid: GridCode::parse("450802101201001", &LevelScheme::guigang()).unwrap(),
        lon: None,
        lat: None,
        address: String::new(),
        reporter: "来电群众".into(),
        drill: false,
    };
    let refused = station.report(&session.actor(), report).await.unwrap_err();
    assert_eq!(refused.code(), "read_only");
    assert!(refused.to_string().contains("只读查看模式"), "{refused}");

    let health = station.health(&ModeSince::default()).await;
    assert!(health.database.read_only && health.database.failure.is_none());
    let not_serving =
        start(station.clone(), ServeOptions::new(BrokerChoice::External("mqtt://127.0.0.1:1883".into())))
            .await
            .err()
            .expect("a viewing station does not take messages in");
    assert_eq!(not_serving.code(), "read_only");
}
