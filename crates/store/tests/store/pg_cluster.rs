//! The private PostgreSQL harness: a cluster of the test's own that starts, survives a restart with its
//! data, tells a feed watcher to resync, and is gone when dropped.

use std::time::Duration;

use redgrid_store::pg_cluster::PgCluster;
use redgrid_store::watch::{watch_feed, WatchConfig};
use redgrid_store::{FeedSignal, Store};

async fn next_resync(signals: &mut tokio::sync::mpsc::Receiver<FeedSignal>, what: &str) {
    let wait = async {
        while let Some(signal) = signals.recv().await {
            if signal == FeedSignal::Resync {
                return;
            }
        }
        panic!("the watcher ended");
    };
    tokio::time::timeout(Duration::from_secs(60), wait).await.unwrap_or_else(|_| panic!("no resync {what}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_cluster_starts_restarts_keeping_its_data_and_goes_away() {
    let mut cluster = tokio::task::block_in_place(PgCluster::start).expect("initdb and pg_ctl start");
    let port = cluster.port;
    let url = tokio::task::block_in_place(|| cluster.create_database("harness")).unwrap();
    assert_eq!(url, format!("postgres://postgres@127.0.0.1:{port}/harness"));
    let store = Store::open(&url).await.expect("the private cluster takes migrations");

    let mut signals = watch_feed(&store, WatchConfig::default());
    next_resync(&mut signals, "when the watcher first connects").await;

    let mut tx = store.begin_write().await.unwrap();
    tx.set_setting("harness", "before the restart", chrono::Utc::now()).await.unwrap();
    tx.commit().await.unwrap();
    let head = store.feed_head().await.unwrap();

    tokio::task::block_in_place(|| cluster.restart()).unwrap_or_else(|e| panic!("restart: {e}"));
    assert_eq!(cluster.port, port, "a restart keeps the port");
    next_resync(&mut signals, "after the restart").await;

    // The pool tests each connection before handing it out, so the dead ones are replaced quietly.
    assert_eq!(store.setting("harness").await.unwrap().as_deref(), Some("before the restart"));
    assert_eq!(store.feed_head().await.unwrap(), head, "a committed write survives the restart");
    let mut tx = store.begin_write().await.unwrap();
    tx.set_setting("harness", "after the restart", chrono::Utc::now()).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(store.feed_head().await.unwrap(), head + 1);

    drop(signals);
    store.close().await;
    tokio::task::block_in_place(|| drop(cluster));
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "a dropped cluster no longer listens"
    );
}
