//! Broker logins of terminals, NVRs and report sources (`redgrid terminal issue|revoke|list`), and the
//! station-managed broker that enforces them.
//!
//! A login is issued by the administrator; its password is shown once and only its hash is stored. The
//! station that runs the managed broker writes the broker's password file and ACL from these rows at start
//! and again whenever a login is issued or revoked, here or by another process on the same database (the
//! feed follower sees the `broker_login` entry).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use redgrid_bus::managed::{self, Login, ManagedBroker, SIM_LOGIN, STATION_LOGIN};
use redgrid_core::acts::StationAct;
use redgrid_core::closed_loop::Actor;
use redgrid_store::broker_logins::{BrokerLoginRow, LoginKind};

use crate::{allow, station_audit, ApiError, Result, Station};

/// The managed broker and the station's own secrets for it.
pub struct ManagedHandle {
    pub broker: ManagedBroker,
    pub station_password: String,
    pub sim_password: String,
}

impl std::fmt::Debug for ManagedHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManagedHandle").field("url", &self.broker.url()).finish_non_exhaustive()
    }
}

/// A login just issued: the password is in here and nowhere else.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuedLogin {
    pub username: String,
    pub kind: LoginKind,
    pub subject: String,
    pub password: String,
    pub issued_at: DateTime<Utc>,
}

/// A login as listed (never with a password or hash).
#[derive(Debug, Clone, PartialEq)]
pub struct LoginView {
    pub username: String,
    pub kind: LoginKind,
    pub subject: String,
    pub issued_at: DateTime<Utc>,
    pub issued_by: String,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<String>,
}

impl From<BrokerLoginRow> for LoginView {
    fn from(row: BrokerLoginRow) -> Self {
        LoginView {
            username: row.username,
            kind: row.kind,
            subject: row.subject,
            issued_at: row.issued_at,
            issued_by: row.issued_by,
            revoked_at: row.revoked_at,
            revoked_by: row.revoked_by,
        }
    }
}

/// The broker username of a login: the worker id itself (OwnTracks puts the username in its topic, and
/// the ACL lets a worker write only under its own id), `nvr-<name>`, `source-<name>`.
pub fn username_of(kind: LoginKind, subject: &str) -> String {
    match kind {
        LoginKind::Worker => subject.to_string(),
        LoginKind::Nvr => format!("nvr-{subject}"),
        LoginKind::Source => format!("source-{subject}"),
    }
}

/// A name that goes into topics, the password file (`name:hash`) and the ACL (`user name`).
fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.chars().count() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !ok {
        return Err(ApiError::Invalid(format!(
            "名称“{name}”不可用作消息服务器登录名：只能用 1–64 个英文字母、数字、- _ ."
        )));
    }
    if name == STATION_LOGIN || name == SIM_LOGIN {
        return Err(ApiError::Invalid(format!("“{name}”是站点保留的登录名")));
    }
    Ok(())
}

impl Station {
    /// Issues (or reissues) the broker login of a worker's terminal, an NVR or a report source. The old
    /// password, if any, stops working when the station running the broker reloads it: its feed follower
    /// does so on the `broker_login` entry, whichever process on the database wrote it.
    pub async fn issue_broker_login(
        &self,
        actor: &Actor,
        kind: LoginKind,
        subject: &str,
    ) -> Result<IssuedLogin> {
        allow(actor.role, StationAct::ManageTerminals)?;
        let subject = subject.trim();
        check_name(subject)?;
        if kind == LoginKind::Worker && self.store().worker(subject, &self.scheme()).await?.is_none() {
            return Err(ApiError::NotFound(format!("网格员 {subject}")));
        }
        let username = username_of(kind, subject);
        let password = managed::new_password();
        let hash = managed::hash_password(&password);
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let reissue = tx.broker_login(&username).await?.is_some();
        tx.issue_broker_login(&username, kind, subject, &hash, &actor.id, now).await?;
        let reason = format!(
            "{}{}登录 {username}{}",
            if reissue { "重新签发" } else { "签发" },
            kind.name_zh(),
            if reissue { "（旧密码作废）" } else { "" }
        );
        tx.append_audit(&station_audit(actor, now, "broker_login_issued", None, reason)).await?;
        tx.commit().await?;
        tracing::info!(%username, kind = kind.key(), by = %actor.id, "broker login issued");
        Ok(IssuedLogin { username, kind, subject: subject.to_string(), password, issued_at: now })
    }

