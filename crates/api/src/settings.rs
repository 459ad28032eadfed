//! The station settings an administrator may change (`redgrid setting list|set`), each checked against its
//! range, audited, and announced on the feed so that every station re-reads its rules.

use redgrid_core::acts::StationAct;
use redgrid_core::closed_loop::Actor;

use crate::{allow, station_audit, ApiError, Result, Station};

/// What a setting holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingKind {
    /// A whole number in a range.
    Int { min: i64, max: i64 },
    /// Text up to so many characters.
    Text { max_chars: usize },
}

/// One setting: its key, what it is called, what it holds and its default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettingSpec {
    pub key: &'static str,
    pub name_zh: &'static str,
    pub kind: SettingKind,
    pub default: &'static str,
}

const fn int(
    key: &'static str,
    name_zh: &'static str,
    min: i64,
    max: i64,
    default: &'static str,
) -> SettingSpec {
    SettingSpec { key, name_zh, kind: SettingKind::Int { min, max }, default }
}

/// Every setting the station reads. The response levels, the calendar and the time-limit table have their
/// own commands.
pub const SETTINGS: &[SettingSpec] = &[
    SettingSpec {
        key: "centre_name",
        name_zh: "综治中心名称",
        kind: SettingKind::Text { max_chars: 60 },
        default: "",
    },
    int("task_ack_minutes", "任务签收时限（分钟，平时）", 1, 240, "10"),
    int("wartime_percent", "战时时限比例（%，旧版平战切换）", 10, 100, "50"),
    int(crate::accounts::LOCKOUT_FAILURES, "连续输错几次锁定账号（0 为不锁）", 0, 100, "5"),
    int(crate::accounts::LOCKOUT_MINUTES, "账号锁定分钟数", 1, 1440, "15"),
    int(crate::session::IDLE_LOCK_MINUTES, "无操作锁屏（分钟，站点侧，0 为不锁）", 0, 1440, "60"),
    int(crate::session::SESSION_MAX_HOURS, "登录最长时长（小时，0 为不限）", 0, 72, "24"),
    int(crate::callup::RECALL_AFTER, "叫应未应答重呼间隔（秒）", 1, 86_400, "300"),
    int(crate::callup::BACKUP_AFTER, "叫应未应答转呼备岗（秒）", 1, 86_400, "900"),
    SettingSpec {
        key: crate::backup::BACKUP_DIR,
        name_zh: "每日备份目录（未设置时为数据库旁的 backups 目录）",
        kind: SettingKind::Text { max_chars: 400 },
        default: "",
    },
    int(crate::backup::BACKUP_HOUR, "每日备份时刻（北京时间，几点之后）", 0, 23, "3"),
    int(crate::backup::BACKUP_KEEP, "保留每日备份份数（0 为不自动备份）", 0, 365, "14"),
];

/// A setting with the value in force.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingValue {
    pub spec: SettingSpec,
    pub value: String,
    pub is_default: bool,
}

impl Station {
    pub async fn settings_list(&self) -> Result<Vec<SettingValue>> {
        let mut out = Vec::with_capacity(SETTINGS.len());
        for spec in SETTINGS {
            let stored = self.store().setting(spec.key).await?;
            out.push(SettingValue {
                spec: *spec,
                is_default: stored.is_none(),
                value: stored.unwrap_or_else(|| spec.default.to_string()),
            });
        }
        Ok(out)
    }

    /// Sets one setting; the administrator's act, audited with the old and new value.
    pub async fn change_setting(&self, actor: &Actor, key: &str, value: &str) -> Result<SettingValue> {
        allow(actor.role, StationAct::EditSettings)?;
        let spec = SETTINGS.iter().find(|s| s.key == key.trim()).ok_or_else(|| {
            let keys: Vec<&str> = SETTINGS.iter().map(|s| s.key).collect();
            ApiError::Invalid(format!("未知的设置“{}”：可设置 {}", key.trim(), keys.join("、")))
        })?;
        let value = value.trim();
        match spec.kind {
            SettingKind::Int { min, max } => match value.parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => {}
                _ => {
                    return Err(ApiError::Invalid(format!(
                        "{}须为 {min}–{max} 的整数，收到“{value}”",
                        spec.name_zh
                    )))
                }
            },
            SettingKind::Text { max_chars } => {
                if value.is_empty()
                    || value.chars().count() > max_chars
                    || value.chars().any(char::is_control)
                {
                    return Err(ApiError::Invalid(format!(
                        "{}须为 1–{max_chars} 个字，不含控制字符",
                        spec.name_zh
                    )));
                }
            }
        }
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let old = tx.setting(spec.key).await?.unwrap_or_else(|| spec.default.to_string());
        tx.set_setting(spec.key, value, now).await?;
        let reason = format!("{}：{old} → {value}", spec.name_zh);
        tx.append_audit(&station_audit(actor, now, "setting_set", Some((&old, value)), reason)).await?;
        tx.commit().await?;
        self.reload_rules().await?;
        tracing::info!(key = spec.key, by = %actor.id, "setting changed");
        Ok(SettingValue { spec: *spec, value: value.to_string(), is_default: false })
    }
}
