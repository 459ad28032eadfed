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
