//! The response ladder a centre keeps, the level in force, and the record of every switch.

use chrono::{DateTime, Utc};
use redgrid_core::response::{DutyRequirement, ResponseLadder, ResponseLevel, RosterProfile};
use redgrid_core::time_limit::Mode;
use sqlx::Row;

use crate::{from_millis, to_millis, Result, Store, StoreError, WriteTx};

/// Settings of the level in force.
const LEVEL: &str = "response_level";
const LEVEL_SINCE: &str = "response_level_since";
const LEVEL_BY: &str = "response_level_by";

/// One switch between levels.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelSwitch {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub from_level: String,
    pub to_level: String,
    pub by_id: String,
    pub by_name: String,
    pub reason: String,
}

/// The level in force: its key, since when and by whom (none before the first switch).
#[derive(Debug, Clone, PartialEq)]
pub struct LevelState {
    pub key: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub by: Option<String>,
}

fn decode_level(r: &sqlx::any::AnyRow) -> Result<ResponseLevel> {
    let key: String = r.try_get("key")?;
    let bad = |what: &str| StoreError::Corrupt(format!("响应等级 {key} 的{what}无法解读"));
    let profile: String = r.try_get("roster_profile")?;
    let mode: String = r.try_get("legacy_mode")?;
    Ok(ResponseLevel {
        key: key.clone(),
        name: r.try_get("name")?,
        time_limit_percent: r.try_get("time_limit_percent")?,
        ack_minutes: r.try_get("ack_minutes")?,
        roster_profile: RosterProfile::parse(&profile).ok_or_else(|| bad("排班方案"))?,
        duty: DutyRequirement {
            leader_on_duty: r.try_get::<i64, _>("leader_on_duty")? != 0,
            officers: r.try_get::<i64, _>("officers")?.clamp(0, 1000) as u32,
        },
        zero_report_hours: r.try_get("zero_report_hours")?,
        broadcast_text: r.try_get("broadcast_text")?,
        legacy_mode: Mode::from_key(&mode).ok_or_else(|| bad("平战状态"))?,
    })
}

impl Store {
    /// The ladder stored, or the standard one when none is.
    pub async fn response_ladder(&self) -> Result<ResponseLadder> {
        let rows = sqlx::query("SELECT * FROM response_levels ORDER BY position")
            .fetch_all(self.read_pool())
            .await?;
        if rows.is_empty() {
            return Ok(ResponseLadder::standard());
        }
        let levels = rows.iter().map(decode_level).collect::<Result<Vec<_>>>()?;
        ResponseLadder::new(levels).map_err(|e| StoreError::Corrupt(format!("响应等级表无效：{e}")))
    }

    /// Read on every health refresh of every console: one query for the three settings.
    pub async fn response_state(&self) -> Result<LevelState> {
        let rows = sqlx::query("SELECT key, value FROM settings WHERE key IN ($1, $2, $3)")
            .bind(LEVEL)
            .bind(LEVEL_SINCE)
            .bind(LEVEL_BY)
            .fetch_all(self.read_pool())
            .await?;
        let mut state = LevelState { key: None, since: None, by: None };
        for r in &rows {
            let (key, value): (String, String) = (r.try_get("key")?, r.try_get("value")?);
            match key.as_str() {
                LEVEL => state.key = Some(value),
                LEVEL_SINCE => state.since = value.parse().ok().map(from_millis),
                LEVEL_BY => state.by = Some(value),
                _ => {}
            }
        }
        Ok(state)
    }

    /// Switches since `from` (all when `None`), oldest first.
    pub async fn level_switches(&self, from: Option<DateTime<Utc>>) -> Result<Vec<LevelSwitch>> {
        let rows = sqlx::query(
            "SELECT id, at, from_level, to_level, by_id, by_name, reason FROM response_switches \
             WHERE at >= $1 ORDER BY id",
        )
        .bind(from.map_or(i64::MIN, to_millis))
        .fetch_all(self.read_pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LevelSwitch {
                    id: r.try_get("id")?,
                    at: from_millis(r.try_get("at")?),
                    from_level: r.try_get("from_level")?,
                    to_level: r.try_get("to_level")?,
                    by_id: r.try_get("by_id")?,
                    by_name: r.try_get("by_name")?,
                    reason: r.try_get("reason")?,
                })
            })
            .collect()
    }
}

impl WriteTx {
    pub async fn save_response_ladder(&mut self, ladder: &ResponseLadder) -> Result<()> {
        sqlx::query("DELETE FROM response_levels").execute(&mut *self.tx).await?;
        for (position, l) in ladder.levels().iter().enumerate() {
            sqlx::query(
                "INSERT INTO response_levels (key, position, name, time_limit_percent, ack_minutes, roster_profile, \
                 leader_on_duty, officers, zero_report_hours, broadcast_text, legacy_mode) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(&l.key)
            .bind(position as i64)
            .bind(&l.name)
            .bind(l.time_limit_percent)
            .bind(l.ack_minutes)
            .bind(l.roster_profile.key())
            .bind(i64::from(l.duty.leader_on_duty))
            .bind(i64::from(l.duty.officers))
            .bind(l.zero_report_hours)
            .bind(&l.broadcast_text)
            .bind(l.legacy_mode.key())
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    /// Records a switch and makes `to` the level in force; `mode` keeps the binary setting that older
    /// readers (and other stations of an older build) go by.
    pub async fn switch_level(&mut self, switch: &LevelSwitch, mode: Mode) -> Result<()> {
        sqlx::query(
            "INSERT INTO response_switches (at, from_level, to_level, by_id, by_name, reason) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(to_millis(switch.at))
        .bind(&switch.from_level)
        .bind(&switch.to_level)
        .bind(&switch.by_id)
        .bind(&switch.by_name)
        .bind(&switch.reason)
        .execute(&mut *self.tx)
        .await?;
        self.set_setting(LEVEL, &switch.to_level, switch.at).await?;
        self.set_setting(LEVEL_SINCE, &to_millis(switch.at).to_string(), switch.at).await?;
        self.set_setting(LEVEL_BY, &switch.by_name, switch.at).await?;
        self.set_setting("mode", mode.key(), switch.at).await?;
        Ok(())
    }
}
