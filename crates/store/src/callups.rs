//! Call-ups (叫应) and the people called: their calls, their latest answer, and whose backup they are.

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::registers::Cell;
use crate::{from_millis, to_millis, FeedEntity, Result, Store, WriteTx};

#[derive(Debug, Clone, PartialEq)]
pub struct CallupRow {
    pub id: String,
    pub started_at: DateTime<Utc>,
    pub started_by_id: String,
    pub started_by_name: String,
    pub reason: String,
    /// The selection in words, for the board's header and the audit record.
    pub selection: String,
    pub reply_by: DateTime<Utc>,
    pub drill_id: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// One person called.
#[derive(Debug, Clone, PartialEq)]
pub struct CallupPerson {
    pub callup_id: String,
    pub worker_id: String,
    pub village_code: String,
    pub force_group: String,
    /// The silent worker this one backs up.
    pub backup_for: Option<String>,
    pub calls: i64,
    pub first_called_at: DateTime<Utc>,
    pub last_called_at: DateTime<Utc>,
    /// This person's backup has been called.
    pub backup_called: bool,
    /// `silent`, `available` or `unavailable`.
    pub state: String,
    pub answered_at: Option<DateTime<Utc>>,
    /// `terminal`, `phone`, `in_person`, `radio`.
    pub channel: Option<String>,
    pub note: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

const CALLUP_COLUMNS: &str =
    "id, started_at, started_by_id, started_by_name, reason, selection, reply_by, drill_id, closed_at";
const PERSON_COLUMNS: &str =
    "callup_id, worker_id, village_code, force_group, backup_for, calls, first_called_at, \
     last_called_at, backup_called, state, answered_at, channel, note, lat, lon";

fn decode_callup(r: &sqlx::any::AnyRow) -> Result<CallupRow> {
    Ok(CallupRow {
        id: r.try_get("id")?,
        started_at: from_millis(r.try_get("started_at")?),
        started_by_id: r.try_get("started_by_id")?,
        started_by_name: r.try_get("started_by_name")?,
        reason: r.try_get("reason")?,
        selection: r.try_get("selection")?,
        reply_by: from_millis(r.try_get("reply_by")?),
        drill_id: r.try_get("drill_id")?,
        closed_at: r.try_get::<Option<i64>, _>("closed_at")?.map(from_millis),
    })
}

fn decode_person(r: &sqlx::any::AnyRow) -> Result<CallupPerson> {
    Ok(CallupPerson {
        callup_id: r.try_get("callup_id")?,
        worker_id: r.try_get("worker_id")?,
        village_code: r.try_get("village_code")?,
        force_group: r.try_get("force_group")?,
        backup_for: r.try_get("backup_for")?,
        calls: r.try_get("calls")?,
        first_called_at: from_millis(r.try_get("first_called_at")?),
        last_called_at: from_millis(r.try_get("last_called_at")?),
        backup_called: r.try_get::<i64, _>("backup_called")? != 0,
        state: r.try_get("state")?,
        answered_at: r.try_get::<Option<i64>, _>("answered_at")?.map(from_millis),
        channel: r.try_get("channel")?,
        note: r.try_get("note")?,
        lat: r.try_get("lat")?,
        lon: r.try_get("lon")?,
    })
}

fn person_cells(p: &CallupPerson) -> Vec<Cell> {
    vec![
        Cell::Text(p.callup_id.clone()),
        Cell::Text(p.worker_id.clone()),
        Cell::Text(p.village_code.clone()),
        Cell::Text(p.force_group.clone()),
        Cell::NullableText(p.backup_for.clone()),
        Cell::Int(p.calls),
        Cell::Int(to_millis(p.first_called_at)),
        Cell::Int(to_millis(p.last_called_at)),
        Cell::Int(i64::from(p.backup_called)),
        Cell::Text(p.state.clone()),
        Cell::NullableInt(p.answered_at.map(to_millis)),
        Cell::NullableText(p.channel.clone()),
        Cell::Text(p.note.clone()),
        Cell::NullableReal(p.lat),
        Cell::NullableReal(p.lon),
    ]
}

impl Store {
    pub async fn callup(&self, id: &str) -> Result<Option<CallupRow>> {
        let sql = format!("SELECT {CALLUP_COLUMNS} FROM callups WHERE id = $1");
        sqlx::query(&sql)
            .bind(id)
            .fetch_optional(self.read_pool())
            .await?
            .as_ref()
            .map(decode_callup)
            .transpose()
    }

