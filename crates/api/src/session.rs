//! Who sits at a console workstation: sign-in with the account's argon2 password, sign-out, the idle
//! lock, and the actor every console command is taken as.
//!
//! A [`Seat`] is one workstation's sign-in state. The desktop shell holds one; the api checks through it
//! that somebody is signed in and the station is not locked before any command, so a shell cannot forget.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use redgrid_core::account::DataScope;
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
    /// A reset password: the session may do nothing but change it.
    pub must_change_password: bool,
    /// When the password was last given (sign-in or unlock): the session's age runs from the sign-in.
    pub authenticated_at: DateTime<Utc>,
    /// The account's change count when the session opened (`Station::note_account_changed`).
    pub epoch: u64,
    /// The part of the township this person sees and acts on: every console read and act is limited to it.
    pub scope: DataScope,
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
    crate::accounts::is_account_role(role)
}

pub(crate) const BAD_CREDENTIALS: &str = "账号或密码错误";

/// Server-side limits on a seat, behind the window's own idle lock: a seat untouched this long locks, and
/// a session this old must sign in again. The wall screen's read-only account has neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeatLimits {
    pub idle_minutes: i64,
    pub max_session_hours: i64,
}

impl Default for SeatLimits {
    fn default() -> SeatLimits {
        SeatLimits { idle_minutes: 60, max_session_hours: 24 }
    }
}

/// Settings of [`SeatLimits`].
pub const IDLE_LOCK_MINUTES: &str = "idle_lock_minutes";
pub const SESSION_MAX_HOURS: &str = "session_max_hours";

/// One workstation's sign-in state; cheap to clone, every clone shares it.
#[derive(Debug, Clone)]
pub struct Seat {
    station: Station,
    /// A std lock: held only to copy or replace the session, never across an await.
    current: Arc<Mutex<Option<Session>>>,
    /// When the seat was last used, and the limits read at the last sign-in.
    activity: Arc<Mutex<(DateTime<Utc>, SeatLimits)>>,
}

