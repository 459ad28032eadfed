//! The append-only audit log, chained by SHA-256.
//!
//! Record `n` stores `hash_n = SHA-256(hash_{n-1} ‖ fields of n)`; the chain head (count and newest hash)
//! is written in the same transaction. [`Store::verify_audit`] recomputes the chain: an edited field breaks
//! that record's hash, a deleted record breaks the link of the next one, and deleting the newest records
//! leaves the head pointing past the end.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::{from_millis, to_millis, Result, Store, WriteTx};

/// The hash before the first record.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChainHead {
    pub audit_count: i64,
    pub audit_hash: String,
    pub feed_seq: i64,
}

/// What a command writes to the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub actor_id: String,
    pub actor_name: String,
    pub role: String,
    pub station: String,
    pub event_id: Option<i64>,
    pub command: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub reason: String,
}

/// A stored audit record.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub seq: i64,
    pub entry: AuditEntry,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of a record: the previous hash and every field, separated by a unit separator that no field
/// may be confused with, so that moving text between fields changes the hash.
pub fn record_hash(seq: i64, entry: &AuditEntry, prev_hash: &str) -> String {
    let mut hasher = Sha256::new();
    let fields: [&str; 12] = [
        prev_hash,
        &seq.to_string(),
        &to_millis(entry.at).to_string(),
        &entry.actor_id,
        &entry.actor_name,
        &entry.role,
        &entry.station,
        &entry.event_id.map(|id| id.to_string()).unwrap_or_default(),
        &entry.command,
        entry.from_status.as_deref().unwrap_or(""),
        entry.to_status.as_deref().unwrap_or(""),
        &entry.reason,
    ];
    for field in fields {
        hasher.update(field.as_bytes());
        hasher.update([0x1f]);
    }
    hex::encode(hasher.finalize())
}

const INSERT_AUDIT: &str =
    "INSERT INTO audit_log (seq, at, actor_id, actor_name, role, station, event_id, command, \
     from_status, to_status, reason, prev_hash, hash) VALUES ";

impl WriteTx {
    /// Appends one audit record after the current head.
    pub async fn append_audit(&mut self, entry: &AuditEntry) -> Result<i64> {
        self.append_audit_batch(std::slice::from_ref(entry)).await
    }

    /// Appends records in order with multi-row inserts; returns the sequence number of the last.
    pub async fn append_audit_batch(&mut self, entries: &[AuditEntry]) -> Result<i64> {
        const ROWS_PER_INSERT: usize = 400;
        for chunk in entries.chunks(ROWS_PER_INSERT) {
            let sql = format!("{INSERT_AUDIT}{}", crate::values_rows(self.backend, chunk.len(), 13));
            let mut query = sqlx::query(&sql);
            for entry in chunk {
                let seq = self.head.audit_count + 1;
                let prev = std::mem::take(&mut self.head.audit_hash);
                let hash = record_hash(seq, entry, &prev);
                query = query
                    .bind(seq)
                    .bind(to_millis(entry.at))
                    .bind(entry.actor_id.clone())
                    .bind(entry.actor_name.clone())
                    .bind(entry.role.clone())
                    .bind(entry.station.clone())
                    .bind(entry.event_id)
                    .bind(entry.command.clone())
                    .bind(entry.from_status.clone())
                    .bind(entry.to_status.clone())
                    .bind(entry.reason.clone())
                    .bind(prev)
                    .bind(hash.clone());
                self.head.audit_count = seq;
                self.head.audit_hash = hash;
            }
            query.execute(&mut *self.tx).await?;
        }
        Ok(self.head.audit_count)
    }
}

/// The outcome of verifying the chain.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifyReport {
    pub records: i64,
    /// The first problem found, naming the record; `None` when the chain is whole.
    pub first_bad: Option<BadRecord>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BadRecord {
    /// The sequence number of the first record that does not verify (for a cut-off end, the first missing).
    pub seq: i64,
    pub problem: String,
}