    /// Call-ups started since `from`, newest first.
    pub async fn callups_since(&self, from: DateTime<Utc>) -> Result<Vec<CallupRow>> {
        let sql =
            format!("SELECT {CALLUP_COLUMNS} FROM callups WHERE started_at >= $1 ORDER BY started_at DESC");
        sqlx::query(&sql)
            .bind(to_millis(from))
            .fetch_all(self.read_pool())
            .await?
            .iter()
            .map(decode_callup)
            .collect()
    }

    pub async fn callup_people(&self, id: &str) -> Result<Vec<CallupPerson>> {
        let sql = format!("SELECT {PERSON_COLUMNS} FROM callup_people WHERE callup_id = $1 ORDER BY village_code, worker_id");
        sqlx::query(&sql).bind(id).fetch_all(self.read_pool()).await?.iter().map(decode_person).collect()
    }

    /// Silent people of open call-ups last called at or before `called_before`: they are called again.
    pub async fn callup_recalls_due(&self, called_before: DateTime<Utc>) -> Result<Vec<CallupPerson>> {
        let sql = format!(
            "SELECT {PERSON_COLUMNS} FROM callup_people WHERE state = 'silent' AND last_called_at <= $1 \
             AND callup_id IN (SELECT id FROM callups WHERE closed_at IS NULL) ORDER BY callup_id, worker_id"
        );
        sqlx::query(&sql)
            .bind(to_millis(called_before))
            .fetch_all(self.read_pool())
            .await?
            .iter()
            .map(decode_person)
            .collect()
    }

    /// Silent people of open call-ups first called at or before `called_before` whose backup has not been
    /// called yet.
    pub async fn callup_backups_due(&self, called_before: DateTime<Utc>) -> Result<Vec<CallupPerson>> {
        let sql = format!(
            "SELECT {PERSON_COLUMNS} FROM callup_people WHERE state = 'silent' AND backup_called = 0 \
             AND first_called_at <= $1 AND callup_id IN (SELECT id FROM callups WHERE closed_at IS NULL) \
             ORDER BY callup_id, worker_id"
        );
        sqlx::query(&sql)
            .bind(to_millis(called_before))
            .fetch_all(self.read_pool())
            .await?
            .iter()
            .map(decode_person)
            .collect()
    }

    /// Workers who answered "available" to a call-up still open (drills aside): the extra cover of a level
    /// with 24-hour demand.
    pub async fn called_up_available(&self) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT DISTINCT p.worker_id FROM callup_people p JOIN callups c ON c.id = p.callup_id \
             WHERE c.closed_at IS NULL AND c.drill_id IS NULL AND p.state = 'available'",
        )
        .fetch_all(self.read_pool())
        .await?;
        rows.iter().map(|r| Ok(r.try_get("worker_id")?)).collect()
    }

    /// Each worker's named backup (备岗人员), for those who have one.
    pub async fn worker_backups(&self) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query("SELECT id, backup_worker_id FROM workers WHERE backup_worker_id IS NOT NULL AND backup_worker_id <> ''")
            .fetch_all(self.read_pool())
            .await?;
        rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("backup_worker_id")?))).collect()
    }
}

