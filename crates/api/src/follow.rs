//! The station's own follower of the change feed: what another station (or another process on the same
//! database) changed that this one must act on, whether it runs a window or not. A leader switching to
//! wartime at one seat shortens the deadlines every station computes from then on; an import of grids makes
//! every station forget the grid names it remembered. `serve::start` runs it; the window's forwarder only
//! passes entries on to the view.

use std::time::Duration;

use redgrid_store::watch::{watch_feed, FeedSignal, WatchConfig};
use redgrid_store::{FeedEntity, FeedEntry};
use tokio::sync::watch;

use crate::Station;

/// Entries read at a time.
const BATCH: i64 = 2_000;
/// The feed head's poll, a fallback to NOTIFY on PostgreSQL and the only source on SQLite.
const POLL: Duration = Duration::from_millis(200);

/// What the entries ask of the station: re-read the rules, forget the grid names.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Follow {
    pub reload_rules: bool,
    pub forget_grid_names: bool,
    /// Accounts an administrator changed (disabled, role, scope, reset): their open sessions end.
    pub changed_accounts: Vec<String>,
    /// A broker login was issued or revoked (by any process on this database): the managed broker, if
    /// this station runs it, re-reads its password file and ACL.
    pub reload_broker: bool,
}

impl Follow {
    pub fn of(entries: &[FeedEntry]) -> Follow {
        Follow {
            reload_rules: entries.iter().any(|e| e.entity == FeedEntity::Setting),
            forget_grid_names: entries
                .iter()
                .any(|e| matches!(e.entity, FeedEntity::Register | FeedEntity::Grid) || e.change == "seeded"),
            changed_accounts: entries
                .iter()
                .filter(|e| e.entity == FeedEntity::Account && e.change == "updated")
                .map(|e| e.entity_id.clone())
                .collect(),
            reload_broker: entries.iter().any(|e| e.entity == FeedEntity::BrokerLogin),
        }
    }
}

/// Follows the feed from its head until `shutdown` turns true.
pub async fn run_follower(station: Station, mut shutdown: watch::Receiver<bool>) {
    let store = station.store().clone();
    let mut signals = watch_feed(&store, WatchConfig { poll: POLL });
    let mut last = loop {
        match store.feed_head().await {
            Ok(head) => break head,
            Err(error) => {
                tracing::warn!(%error, "reading the feed head failed; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = shutdown.changed() => return,
                }
            }
        }
    };
    loop {
        match store.feed_since(last, BATCH).await {
            Ok(entries) => {
                if let Some(newest) = entries.last() {
                    last = newest.seq;
                    act(&station, Follow::of(&entries)).await;
                    if entries.len() as i64 == BATCH {
                        continue;
                    }
                }
            }
            Err(error) => tracing::warn!(%error, "reading the change feed failed; retrying"),
        }
        tokio::select! {
            signal = signals.recv() => match signal {
                // A lost notification loses no entry: the feed is read from the cursor.
                Some(FeedSignal::Moved(_) | FeedSignal::Resync) => {}
                None => {
                    tokio::time::sleep(POLL * 5).await;
                    signals = watch_feed(&store, WatchConfig { poll: POLL });
                }
            },
            _ = shutdown.changed() => return,
        }
    }
}

async fn act(station: &Station, follow: Follow) {
    if follow.reload_rules {
        match station.reload_rules().await {
            Ok(()) => tracing::info!(mode = station.mode().key(), "rules re-read after a settings change"),
            Err(error) => tracing::warn!(%error, "re-reading the rules failed"),
        }
    }
    if follow.forget_grid_names {
        station.grid_names().clear();
    }
    for account in &follow.changed_accounts {
        station.note_account_changed(account);
    }
    if follow.reload_broker {
        station.reload_broker().await;
    }
}
