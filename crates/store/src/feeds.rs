//! What arrives over MQTT: camera alerts, the idempotency ledger, the quarantine, NVR availability, worker
//! locations.

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::sql::Where;
use crate::{from_millis, to_millis, FeedEntity, Result, Store, WriteTx};

/// An alert as it stands after the latest message about it.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertUpsert {
    /// The alert's identity: one Frigate tracked object from new to end, or one native alert.
    pub alert_key: String,
    pub source: String,
    pub nvr: String,
    pub camera_name: String,
    pub kind: String,
    pub label: String,
    pub priority: i64,
    pub confidence: Option<f64>,
    pub at: DateTime<Utc>,
    pub ended: bool,
    pub snapshot: Option<String>,
    /// The latest details as JSON (zones, box, sub-label, face or plate results…).
    pub detail: String,
}

/// A stored alert.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRow {
    pub id: i64,
    pub alert_key: String,
    pub source: String,
    pub nvr: String,
    pub camera_name: String,
    pub camera_id: Option<String>,
    /// The RedGrid camera's own name (where it is, in Chinese) when the NVR's camera is a known one.
    pub camera_label: Option<String>,
    pub grid_code: Option<String>,
    pub kind: String,
    pub label: String,
    pub priority: i64,
    pub confidence: Option<f64>,
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
    pub ended: bool,
    pub updates: i64,
    pub snapshot: Option<String>,
    pub detail: String,
    pub recognition: Option<String>,
    pub status: String,
    pub event_id: Option<i64>,
}

/// A message that could not be taken in, kept with why.
/// How much of a quarantined message is kept: its first 4 KiB (with its length and SHA-256).
pub const QUARANTINE_KEEPS: usize = 4096;

#[derive(Debug, Clone, PartialEq)]
pub struct QuarantineRow {
    pub id: i64,
    pub topic: String,
    /// The first [`QUARANTINE_KEEPS`] bytes.
    pub payload: Vec<u8>,
    /// The whole message's length and SHA-256 (hex); `None` for rows kept before they were recorded.
    pub payload_len: Option<i64>,
    pub payload_sha256: Option<String>,
    pub code: String,
    pub reason: String,
    pub received_at: DateTime<Utc>,
}

const ALERT_COLUMNS: &str =
    "id, alert_key, source, nvr, camera_name, camera_id, grid_code, kind, label, priority, \
     confidence, first_at, last_at, ended, updates, snapshot, detail, recognition, status, event_id, \
     (SELECT c.name FROM cameras c WHERE c.id = camera_alerts.camera_id) AS camera_label";

fn decode_alert(row: &sqlx::any::AnyRow) -> Result<AlertRow> {
    Ok(AlertRow {
        id: row.try_get("id")?,
        alert_key: row.try_get("alert_key")?,
        source: row.try_get("source")?,
        nvr: row.try_get("nvr")?,
        camera_name: row.try_get("camera_name")?,
        camera_id: row.try_get("camera_id")?,
        camera_label: row.try_get("camera_label")?,
        grid_code: row.try_get("grid_code")?,
        kind: row.try_get("kind")?,
        label: row.try_get("label")?,
        priority: row.try_get("priority")?,
        confidence: row.try_get("confidence")?,
        first_at: from_millis(row.try_get("first_at")?),
        last_at: from_millis(row.try_get("last_at")?),
        ended: row.try_get::<i64, _>("ended")? != 0,
        updates: row.try_get("updates")?,
        snapshot: row.try_get("snapshot")?,
        detail: row.try_get("detail")?,
        recognition: row.try_get("recognition")?,
        status: row.try_get("status")?,
        event_id: row.try_get("event_id")?,
    })
}

