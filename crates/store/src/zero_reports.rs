//! Zero reports (零报告): each report as it arrived, with the facts the station knew at that moment, and the
//! reminders sent for missed periods (one per village and period, whichever station sends it).
//!
//! The facts of a village are counted here in one statement — events new since a time and open now (drills
//! apart), alerts from its cameras waiting for triage, terminals offline there — so the prefill the officer
//! sees and the facts a report is checked against are the same query, read or under the write lock.

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::{from_millis, to_millis, FeedEntity, Result, Store, WriteTx};

/// What the loop knows of a village.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VillageFacts {
    /// Events reported in the village since the time asked for.
    pub new_events: i64,
    /// Events open there now.
    pub open_events: i64,
    /// Alerts from the village's cameras that wait for triage.
    pub untriaged_alerts: i64,
    /// Terminals of workers whose home grid is in the village, last known offline.
    pub offline_terminals: i64,
}

/// One zero report.
#[derive(Debug, Clone, PartialEq)]
pub struct ZeroReportRecord {
    /// 0 until stored.
    pub id: i64,
    pub village_code: String,
    /// The response level it was owed under.
    pub level_key: String,
    /// The start of the period it covers: the one in which it arrived.
    pub period_start: DateTime<Utc>,
    pub reported_at: DateTime<Utc>,
    /// The terminal's own time, when it came from one.
    pub sent_at: Option<DateTime<Utc>>,
    pub msg_id: Option<String>,
    pub by_id: String,
    pub by_name: String,
    /// `terminal`, or how the officer took it: `phone`, `in_person`, `radio`.
    pub channel: String,
    pub new_events: i64,
    pub open_events: i64,
    pub note: String,
    /// Since when `facts.new_events` counts: the village's previous report, or the start of the response.
    pub facts_since: DateTime<Utc>,
    pub facts: VillageFacts,
    pub contradicted: bool,
}

const COLUMNS: &str = "id, village_code, level_key, period_start, reported_at, sent_at, msg_id, by_id, by_name, \
     channel, new_events, open_events, note, facts_since, facts_new, facts_open, facts_alerts, facts_offline, \
     contradicted";

fn decode(r: &sqlx::any::AnyRow) -> Result<ZeroReportRecord> {
    Ok(ZeroReportRecord {
        id: r.try_get("id")?,
        village_code: r.try_get("village_code")?,
        level_key: r.try_get("level_key")?,
        period_start: from_millis(r.try_get("period_start")?),
        reported_at: from_millis(r.try_get("reported_at")?),
        sent_at: r.try_get::<Option<i64>, _>("sent_at")?.map(from_millis),
        msg_id: r.try_get("msg_id")?,
        by_id: r.try_get("by_id")?,
        by_name: r.try_get("by_name")?,
        channel: r.try_get("channel")?,
        new_events: r.try_get("new_events")?,
        open_events: r.try_get("open_events")?,
        note: r.try_get("note")?,
        facts_since: from_millis(r.try_get("facts_since")?),
        facts: VillageFacts {
            new_events: r.try_get("facts_new")?,
            open_events: r.try_get("facts_open")?,
            untriaged_alerts: r.try_get("facts_alerts")?,
            offline_terminals: r.try_get("facts_offline")?,
        },
        contradicted: r.try_get::<i64, _>("contradicted")? != 0,
    })
}

/// Grid codes extend their village's code, so "in the village" is a prefix match; village codes are
/// digits (checked by the caller), so nothing in them means anything to LIKE.
const FACTS: &str = "SELECT \
     (SELECT COUNT(*) FROM events WHERE village_code = $1 AND drill = 0 AND reported_at >= $2) AS new_events, \
     (SELECT COUNT(*) FROM events WHERE village_code = $1 AND drill = 0 AND is_open = 1) AS open_events, \
     (SELECT COUNT(*) FROM camera_alerts WHERE status = 'new' AND camera_id IS NOT NULL AND grid_code LIKE $3) \
        AS untriaged_alerts, \
     (SELECT COUNT(*) FROM workers WHERE home_grid LIKE $3 AND terminal_state = 'offline') AS offline_terminals";

async fn facts<'e, E>(executor: E, village: &str, since: DateTime<Utc>) -> Result<VillageFacts>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(FACTS)
        .bind(village)
        .bind(to_millis(since))
        .bind(format!("{village}%"))
        .fetch_one(executor)
        .await?;
    Ok(VillageFacts {
        new_events: row.try_get("new_events")?,
        open_events: row.try_get("open_events")?,
        untriaged_alerts: row.try_get("untriaged_alerts")?,
        offline_terminals: row.try_get("offline_terminals")?,
    })
}