    /// Revokes a login by username (a worker's is the worker id).
    pub async fn revoke_broker_login(&self, actor: &Actor, username: &str) -> Result<LoginView> {
        allow(actor.role, StationAct::ManageTerminals)?;
        let username = username.trim();
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let Some(row) = tx.broker_login(username).await? else {
            return Err(ApiError::NotFound(format!("消息服务器登录 {username}")));
        };
        if !tx.revoke_broker_login(username, &actor.id, now).await? {
            return Err(ApiError::Conflict(format!("登录 {username} 已于此前吊销")));
        }
        let reason = format!("吊销{}登录 {username}", row.kind.name_zh());
        tx.append_audit(&station_audit(actor, now, "broker_login_revoked", None, reason)).await?;
        tx.commit().await?;
        tracing::info!(%username, by = %actor.id, "broker login revoked");
        Ok(LoginView { revoked_at: Some(now), revoked_by: Some(actor.id.clone()), ..row.into() })
    }

    pub async fn broker_login_list(&self, actor: &Actor) -> Result<Vec<LoginView>> {
        allow(actor.role, StationAct::ManageTerminals)?;
        Ok(self.store().broker_logins().await?.into_iter().map(LoginView::from).collect())
    }

    /// Every login the managed broker accepts: the station's, the simulator's and every live issued one.
    pub async fn managed_logins(&self, station_password: &str, sim_password: &str) -> Result<Vec<Login>> {
        let topics = self.topics();
        let mut logins = vec![
            Login {
                username: STATION_LOGIN.into(),
                password_hash: managed::hash_password(station_password),
                acl: managed::station_acl(&topics),
            },
            Login {
                username: SIM_LOGIN.into(),
                password_hash: managed::hash_password(sim_password),
                acl: vec![(managed::Access::ReadWrite, "#".into())],
            },
        ];
        for row in self.store().broker_logins().await? {
            if row.revoked_at.is_some() {
                continue;
            }
            let acl = match row.kind {
                LoginKind::Worker => managed::worker_acl(&topics, &row.subject),
                LoginKind::Nvr => managed::nvr_acl(&topics, &row.subject),
                LoginKind::Source => managed::source_acl(&topics, &row.subject),
            };
            logins.push(Login { username: row.username, password_hash: row.password_hash, acl });
        }
        Ok(logins)
    }

    /// The managed broker this station runs, if it runs one.
    pub fn managed_broker(&self) -> Option<Arc<ManagedHandle>> {
        self.managed.lock().expect("managed broker lock").clone()
    }

    pub(crate) fn set_managed_broker(&self, handle: Option<Arc<ManagedHandle>>) {
        *self.managed.lock().expect("managed broker lock") = handle;
    }

    /// Makes the managed broker (if this station runs one) take the logins as they are stored now.
    pub async fn reload_broker(&self) {
        let Some(handle) = self.managed_broker() else { return };
        match self.managed_logins(&handle.station_password, &handle.sim_password).await {
            Ok(logins) => {
                if let Err(error) = handle.broker.reload(&logins) {
                    tracing::error!(%error, "reloading the broker's logins failed");
                }
            }
            Err(error) => tracing::error!(%error, "reading the broker's logins failed"),
        }
    }
}

/// An OwnTracks configuration (`.otrc`) for a worker's phone: MQTT mode, this login, the station's broker
/// as the phone reaches it, and the settings `docs/mqtt.md` asks for.
pub fn otrc(host: &str, port: u16, tls: bool, login: &IssuedLogin, tid: &str) -> serde_json::Value {
    serde_json::json!({
        "_type": "configuration",
        "mode": 0,
        "host": host,
        "port": port,
        "tls": tls,
        "auth": true,
        "username": login.username,
        "password": login.password,
        "deviceId": "phone",
        "tid": tid,
        "pubQos": 1,
        "pubRetain": true,
        "cleanSession": false,
        "keepalive": 60,
        "monitoring": 1,
    })
}

/// The managed broker's folder when none is given: beside a SQLite file (`<file>.broker/`), else under the
/// user's data folder by port.
pub fn default_broker_dir(store_url: &str, listen: std::net::SocketAddr) -> std::path::PathBuf {
    if let Some(file) = redgrid_store::backup::sqlite_file(store_url) {
        let mut name = file.into_os_string();
        name.push(".broker");
        return name.into();
    }
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("redgrid").join(format!("broker-{}", listen.port()))
}
