//! Who holds a station's seat and since when, and the handovers between duty officers. Both are written in
//! the transaction that audits the sign-in or handover, so the seat, the note and the audit record agree.

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::{from_millis, to_millis, Result, Store, WriteTx};

/// A station's seat: the account at it and when their shift began.
#[derive(Debug, Clone, PartialEq)]
pub struct SeatRow {
    pub station: String,
    pub account: String,
    pub shift_started_at: DateTime<Utc>,
    /// The handover that began the shift, if one did.
    pub handover_id: Option<i64>,
}

/// A shift handed over, with the outgoing officer's note and the summary's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct HandoverRow {
    pub id: i64,
    pub station: String,
    pub from_account: String,
    pub from_name: String,
    pub to_account: String,
    pub to_name: String,
    pub at: DateTime<Utc>,
    pub note: String,
    pub figures: String,
}

const SELECT_SEAT: &str =
    "SELECT station, account, shift_started_at, handover_id FROM station_seats WHERE station = $1";

fn decode_seat(r: &sqlx::any::AnyRow) -> Result<SeatRow> {
    Ok(SeatRow {
        station: r.try_get("station")?,
        account: r.try_get("account")?,
        shift_started_at: from_millis(r.try_get("shift_started_at")?),
        handover_id: r.try_get("handover_id")?,
    })
}

impl WriteTx {
    /// The station's seat as it stands, read under the write lock.
    pub async fn seat(&mut self, station: &str) -> Result<Option<SeatRow>> {
        let row = sqlx::query(SELECT_SEAT).bind(station).fetch_optional(self.conn()).await?;
        row.as_ref().map(decode_seat).transpose()
    }

    pub async fn set_seat(&mut self, seat: &SeatRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO station_seats (station, account, shift_started_at, handover_id) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (station) DO UPDATE SET account = excluded.account, \
             shift_started_at = excluded.shift_started_at, handover_id = excluded.handover_id",
        )
        .bind(&seat.station)
        .bind(&seat.account)
        .bind(to_millis(seat.shift_started_at))
        .bind(seat.handover_id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Frees the seat (a sign-out ends the shift).
    pub async fn clear_seat(&mut self, station: &str) -> Result<()> {
        sqlx::query("DELETE FROM station_seats WHERE station = $1")
            .bind(station)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Records a handover; returns its id.
    pub async fn insert_handover(&mut self, h: &HandoverRow) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO handovers (station, from_account, from_name, to_account, to_name, at, note, figures) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&h.station)
        .bind(&h.from_account)
        .bind(&h.from_name)
        .bind(&h.to_account)
        .bind(&h.to_name)
        .bind(to_millis(h.at))
        .bind(&h.note)
        .bind(&h.figures)
        .fetch_one(self.conn())
        .await?;
        Ok(row.try_get("id")?)
    }
}

impl Store {
    pub async fn seat(&self, station: &str) -> Result<Option<SeatRow>> {
        let row = sqlx::query(SELECT_SEAT).bind(station).fetch_optional(self.read_pool()).await?;
        row.as_ref().map(decode_seat).transpose()
    }

    pub async fn handover(&self, id: i64) -> Result<Option<HandoverRow>> {
        let row = sqlx::query(
            "SELECT id, station, from_account, from_name, to_account, to_name, at, note, figures FROM handovers \
             WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.read_pool())
        .await?;
        row.map(|r| {
            Ok(HandoverRow {
                id: r.try_get("id")?,
                station: r.try_get("station")?,
                from_account: r.try_get("from_account")?,
                from_name: r.try_get("from_name")?,
                to_account: r.try_get("to_account")?,
                to_name: r.try_get("to_name")?,
                at: from_millis(r.try_get("at")?),
                note: r.try_get("note")?,
                figures: r.try_get("figures")?,
            })
        })
        .transpose()
    }
}
