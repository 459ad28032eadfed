//! Who sits at a console workstation: sign-in with the account's argon2 password, sign-out, the idle
//! lock, and the actor every console command is taken as.
//!
//! A [`Seat`] is one workstation's sign-in state. The desktop shell holds one; the api checks through it
//! that somebody is signed in and the station is not locked before any command, so a shell cannot forget.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use redgrid_core::acts::{self, StationAct};
use redgrid_core::closed_loop::{Actor, Role};

use redgrid_store::shifts::{HandoverRow, SeatRow};

use crate::{station_audit, verify_password, ApiError, Result, Station};

/// A shift longer than this is not carried on by signing in again: it is a new day's duty.
pub const SHIFT_HOURS_MAX: i64 = 24;

/// What the officer at the seat is told of their shift.
#[derive(Debug, Clone, PartialEq)]
pub struct ShiftBrief {
    pub started_at: DateTime<Utc>,
    /// The handover that began the shift: who handed over, when, and what they wrote.
    pub handover: Option<HandoverRow>,
}

/// The signed-in person at a workstation.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub account: String,
    pub name: String,
    pub role: Role,
    pub station: String,
    /// When this person took the seat (sign-in or handover): the start of their shift.
    pub signed_in_at: DateTime<Utc>,
    pub locked: bool,
}

impl Session {
    /// The actor of every command this person takes.
    pub fn actor(&self) -> Actor {
        Actor {
            id: self.account.clone(),
            name: self.name.clone(),
            role: self.role,
            station: self.station.clone(),
        }
    }

    /// What the console offers this person beyond event actions: every station act, from the one table
    /// the api checks them against (`redgrid_core::acts`).
    pub fn can(&self) -> Vec<(StationAct, bool)> {
        StationAct::ALL.into_iter().map(|act| (act, acts::may(self.role, act))).collect()
    }
}

/// The roles that sign in at the console (terminals and residents have their own channels).
fn is_console_role(role: Role) -> bool {
    matches!(role, Role::DutyOfficer | Role::Commissioner | Role::Leader | Role::Administrator)
}

const BAD_CREDENTIALS: &str = "账号或密码错误";

/// One workstation's sign-in state; cheap to clone, every clone shares it.
#[derive(Debug, Clone)]
pub struct Seat {
    station: Station,
    /// A std lock: held only to copy or replace the session, never across an await.
    current: Arc<Mutex<Option<Session>>>,
}

impl Seat {
    /// A seat nobody is signed in at.
    pub fn new(station: Station) -> Seat {
        Seat { station, current: Arc::new(Mutex::new(None)) }
    }

    pub fn station(&self) -> &Station {
        &self.station
    }

    /// The session, locked or not; `None` when nobody is signed in.
    pub fn current(&self) -> Option<Session> {
        self.current.lock().expect("seat lock").clone()
    }

    /// The actor of a console command: refused when nobody is signed in or the station is locked.
    pub fn actor(&self) -> Result<Actor> {
        Ok(self.session()?.actor())
    }

    /// The unlocked session, or the refusal the console turns into its sign-in or lock screen.
    pub fn session(&self) -> Result<Session> {
        match self.current() {
            None => Err(ApiError::Unauthenticated("尚未登录，请先登录".into())),
            Some(session) if session.locked => Err(ApiError::Locked),
            Some(session) => Ok(session),
        }
    }

    pub(crate) fn replace(&self, session: Option<Session>) {
        *self.current.lock().expect("seat lock") = session;
    }

    /// Signs in with an account's password; audited.
    pub async fn sign_in(&self, account: &str, password: &str) -> Result<Session> {
        let session = self.station.check_credentials(account, password).await?;
        self.take_seat(session, "登录").await
    }

    /// Signs an account in without its password: only for `--demo`, whose accounts all share the
    /// published demo password anyway. Audited like a sign-in, saying so.
    pub async fn sign_in_for_demo(&self, account: &str) -> Result<Session> {
        let stored = self
            .station
            .store()
            .account(account)
            .await?
            .ok_or_else(|| ApiError::Invalid(format!("演示账号 {account} 不存在")))?;
        let session = self.station.session_of(&stored.id, &stored.name, &stored.role)?;
        self.take_seat(session, "演示模式自动登录").await
    }

