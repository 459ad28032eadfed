//! The live change feed to the window: the store's feed entries after the console's cursor, in `seq`
//! order, at most one batch per 100 ms, over a Tauri Channel (ordered, and made for throughput, unlike
//! events). The store's watcher says when the feed moved (a poll of its head on SQLite, LISTEN/NOTIFY on
//! PostgreSQL); the entries themselves are read from the store by cursor, so nothing is lost between
//! notifications. The console hears `resync` only when it is too far behind to be sent everything.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redgrid_store::watch::{watch_feed, FeedSignal, WatchConfig};
use tauri::ipc::Channel;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::dto::{broker, scoped_feed_entry, FeedBatch};
use crate::startup::Ready;

/// At most one batch per this long: the console patches its views once per batch.
const BATCH_EVERY: Duration = Duration::from_millis(100);
/// Entries per batch at most.
const BATCH_MAX: i64 = 2_000;
/// A console further behind than this is told to resync rather than sent the whole backlog.
const BACKLOG_MAX: i64 = 20_000;
/// How often the store's feed head is polled for changes (SQLite has no notifications; on PostgreSQL it
/// backs up LISTEN).
const POLL: Duration = Duration::from_millis(100);

/// The live subscriptions, by id, with the window each feeds.
#[derive(Default)]
pub struct Subscriptions {
    next: AtomicU64,
    /// A std lock: held only to insert or take a handle.
    live: Mutex<HashMap<u64, (String, JoinHandle<()>)>>,
}

impl Subscriptions {
    /// Starts following the feed after `after_seq` for a window. A window runs one console, so an older
    /// subscription of the same window (left behind by a reload, whose channel now leads nowhere) ends.
    pub async fn subscribe(
        &self,
        ready: Arc<Ready>,
        window: &str,
        after_seq: i64,
        channel: Channel<FeedBatch>,
    ) -> Result<(i64, u64), redgrid_store::StoreError> {
        let head = ready.station().store().feed_head().await?;
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let task = tokio::spawn(forward(ready, after_seq, channel));
        let mut live = self.live.lock().expect("subscriptions lock");
        live.retain(|_, (label, handle)| {
            let same_window = label == window;
            if same_window {
                handle.abort();
            }
            !same_window
        });
        live.insert(id, (window.to_string(), task));
        Ok((head, id))
    }

    pub fn unsubscribe(&self, id: u64) {
        if let Some((_, handle)) = self.live.lock().expect("subscriptions lock").remove(&id) {
            handle.abort();
        }
    }
}

async fn forward(ready: Arc<Ready>, after_seq: i64, channel: Channel<FeedBatch>) {
    let station = ready.station().clone();
    let store = station.store().clone();
    let mut signals = watch_feed(&store, WatchConfig { poll: POLL });
    // The link's changes go to the window at once: a red light that waits for the next feed entry lies.
    let mut link = ready.broker.health.clone();
    let mut delivered = ready.broker.delivered.clone();
    let mut last = after_seq;
    let mut next_send = Instant::now();
    let send = |batch: FeedBatch| channel.send(batch).is_ok();
    if let Ok(head) = store.feed_head().await {
        if head - last > BACKLOG_MAX {
            last = head;
            if !send(FeedBatch { entries: Vec::new(), resync: true, link: None }) {
                return;
            }
        }
    }
    loop {
        loop {
            let entries = match store.feed_since(last, BATCH_MAX).await {
                Ok(entries) => entries,
                Err(error) => {
                    tracing::warn!(%error, "reading the change feed failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            let Some(newest) = entries.last().map(|e| e.seq) else { break };
            let full = entries.len() as i64 == BATCH_MAX;
            // Only what the signed-in person's data scope covers reaches the window (the api decides);
            // the rest keeps its place in the sequence and nothing else.
            let entries = match ready.seat.feed_in_scope(entries).await {
                Ok(entries) => entries,
                Err(error) => {
                    tracing::warn!(%error, "limiting the change feed to the data scope failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            tokio::time::sleep_until(next_send).await;
            last = newest;
            if !send(FeedBatch {
                entries: entries.into_iter().map(scoped_feed_entry).collect(),
                resync: false,
                link: None,
            }) {
                return;
            }
            next_send = Instant::now() + BATCH_EVERY;
            if !full {
                break;
            }
        }
        let link_changed = async {
            match (link.as_mut(), delivered.as_mut()) {
                (Some(link), Some(delivered)) => tokio::select! {
                    changed = link.changed() => changed.is_ok(),
                    changed = delivered.changed() => changed.is_ok(),
                },
                (Some(link), None) => link.changed().await.is_ok(),
                _ => std::future::pending().await,
            }
        };
        let signal = tokio::select! {
            signal = signals.recv() => signal,
            alive = link_changed => {
                if !alive {
                    link = None;
                    delivered = None;
                } else if !send(FeedBatch { entries: Vec::new(), resync: false, link: Some(broker(&ready).await) }) {
                    return;
                }
                continue;
            }
        };
        match signal {
            // A lost notification loses no entry: the feed table is gapless and read from the cursor, so a
            // Resync from the watcher only means "read again", like Moved.
            Some(FeedSignal::Moved(_) | FeedSignal::Resync) => {}
            None => {
                // The watcher ended (it logs why): keep the console alive on a plain poll.
                tokio::time::sleep(POLL * 5).await;
                signals = watch_feed(&store, WatchConfig { poll: POLL });
            }
        }
    }
}
