//! Day zero: a township's own station, without demo data (`redgrid init` and the console's first-run
//! screen).
//!
//! It writes what the demo seed writes except demo people and events: the grid levels, the township and
//! its villages as grids (from the shipped Guigang division files or a folder of any prefecture's), the
//! standard time limits, the shipped calendar, peacetime, the centre's name — and the first administrator,
//! with a password the policy accepts. It refuses a database that has accounts or the demo marker, so it
//! can never be run over a station in use.

use std::collections::HashMap;
use std::path::PathBuf;

use redgrid_core::closed_loop::{Actor, Role};
use redgrid_core::grid::LevelScheme;
use redgrid_core::time_limit::{Mode, TimeLimitPolicy};
use redgrid_store::{Account, FeedEntity};

use crate::accounts::check_new_password;
use crate::divisions::{Divisions, GUIGANG};
use crate::{hash_password, import, station_audit, ApiError, Result, Station};

/// What the person setting the station up chose.
#[derive(Debug, Clone)]
pub struct InitSpec {
    pub centre_name: String,
    /// A township's 9-digit division code.
    pub township_code: String,
    pub admin_account: String,
    pub admin_name: Option<String>,
    pub admin_password: String,
    /// A folder of division files; `None` for the shipped Guigang ones.
    pub divisions: Option<PathBuf>,
}

/// What was written.
#[derive(Debug, Clone, PartialEq)]
pub struct InitSummary {
    pub centre_name: String,
    pub township_code: String,
    pub township_name: String,
    pub villages: usize,
    pub admin_account: String,
}

/// A township of a division set, for the first-run screen's choice.
#[derive(Debug, Clone, PartialEq)]
pub struct TownshipChoice {
    pub code: String,
    pub name: String,
    pub county_name: String,
    pub villages: usize,
}

/// The shipped division files, or a folder's.
pub async fn divisions(dir: Option<&std::path::Path>) -> Result<(Divisions, String)> {
    match dir {
        Some(dir) => import::read_division_dir(dir).await,
        None => Ok((
            Divisions::parse(GUIGANG).map_err(|e| ApiError::Invalid(e.to_string()))?,
            GUIGANG.centres.to_string(),
        )),
    }
}

/// The townships a station could be set up for, by county then code.
pub fn township_choices(divisions: &Divisions) -> Vec<TownshipChoice> {
    let mut choices: Vec<TownshipChoice> = divisions
        .townships
        .values()
        .map(|t| TownshipChoice {
            code: t.code.clone(),
            name: t.name.clone(),
            county_name: divisions.counties.get(&t.county_code).map(|c| c.name.clone()).unwrap_or_default(),
            villages: divisions.villages_of(&t.code).count(),
        })
        .collect();
    choices.sort_by(|a, b| a.code.cmp(&b.code));
    choices
}

impl Station {
    /// Whether this database still waits for its first run: no accounts and no demo data.
    pub async fn needs_init(&self) -> Result<bool> {
        Ok(self.store().account_count().await? == 0 && !self.is_demo().await?)
    }

    /// Sets a new station up (see the module's documentation); one transaction, audited as the new
    /// administrator's first act.
    pub async fn init(&self, spec: &InitSpec) -> Result<InitSummary> {
        if self.store().account_count().await? > 0 || self.is_demo().await? {
            return Err(ApiError::Conflict("该数据库已初始化（已有账号或演示数据），不能再次初始化".into()));
        }
        let centre_name = spec.centre_name.trim();
        if centre_name.is_empty() || centre_name.chars().count() > 60 {
            return Err(ApiError::Invalid("请填写综治中心名称（不超过 60 个字）".into()));
        }
        let account = spec.admin_account.trim();
        crate::accounts::check_account_name(account)?;
        check_new_password(account, &spec.admin_password)?;
        let (divisions, centres) = divisions(spec.divisions.as_deref()).await?;
        let Some(township) = divisions.townships.get(spec.township_code.trim()).cloned() else {
            return Err(ApiError::Invalid(format!("区划文件中没有乡镇代码 {}", spec.township_code.trim())));
        };
        // Only this township's grids: a station is one township's centre.
        let grids =
            import::division_grids(self, &divisions, &centres, Some(&township.code), &HashMap::new())?;
        if grids.len() < 2 {
            return Err(ApiError::Invalid(format!("乡镇 {} 在区划文件中没有村（社区）", township.name)));
        }
        let scheme = LevelScheme::guigang();
        let name = spec.admin_name.as_deref().map(str::trim).filter(|n| !n.is_empty()).unwrap_or("管理员");
        let hash = {
            let password = spec.admin_password.clone();
            tokio::task::spawn_blocking(move || hash_password(&password))
                .await
                .map_err(|e| ApiError::Invalid(format!("密码处理失败：{e}")))??
        };
        let admin = Account::new(account, name, Role::Administrator.key(), hash);
        let actor = Actor {
            id: account.into(),
            name: name.into(),
            role: Role::Administrator,
            station: self.station_id().into(),
        };
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        // Checked again under the write lock: two first runs at once must not both succeed.
        if tx.account_count().await? > 0 {
            return Err(ApiError::Conflict("该数据库已初始化（已有账号），不能再次初始化".into()));
        }
        tx.save_level_scheme(&scheme).await?;
        tx.upsert_grids(&grids, &scheme).await?;
        tx.save_policy(&TimeLimitPolicy::standard()).await?;
        tx.save_calendar(&crate::calendar::shipped_calendar()).await?;
        tx.set_setting("mode", Mode::Peacetime.key(), now).await?;
        tx.set_setting("township", &township.code, now).await?;
        tx.set_setting("centre_name", centre_name, now).await?;
        tx.save_account(&admin, "added", now).await?;
        let reason = format!(
            "初始化站点：{centre_name}，{}（{}），村（社区）{} 个，管理员 {account}",
            township.name,
            township.code,
            grids.len() - 1
        );
        tx.append_audit(&station_audit(&actor, now, "init", None, reason)).await?;
        tx.append_feed(now, FeedEntity::Grid, &township.code, "imported", 0).await?;
        tx.commit().await?;
        self.reload_rules().await?;
        tracing::info!(township = %township.code, admin = account, "station initialised");
        Ok(InitSummary {
            centre_name: centre_name.into(),
            township_code: township.code.clone(),
            township_name: township.name.clone(),
            villages: grids.len() - 1,
            admin_account: account.into(),
        })
    }
}