async fn latest<'e, E>(executor: E, village: Option<&str>) -> Result<Vec<ZeroReportRecord>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!(
        "SELECT {COLUMNS} FROM zero_reports WHERE id IN \
         (SELECT MAX(id) FROM zero_reports WHERE ($1 = '' OR village_code = $1) GROUP BY village_code) \
         ORDER BY village_code"
    );
    sqlx::query(&sql).bind(village.unwrap_or("")).fetch_all(executor).await?.iter().map(decode).collect()
}

impl Store {
    /// What the loop knows of `village`, with events counted as new from `since`.
    pub async fn village_facts(&self, village: &str, since: DateTime<Utc>) -> Result<VillageFacts> {
        facts(self.read_pool(), village, since).await
    }

    /// Each village's latest report, by village code.
    pub async fn latest_zero_reports(&self) -> Result<Vec<ZeroReportRecord>> {
        latest(self.read_pool(), None).await
    }

    /// The village's latest report.
    pub async fn latest_zero_report(&self, village: &str) -> Result<Option<ZeroReportRecord>> {
        Ok(latest(self.read_pool(), Some(village)).await?.pop())
    }

    /// Reports received since `from`, oldest first (the emergency period's compliance).
    pub async fn zero_reports_since(&self, from: DateTime<Utc>) -> Result<Vec<ZeroReportRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM zero_reports WHERE reported_at >= $1 ORDER BY id");
        sqlx::query(&sql)
            .bind(to_millis(from))
            .fetch_all(self.read_pool())
            .await?
            .iter()
            .map(decode)
            .collect()
    }

    /// The villages whose grid leaders were reminded of the period starting at `period_start`, by code:
    /// one read for the watchdog's every round, however many villages are missing.
    pub async fn zero_report_reminded(&self, period_start: DateTime<Utc>) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT village_code FROM zero_report_reminders WHERE period_start = $1 ORDER BY village_code",
        )
        .bind(to_millis(period_start))
        .fetch_all(self.read_pool())
        .await?;
        rows.iter().map(|r| Ok(r.try_get("village_code")?)).collect()
    }
}

impl WriteTx {
    /// [`Store::village_facts`] under the write lock: the facts a report is checked against are those in
    /// force when it is stored.
    pub async fn village_facts(&mut self, village: &str, since: DateTime<Utc>) -> Result<VillageFacts> {
        facts(&mut *self.tx, village, since).await
    }

    pub async fn latest_zero_report(&mut self, village: &str) -> Result<Option<ZeroReportRecord>> {
        Ok(latest(&mut *self.tx, Some(village)).await?.pop())
    }

    /// Stores a report with its feed entry (`reported`, or `contradicted` when flagged); returns its id.
    pub async fn insert_zero_report(&mut self, r: &ZeroReportRecord) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO zero_reports (village_code, level_key, period_start, reported_at, sent_at, msg_id, by_id, \
             by_name, channel, new_events, open_events, note, facts_since, facts_new, facts_open, facts_alerts, \
             facts_offline, contradicted) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id",
        )
        .bind(&r.village_code)
        .bind(&r.level_key)
        .bind(to_millis(r.period_start))
        .bind(to_millis(r.reported_at))
        .bind(r.sent_at.map(to_millis))
        .bind(&r.msg_id)
        .bind(&r.by_id)
        .bind(&r.by_name)
        .bind(&r.channel)
        .bind(r.new_events)
        .bind(r.open_events)
        .bind(&r.note)
        .bind(to_millis(r.facts_since))
        .bind(r.facts.new_events)
        .bind(r.facts.open_events)
        .bind(r.facts.untriaged_alerts)
        .bind(r.facts.offline_terminals)
        .bind(i64::from(r.contradicted))
        .fetch_one(&mut *self.tx)
        .await?;
        let id: i64 = row.try_get("id")?;
        let change = if r.contradicted { "contradicted" } else { "reported" };
        self.append_feed(r.reported_at, FeedEntity::ZeroReport, &r.village_code, change, id).await?;
        Ok(id)
    }

    /// Records that the village's grid leaders were reminded of a missed period, with its feed entry;
    /// `false` (and nothing written) when another station reminded them first.
    pub async fn insert_zero_report_reminder(
        &mut self,
        village: &str,
        period_start: DateTime<Utc>,
        due_at: DateTime<Utc>,
        workers: &[String],
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let inserted = sqlx::query(
            "INSERT INTO zero_report_reminders (village_code, period_start, due_at, reminded_at, workers) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (village_code, period_start) DO NOTHING",
        )
        .bind(village)
        .bind(to_millis(period_start))
        .bind(to_millis(due_at))
        .bind(to_millis(at))
        .bind(workers.join(","))
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Ok(false);
        }
        self.append_feed(at, FeedEntity::ZeroReport, village, "reminded", 0).await?;
        Ok(true)
    }
}
