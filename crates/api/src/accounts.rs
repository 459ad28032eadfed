//! The township's own accounts: the administrator creates, disables, re-enables and resets them, and sets
//! their roles and data scopes; each person changes their own password. Every change is one transaction
//! with its audit record and an `account` feed entry.
//!
//! Passwords pass `redgrid_core::account::check_password` wherever they are chosen; the demo password is
//! honoured only in a database the demo seed built (it writes [`DEMO_MARKER`]).

use chrono::{DateTime, Utc};
use redgrid_core::account::{self, DataScope, Lockout};
use redgrid_core::acts::StationAct;
use redgrid_core::closed_loop::{Actor, Role};
use redgrid_store::Account;

use crate::{allow, hash_password, station_audit, ApiError, Result, Station};

/// The setting the demo seed writes; `--demo`, the simulator and the demo password need it.
pub const DEMO_MARKER: &str = "demo_seed";

/// The password of every demo account; refused in any database the demo seed did not build.
pub const DEMO_PASSWORD: &str = "redgrid-demo";

/// Settings of the sign-in lockout (`redgrid setting set`).
pub const LOCKOUT_FAILURES: &str = "lockout_failures";
pub const LOCKOUT_MINUTES: &str = "lockout_minutes";

/// An account as the administrator's desk and `redgrid account list` show it: never its hash.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountView {
    pub account: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    pub scope: DataScope,
    pub must_change_password: bool,
    pub locked_until: Option<DateTime<Utc>>,
}

impl AccountView {
    fn of(stored: &Account, now: DateTime<Utc>) -> AccountView {
        AccountView {
            account: stored.id.clone(),
            name: stored.name.clone(),
            role: Role::from_key(&stored.role).unwrap_or(Role::Wall),
            active: stored.active,
            scope: DataScope::parse(&stored.scope).unwrap_or_default(),
            must_change_password: stored.must_change_password,
            locked_until: stored.locked_until.filter(|until| *until > now),
        }
    }
}

/// The roles an account may hold: the people at a console and the wall screen.
pub fn is_account_role(role: Role) -> bool {
    matches!(role, Role::DutyOfficer | Role::Commissioner | Role::Leader | Role::Administrator | Role::Wall)
}

/// An account name: 2–32 of `a-z 0-9 . _ -`, starting with a letter or digit (it is typed at sign-in and
/// named on the command line, so it stays plain).
pub(crate) fn check_account_name(id: &str) -> Result<()> {
    let ok = (2..=32).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        && id.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(ApiError::Invalid(format!(
            "账号名“{id}”不可用：需 2–32 个字符，只含小写字母、数字和 . _ -，以字母或数字开头"
        )))
    }
}

/// Refuses a password the policy does not accept, saying why in Chinese.
pub fn check_new_password(account: &str, password: &str) -> Result<()> {
    account::check_password(account, password).map_err(|weak| ApiError::WeakPassword(weak.to_string()))
}

impl Station {
    /// Whether the demo seed built this database.
    pub async fn is_demo(&self) -> Result<bool> {
        Ok(self.store().setting(DEMO_MARKER).await?.is_some())
    }

    /// The lockout rule in force: the settings, else five failures for fifteen minutes.
    pub async fn lockout(&self) -> Result<Lockout> {
        let default = Lockout::default();
        let read = |v: Option<String>| v.and_then(|v| v.trim().parse::<i64>().ok());
        let failures = read(self.store().setting(LOCKOUT_FAILURES).await?);
        let minutes = read(self.store().setting(LOCKOUT_MINUTES).await?);
        Ok(Lockout {
            failures: failures.map_or(default.failures, |f| f.clamp(0, 100) as u32),
            minutes: minutes.map_or(default.minutes, |m| m.clamp(1, 24 * 60)),
        })
    }

    pub async fn accounts(&self, actor: &Actor) -> Result<Vec<AccountView>> {
        allow(actor.role, StationAct::ManageAccounts)?;
        let now = self.now();
        Ok(self.store().accounts().await?.iter().map(|a| AccountView::of(a, now)).collect())
    }

