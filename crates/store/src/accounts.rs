//! Console accounts: their passwords (argon2 PHC strings, hashed by the api), roles, data scopes, and the
//! sign-in failures that lock them.

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::{from_millis, to_millis, FeedEntity, Result, Store, WriteTx};

/// A console account.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub id: String,
    pub name: String,
    pub role: String,
    pub password_hash: String,
    pub active: bool,
    /// Set by a reset: the next sign-in must choose a new password before anything else.
    pub must_change_password: bool,
    /// Wrong passwords since the last good sign-in.
    pub failed_signins: i64,
    pub locked_until: Option<DateTime<Utc>>,
    /// `redgrid_core::account::DataScope`, encoded.
    pub scope: String,
}

impl Account {
    /// A new active account with the whole township as its scope.
    pub fn new(id: &str, name: &str, role: &str, password_hash: String) -> Account {
        Account {
            id: id.into(),
            name: name.into(),
            role: role.into(),
            password_hash,
            active: true,
            must_change_password: false,
            failed_signins: 0,
            locked_until: None,
            scope: String::new(),
        }
    }
}

const COLUMNS: &str =
    "id, name, role, password_hash, active, must_change_password, failed_signins, locked_until, scope";

fn decode(r: &sqlx::any::AnyRow) -> Result<Account> {
    Ok(Account {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        role: r.try_get("role")?,
        password_hash: r.try_get("password_hash")?,
        active: r.try_get::<i64, _>("active")? != 0,
        must_change_password: r.try_get::<i64, _>("must_change_password")? != 0,
        failed_signins: r.try_get("failed_signins")?,
        locked_until: r.try_get::<Option<i64>, _>("locked_until")?.map(from_millis),
        scope: r.try_get("scope")?,
    })
}

impl Store {
    pub async fn account(&self, id: &str) -> Result<Option<Account>> {
        let sql = format!("SELECT {COLUMNS} FROM accounts WHERE id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(self.read_pool()).await?;
        row.as_ref().map(decode).transpose()
    }

    /// Every account, by id.
    pub async fn accounts(&self) -> Result<Vec<Account>> {
        let sql = format!("SELECT {COLUMNS} FROM accounts ORDER BY id");
        sqlx::query(&sql).fetch_all(self.read_pool()).await?.iter().map(decode).collect()
    }

    pub async fn account_count(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM accounts")
            .fetch_one(self.read_pool())
            .await?
            .try_get("n")?)
    }
}

impl WriteTx {
    /// Reads an account under the write lock, for a change decided on what it holds now.
    pub async fn account(&mut self, id: &str) -> Result<Option<Account>> {
        let sql = format!("SELECT {COLUMNS} FROM accounts WHERE id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&mut *self.tx).await?;
        row.as_ref().map(decode).transpose()
    }

    pub async fn account_count(&mut self) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM accounts").fetch_one(&mut *self.tx).await?.try_get("n")?)
    }

    /// Active administrators other than `except`: the last one may not be disabled or demoted.
    pub async fn other_active_administrators(&mut self, except: &str) -> Result<i64> {
        Ok(sqlx::query(
            "SELECT COUNT(*) AS n FROM accounts WHERE role = 'administrator' AND active = 1 AND id <> $1",
        )
        .bind(except)
        .fetch_one(&mut *self.tx)
        .await?
        .try_get("n")?)
    }

    /// Writes an account whole (created or changed), with its feed entry.
    pub async fn save_account(&mut self, account: &Account, change: &str, at: DateTime<Utc>) -> Result<()> {
        self.upsert_account(account).await?;
        self.append_feed(at, FeedEntity::Account, &account.id, change, 0).await?;
        Ok(())
    }

    /// Writes an account whole, without a feed entry (the demo seed's bulk write).
    pub async fn upsert_account(&mut self, account: &Account) -> Result<()> {
        sqlx::query(
            "INSERT INTO accounts (id, name, role, password_hash, active, must_change_password, failed_signins, \
             locked_until, scope) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role, \
             password_hash = excluded.password_hash, active = excluded.active, \
             must_change_password = excluded.must_change_password, failed_signins = excluded.failed_signins, \
             locked_until = excluded.locked_until, scope = excluded.scope",
        )
        .bind(&account.id)
        .bind(&account.name)
        .bind(&account.role)
        .bind(&account.password_hash)
        .bind(i64::from(account.active))
        .bind(i64::from(account.must_change_password))
        .bind(account.failed_signins)
        .bind(account.locked_until.map(to_millis))
        .bind(&account.scope)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Takes one sign-in attempt before the password is checked, so that attempts made at once cannot all
    /// be checked before any is counted: the count goes up unless the account is locked now (`None`).
    /// An expired lock starts the count again. A good password then clears it.
    pub async fn take_signin_attempt(&mut self, id: &str, at: DateTime<Utc>) -> Result<Option<i64>> {
        let row = sqlx::query(
            "UPDATE accounts SET failed_signins = CASE WHEN locked_until IS NOT NULL AND locked_until <= $2 \
             THEN 1 ELSE failed_signins + 1 END, \
             locked_until = CASE WHEN locked_until IS NOT NULL AND locked_until <= $2 THEN NULL \
             ELSE locked_until END WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2) \
             RETURNING failed_signins",
        )
        .bind(id)
        .bind(to_millis(at))
        .fetch_optional(&mut *self.tx)
        .await?;
        Ok(row.map(|r| r.try_get("failed_signins")).transpose()?)
    }

    pub async fn lock_account(&mut self, id: &str, until: DateTime<Utc>, at: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE accounts SET locked_until = $2 WHERE id = $1")
            .bind(id)
            .bind(to_millis(until))
            .execute(&mut *self.tx)
            .await?;
        self.append_feed(at, FeedEntity::Account, id, "locked", 0).await?;
        Ok(())
    }

    /// A good sign-in: the attempt taken and any expired lock are forgotten.
    pub async fn clear_signin_failures(&mut self, id: &str) -> Result<()> {
        sqlx::query("UPDATE accounts SET failed_signins = 0, locked_until = NULL WHERE id = $1")
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}
