//! The data scope (`redgrid_core::account::DataScope`) enforced: what a console session limited to some
//! villages or grids may read and act on. The rules are here and in the store's filters, never in the
//! shell: every scoped read takes the session's `&DataScope` (`Seat::scope`), and the unscoped reads the
//! CLI and the station's own loops use are the same reads with the whole township.
//!
//! - An event, an alert, a household, a key place or a camera is in the scope when its grid is; a worker
//!   when their home grid is. An alert of a camera RedGrid does not know has no grid: only the township
//!   sees it.
//! - Reads by id out of the scope are refused (`forbidden`); lists leave out what lies outside it.
//! - Grids are shown when they lie in the scope or above part of it (`DataScope::reaches`): the township
//!   above a village is drawn, a neighbouring village is not.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use redgrid_core::account::DataScope;
use redgrid_core::closed_loop::{Command, Event};
use redgrid_core::worker::Worker;
use redgrid_store::{FeedEntity, FeedEntry, WriteTx};

use crate::{ApiError, Result, Station};

/// The refusal of a read or act on an event outside the session's scope.
pub const EVENT_OUT_OF_SCOPE: &str = "该事件不在您的数据范围内";

/// A change-feed entry as a console limited to a data scope receives it.
#[derive(Debug, Clone, PartialEq)]
pub enum ScopedFeedEntry {
    /// In the scope, or of nothing placed (the station, a setting, the grid tree): the entry itself.
    Shown(FeedEntry),
    /// Outside the scope: only its place in the sequence, so that the console sees no gap in it.
    Withheld { seq: i64, at: DateTime<Utc> },
}

pub(crate) fn event_out_of_scope() -> ApiError {
    ApiError::Forbidden(EVENT_OUT_OF_SCOPE.into())
}

pub(crate) fn grid_out_of_scope(code: &str) -> ApiError {
    ApiError::Forbidden(format!("网格 {code} 不在您的数据范围内"))
}

/// `Ok` when the event lies in the scope.
pub(crate) fn check_event(scope: &DataScope, event: &Event) -> Result<()> {
    if scope.covers(event.grid.as_str()) {
        Ok(())
    } else {
        Err(event_out_of_scope())
    }
}

/// Whether a worker is in the scope: by their home grid (their first), as the registers file them.
pub fn covers_worker(scope: &DataScope, worker: &Worker) -> bool {
    scope.prefixes().is_none() || worker.grids.first().is_some_and(|home| scope.covers(home.as_str()))
}

/// Whether a worker whose home grid is `home_grid` (empty: none) is in the scope.
pub(crate) fn covers_home_grid(scope: &DataScope, home_grid: &str) -> bool {
    scope.prefixes().is_none() || (!home_grid.is_empty() && scope.covers(home_grid))
}

/// Whether an alert is in the scope: by its camera's grid; an unknown camera's only for the township.
pub fn covers_alert_grid(scope: &DataScope, grid_code: Option<&str>) -> bool {
    match grid_code {
        Some(code) => scope.covers(code),
        None => scope.prefixes().is_none(),
    }
}

/// The grid-code prefixes a read limited to `scope` takes in, given those the caller asked for (none:
/// everything). `None` is no limit at all; `Some` of nothing is nothing.
pub(crate) fn limit_prefixes(scope: &DataScope, asked: &[String]) -> Option<Vec<String>> {
    match (scope.prefixes(), asked.is_empty()) {
        (None, true) => None,
        (None, false) => Some(asked.to_vec()),
        (Some(own), true) => Some(own.to_vec()),
        (Some(_), false) => Some(asked.iter().flat_map(|a| scope.parts_under(a)).collect()),
    }
}