    /// Creates an account that signs in with `password` at once.
    pub async fn add_account(
        &self,
        actor: &Actor,
        id: &str,
        name: Option<&str>,
        role: Role,
        password: &str,
    ) -> Result<AccountView> {
        allow(actor.role, StationAct::ManageAccounts)?;
        let id = id.trim();
        check_account_name(id)?;
        if !is_account_role(role) {
            return Err(ApiError::Invalid(format!("账号不能是{}角色", role.name_zh())));
        }
        check_new_password(id, password)?;
        let name = name.map(str::trim).filter(|n| !n.is_empty()).unwrap_or(id);
        let hash = hash_off_thread(password).await?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        if tx.account(id).await?.is_some() {
            return Err(ApiError::Conflict(format!("账号 {id} 已存在")));
        }
        let stored = Account::new(id, name, role.key(), hash);
        tx.save_account(&stored, "added", now).await?;
        let reason = format!("新建账号 {id}（{name}，{}）", role.name_zh());
        tx.append_audit(&station_audit(actor, now, "account_add", None, reason)).await?;
        tx.commit().await?;
        tracing::info!(account = id, role = role.key(), by = %actor.id, "account added");
        Ok(AccountView::of(&stored, now))
    }

    /// Disables or re-enables an account; the last active administrator cannot be disabled.
    pub async fn set_account_active(&self, actor: &Actor, id: &str, active: bool) -> Result<AccountView> {
        let (command, what) =
            if active { ("account_enable", "启用") } else { ("account_disable", "停用") };
        self.change_account(actor, id, command, |stored, others| {
            if !active && stored.role == Role::Administrator.key() && stored.active && others == 0 {
                return Err(ApiError::LastAdministrator(
                    "不能停用最后一个在用的管理员账号，请先启用或新建另一个管理员".into(),
                ));
            }
            stored.active = active;
            Ok(format!("{what}账号 {}", stored.id))
        })
        .await
    }

    /// Sets a new password the account must change at its next sign-in; lifts a lockout.
    pub async fn reset_password(&self, actor: &Actor, id: &str, password: &str) -> Result<AccountView> {
        allow(actor.role, StationAct::ManageAccounts)?;
        check_new_password(id.trim(), password)?;
        let hash = hash_off_thread(password).await?;
        self.change_account(actor, id, "account_reset", move |stored, _| {
            stored.password_hash = hash;
            stored.must_change_password = true;
            stored.failed_signins = 0;
            stored.locked_until = None;
            Ok(format!("重置账号 {} 的密码（下次登录须修改）", stored.id))
        })
        .await
    }

    /// Gives an account another role; the last active administrator cannot be demoted.
    pub async fn set_account_role(&self, actor: &Actor, id: &str, role: Role) -> Result<AccountView> {
        if !is_account_role(role) {
            return Err(ApiError::Invalid(format!("账号不能是{}角色", role.name_zh())));
        }
        self.change_account(actor, id, "account_role", move |stored, others| {
            let was = Role::from_key(&stored.role).map_or("未知", |r| r.name_zh());
            if stored.role == Role::Administrator.key()
                && role != Role::Administrator
                && stored.active
                && others == 0
            {
                return Err(ApiError::LastAdministrator("不能更改最后一个在用的管理员账号的角色".into()));
            }
            stored.role = role.key().into();
            Ok(format!("账号 {} 的角色：{was} → {}", stored.id, role.name_zh()))
        })
        .await
    }

    /// Sets the part of the township an account sees; every code must be a grid of this station.
    pub async fn set_account_scope(&self, actor: &Actor, id: &str, scope: DataScope) -> Result<AccountView> {
        allow(actor.role, StationAct::ManageAccounts)?;
        if let Some(codes) = scope.prefixes() {
            for code in codes {
                if self.store().grid_node(code).await?.is_none() {
                    return Err(ApiError::UnknownGrid(code.clone()));
                }
            }
        }
        self.change_account(actor, id, "account_scope", move |stored, _| {
            stored.scope = scope.encode();
            Ok(format!("账号 {} 的数据范围：{}", stored.id, scope.describe_zh()))
        })
        .await
    }