    /// Sits `session` at the station. The same officer signing in again (after a restart of the console,
    /// or after the lock screen's 退出) carries on their shift; anyone else, or the same officer after a
    /// sign-out or more than [`SHIFT_HOURS_MAX`] hours, starts a new one.
    async fn take_seat(&self, mut session: Session, reason: &str) -> Result<Session> {
        let actor = session.actor();
        let now = session.signed_in_at;
        let mut tx = self.station.store().begin_write().await?;
        let seat = match tx.seat(&session.station).await? {
            Some(seat)
                if seat.account == session.account
                    && now - seat.shift_started_at < chrono::Duration::hours(SHIFT_HOURS_MAX) =>
            {
                seat
            }
            _ => SeatRow {
                station: session.station.clone(),
                account: session.account.clone(),
                shift_started_at: now,
                handover_id: None,
            },
        };
        tx.set_seat(&seat).await?;
        tx.append_audit(&station_audit(&actor, now, "sign_in", None, reason.to_string())).await?;
        tx.commit().await?;
        session.signed_in_at = seat.shift_started_at;
        tracing::info!(account = %session.account, shift_started_at = %seat.shift_started_at, "signed in");
        self.replace(Some(session.clone()));
        Ok(session)
    }

    /// The shift the signed-in officer is on: when it began and the handover (with the outgoing
    /// officer's note) that began it, if one did.
    pub async fn shift_brief(&self) -> Result<ShiftBrief> {
        let session = self.session()?;
        let store = self.station.store();
        let seat = store.seat(&session.station).await?;
        let handover = match seat.filter(|s| s.account == session.account).and_then(|s| s.handover_id) {
            Some(id) => store.handover(id).await?,
            None => None,
        };
        Ok(ShiftBrief { started_at: session.signed_in_at, handover })
    }

    /// Signs out whoever is signed in (locked or not); audited.
    pub async fn sign_out(&self) -> Result<()> {
        let Some(session) = self.current() else { return Ok(()) };
        let mut tx = self.station.store().begin_write().await?;
        tx.append_audit(&station_audit(
            &session.actor(),
            self.station.now(),
            "sign_out",
            None,
            "退出登录".into(),
        ))
        .await?;
        // Signing out ends the shift: the next sign-in, even the same officer's, starts a new one.
        tx.clear_seat(&session.station).await?;
        tx.commit().await?;
        self.replace(None);
        Ok(())
    }

    /// Locks the station (idle lock or 锁屏): every command but unlock, sign-out, session and health is
    /// refused until the same person gives their password.
    pub fn lock(&self) -> Result<()> {
        let mut current = self.current.lock().expect("seat lock");
        match current.as_mut() {
            None => Err(ApiError::Unauthenticated("尚未登录，请先登录".into())),
            Some(session) => {
                session.locked = true;
                Ok(())
            }
        }
    }

    /// Unlocks with the signed-in person's own password.
    pub async fn unlock(&self, password: &str) -> Result<Session> {
        let Some(session) = self.current() else {
            return Err(ApiError::Unauthenticated("尚未登录，请先登录".into()));
        };
        self.station.check_credentials(&session.account, password).await?;
        let mut current = self.current.lock().expect("seat lock");
        match current.as_mut() {
            // Someone signed out or handed over while the password was being checked.
            Some(now) if now.account == session.account => {
                now.locked = false;
                Ok(now.clone())
            }
            _ => Err(ApiError::Unauthenticated("登录已失效，请重新登录".into())),
        }
    }
}

impl Station {
    /// Checks an account's password (argon2, off the async threads) and returns the session it would open.
    pub async fn check_credentials(&self, account: &str, password: &str) -> Result<Session> {
        let account = account.trim();
        let stored = self.store().account(account).await?;
        let Some(stored) = stored.filter(|a| a.active) else {
            // Hash anyway so that a wrong account takes as long as a wrong password.
            let _ = tokio::task::spawn_blocking(|| crate::hash_password("timing")).await;
            tracing::warn!(account, "sign-in refused: unknown or inactive account");
            return Err(ApiError::BadCredentials(BAD_CREDENTIALS.into()));
        };
        let hash = stored.password_hash.clone();
        let password = password.to_string();
        let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
            .await
            .map_err(|e| ApiError::Invalid(format!("密码校验失败：{e}")))?;
        if !ok {
            tracing::warn!(account, "sign-in refused: wrong password");
            return Err(ApiError::BadCredentials(BAD_CREDENTIALS.into()));
        }
        self.session_of(&stored.id, &stored.name, &stored.role)
    }

    fn session_of(&self, account: &str, name: &str, role: &str) -> Result<Session> {
        let role = Role::from_key(role)
            .filter(|r| is_console_role(*r))
            .ok_or_else(|| ApiError::Forbidden(format!("账号 {account} 的角色不能登录指挥台")))?;
        Ok(Session {
            account: account.to_string(),
            name: name.to_string(),
            role,
            station: self.station_id().to_string(),
            signed_in_at: self.now(),
            locked: false,
        })
    }
}
