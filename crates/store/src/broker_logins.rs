//! Logins of the station-managed broker: who may connect, as what, with which password hash.

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::{from_millis, to_millis, Result, Store, WriteTx};

/// What a login stands for; its ACL follows from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginKind {
    /// A worker's terminal (phone app or OwnTracks): the username is the worker id.
    Worker,
    /// An NVR: native alerts under its name, and Frigate's topics when it is named as the Frigate prefix.
    Nvr,
    /// A report source (hotline gateway, residents' app): its own reports topic.
    Source,
}

impl LoginKind {
    pub fn key(self) -> &'static str {
        match self {
            LoginKind::Worker => "worker",
            LoginKind::Nvr => "nvr",
            LoginKind::Source => "source",
        }
    }

    pub fn parse(key: &str) -> Option<LoginKind> {
        [LoginKind::Worker, LoginKind::Nvr, LoginKind::Source].into_iter().find(|k| k.key() == key)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            LoginKind::Worker => "网格员终端",
            LoginKind::Nvr => "录像机",
            LoginKind::Source => "上报渠道",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct BrokerLoginRow {
    pub username: String,
    pub kind: LoginKind,
    /// The worker id, NVR name or source name the login stands for.
    pub subject: String,
    pub password_hash: String,
    pub issued_at: DateTime<Utc>,
    pub issued_by: String,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<String>,
}

const COLUMNS: &str = "username, kind, subject, password_hash, issued_at, issued_by, revoked_at, revoked_by";

fn decode(r: &sqlx::any::AnyRow) -> Result<BrokerLoginRow> {
    let kind: String = r.try_get("kind")?;
    Ok(BrokerLoginRow {
        username: r.try_get("username")?,
        kind: LoginKind::parse(&kind).unwrap_or(LoginKind::Worker),
        subject: r.try_get("subject")?,
        password_hash: r.try_get("password_hash")?,
        issued_at: from_millis(r.try_get("issued_at")?),
        issued_by: r.try_get("issued_by")?,
        revoked_at: r.try_get::<Option<i64>, _>("revoked_at")?.map(from_millis),
        revoked_by: r.try_get("revoked_by")?,
    })
}

impl Store {
    /// Every login ever issued, revoked ones included, by username.
    pub async fn broker_logins(&self) -> Result<Vec<BrokerLoginRow>> {
        sqlx::query(&format!("SELECT {COLUMNS} FROM broker_logins ORDER BY username"))
            .fetch_all(self.read_pool())
            .await?
            .iter()
            .map(decode)
            .collect()
    }
}

impl WriteTx {
    pub async fn broker_login(&mut self, username: &str) -> Result<Option<BrokerLoginRow>> {
        sqlx::query(&format!("SELECT {COLUMNS} FROM broker_logins WHERE username = $1"))
            .bind(username)
            .fetch_optional(self.conn())
            .await?
            .as_ref()
            .map(decode)
            .transpose()
    }

    /// Issues (or reissues, replacing the hash and lifting a revocation) a login.
    pub async fn issue_broker_login(
        &mut self,
        username: &str,
        kind: LoginKind,
        subject: &str,
        password_hash: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO broker_logins (username, kind, subject, password_hash, issued_at, issued_by) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (username) DO UPDATE SET kind = excluded.kind, \
             subject = excluded.subject, password_hash = excluded.password_hash, issued_at = excluded.issued_at, \
             issued_by = excluded.issued_by, revoked_at = NULL, revoked_by = NULL",
        )
        .bind(username)
        .bind(kind.key())
        .bind(subject)
        .bind(password_hash)
        .bind(to_millis(at))
        .bind(by)
        .execute(self.conn())
        .await?;
        self.append_feed(at, crate::FeedEntity::BrokerLogin, username, "issued", 0).await?;
        Ok(())
    }

    /// Revokes a login; `false` when there is no live one by that name.
    pub async fn revoke_broker_login(&mut self, username: &str, by: &str, at: DateTime<Utc>) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE broker_logins SET revoked_at = $1, revoked_by = $2 WHERE username = $3 AND revoked_at IS NULL",
        )
        .bind(to_millis(at))
        .bind(by)
        .bind(username)
        .execute(self.conn())
        .await?
        .rows_affected()
            > 0;
        if done {
            self.append_feed(at, crate::FeedEntity::BrokerLogin, username, "revoked", 0).await?;
        }
        Ok(done)
    }
}