impl Station {
    /// Refuses, under the write lock, a closed-loop command on an event outside the scope, or one that
    /// would reach outside it: merging into an event outside it, placing the event on a grid outside it,
    /// dispatching a worker outside it.
    pub(crate) async fn check_command_in_scope(
        &self,
        tx: &mut WriteTx,
        scope: &DataScope,
        event_id: i64,
        command: &Command,
    ) -> Result<()> {
        if scope.prefixes().is_none() {
            return Ok(());
        }
        let scheme = self.scheme();
        check_event(scope, &tx.load_event(event_id, &scheme).await?.event)?;
        match command {
            Command::Merge { into, .. } => check_event(scope, &tx.load_event(into.id, &scheme).await?.event),
            Command::Accept { grid: Some(grid), .. } if !scope.covers(grid.as_str()) => {
                Err(grid_out_of_scope(grid.as_str()))
            }
            Command::Dispatch { workers, .. } => {
                for id in workers {
                    let record = self.store().worker(id, &scheme).await?;
                    if record.is_some_and(|r| !covers_worker(scope, &r.worker)) {
                        return Err(ApiError::Forbidden(format!("网格员 {id} 不在您的数据范围内")));
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The live feed as a console limited to `scope` receives it: an entry of an event, its tasks, an
    /// alert or a worker outside the scope is withheld (looked up in one read per kind for the whole
    /// batch), and so is one whose subject is gone; the rest — the station, settings, the grids,
    /// accounts — concern everyone. A withheld entry keeps its place, so the console's cursor sees no gap.
    pub async fn feed_in_scope(
        &self,
        scope: &DataScope,
        entries: Vec<FeedEntry>,
    ) -> Result<Vec<ScopedFeedEntry>> {
        if scope.prefixes().is_none() {
            return Ok(entries.into_iter().map(ScopedFeedEntry::Shown).collect());
        }
        let event_of = |e: &FeedEntry| -> Option<i64> {
            match e.entity {
                FeedEntity::Event => e.entity_id.parse().ok(),
                // A task id is `<event>:<worker>:<version>`.
                FeedEntity::Task => e.entity_id.split(':').next()?.parse().ok(),
                _ => None,
            }
        };
        let alert_of = |e: &FeedEntry| -> Option<i64> {
            (e.entity == FeedEntity::Alert).then(|| e.entity_id.parse().ok()).flatten()
        };
        let mut event_ids: Vec<i64> = entries.iter().filter_map(event_of).collect();
        event_ids.sort_unstable();
        event_ids.dedup();
        let mut alert_ids: Vec<i64> = entries.iter().filter_map(alert_of).collect();
        alert_ids.sort_unstable();
        alert_ids.dedup();
        let worker_ids: Vec<String> = entries
            .iter()
            .filter(|e| e.entity == FeedEntity::Worker)
            .map(|e| e.entity_id.clone())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let store = self.store();
        let events =
            if event_ids.is_empty() { HashMap::new() } else { store.event_grid_codes(&event_ids).await? };
        let alerts =
            if alert_ids.is_empty() { HashMap::new() } else { store.alert_grid_codes(&alert_ids).await? };
        let workers =
            if worker_ids.is_empty() { HashMap::new() } else { store.worker_home_grids(&worker_ids).await? };
        let shown = |e: &FeedEntry| match e.entity {
            FeedEntity::Event | FeedEntity::Task => {
                event_of(e).and_then(|id| events.get(&id)).is_some_and(|grid| scope.covers(grid))
            }
            FeedEntity::Alert => alert_of(e)
                .and_then(|id| alerts.get(&id))
                .is_some_and(|grid| covers_alert_grid(scope, grid.as_deref())),
            FeedEntity::Worker => workers.get(&e.entity_id).is_some_and(|home| covers_home_grid(scope, home)),
            _ => true,
        };
        Ok(entries
            .into_iter()
            .map(|e| {
                if shown(&e) {
                    ScopedFeedEntry::Shown(e)
                } else {
                    ScopedFeedEntry::Withheld { seq: e.seq, at: e.at }
                }
            })
            .collect())
    }
}