impl WriteTx {
    /// Records a message's natural key; `false` when it was already recorded (a redelivery).
    pub async fn record_inbound(
        &mut self,
        natural_key: &str,
        topic: &str,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO inbound_messages (natural_key, topic, received_at) VALUES ($1, $2, $3) \
             ON CONFLICT (natural_key) DO NOTHING",
        )
        .bind(natural_key)
        .bind(topic)
        .bind(to_millis(at))
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Keeps a message that could not be taken in, and announces it on the feed.
    pub async fn quarantine(
        &mut self,
        topic: &str,
        payload: &[u8],
        code: &str,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<i64> {
        use sha2::Digest;
        let digest = hex::encode(sha2::Sha256::digest(payload));
        let head = &payload[..payload.len().min(QUARANTINE_KEEPS)];
        let row = sqlx::query(
            "INSERT INTO quarantine (topic, payload, code, reason, received_at, payload_len, payload_sha256) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(topic)
        .bind(head.to_vec())
        .bind(code)
        .bind(reason)
        .bind(to_millis(at))
        .bind(payload.len() as i64)
        .bind(digest)
        .fetch_one(&mut *self.tx)
        .await?;
        let id: i64 = row.try_get("id")?;
        self.append_feed(at, FeedEntity::Quarantine, &id.to_string(), "quarantined", 1).await?;
        Ok(id)
    }

    /// Creates or updates an alert by its key, matching its camera to a RedGrid camera when it can.
    /// Returns the alert's id, whether it is new and the RedGrid camera it matched.
    pub async fn upsert_alert(
        &mut self,
        alert: &AlertUpsert,
        received_at: DateTime<Utc>,
    ) -> Result<Upserted> {
        let row = sqlx::query(
            "INSERT INTO camera_alerts (alert_key, source, nvr, camera_name, camera_id, grid_code, kind, label, priority, \
             confidence, first_at, last_at, ended, snapshot, detail, received_at) \
             VALUES ($1, $2, $3, $4, (SELECT id FROM cameras WHERE nvr_name = $4), \
             (SELECT grid_code FROM cameras WHERE nvr_name = $4), $5, $6, $7, $8, $9, $9, $10, $11, $12, $13) \
             ON CONFLICT (alert_key) DO UPDATE SET \
               last_at = CASE WHEN excluded.last_at > camera_alerts.last_at THEN excluded.last_at ELSE camera_alerts.last_at END, \
               priority = CASE WHEN excluded.priority > camera_alerts.priority THEN excluded.priority ELSE camera_alerts.priority END, \
               confidence = COALESCE(excluded.confidence, camera_alerts.confidence), \
               ended = CASE WHEN excluded.ended = 1 THEN 1 ELSE camera_alerts.ended END, \
               snapshot = COALESCE(excluded.snapshot, camera_alerts.snapshot), \
               label = excluded.label, kind = excluded.kind, detail = excluded.detail, \
               updates = camera_alerts.updates + 1 \
             RETURNING id, updates, camera_id",
        )
        .bind(&alert.alert_key)
        .bind(&alert.source)
        .bind(&alert.nvr)
        .bind(&alert.camera_name)
        .bind(&alert.kind)
        .bind(&alert.label)
        .bind(alert.priority)
        .bind(alert.confidence)
        .bind(to_millis(alert.at))
        .bind(i64::from(alert.ended))
        .bind(alert.snapshot.clone())
        .bind(&alert.detail)
        .bind(to_millis(received_at))
        .fetch_one(&mut *self.tx)
        .await?;
        let id: i64 = row.try_get("id")?;
        let updates: i64 = row.try_get("updates")?;
        self.append_feed(
            received_at,
            FeedEntity::Alert,
            &id.to_string(),
            if updates == 1 { "new" } else { "updated" },
            updates,
        )
        .await?;
        Ok(Upserted { id, new: updates == 1, camera_id: row.try_get("camera_id")? })
    }

    /// Settles a new alert that needs no officer: from a camera muted at `at`, it is dismissed; a repeat of
    /// an open event's camera and kind (an alert of theirs attached or converted within `window`) is
    /// attached to that event. Returns what was done; `Untouched` leaves it for triage.
    pub async fn settle_new_alert(
        &mut self,
        id: i64,
        at: DateTime<Utc>,
        window: chrono::Duration,
    ) -> Result<Settled> {
        // One lookup on the ingest path, answered from the alert's own row: an alert from a camera nobody
        // registered finds nothing and costs nothing more.
        let row = sqlx::query(
            "SELECT EXISTS (SELECT 1 FROM camera_mutes m WHERE m.camera_id = n.camera_id AND m.until > $2) AS muted, \
               (SELECT o.event_id FROM camera_alerts o JOIN events e ON e.id = o.event_id \
                WHERE o.camera_id = n.camera_id AND o.kind = n.kind AND o.id <> n.id \
                  AND o.status IN ('converted', 'attached') AND e.is_open = 1 AND o.last_at > $3 \
                ORDER BY o.last_at DESC LIMIT 1) AS event_id \
             FROM camera_alerts n WHERE n.id = $1 AND n.status = 'new' AND n.camera_id IS NOT NULL",
        )
        .bind(id)
        .bind(to_millis(at))
        .bind(to_millis(at - window))
        .fetch_optional(&mut *self.tx)
        .await?;
        let Some(row) = row else { return Ok(Settled::Untouched) };
        let muted =
            row.try_get::<bool, _>("muted").or_else(|_| row.try_get::<i64, _>("muted").map(|m| m != 0))?;
        let event_id: Option<i64> = row.try_get("event_id")?;
        let (status, by, event_id, settled) = match (muted, event_id) {
            (true, _) => ("dismissed", "静默", None, Settled::Muted),
            (false, Some(event)) => ("attached", "系统", Some(event), Settled::Attached(event)),
            (false, None) => return Ok(Settled::Untouched),
        };
        self.set_triage(id, status, event_id, by, at).await?;
        Ok(settled)
    }

    /// Records one alert's triage (by an officer or by the station) and announces it on the feed.
    async fn set_triage(
        &mut self,
        id: i64,
        status: &str,
        event_id: Option<i64>,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query("UPDATE camera_alerts SET status = $1, event_id = $2, triaged_by = $3, triaged_at = $4 WHERE id = $5")
            .bind(status)
            .bind(event_id)
            .bind(by)
            .bind(to_millis(at))
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        self.append_feed(at, FeedEntity::Alert, &id.to_string(), status, 0).await?;
        Ok(())
    }

    /// Silences a camera until `until` (a later mute replaces an earlier one).
    pub async fn mute_camera(
        &mut self,
        camera_id: &str,
        until: DateTime<Utc>,
        by: &str,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO camera_mutes (camera_id, until, muted_by, reason, muted_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (camera_id) DO UPDATE SET until = excluded.until, muted_by = excluded.muted_by, \
             reason = excluded.reason, muted_at = excluded.muted_at",
        )
        .bind(camera_id)
        .bind(to_millis(until))
        .bind(by)
        .bind(reason)
        .bind(to_millis(at))
        .execute(&mut *self.tx)
        .await?;
        self.append_feed(at, FeedEntity::Camera, camera_id, "muted", 0).await?;
        Ok(())
    }

    /// Ends a camera's silence; `false` when it was not muted.
    pub async fn unmute_camera(&mut self, camera_id: &str, at: DateTime<Utc>) -> Result<bool> {
        let gone = sqlx::query("DELETE FROM camera_mutes WHERE camera_id = $1 AND until > $2")
            .bind(camera_id)
            .bind(to_millis(at))
            .execute(&mut *self.tx)
            .await?
            .rows_affected();
        if gone > 0 {
            self.append_feed(at, FeedEntity::Camera, camera_id, "unmuted", 0).await?;
        }
        Ok(gone > 0)
    }

    /// Raises an alert's priority (a watch-list face, a review at severity alert) and attaches a recognition
    /// result when there is one; `false` if no alert has the key.
    pub async fn raise_alert(
        &mut self,
        alert_key: &str,
        priority: i64,
        recognition: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let row = sqlx::query(
            "UPDATE camera_alerts SET priority = CASE WHEN priority < $1 THEN $1 ELSE priority END, \
             recognition = COALESCE($2, recognition), updates = updates + 1 WHERE alert_key = $3 RETURNING id, updates",
        )
        .bind(priority)
        .bind(recognition.map(str::to_string))
        .bind(alert_key)
        .fetch_optional(&mut *self.tx)
        .await?;
        match row {
            None => Ok(false),
            Some(row) => {
                let id: i64 = row.try_get("id")?;
                let updates: i64 = row.try_get("updates")?;
                self.append_feed(at, FeedEntity::Alert, &id.to_string(), "raised", updates).await?;
                Ok(true)
            }
        }
    }

    pub async fn set_nvr_state(&mut self, name: &str, state: &str, at: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "INSERT INTO nvrs (name, state, changed_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET state = excluded.state, changed_at = excluded.changed_at",
        )
        .bind(name)
        .bind(state)
        .bind(to_millis(at))
        .execute(&mut *self.tx)
        .await?;
        self.append_feed(at, FeedEntity::Nvr, name, state, 0).await?;
        Ok(())
    }

    /// Moves a worker found by id or OwnTracks user; `None` when no worker matches. A fix older than the
    /// one stored changes nothing (out-of-order delivery never moves a worker back in time) but still
    /// names the worker: the message was understood.
    pub async fn set_worker_location(
        &mut self,
        worker_or_user: &str,
        lat: f64,
        lon: f64,
        at: DateTime<Utc>,
    ) -> Result<Option<String>> {
        let Some(id) = self.worker_id_for(worker_or_user).await? else { return Ok(None) };
        let moved = sqlx::query(
            "UPDATE workers SET lat = $1, lon = $2, located_at = $3 \
             WHERE id = $4 AND (located_at IS NULL OR located_at < $3)",
        )
        .bind(lat)
        .bind(lon)
        .bind(to_millis(at))
        .bind(&id)
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        if moved > 0 {
            self.append_feed(at, FeedEntity::Worker, &id, "located", 0).await?;
        }
        Ok(Some(id))
    }
}

impl Store {
    /// The newest quarantined messages, newest first.
    pub async fn quarantine_list(&self, limit: i64) -> Result<Vec<QuarantineRow>> {
        let rows = sqlx::query(
            "SELECT id, topic, payload, code, reason, received_at, payload_len, payload_sha256 FROM quarantine \
             ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.read_pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(QuarantineRow {
                    id: r.try_get("id")?,
                    topic: r.try_get("topic")?,
                    payload: r.try_get("payload")?,
                    payload_len: r.try_get("payload_len")?,
                    payload_sha256: r.try_get("payload_sha256")?,
                    code: r.try_get("code")?,
                    reason: r.try_get("reason")?,
                    received_at: from_millis(r.try_get("received_at")?),
                })
            })
            .collect()
    }

    pub async fn quarantine_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM quarantine").fetch_one(self.read_pool()).await?)
    }

    /// Alerts awaiting triage, highest priority then newest first.
    pub async fn new_alerts(&self, limit: i64) -> Result<Vec<AlertRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {ALERT_COLUMNS} FROM camera_alerts WHERE status = 'new' ORDER BY priority DESC, last_at DESC LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(self.read_pool())
        .await?;
        rows.iter().map(decode_alert).collect()
    }

    /// Alerts awaiting triage at or below `prefixes` (an account's data scope), highest priority then
    /// newest first. An alert of a camera RedGrid does not know has no grid and is under none of them.
    pub async fn new_alerts_under(&self, prefixes: &[String], limit: i64) -> Result<Vec<AlertRow>> {
        let mut w = Where::default();
        w.push("status = 'new'", Vec::new());
        w.push_under_any("grid_code", prefixes);
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM camera_alerts WHERE {} ORDER BY priority DESC, last_at DESC LIMIT ${}",
            w.sql(),
            w.bind_count() + 1
        );
        let rows = w.bind(sqlx::query(&sql)).bind(limit).fetch_all(self.read_pool()).await?;
        rows.iter().map(decode_alert).collect()
    }

    /// How many alerts await triage at or below `prefixes`.
    pub async fn new_alert_count_under(&self, prefixes: &[String]) -> Result<i64> {
        let mut w = Where::default();
        w.push("status = 'new'", Vec::new());
        w.push_under_any("grid_code", prefixes);
        let sql = format!("SELECT COUNT(*) AS n FROM camera_alerts WHERE {}", w.sql());
        Ok(w.bind(sqlx::query(&sql)).fetch_one(self.read_pool()).await?.try_get("n")?)
    }

    pub async fn alert_by_key(&self, alert_key: &str) -> Result<Option<AlertRow>> {
        let row = sqlx::query(&format!("SELECT {ALERT_COLUMNS} FROM camera_alerts WHERE alert_key = $1"))
            .bind(alert_key)
            .fetch_optional(self.read_pool())
            .await?;
        row.as_ref().map(decode_alert).transpose()
    }

    pub async fn alert_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM camera_alerts").fetch_one(self.read_pool()).await?)
    }

    /// NVRs and their availability (`online`, `offline`, `stopped`).
    pub async fn nvr_states(&self) -> Result<Vec<(String, String, DateTime<Utc>)>> {
        let rows = sqlx::query("SELECT name, state, changed_at FROM nvrs ORDER BY name")
            .fetch_all(self.read_pool())
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("name")?, r.try_get("state")?, from_millis(r.try_get("changed_at")?))))
            .collect()
    }
}

