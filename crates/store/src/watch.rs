//! Learning that the change feed moved on, from this process or another station.
//!
//! On PostgreSQL every write transaction that adds feed entries sends `NOTIFY redgrid_feed, '<seq>'` at
//! commit (see [`crate::WriteTx::commit`]); a watcher LISTENs on its own connection. Notifications carry
//! only the new sequence number: readers fetch the entries from `change_feed`, so a notification can never
//! disagree with the rows. Notifications sent while the listening connection is down are lost for good,
//! so after every reconnect the watcher signals [`FeedSignal::Resync`] and the reader reloads what it
//! shows. A slow poll of the feed head backs this up on both backends (on SQLite it is the only source:
//! another process writing the same file sends no notifications).

use std::time::Duration;

use tokio::sync::mpsc;

use crate::{Backend, Store};

/// The channel the store notifies on.
pub const FEED_CHANNEL: &str = "redgrid_feed";

/// What the watcher tells its reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedSignal {
    /// The feed reached at least this sequence number.
    Moved(i64),
    /// The watcher may have missed changes (its listening connection was re-established): reload
    /// everything, then read the feed from its head.
    Resync,
}

/// How the watcher runs.
#[derive(Debug, Clone)]
pub struct WatchConfig {
    /// How often the feed head is polled as a fallback (and on SQLite, as the only source).
    pub poll: Duration,
}

impl Default for WatchConfig {
    fn default() -> Self {
        WatchConfig { poll: Duration::from_millis(250) }
    }
}

/// Starts a watcher task; it ends when the receiver is dropped.
pub fn watch_feed(store: &Store, config: WatchConfig) -> mpsc::Receiver<FeedSignal> {
    let (tx, rx) = mpsc::channel(256);
    let store = store.clone();
    tokio::spawn(async move {
        let result = match store.backend() {
            Backend::Postgres => listen_postgres(&store, &config, &tx).await,
            Backend::Sqlite => poll_only(&store, &config, &tx).await,
        };
        if let Err(error) = result {
            tracing::debug!(%error, "feed watcher ended");
        }
    });
    rx
}

#[derive(Debug)]
struct Closed;

impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("reader gone")
    }
}

async fn send(tx: &mpsc::Sender<FeedSignal>, signal: FeedSignal) -> Result<(), Closed> {
    tx.send(signal).await.map_err(|_| Closed)
}

async fn poll_only(store: &Store, config: &WatchConfig, tx: &mpsc::Sender<FeedSignal>) -> Result<(), Closed> {
    let mut last = -1;
    loop {
        match store.feed_head().await {
            Ok(head) if head != last => {
                last = head;
                send(tx, FeedSignal::Moved(head)).await?;
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "reading the feed head failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(config.poll) => {}
            _ = tx.closed() => return Err(Closed),
        }
    }
}

async fn listen_postgres(
    store: &Store,
    config: &WatchConfig,
    tx: &mpsc::Sender<FeedSignal>,
) -> Result<(), Closed> {
    let mut backoff = Duration::from_millis(250);
    let mut last = -1;
    loop {
        let mut listener = match sqlx::postgres::PgListener::connect(store.url()).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, retry_in_ms = backoff.as_millis() as u64, "feed listener cannot connect");
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = tx.closed() => return Err(Closed),
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        // By default sqlx re-establishes a lost connection inside `try_recv`, or quietly on the next call
        // when that one was cancelled, and the notifications sent meanwhile are gone (a PostgreSQL
        // restart test saw no resync at all). Off, a lost connection comes back to us as `Ok(None)` at
        // once, and only this loop reconnects, always followed by a resync.
        listener.eager_reconnect(false);
        if let Err(error) = listener.listen(FEED_CHANNEL).await {
            tracing::warn!(%error, "LISTEN failed");
            tokio::time::sleep(backoff).await;
            continue;
        }
        backoff = Duration::from_millis(250);
        tracing::info!("feed listener connected; resyncing");
        send(tx, FeedSignal::Resync).await?;
        loop {
            // One receive stays in flight across the fallback polls rather than being dropped by each:
            // sqlx does not promise that `try_recv` is cancel-safe.
            let receive = listener.try_recv();
            tokio::pin!(receive);
            let next = loop {
                tokio::select! {
                    next = &mut receive => break next,
                    _ = tokio::time::sleep(config.poll * 4) => {
                        // The fallback poll: the feed is caught up even if a notification never comes.
                        match store.feed_head().await {
                            Ok(head) if head > last => {
                                last = head;
                                send(tx, FeedSignal::Moved(head)).await?;
                            }
                            Ok(_) => {}
                            Err(error) => tracing::warn!(%error, "reading the feed head failed"),
                        }
                    }
                    _ = tx.closed() => return Err(Closed),
                }
            };
            match next {
                Ok(Some(notification)) => match notification.payload().parse::<i64>() {
                    Ok(seq) => {
                        if seq > last {
                            last = seq;
                            send(tx, FeedSignal::Moved(seq)).await?;
                        }
                    }
                    Err(_) => tracing::warn!(payload = notification.payload(), "odd feed notification"),
                },
                // The connection is lost (see `eager_reconnect` above): start over with a resync.
                Ok(None) => {
                    tracing::warn!("feed listener lost its connection");
                    break;
                }
                Err(error) => {
                    tracing::warn!(%error, "feed listener failed");
                    break;
                }
            }
        }
    }
}