impl WriteTx {
    pub async fn insert_callup(&mut self, callup: &CallupRow, people: &[CallupPerson]) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO callups ({CALLUP_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(&callup.id)
        .bind(to_millis(callup.started_at))
        .bind(&callup.started_by_id)
        .bind(&callup.started_by_name)
        .bind(&callup.reason)
        .bind(&callup.selection)
        .bind(to_millis(callup.reply_by))
        .bind(&callup.drill_id)
        .bind(callup.closed_at.map(to_millis))
        .execute(&mut *self.tx)
        .await?;
        self.add_callup_people(people).await?;
        self.append_feed(callup.started_at, FeedEntity::Callup, &callup.id, "started", 0).await?;
        Ok(())
    }

    pub async fn add_callup_people(&mut self, people: &[CallupPerson]) -> Result<()> {
        let columns: Vec<&str> = PERSON_COLUMNS.split(',').map(str::trim).collect();
        let rows: Vec<Vec<Cell>> = people.iter().map(person_cells).collect();
        self.insert_rows("callup_people", &columns, &rows, "ON CONFLICT (callup_id, worker_id) DO NOTHING")
            .await
    }

    pub async fn callup(&mut self, id: &str) -> Result<Option<CallupRow>> {
        let sql = format!("SELECT {CALLUP_COLUMNS} FROM callups WHERE id = $1");
        sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?
            .as_ref()
            .map(decode_callup)
            .transpose()
    }

    pub async fn callup_person(&mut self, id: &str, worker_id: &str) -> Result<Option<CallupPerson>> {
        let sql =
            format!("SELECT {PERSON_COLUMNS} FROM callup_people WHERE callup_id = $1 AND worker_id = $2");
        sqlx::query(&sql)
            .bind(id)
            .bind(worker_id)
            .fetch_optional(&mut *self.tx)
            .await?
            .as_ref()
            .map(decode_person)
            .transpose()
    }

    /// Records a person's latest answer, with its feed entry.
    pub async fn answer_callup(&mut self, p: &CallupPerson) -> Result<()> {
        sqlx::query(
            "UPDATE callup_people SET state = $3, answered_at = $4, channel = $5, note = $6, lat = $7, lon = $8 \
             WHERE callup_id = $1 AND worker_id = $2",
        )
        .bind(&p.callup_id)
        .bind(&p.worker_id)
        .bind(&p.state)
        .bind(p.answered_at.map(to_millis))
        .bind(&p.channel)
        .bind(&p.note)
        .bind(p.lat)
        .bind(p.lon)
        .execute(&mut *self.tx)
        .await?;
        let at = p.answered_at.unwrap_or(p.last_called_at);
        self.append_feed(at, FeedEntity::Callup, &p.callup_id, "answered", 0).await?;
        Ok(())
    }

    /// One more call to a silent person.
    pub async fn recall(&mut self, id: &str, worker_id: &str, at: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "UPDATE callup_people SET calls = calls + 1, last_called_at = $3 \
             WHERE callup_id = $1 AND worker_id = $2 AND state = 'silent'",
        )
        .bind(id)
        .bind(worker_id)
        .bind(to_millis(at))
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub async fn mark_backup_called(&mut self, id: &str, worker_id: &str) -> Result<()> {
        sqlx::query("UPDATE callup_people SET backup_called = 1 WHERE callup_id = $1 AND worker_id = $2")
            .bind(id)
            .bind(worker_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    pub async fn close_callup(&mut self, id: &str, at: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE callups SET closed_at = $2 WHERE id = $1 AND closed_at IS NULL")
            .bind(id)
            .bind(to_millis(at))
            .execute(&mut *self.tx)
            .await?;
        self.append_feed(at, FeedEntity::Callup, id, "closed", 0).await?;
        Ok(())
    }

    pub async fn set_worker_backup(&mut self, worker_id: &str, backup: Option<&str>) -> Result<()> {
        sqlx::query("UPDATE workers SET backup_worker_id = $2 WHERE id = $1")
            .bind(worker_id)
            .bind(backup)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}
