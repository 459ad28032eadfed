//! Drills and their injects: the scenario as the commissioner wrote it, the drill's state and speed, and each
//! inject's planned offset, injection time and the event it became.

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::{from_millis, to_millis, FeedEntity, Result, Store, WriteTx};

/// How a 失联 inject's record begins; the worker's id follows.
pub const UNREACHABLE_PREFIX: &str = "失联：";

#[derive(Debug, Clone, PartialEq)]
pub struct DrillRow {
    pub id: String,
    pub title: String,
    /// The scenario as CSV (`redgrid_drill::Scenario::to_csv`), kept for the after-action report.
    pub scenario: String,
    /// `running`, `paused`, `stopped`, `finished`, `archived`.
    pub state: String,
    pub speed: i64,
    pub started_at: DateTime<Utc>,
    pub started_by_id: String,
    pub started_by_name: String,
    pub paused_at: Option<DateTime<Utc>>,
    /// Time spent paused before the current pause, which the injects' schedule skips.
    pub paused_ms: i64,
    pub ended_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InjectRow {
    pub drill_id: String,
    pub seq: i64,
    pub kind: String,
    pub village_code: String,
    pub planned_offset_ms: i64,
    pub injected_at: Option<DateTime<Utc>>,
    pub event_id: Option<i64>,
    /// What was sent: the topic, a call-up's id, a skipped inject's reason.
    pub detail: String,
}

const DRILL_COLUMNS: &str = "id, title, scenario, state, speed, started_at, started_by_id, started_by_name, \
     paused_at, paused_ms, ended_at";
const INJECT_COLUMNS: &str =
    "drill_id, seq, kind, village_code, planned_offset_ms, injected_at, event_id, detail";

fn decode_drill(r: &sqlx::any::AnyRow) -> Result<DrillRow> {
    Ok(DrillRow {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        scenario: r.try_get("scenario")?,
        state: r.try_get("state")?,
        speed: r.try_get("speed")?,
        started_at: from_millis(r.try_get("started_at")?),
        started_by_id: r.try_get("started_by_id")?,
        started_by_name: r.try_get("started_by_name")?,
        paused_at: r.try_get::<Option<i64>, _>("paused_at")?.map(from_millis),
        paused_ms: r.try_get("paused_ms")?,
        ended_at: r.try_get::<Option<i64>, _>("ended_at")?.map(from_millis),
    })
}

fn decode_inject(r: &sqlx::any::AnyRow) -> Result<InjectRow> {
    Ok(InjectRow {
        drill_id: r.try_get("drill_id")?,
        seq: r.try_get("seq")?,
        kind: r.try_get("kind")?,
        village_code: r.try_get("village_code")?,
        planned_offset_ms: r.try_get("planned_offset_ms")?,
        injected_at: r.try_get::<Option<i64>, _>("injected_at")?.map(from_millis),
        event_id: r.try_get("event_id")?,
        detail: r.try_get("detail")?,
    })
}

impl Store {
    pub async fn drill(&self, id: &str) -> Result<Option<DrillRow>> {
        let sql = format!("SELECT {DRILL_COLUMNS} FROM drills WHERE id = $1");
        sqlx::query(&sql)
            .bind(id)
            .fetch_optional(self.read_pool())
            .await?
            .as_ref()
            .map(decode_drill)
            .transpose()
    }

    /// Every drill, newest first.
    pub async fn drills(&self) -> Result<Vec<DrillRow>> {
        let sql = format!("SELECT {DRILL_COLUMNS} FROM drills ORDER BY started_at DESC, id DESC");
        sqlx::query(&sql).fetch_all(self.read_pool()).await?.iter().map(decode_drill).collect()
    }

    /// The drill running or paused now, if one is: every station shows it.
    pub async fn live_drill(&self) -> Result<Option<DrillRow>> {
        let sql = format!("SELECT {DRILL_COLUMNS} FROM drills WHERE state IN ('running', 'paused') LIMIT 1");
        sqlx::query(&sql).fetch_optional(self.read_pool()).await?.as_ref().map(decode_drill).transpose()
    }

    /// The workers a running or paused drill has declared unreachable (失联) so far: simulated terminals stay
    /// silent for them.
    pub async fn unreachable_in_live_drill(&self) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT i.detail FROM drill_injects i JOIN drills d ON d.id = i.drill_id \
             WHERE d.state IN ('running', 'paused') AND i.kind = 'unreachable' AND i.injected_at IS NOT NULL",
        )
        .fetch_all(self.read_pool())
        .await?;
        let mut workers = Vec::new();
        for r in &rows {
            let detail: String = r.try_get("detail")?;
            if let Some(id) =
                detail.strip_prefix(UNREACHABLE_PREFIX).map(str::trim).filter(|id| !id.is_empty())
            {
                workers.push(id.to_string());
            }
        }
        Ok(workers)
    }

    pub async fn drill_injects(&self, id: &str) -> Result<Vec<InjectRow>> {
        let sql = format!("SELECT {INJECT_COLUMNS} FROM drill_injects WHERE drill_id = $1 ORDER BY seq");
        sqlx::query(&sql).bind(id).fetch_all(self.read_pool()).await?.iter().map(decode_inject).collect()
    }

    /// Stations whose newest presence on the feed is `online`, newest first.
    pub async fn stations_online(&self) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT entity_id, change FROM change_feed WHERE entity = 'station' AND change IN ('online', 'offline') \
             ORDER BY seq DESC LIMIT 1000",
        )
        .fetch_all(self.read_pool())
        .await?;
        let mut seen = std::collections::HashSet::new();
        let mut online = Vec::new();
        for r in &rows {
            let id: String = r.try_get("entity_id")?;
            let change: String = r.try_get("change")?;
            if seen.insert(id.clone()) && change == "online" {
                online.push(id);
            }
        }
        Ok(online)
    }
}

