//! A writer holding the write lock can still read through the store while many more writers queue for
//! the lock: the api reads a worker or a setting in the middle of a command. With one shared pool on
//! PostgreSQL the queued writers held every connection and the lock holder waited for one until the
//! pool timed out (a minute); this must finish in seconds.

use std::time::Duration;

use redgrid_store::Store;

use redgrid_testkit::TestDb;

async fn writers_read_while_holding_the_lock(store: &Store) {
    let mut tasks = Vec::new();
    for writer in 0..48 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = store.begin_write().await.unwrap();
            let before = store.setting("pool-test").await.unwrap();
            tx.set_setting("pool-test", &format!("{writer}"), chrono::Utc::now()).await.unwrap();
            tx.commit().await.unwrap();
            before
        }));
    }
    let all = async {
        for task in tasks {
            task.await.unwrap();
        }
    };
    tokio::time::timeout(Duration::from_secs(30), all)
        .await
        .expect("48 writers, each reading while it holds the lock, finish without starving the pool");
    assert_eq!(store.feed_head().await.unwrap(), 48);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_lock_holders_can_read_while_writers_queue() {
    let db = TestDb::sqlite().await;
    writers_read_while_holding_the_lock(&db.store).await;
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_lock_holders_can_read_while_writers_queue() {
    let db = TestDb::postgres().await;
    writers_read_while_holding_the_lock(&db.store).await;
    db.finish().await;
}
