//! The statistics counters of `redgrid_core::stats`, computed in SQL per (grid, category).
//!
//! Each expression below is the SQL form of one line of `Counters::count`; the conformance tests compare
//! the two on the same events.

use chrono::{DateTime, Utc};
use redgrid_core::event::{Category, Step};
use redgrid_core::stats::{Cell, Counters};
use sqlx::Row;

use crate::{to_millis, Result, Store, StoreError};

const VALID: &str = "status NOT IN ('rejected', 'merged', 'voided')";
const HANDLED: &str = "status IN ('handled', 'verified', 'closed', 'escalated')";

fn sum_if(condition: &str, alias: &str) -> String {
    format!("CAST(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END) AS BIGINT) AS {alias}")
}

fn counters_sql() -> String {
    let mut columns = vec![
        "grid_code".to_string(),
        "category".to_string(),
        "COUNT(*) AS reported".to_string(),
        sum_if(VALID, "valid"),
        sum_if(&format!("{VALID} AND {HANDLED}"), "handled"),
        sum_if("status = 'closed'", "closed"),
    ];
    for step in Step::ALL {
        let bit = step.bit();
        columns.push(sum_if(
            &format!("{VALID} AND ((on_time_steps | late_steps) & {bit}) <> 0"),
            &format!("done_{}", step.key()),
        ));
        columns
            .push(sum_if(&format!("{VALID} AND (late_steps & {bit}) <> 0"), &format!("late_{}", step.key())));
    }
    columns
        .push(sum_if("status = 'closed' AND category LIKE 'dispute.%' AND outcome = 'mediated'", "mediated"));
    columns.push(sum_if(
        "status = 'closed' AND category LIKE 'dispute.%' AND outcome = 'mediation_failed'",
        "mediation_failed",
    ));
    format!(
        "SELECT {} FROM events WHERE drill = 0 AND reported_at >= $1 AND reported_at < $2 GROUP BY grid_code, category",
        columns.join(", ")
    )
}

impl Store {
    /// Counters per (grid, category) of the events reported in `[from, to)`, drills excluded.
    pub async fn stats_cells(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Cell>> {
        let rows = sqlx::query(&counters_sql())
            .bind(to_millis(from))
            .bind(to_millis(to))
            .fetch_all(self.read_pool())
            .await?;
        rows.iter()
            .map(|row| {
                let category: String = row.try_get("category")?;
                let mut counters = Counters {
                    reported: row.try_get("reported")?,
                    valid: row.try_get("valid")?,
                    handled: row.try_get("handled")?,
                    closed: row.try_get("closed")?,
                    disputes_mediated: row.try_get("mediated")?,
                    disputes_mediation_failed: row.try_get("mediation_failed")?,
                    ..Counters::default()
                };
                for (i, step) in Step::ALL.into_iter().enumerate() {
                    counters.step_done[i] = row.try_get(format!("done_{}", step.key()).as_str())?;
                    counters.step_late[i] = row.try_get(format!("late_{}", step.key()).as_str())?;
                }
                Ok(Cell {
                    grid: row.try_get("grid_code")?,
                    category: Category::parse(&category)
                        .ok_or_else(|| StoreError::Corrupt(format!("事件类别 {category} 无法解读")))?,
                    counters,
                })
            })
            .collect()
    }
}
