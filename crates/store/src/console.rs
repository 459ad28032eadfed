//! What the desktop console reads beyond the queue and the registers: the duty log of a shift, worker and
//! camera positions, worker search, the alerts attached to an event, and the plain values behind masked
//! numbers (read inside the transaction that audits the reading).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::audit::{decode_record, SELECT_AUDIT};
use crate::sql::{like_escape, Bind, Where};
use crate::{from_millis, to_millis, AuditRecord, Result, Store, WriteTx};

/// A worker on the map.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerPosition {
    pub id: String,
    pub name: String,
    pub employment: String,
    pub home_grid: String,
    pub on_duty: bool,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub located_at: Option<DateTime<Utc>>,
    /// Tasks neither done nor cancelled.
    pub active_tasks: i64,
}

impl Store {
    /// Audit records written at `station` since `since`, newest first.
    pub async fn station_audit_since(
        &self,
        station: &str,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<AuditRecord>> {
        let rows = sqlx::query(&format!(
            "{SELECT_AUDIT} WHERE station = $1 AND at >= $2 ORDER BY seq DESC LIMIT $3"
        ))
        .bind(station)
        .bind(to_millis(since))
        .bind(limit)
        .fetch_all(self.read_pool())
        .await?;
        rows.iter().map(decode_record).collect()
    }

    /// How many audit records one person wrote at `station` since `since`.
    pub async fn count_acts_since(&self, actor_id: &str, station: &str, since: DateTime<Utc>) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE actor_id = $1 AND station = $2 AND at >= $3",
        )
        .bind(actor_id)
        .bind(station)
        .bind(to_millis(since))
        .fetch_one(self.read_pool())
        .await?)
    }

    /// The newest audit record of a command (e.g. the last `switch_mode`).
    pub async fn latest_audit_of(&self, command: &str) -> Result<Option<AuditRecord>> {
        let row = sqlx::query(&format!("{SELECT_AUDIT} WHERE command = $1 ORDER BY seq DESC LIMIT 1"))
            .bind(command)
            .fetch_optional(self.read_pool())
            .await?;
        row.as_ref().map(decode_record).transpose()
    }

    /// Ids of the camera alerts turned into or attached to an event, oldest first.
    pub async fn alert_ids_of_event(&self, event_id: i64) -> Result<Vec<i64>> {
        let rows = sqlx::query("SELECT id FROM camera_alerts WHERE event_id = $1 ORDER BY id")
            .bind(event_id)
            .fetch_all(self.read_pool())
            .await?;
        rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
    }

    /// Alerts still waiting for triage.
    pub async fn new_alert_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM camera_alerts WHERE status = 'new'")
            .fetch_one(self.read_pool())
            .await?)
    }

    /// Workers with their last position and load; all of them, or those named.
    pub async fn worker_positions(&self, ids: Option<&[String]>) -> Result<Vec<WorkerPosition>> {
        let mut sql =
            "SELECT w.id, w.name, w.employment, w.home_grid, w.on_duty, w.lon, w.lat, w.located_at, \
               (SELECT COUNT(*) FROM dispatch_tasks t WHERE t.worker_id = w.id AND t.done_at IS NULL \
                  AND t.cancelled_at IS NULL) AS active \
             FROM workers w"
                .to_string();
        if let Some(ids) = ids {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let params: Vec<String> = (1..=ids.len()).map(|n| crate::param(self.backend(), n)).collect();
            sql.push_str(&format!(" WHERE w.id IN ({})", params.join(", ")));
        }
        sql.push_str(" ORDER BY w.id");
        let mut query = sqlx::query(&sql);
        for id in ids.unwrap_or_default() {
            query = query.bind(id.clone());
        }
        query
            .fetch_all(self.read_pool())
            .await?
            .iter()
            .map(|r| {
                Ok(WorkerPosition {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    employment: r.try_get("employment")?,
                    home_grid: r.try_get("home_grid")?,
                    on_duty: r.try_get::<i64, _>("on_duty")? != 0,
                    lon: r.try_get("lon")?,
                    lat: r.try_get("lat")?,
                    located_at: r.try_get::<Option<i64>, _>("located_at")?.map(from_millis),
                    active_tasks: r.try_get("active")?,
                })
            })
            .collect()
    }

    /// Ids of workers whose name, id prefix, whole phone number, home grid code prefix or home grid name
    /// matches `query`; an exact id first, then by name. A phone matches only in full (digits, ignoring
    /// spaces, dashes and `+86`): the console shows phones masked (`138****5678`), and a search by tail or
    /// fragment would give the hidden digits back a few queries at a time.
    pub async fn search_worker_ids(&self, query: &str, limit: i64) -> Result<Vec<String>> {
        self.search_worker_ids_in(query, None, limit).await
    }

    /// [`Store::search_worker_ids`] among the workers whose home grid is at or below `prefixes` (an
    /// account's data scope).
    pub async fn search_worker_ids_under(
        &self,
        query: &str,
        prefixes: &[String],
        limit: i64,
    ) -> Result<Vec<String>> {
        self.search_worker_ids_in(query, Some(prefixes), limit).await
    }

    async fn search_worker_ids_in(
        &self,
        query: &str,
        prefixes: Option<&[String]>,
        limit: i64,
    ) -> Result<Vec<String>> {
        let query = query.trim();
        if query.is_empty() {
            return Ok(Vec::new());
        }
        let contains = format!("%{}%", like_escape(query));
        let prefix = format!("{}%", like_escape(query));
        let mut w = Where::default();
        let mut binds: Vec<Bind> =
            [&prefix, &contains, &prefix, &contains].map(|t| Bind::Text(t.clone())).into();
        let by_phone = match full_phone(query) {
            Some(phone) => {
                binds.push(Bind::Text(phone));
                " OR REPLACE(REPLACE(REPLACE(w.phone, ' ', ''), '-', ''), '+86', '') = ?"
            }
            None => "",
        };
        w.push(
            &format!(
                "(w.id LIKE ? ESCAPE '\\' OR w.name LIKE ? ESCAPE '\\' \
                  OR w.home_grid LIKE ? ESCAPE '\\' OR g.name LIKE ? ESCAPE '\\'{by_phone})"
            ),
            binds,
        );
        if let Some(prefixes) = prefixes {
            w.push_under_any("w.home_grid", prefixes);
        }
        let n = w.bind_count();
        let sql = format!(
            "SELECT w.id FROM workers w LEFT JOIN grids g ON g.code = w.home_grid WHERE {} \
             ORDER BY CASE WHEN w.id = ${} THEN 0 ELSE 1 END, w.name, w.id LIMIT ${}",
            w.sql(),
            n + 1,
            n + 2
        );
        let rows = w.bind(sqlx::query(&sql)).bind(query).bind(limit).fetch_all(self.read_pool()).await?;
        rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
    }

    /// The grid of each of these events that exists, by id: what the live feed checks against a
    /// console's data scope, read in one statement per 500 ids.
    pub async fn event_grid_codes(&self, ids: &[i64]) -> Result<HashMap<i64, String>> {
        let mut found = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let params: Vec<String> = (1..=chunk.len()).map(|n| crate::param(self.backend(), n)).collect();
            let sql = format!("SELECT id, grid_code FROM events WHERE id IN ({})", params.join(", "));
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(self.read_pool()).await? {
                found.insert(row.try_get("id")?, row.try_get("grid_code")?);
            }
        }
        Ok(found)
    }

    /// The grid of each of these alerts that exists, by id (`None`: a camera RedGrid does not know),
    /// read in one statement per 500 ids: what the live feed checks against a data scope.
    pub async fn alert_grid_codes(&self, ids: &[i64]) -> Result<HashMap<i64, Option<String>>> {
        let mut found = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let params: Vec<String> = (1..=chunk.len()).map(|n| crate::param(self.backend(), n)).collect();
            let sql = format!("SELECT id, grid_code FROM camera_alerts WHERE id IN ({})", params.join(", "));
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(self.read_pool()).await? {
                found.insert(row.try_get("id")?, row.try_get("grid_code")?);
            }
        }
        Ok(found)
    }

    /// The home grid of each of these workers that exists, by id, read in one statement per 500 ids.
    pub async fn worker_home_grids(&self, ids: &[String]) -> Result<HashMap<String, String>> {
        let mut found = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let params: Vec<String> = (1..=chunk.len()).map(|n| crate::param(self.backend(), n)).collect();
            let sql = format!("SELECT id, home_grid FROM workers WHERE id IN ({})", params.join(", "));
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(id.clone());
            }
            for row in query.fetch_all(self.read_pool()).await? {
                found.insert(row.try_get("id")?, row.try_get("home_grid")?);
            }
        }
        Ok(found)
    }

    /// The grid of a household and of a key place, by id: what a reveal checks against a data scope.
    pub async fn household_grid(&self, household_id: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT grid_code FROM households WHERE id = $1")
            .bind(household_id)
            .fetch_optional(self.read_pool())
            .await?)
    }

    pub async fn key_place_grid(&self, place_id: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT grid_code FROM key_places WHERE id = $1")
            .bind(place_id)
            .fetch_optional(self.read_pool())
            .await?)
    }
}

impl WriteTx {
    /// The identity and phone numbers of a household's residents, in identity-number order.
    pub async fn household_numbers(&mut self, household_id: &str) -> Result<Vec<(String, String)>> {
        let rows =
            sqlx::query("SELECT id_number, phone FROM residents WHERE household_id = $1 ORDER BY id_number")
                .bind(household_id)
                .fetch_all(self.conn())
                .await?;
        rows.iter().map(|r| Ok((r.try_get("id_number")?, r.try_get("phone")?))).collect()
    }

    pub async fn worker_phone(&mut self, worker_id: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT phone FROM workers WHERE id = $1")
            .bind(worker_id)
            .fetch_optional(self.conn())
            .await?)
    }

    pub async fn key_place_phone(&mut self, place_id: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT contact_phone FROM key_places WHERE id = $1")
            .bind(place_id)
            .fetch_optional(self.conn())
            .await?)
    }
}

/// A search text as a whole phone number: its digits once spaces and dashes are dropped and a leading
/// `+86` removed; `None` when anything else is left (a name, an id, a grid).
fn full_phone(query: &str) -> Option<String> {
    let compact: String = query.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    let digits = compact.strip_prefix("+86").unwrap_or(&compact);
    (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())).then(|| digits.to_owned())
}
