//! Statistics input: a period's events grouped by identical facts, in SQL.
//!
//! The store does not restate the definitions: it groups events whose (grid, category, status, step masks,
//! outcome) are equal and lets `redgrid_core::stats::Counters::count_many` count each group. Grouping
//! reads only the covering index `events_stats`, so a month of a city's events is one index range scan.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use redgrid_core::event::{Category, Outcome, Status};
use redgrid_core::stats::{Cell, Counters, EventFacts};
use sqlx::Row;

use crate::{to_millis, Result, Store, StoreError};

const GROUP_FACTS: &str =
    "SELECT grid_code, category, status, on_time_steps, late_steps, outcome, COUNT(*) AS events \
     FROM events WHERE drill = 0 AND reported_at >= $1 AND reported_at < $2 \
     GROUP BY grid_code, category, status, on_time_steps, late_steps, outcome";

impl Store {
    /// Counters per (grid, category) of the events reported in `[from, to)`, drills excluded.
    pub async fn stats_cells(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Cell>> {
        let rows = sqlx::query(GROUP_FACTS)
            .bind(to_millis(from))
            .bind(to_millis(to))
            .fetch_all(self.read_pool())
            .await?;
        let mut cells: BTreeMap<(String, Category), Counters> = BTreeMap::new();
        for row in &rows {
            let text = |name: &str| -> Result<String> { Ok(row.try_get(name)?) };
            let bad =
                |what: &str, value: &str| StoreError::Corrupt(format!("统计中的{what}“{value}”无法解读"));
            let category = text("category")?;
            let status = text("status")?;
            let outcome: Option<String> = row.try_get("outcome")?;
            let facts = EventFacts {
                status: Status::from_key(&status).ok_or_else(|| bad("状态", &status))?,
                category: Category::parse(&category).ok_or_else(|| bad("类别", &category))?,
                drill: false,
                on_time_steps: row.try_get("on_time_steps")?,
                late_steps: row.try_get("late_steps")?,
                outcome: match outcome {
                    None => None,
                    Some(o) => Some(Outcome::from_key(&o).ok_or_else(|| bad("结案结果", &o))?),
                },
            };
            cells
                .entry((text("grid_code")?, facts.category))
                .or_default()
                .count_many(&facts, row.try_get("events")?);
        }
        Ok(cells.into_iter().map(|((grid, category), counters)| Cell { grid, category, counters }).collect())
    }
}

impl Store {
    /// Reminders, supervision and send-backs of the events reported in `[from, to)`, and the open events
    /// overdue at `now`; drills excluded.
    pub async fn loop_counts(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<redgrid_core::stats::LoopCounts> {
        let row = sqlx::query(
            // SUM of a BIGINT is NUMERIC on PostgreSQL, which the Any driver cannot read: cast it back.
            "SELECT CAST(COALESCE(SUM(reminders), 0) AS BIGINT) AS reminders, \
             CAST(COALESCE(SUM(supervisions), 0) AS BIGINT) AS supervisions, \
             CAST(COALESCE(SUM(send_backs), 0) AS BIGINT) AS send_backs FROM events \
             WHERE drill = 0 AND reported_at >= $1 AND reported_at < $2",
        )
        .bind(to_millis(from))
        .bind(to_millis(to))
        .fetch_one(self.read_pool())
        .await?;
        let overdue_open: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM events WHERE is_open = 1 AND drill = 0 AND due_at IS NOT NULL AND due_at < $1",
        )
        .bind(to_millis(now))
        .fetch_one(self.read_pool())
        .await?;
        let sum = |name: &str| -> Result<i64> { Ok(row.try_get::<i64, _>(name)?) };
        Ok(redgrid_core::stats::LoopCounts {
            reminders: sum("reminders")?,
            supervisions: sum("supervisions")?,
            send_backs: sum("send_backs")?,
            overdue_open,
        })
    }

    /// Per worker, the tasks dispatched in `[from, to)` on real (not drill) events, counted by the core's
    /// definitions. Workers without tasks are absent.
    pub async fn worker_stats(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<BTreeMap<String, redgrid_core::stats::WorkerCounters>> {
        let rows = sqlx::query(
            "SELECT t.worker_id, t.ack_due_at, t.acked_at, t.arrived_at, t.done_at, t.no_ack_at \
             FROM dispatch_tasks t JOIN events e ON e.id = t.event_id \
             WHERE e.drill = 0 AND t.dispatched_at >= $1 AND t.dispatched_at < $2",
        )
        .bind(to_millis(from))
        .bind(to_millis(to))
        .fetch_all(self.read_pool())
        .await?;
        let mut out: BTreeMap<String, redgrid_core::stats::WorkerCounters> = BTreeMap::new();
        for row in &rows {
            let acked: Option<i64> = row.try_get("acked_at")?;
            let due: i64 = row.try_get("ack_due_at")?;
            let facts = redgrid_core::stats::TaskFacts {
                acknowledged: acked.is_some(),
                acknowledged_in_time: acked.is_some_and(|at| at <= due),
                arrived: row.try_get::<Option<i64>, _>("arrived_at")?.is_some(),
                done: row.try_get::<Option<i64>, _>("done_at")?.is_some(),
                not_acknowledged: row.try_get::<Option<i64>, _>("no_ack_at")?.is_some(),
            };
            out.entry(row.try_get("worker_id")?).or_default().count(&facts);
        }
        Ok(out)
    }
}