impl Seat {
    /// A seat nobody is signed in at.
    pub fn new(station: Station) -> Seat {
        let now = station.now();
        Seat {
            station,
            current: Arc::new(Mutex::new(None)),
            activity: Arc::new(Mutex::new((now, SeatLimits::default()))),
        }
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

    /// The unlocked session, or the refusal the console turns into its sign-in or lock screen. A seat unused
    /// beyond the idle limit ([`Seat::touch`]) locks here, a session beyond its maximum age ends here, and so
    /// does one whose account an administrator changed since it opened, whatever the window does.
    pub fn session(&self) -> Result<Session> {
        let session = match self.current() {
            None => return Err(ApiError::Unauthenticated("尚未登录，请先登录".into())),
            Some(session) if session.locked => return Err(ApiError::Locked),
            Some(session) if session.must_change_password => return Err(ApiError::MustChangePassword),
            Some(session) => session,
        };
        if self.station.account_epoch(&session.account) != session.epoch {
            self.replace(None);
            tracing::info!(account = %session.account, "session ended: the account was changed");
            return Err(ApiError::Unauthenticated(
                "账号已被管理员变更（停用、角色、范围或密码），请重新登录".into(),
            ));
        }
        let now = self.station.now();
        let activity = self.activity.lock().expect("seat activity lock");
        let (last, limits) = *activity;
        if session.role != Role::Wall {
            if limits.max_session_hours > 0
                && now - session.authenticated_at > chrono::Duration::hours(limits.max_session_hours)
            {
                drop(activity);
                self.replace(None);
                tracing::info!(account = %session.account, "session past its maximum age");
                return Err(ApiError::Unauthenticated(format!(
                    "登录已超过 {} 小时，请重新登录",
                    limits.max_session_hours
                )));
            }
            if limits.idle_minutes > 0 && now - last > chrono::Duration::minutes(limits.idle_minutes) {
                drop(activity);
                let _ = self.lock();
                tracing::info!(account = %session.account, "seat idle: locked");
                return Err(ApiError::Locked);
            }
        }
        Ok(session)
    }

    /// The data scope of the unlocked session: what every console read and act is limited to. Refused
    /// as [`Seat::session`] refuses.
    pub fn scope(&self) -> Result<DataScope> {
        Ok(self.session()?.scope)
    }

    /// The person at the seat used it (a key, a click): the idle limit runs from now. Commands do not count,
    /// because the window's own background reads would keep an empty seat awake.
    pub fn touch(&self) {
        if self.current().is_some_and(|s| !s.locked) {
            self.activity.lock().expect("seat activity lock").0 = self.station.now();
        }
    }

    /// The session even when it must change its password first: for the password change itself.
    pub fn session_for_password_change(&self) -> Result<Session> {
        match self.current() {
            None => Err(ApiError::Unauthenticated("尚未登录，请先登录".into())),
            Some(session) if session.locked => Err(ApiError::Locked),
            Some(session) => Ok(session),
        }
    }

    /// The signed-in person changes their own password; a reset's must-change flag is cleared.
    pub async fn change_password(&self, current: &str, new: &str) -> Result<Session> {
        let session = self.session_for_password_change()?;
        self.station.change_own_password(&session.account, current, new).await?;
        let mut seat = self.current.lock().expect("seat lock");
        match seat.as_mut() {
            Some(now) if now.account == session.account => {
                now.must_change_password = false;
                Ok(now.clone())
            }
            _ => Err(ApiError::Unauthenticated("登录已失效，请重新登录".into())),
        }
    }

    async fn read_limits(&self) -> SeatLimits {
        let default = SeatLimits::default();
        let read = |key: &'static str| async move {
            self.station.store().setting(key).await.ok().flatten().and_then(|v| v.trim().parse::<i64>().ok())
        };
        SeatLimits {
            idle_minutes: read(IDLE_LOCK_MINUTES).await.unwrap_or(default.idle_minutes).max(0),
            max_session_hours: read(SESSION_MAX_HOURS).await.unwrap_or(default.max_session_hours).max(0),
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
        if !self.station.is_demo().await? {
            return Err(ApiError::Forbidden("该数据库不是演示数据库：不能免密登录".into()));
        }
        let stored = self
            .station
            .store()
            .account(account)
            .await?
            .ok_or_else(|| ApiError::Invalid(format!("演示账号 {account} 不存在")))?;
        let session = self.station.session_of(&stored)?;
        self.take_seat(session, "演示模式自动登录").await
    }

    /// Sits `session` at the station. The same officer signing in again (after a restart of the console,
    /// or after the lock screen's 退出) carries on their shift; anyone else, or the same officer after a
    /// sign-out or more than [`SHIFT_HOURS_MAX`] hours, starts a new one.
    async fn take_seat(&self, mut session: Session, reason: &str) -> Result<Session> {
        let actor = session.actor();
        let now = session.signed_in_at;
        let limits = self.read_limits().await;
        let previous = self.current().filter(|p| p.account != session.account);
        if self.station.store().is_read_only() {
            // Viewing only: nothing to record, and no shift to carry on.
            tracing::info!(account = %session.account, "signed in to view a read-only database");
            *self.activity.lock().expect("seat activity lock") = (now, limits);
            self.replace(Some(session.clone()));
            return Ok(session);
        }
        let mut tx = self.station.store().begin_write().await?;
        // Someone else signing in over a locked seat ends that person's session: say so in their name.
        if let Some(previous) = &previous {
            let reason = format!("{}（{}）在此工作站登录，原会话结束", session.name, session.account);
            tx.append_audit(&station_audit(&previous.actor(), now, "sign_out", None, reason)).await?;
        }
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
        *self.activity.lock().expect("seat activity lock") = (now, limits);
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
        let fresh = self.station.check_credentials(&session.account, password).await?;
        let mut current = self.current.lock().expect("seat lock");
        match current.as_mut() {
            // Someone signed out or handed over while the password was being checked.
            Some(now) if now.account == session.account => {
                // What the account is now: its role, a reset's must-change, the change count.
                now.locked = false;
                now.role = fresh.role;
                now.must_change_password = fresh.must_change_password;
                now.epoch = fresh.epoch;
                now.authenticated_at = fresh.authenticated_at;
                now.scope = fresh.scope;
                self.activity.lock().expect("seat activity lock").0 = self.station.now();
                Ok(now.clone())
            }
            _ => Err(ApiError::Unauthenticated("登录已失效，请重新登录".into())),
        }
    }
}

impl Seat {
    /// The live feed's entries for the console at this seat: those within the data scope of whoever
    /// sits at it, locked or not ([`Station::feed_in_scope`]). With nobody signed in, every entry of an
    /// event, task, alert or worker is withheld.
    pub async fn feed_in_scope(
        &self,
        entries: Vec<redgrid_store::FeedEntry>,
    ) -> Result<Vec<crate::scope::ScopedFeedEntry>> {
        let scope = self.current().map_or(DataScope::Grids(Vec::new()), |session| session.scope);
        self.station.feed_in_scope(&scope, entries).await
    }
}

impl Station {
    /// Checks an account's password (argon2, off the async threads) and returns the session it would open.
    /// A wrong password is audited and counts toward the lockout; a locked account is refused before its
    /// password is looked at; the demo password opens nothing outside the demo.
    pub async fn check_credentials(&self, account: &str, password: &str) -> Result<Session> {
        let account = account.trim();
        let stored = self.store().account(account).await?;
        let Some(stored) = stored.filter(|a| a.active) else {
            // Hash anyway so that a wrong account takes as long as a wrong password.
            let _ = tokio::task::spawn_blocking(|| crate::hash_password("timing")).await;
            tracing::warn!(chars = account.chars().count(), "sign-in refused: unknown or inactive account");
            return Err(self.refuse_sign_in(None, "账号不存在或已停用", None).await?);
        };
        let now = self.now();
        // The attempt is counted before the password is checked: attempts made at once cannot all be
        // checked before any of them counts.
        // A database opened for viewing only cannot count attempts: whoever can read the file can read the
        // hashes anyway, and the viewing mode must still let its people in to look.
        let viewing = self.store().is_read_only();
        let attempt = if viewing {
            Some(1)
        } else {
            let mut tx = self.store().begin_write().await?;
            let attempt = tx.take_signin_attempt(&stored.id, now).await?;
            tx.commit().await?;
            attempt
        };
        let lockout = self.lockout().await?;
        let over = |n: i64| lockout.failures > 0 && n > i64::from(lockout.failures);
        let Some(attempt) = attempt.filter(|n| !over(*n)) else {
            // Locked, or beyond the limit while earlier guesses are still being checked: not checked.
            let _ = tokio::task::spawn_blocking(|| crate::hash_password("timing")).await;
            tracing::warn!(account, "sign-in refused: account locked");
            let until = stored
                .locked_until
                .filter(|u| *u > now)
                .unwrap_or(now + chrono::Duration::minutes(lockout.minutes));
            return Err(crate::accounts::locked_message(until));
        };
        if password == crate::DEMO_PASSWORD && !self.is_demo().await? {
            tracing::warn!(account, "sign-in refused: the demo password outside a demo database");
            return Err(self
                .refuse_sign_in(Some(&stored), "演示密码不能用于正式数据库", Some(attempt))
                .await?);
        }
        let hash = stored.password_hash.clone();
        let password = password.to_string();
        let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
            .await
            .map_err(|e| ApiError::Invalid(format!("密码校验失败：{e}")))?;
        if !ok {
            tracing::warn!(account, "sign-in refused: wrong password");
            return Err(self.refuse_sign_in(Some(&stored), "密码错误", Some(attempt)).await?);
        }
        if !viewing {
            let mut tx = self.store().begin_write().await?;
            tx.clear_signin_failures(&stored.id).await?;
            tx.commit().await?;
        }
        let mut session = self.session_of(&stored)?;
        session.must_change_password = stored.must_change_password;
        session.epoch = self.account_epoch(&stored.id);
        Ok(session)
    }

    /// The session a stored account opens. A stored scope that cannot be read opens nothing: widening it
    /// to the township would show the account what its administrator meant to keep from it.
    fn session_of(&self, stored: &redgrid_store::Account) -> Result<Session> {
        let account = stored.id.as_str();
        let role = Role::from_key(&stored.role)
            .filter(|r| is_console_role(*r))
            .ok_or_else(|| ApiError::Forbidden(format!("账号 {account} 的角色不能登录指挥台")))?;
        let scope = DataScope::parse(&stored.scope).ok_or_else(|| {
            tracing::warn!(account, scope = %stored.scope, "sign-in refused: the stored data scope is unreadable");
            ApiError::Forbidden(format!(
                "账号 {account} 的数据范围“{}”无法识别，不能登录，请管理员重新设置数据范围",
                stored.scope
            ))
        })?;
        Ok(Session {
            account: account.to_string(),
            name: stored.name.clone(),
            role,
            scope,
            station: self.station_id().to_string(),
            signed_in_at: self.now(),
            locked: false,
            must_change_password: false,
            authenticated_at: self.now(),
            epoch: self.account_epoch(account),
        })
    }
}