impl WriteTx {
    /// Marks new alerts triaged (`dismissed`, `converted` or `attached`). Alerts someone else triaged
    /// first are left alone and returned, with who did it, so the caller can refuse the whole act.
    pub async fn triage_alerts(
        &mut self,
        ids: &[i64],
        status: &str,
        event_id: Option<i64>,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<(i64, String)>> {
        let mut already = Vec::new();
        for &id in ids {
            let row = sqlx::query("SELECT status, triaged_by FROM camera_alerts WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *self.tx)
                .await?;
            match row {
                None => already.push((id, String::new())),
                Some(row) => {
                    let current: String = row.try_get("status")?;
                    if current != "new" {
                        already
                            .push((id, row.try_get::<Option<String>, _>("triaged_by")?.unwrap_or_default()));
                    }
                }
            }
        }
        if !already.is_empty() {
            return Ok(already);
        }
        for &id in ids {
            self.set_triage(id, status, event_id, by, at).await?;
        }
        Ok(already)
    }
}

impl Store {
    pub async fn alerts_by_ids(&self, ids: &[i64]) -> Result<Vec<AlertRow>> {
        let mut rows = Vec::with_capacity(ids.len());
        for &id in ids {
            let row = sqlx::query(&format!("SELECT {ALERT_COLUMNS} FROM camera_alerts WHERE id = $1"))
                .bind(id)
                .fetch_optional(self.read_pool())
                .await?;
            if let Some(row) = row {
                rows.push(decode_alert(&row)?);
            }
        }
        Ok(rows)
    }
}

/// What [`WriteTx::settle_new_alert`] did with a new alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    Untouched,
    /// Dismissed: its camera is muted.
    Muted,
    /// Attached to this open event, a repeat of its camera and kind.
    Attached(i64),
}

/// A camera silenced for a while.
#[derive(Debug, Clone, PartialEq)]
pub struct CameraMute {
    pub camera_id: String,
    pub camera_name: String,
    pub until: DateTime<Utc>,
    pub muted_by: String,
    pub reason: String,
}

impl Store {
    /// Cameras muted at `at`, the one muted longest first.
    pub async fn muted_cameras(&self, at: DateTime<Utc>) -> Result<Vec<CameraMute>> {
        let rows = sqlx::query(
            "SELECT m.camera_id, COALESCE(c.name, m.camera_id) AS camera_name, m.until, m.muted_by, m.reason \
             FROM camera_mutes m LEFT JOIN cameras c ON c.id = m.camera_id WHERE m.until > $1 ORDER BY m.until DESC",
        )
        .bind(to_millis(at))
        .fetch_all(self.read_pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CameraMute {
                    camera_id: r.try_get("camera_id")?,
                    camera_name: r.try_get("camera_name")?,
                    until: crate::from_millis(r.try_get("until")?),
                    muted_by: r.try_get("muted_by")?,
                    reason: r.try_get("reason")?,
                })
            })
            .collect()
    }
}

/// What [`WriteTx::upsert_alert`] stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upserted {
    pub id: i64,
    pub new: bool,
    /// The registered camera the alert came from; `None` for a camera nobody registered.
    pub camera_id: Option<String>,
}