impl WriteTx {
    pub async fn drill(&mut self, id: &str) -> Result<Option<DrillRow>> {
        let sql = format!("SELECT {DRILL_COLUMNS} FROM drills WHERE id = $1");
        sqlx::query(&sql).bind(id).fetch_optional(&mut *self.tx).await?.as_ref().map(decode_drill).transpose()
    }

    /// The drill running or paused now, if one is.
    pub async fn live_drill(&mut self) -> Result<Option<DrillRow>> {
        let sql = format!("SELECT {DRILL_COLUMNS} FROM drills WHERE state IN ('running', 'paused') LIMIT 1");
        sqlx::query(&sql).fetch_optional(&mut *self.tx).await?.as_ref().map(decode_drill).transpose()
    }

    pub async fn insert_drill(&mut self, d: &DrillRow, injects: &[InjectRow]) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO drills ({DRILL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        ))
        .bind(&d.id)
        .bind(&d.title)
        .bind(&d.scenario)
        .bind(&d.state)
        .bind(d.speed)
        .bind(to_millis(d.started_at))
        .bind(&d.started_by_id)
        .bind(&d.started_by_name)
        .bind(d.paused_at.map(to_millis))
        .bind(d.paused_ms)
        .bind(d.ended_at.map(to_millis))
        .execute(&mut *self.tx)
        .await?;
        for i in injects {
            sqlx::query(&format!(
                "INSERT INTO drill_injects ({INJECT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            ))
            .bind(&i.drill_id)
            .bind(i.seq)
            .bind(&i.kind)
            .bind(&i.village_code)
            .bind(i.planned_offset_ms)
            .bind(i.injected_at.map(to_millis))
            .bind(i.event_id)
            .bind(&i.detail)
            .execute(&mut *self.tx)
            .await?;
        }
        self.append_feed(d.started_at, FeedEntity::Drill, &d.id, "started", 0).await?;
        Ok(())
    }

    /// Writes a drill's state, pause bookkeeping and end, with its feed entry.
    pub async fn update_drill(&mut self, d: &DrillRow, change: &str, at: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "UPDATE drills SET state = $2, paused_at = $3, paused_ms = $4, ended_at = $5 WHERE id = $1",
        )
        .bind(&d.id)
        .bind(&d.state)
        .bind(d.paused_at.map(to_millis))
        .bind(d.paused_ms)
        .bind(d.ended_at.map(to_millis))
        .execute(&mut *self.tx)
        .await?;
        self.append_feed(at, FeedEntity::Drill, &d.id, change, 0).await?;
        Ok(())
    }

    /// Marks an inject as sent; `false` when it already was (two injectors must not send it twice).
    pub async fn mark_injected(
        &mut self,
        drill_id: &str,
        seq: i64,
        at: DateTime<Utc>,
        detail: &str,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE drill_injects SET injected_at = $3, detail = $4 WHERE drill_id = $1 AND seq = $2 AND injected_at IS NULL",
        )
        .bind(drill_id)
        .bind(seq)
        .bind(to_millis(at))
        .bind(detail)
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        if done > 0 {
            self.append_feed(at, FeedEntity::Drill, drill_id, "injected", seq).await?;
        }
        Ok(done > 0)
    }

    /// Links an inject to the event it became.
    pub async fn link_inject(&mut self, drill_id: &str, seq: i64, event_id: i64) -> Result<()> {
        sqlx::query(
            "UPDATE drill_injects SET event_id = $3 WHERE drill_id = $1 AND seq = $2 AND event_id IS NULL",
        )
        .bind(drill_id)
        .bind(seq)
        .bind(event_id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// The earliest hotline inject in `village` still waiting for the officer's event, of a drill not stopped
    /// (a finished one has all its injects in, and the officers are still at work on them).
    pub async fn waiting_hotline(&mut self, village_code: &str) -> Result<Option<(String, i64)>> {
        let row = sqlx::query(
            "SELECT i.drill_id, i.seq FROM drill_injects i JOIN drills d ON d.id = i.drill_id \
             WHERE d.state IN ('running', 'paused', 'finished') AND i.kind = 'hotline' AND i.injected_at IS NOT NULL \
             AND i.event_id IS NULL AND i.village_code = $1 ORDER BY i.injected_at, i.seq LIMIT 1",
        )
        .bind(village_code)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.map(|r| Ok((r.try_get("drill_id")?, r.try_get("seq")?))).transpose()
    }

    /// Tags an event with the drill that created it, in the transaction that created it.
    pub async fn set_event_drill(&mut self, event_id: i64, drill_id: &str) -> Result<()> {
        sqlx::query("UPDATE events SET drill_id = $2 WHERE id = $1")
            .bind(event_id)
            .bind(drill_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}
