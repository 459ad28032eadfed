//! The headless station's ingest loop: MQTT in, stored exactly once, acknowledged after commit.

use std::collections::VecDeque;
use std::time::Duration;

use redgrid_bus::client::{Link, Received};
use tokio::sync::watch;

use crate::Station;

/// How many messages one transaction takes at most: enough to amortise a commit, few enough that the first
/// of them waits little.
const BATCH: usize = 500;

/// Runs until `shutdown` turns true or the link closes. A batch that cannot be stored is retried (with
/// backoff) and never acknowledged meanwhile, so the broker keeps it.
pub async fn run_ingest(station: Station, mut link: Link, mut shutdown: watch::Receiver<bool>) {
    let mut batch: Vec<Received> = Vec::with_capacity(BATCH);
    // Stored but not yet acknowledged: acks never wait (see `Link::try_ack`), they queue here instead.
    let mut unacked: VecDeque<Received> = VecDeque::new();
    loop {
        while let Some(received) = unacked.front() {
            if !link.try_ack(received) {
                break;
            }
            unacked.pop_front();
        }
        let first = tokio::select! {
            received = link.inbound.recv() => received,
            _ = shutdown.changed() => None,
            _ = tokio::time::sleep(Duration::from_millis(20)), if !unacked.is_empty() => continue,
        };
        let Some(first) = first else { break };
        batch.push(first);
        while batch.len() < BATCH {
            match link.inbound.try_recv() {
                Ok(received) => batch.push(received),
                Err(_) => break,
            }
        }
        let mut wait = Duration::from_millis(200);
        loop {
            let messages: Vec<(&str, &[u8])> =
                batch.iter().map(|r| (r.topic.as_str(), r.payload.as_slice())).collect();
            match station.ingest(&messages).await {
                Ok(report) => {
                    tracing::debug!(?report, "ingested");
                    break;
                }
                Err(error) => {
                    tracing::error!(%error, messages = batch.len(), retry_in_ms = wait.as_millis() as u64, "ingest failed; will retry");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(10));
                    if *shutdown.borrow() {
                        return;
                    }
                }
            }
        }
        unacked.extend(batch.drain(..));
    }
}
