//! Looking back: events whatever their status (closed, escalated, voided, merged, rejected, or still
//! open) by number, words, grid and date, and the audit log by person, station, event and time — what a
//! duty officer, a leader or an inspector asks of the record after the fact.

use chrono::{DateTime, Utc};
use redgrid_core::event::Status;
use redgrid_core::grid::LevelScheme;

use crate::audit::{decode_record, SELECT_AUDIT};
use crate::events::{decode_event, EVENT_COLUMNS};
use crate::sql::{like_escape, Bind, Where};
use crate::{to_millis, AuditRecord, Result, Store, StoredEvent};

/// What to look for among events. Every part that is set must match.
#[derive(Debug, Clone, Default)]
pub struct HistoryQuery {
    /// An event number (`#123` or `123`), or words found in the title, description, reporter, address or
    /// the name of the event's grid.
    pub text: String,
    pub status: Option<Status>,
    /// Only ended events (closed, rejected, merged, escalated, voided).
    pub ended_only: bool,
    /// Events at or below this grid.
    pub grid_prefix: Option<String>,
    /// Events at or below any of these grids: an account's data scope. Empty is no such limit.
    pub grid_prefixes: Vec<String>,
    /// Reported at or after, and before.
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub drill: bool,
    pub limit: i64,
}

/// What to look for in the audit log, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actor_id: Option<String>,
    pub station: Option<String>,
    pub event_id: Option<i64>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub limit: i64,
}

impl Store {
    /// Events matching `q`, newest report first, at most `q.limit` (capped at 500).
    pub async fn search_events(&self, q: &HistoryQuery, scheme: &LevelScheme) -> Result<Vec<StoredEvent>> {
        let mut w = Where::default();
        w.push("drill = ?", vec![Bind::Int(i64::from(q.drill))]);
        let text = q.text.trim();
        if !text.is_empty() {
            match text.trim_start_matches('#').parse::<i64>() {
                Ok(id) => w.push("id = ?", vec![Bind::Int(id)]),
                Err(_) => {
                    let pattern = format!("%{}%", like_escape(text));
                    let binds = (0..5).map(|_| Bind::Text(pattern.clone())).collect();
                    w.push(
                        "(title LIKE ? ESCAPE '\\' OR description LIKE ? ESCAPE '\\' OR reporter LIKE ? ESCAPE '\\' \
                         OR address LIKE ? ESCAPE '\\' OR grid_code IN (SELECT code FROM grids WHERE name LIKE ? ESCAPE '\\'))",
                        binds,
                    );
                }
            }
        }
        if let Some(status) = q.status {
            w.push("status = ?", vec![Bind::Text(status.key().into())]);
        }
        if q.ended_only {
            w.push("is_open = 0", Vec::new());
        }
        if let Some(prefix) = &q.grid_prefix {
            w.push(
                "grid_code >= ? AND grid_code < ?",
                vec![Bind::Text(prefix.clone()), Bind::Text(format!("{prefix}\u{7f}"))],
            );
        }
        if !q.grid_prefixes.is_empty() {
            w.push_under_any("grid_code", &q.grid_prefixes);
        }
        if let Some(from) = q.from {
            w.push("reported_at >= ?", vec![Bind::Int(to_millis(from))]);
        }
        if let Some(until) = q.until {
            w.push("reported_at < ?", vec![Bind::Int(to_millis(until))]);
        }
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE {} ORDER BY reported_at DESC, id DESC LIMIT {}",
            w.sql(),
            q.limit.clamp(1, 500)
        );
        let rows = w.bind(sqlx::query(&sql)).fetch_all(self.read_pool()).await?;
        rows.iter().map(|r| decode_event(r, scheme)).collect()
    }

    /// Audit records matching `q`, newest first, at most `q.limit` (capped at 2,000).
    pub async fn search_audit(&self, q: &AuditQuery) -> Result<Vec<AuditRecord>> {
        let mut w = Where::default();
        if let Some(actor) = &q.actor_id {
            w.push("actor_id = ?", vec![Bind::Text(actor.clone())]);
        }
        if let Some(station) = &q.station {
            w.push("station = ?", vec![Bind::Text(station.clone())]);
        }
        if let Some(event) = q.event_id {
            w.push("event_id = ?", vec![Bind::Int(event)]);
        }
        if let Some(from) = q.from {
            w.push("at >= ?", vec![Bind::Int(to_millis(from))]);
        }
        if let Some(until) = q.until {
            w.push("at < ?", vec![Bind::Int(to_millis(until))]);
        }
        let sql =
            format!("{SELECT_AUDIT} WHERE {} ORDER BY seq DESC LIMIT {}", w.sql(), q.limit.clamp(1, 2_000));
        let rows = w.bind(sqlx::query(&sql)).fetch_all(self.read_pool()).await?;
        rows.iter().map(decode_record).collect()
    }
}