    /// One administrator's change to one account: read under the write lock, changed by `change` (which
    /// is told how many other active administrators there are), saved, audited.
    async fn change_account(
        &self,
        actor: &Actor,
        id: &str,
        command: &str,
        change: impl FnOnce(&mut Account, i64) -> Result<String>,
    ) -> Result<AccountView> {
        allow(actor.role, StationAct::ManageAccounts)?;
        let id = id.trim();
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let mut stored =
            tx.account(id).await?.ok_or_else(|| ApiError::Invalid(format!("账号 {id} 不存在")))?;
        let others = tx.other_active_administrators(id).await?;
        let reason = change(&mut stored, others)?;
        tx.save_account(&stored, "updated", now).await?;
        tx.append_audit(&station_audit(actor, now, command, None, reason)).await?;
        tx.commit().await?;
        self.note_account_changed(id);
        tracing::info!(account = id, command, by = %actor.id, "account changed");
        Ok(AccountView::of(&stored, now))
    }

    /// A person changes their own password, giving the current one; clears a reset's must-change flag.
    pub async fn change_own_password(&self, account: &str, current: &str, new: &str) -> Result<()> {
        let session = self.check_credentials(account, current).await?;
        check_new_password(&session.account, new)?;
        if new == current {
            return Err(ApiError::WeakPassword("新密码不能与原密码相同".into()));
        }
        let hash = hash_off_thread(new).await?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let mut stored = tx
            .account(&session.account)
            .await?
            .ok_or_else(|| ApiError::Invalid(format!("账号 {account} 不存在")))?;
        stored.password_hash = hash;
        stored.must_change_password = false;
        // `passwd`, not `updated`: one's own change ends no session.
        tx.save_account(&stored, "passwd", now).await?;
        tx.append_audit(&station_audit(&session.actor(), now, "account_passwd", None, "修改本人密码".into()))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a refused sign-in in the audit log and, for an attempt already counted (`attempt`, see
    /// `WriteTx::take_signin_attempt`), locks the account when it reaches the limit. Returns the refusal
    /// to give. It fails closed: when the refusal cannot be recorded, the error is returned instead.
    pub(crate) async fn refuse_sign_in(
        &self,
        stored: Option<&Account>,
        why: &str,
        attempt: Option<i64>,
    ) -> Result<ApiError> {
        if self.store().is_read_only() {
            return Ok(ApiError::BadCredentials(crate::session::BAD_CREDENTIALS.into()));
        }
        let now = self.now();
        let lockout = self.lockout().await?;
        let mut tx = self.store().begin_write().await?;
        let mut refusal = ApiError::BadCredentials(crate::session::BAD_CREDENTIALS.into());
        let mut reason = format!("登录失败：{why}");
        if let (Some(stored), Some(failures)) = (stored, attempt) {
            reason = format!("{reason}（连续第 {failures} 次）");
            if let Some(until) = lockout.after_failure(failures as u32, now) {
                tx.lock_account(&stored.id, until, now).await?;
                reason = format!("{reason}，账号锁定至 {}", local_time(until));
                refusal = locked_message(until);
            }
        }
        // An unknown name is not recorded as typed: people type their password into the wrong field.
        let actor = Actor {
            id: stored.map_or_else(|| "unknown".into(), |s| s.id.clone()),
            name: stored.map_or_else(|| "（未知账号）".into(), |s| s.name.clone()),
            role: stored.and_then(|s| Role::from_key(&s.role)).unwrap_or(Role::Wall),
            station: self.station_id().into(),
        };
        tx.append_audit(&station_audit(&actor, now, "sign_in_failed", None, reason)).await?;
        tx.commit().await?;
        Ok(refusal)
    }
}

/// The refusal for a locked account, with when it opens again.
pub(crate) fn locked_message(until: DateTime<Utc>) -> ApiError {
    ApiError::AccountLocked(format!(
        "连续输错密码次数过多，账号已锁定至 {}，请稍后再试或联系管理员解锁（重置密码）",
        local_time(until)
    ))
}

/// `MM-DD HH:MM` in Asia/Shanghai, as a person reads a time in a message.
pub(crate) fn local_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&redgrid_core::time::shanghai()).format("%m-%d %H:%M").to_string()
}

/// argon2 takes a noticeable fraction of a second: never on the async threads.
async fn hash_off_thread(password: &str) -> Result<String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| ApiError::Invalid(format!("密码处理失败：{e}")))?
}