pub(crate) fn decode_record(row: &sqlx::any::AnyRow) -> Result<AuditRecord> {
    Ok(AuditRecord {
        seq: row.try_get("seq")?,
        entry: AuditEntry {
            at: from_millis(row.try_get("at")?),
            actor_id: row.try_get("actor_id")?,
            actor_name: row.try_get("actor_name")?,
            role: row.try_get("role")?,
            station: row.try_get("station")?,
            event_id: row.try_get("event_id")?,
            command: row.try_get("command")?,
            from_status: row.try_get("from_status")?,
            to_status: row.try_get("to_status")?,
            reason: row.try_get("reason")?,
        },
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

pub(crate) const SELECT_AUDIT: &str =
    "SELECT seq, at, actor_id, actor_name, role, station, event_id, command, from_status, \
     to_status, reason, prev_hash, hash FROM audit_log";

impl Store {
    /// Recomputes the whole chain and compares it with the head.
    pub async fn verify_audit(&self) -> Result<VerifyReport> {
        verify_chain(self.read_pool()).await
    }

    /// The audit records of one event, oldest first.
    pub async fn event_history(&self, event_id: i64) -> Result<Vec<AuditRecord>> {
        let rows = sqlx::query(&format!("{SELECT_AUDIT} WHERE event_id = $1 ORDER BY seq"))
            .bind(event_id)
            .fetch_all(self.read_pool())
            .await?;
        rows.iter().map(decode_record).collect()
    }

    /// The newest audit records of any kind, newest first.
    pub async fn recent_audit(&self, limit: i64) -> Result<Vec<AuditRecord>> {
        let rows = sqlx::query(&format!("{SELECT_AUDIT} ORDER BY seq DESC LIMIT $1"))
            .bind(limit)
            .fetch_all(self.read_pool())
            .await?;
        rows.iter().map(decode_record).collect()
    }
}

/// Recomputes the chain read through `pool` and compares it with the head: the store's own database, or a
/// backup opened read-only before it is restored (`crate::backup`).
pub(crate) async fn verify_chain(pool: &sqlx::AnyPool) -> Result<VerifyReport> {
    const PAGE: i64 = 20_000;
    let head = sqlx::query("SELECT audit_count, audit_hash FROM chain_head WHERE id = 1")
        .fetch_optional(pool)
        .await?;
    let Some(head) = head else {
        return Ok(VerifyReport {
            records: 0,
            first_bad: Some(BadRecord { seq: 1, problem: "审计链头记录缺失".into() }),
        });
    };
    let head_count: i64 = head.try_get("audit_count")?;
    let head_hash: String = head.try_get("audit_hash")?;
    let mut expected_seq = 1i64;
    let mut prev_hash = GENESIS_HASH.to_string();
    loop {
        let rows = sqlx::query(&format!("{SELECT_AUDIT} WHERE seq >= $1 ORDER BY seq LIMIT $2"))
            .bind(expected_seq)
            .bind(PAGE)
            .fetch_all(pool)
            .await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let record = decode_record(row)?;
            let bad = |problem: String| {
                Ok(VerifyReport {
                    records: expected_seq - 1,
                    first_bad: Some(BadRecord { seq: record.seq.min(expected_seq), problem }),
                })
            };
            if record.seq != expected_seq {
                return bad(format!("第 {expected_seq} 条审计记录缺失（下一条是第 {} 条）", record.seq));
            }
            if record.prev_hash != prev_hash {
                return bad(format!("第 {} 条审计记录与上一条的链接不符（上一条被改动或删除）", record.seq));
            }
            if record_hash(record.seq, &record.entry, &record.prev_hash) != record.hash {
                return bad(format!("第 {} 条审计记录的内容与其哈希不符（记录被改动）", record.seq));
            }
            prev_hash = record.hash;
            expected_seq += 1;
        }
    }
    let records = expected_seq - 1;
    if records != head_count {
        return Ok(VerifyReport {
            records,
            first_bad: Some(BadRecord {
                seq: records + 1,
                problem: format!("链头记录共 {head_count} 条，实际只有 {records} 条（最新的记录被删除）"),
            }),
        });
    }
    if prev_hash != head_hash {
        return Ok(VerifyReport {
            records,
            first_bad: Some(BadRecord {
                seq: records, problem: "最新一条审计记录的哈希与链头不符".into()
            }),
        });
    }
    Ok(VerifyReport { records, first_bad: None })
}
