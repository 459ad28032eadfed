//! How long delivery bookkeeping is kept. None of it is the record (the audit log, the events, the
//! registers are kept for ever): published outbox rows, the quarantine, the inbound ledger and the change
//! feed only grow, and a station that runs for years must not fill its disk with them.

use chrono::{DateTime, Duration, Utc};

use crate::{to_millis, Result, Store};

/// What is kept, by age. The inbound ledger outlives the longest broker session a centre is told to
/// allow (30 days, docs/mqtt.md), so a late redelivery is still recognised; the change feed always keeps
/// its newest `feed_keep_entries` whatever their age, more than a console far behind is sent (it resyncs).
#[derive(Debug, Clone)]
pub struct Retention {
    pub outbox_published: Duration,
    pub quarantine: Duration,
    pub inbound_ledger: Duration,
    pub change_feed: Duration,
    pub feed_keep_entries: i64,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            outbox_published: Duration::days(7),
            quarantine: Duration::days(90),
            inbound_ledger: Duration::days(35),
            change_feed: Duration::days(7),
            feed_keep_entries: 100_000,
        }
    }
}

/// Rows removed, by table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pruned {
    pub outbox: u64,
    pub quarantine: u64,
    pub inbound: u64,
    pub feed: u64,
}

impl Store {
    /// Removes what `retention` no longer keeps at `now`. Delivery bookkeeping, like
    /// [`Store::mark_published`]: no audit record, no chain head.
    pub async fn prune(&self, now: DateTime<Utc>, retention: &Retention) -> Result<Pruned> {
        let before = |age: Duration| to_millis(now - age);
        let write = &self.write;
        let outbox = sqlx::query("DELETE FROM outbox WHERE published_at IS NOT NULL AND published_at < $1")
            .bind(before(retention.outbox_published))
            .execute(write)
            .await?
            .rows_affected();
        let quarantine = sqlx::query("DELETE FROM quarantine WHERE received_at < $1")
            .bind(before(retention.quarantine))
            .execute(write)
            .await?
            .rows_affected();
        let inbound = sqlx::query("DELETE FROM inbound_messages WHERE received_at < $1")
            .bind(before(retention.inbound_ledger))
            .execute(write)
            .await?
            .rows_affected();
        let head = self.feed_head().await?;
        let feed = sqlx::query("DELETE FROM change_feed WHERE at < $1 AND seq <= $2")
            .bind(before(retention.change_feed))
            .bind(head - retention.feed_keep_entries)
            .execute(write)
            .await?
            .rows_affected();
        let pruned = Pruned { outbox, quarantine, inbound, feed };
        if pruned != Pruned::default() {
            tracing::info!(?pruned, "old delivery bookkeeping removed");
        }
        Ok(pruned)
    }
}
