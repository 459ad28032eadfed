//! Camera-alert triage: an alert is new until an officer dismisses it as a false alarm, turns it into an
//! event, or attaches it to an existing one. Bursts — one camera, one kind, alerts close together — are
//! shown and triaged as one row with a count.

use chrono::{DateTime, Duration, Utc};
use redgrid_core::account::DataScope;
use redgrid_core::acts::StationAct;
use redgrid_core::closed_loop::{Actor, NewEvent};
use redgrid_core::event::{Category, Severity, Source};
use redgrid_core::grid::GridCode;
use redgrid_store::feeds::AlertRow;

use crate::scope::{self, covers_alert_grid};
use crate::{station_audit, ApiError, Result, Station};

/// Alerts of one camera and kind, each within `window` of the one before.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertGroup {
    pub camera_name: String,
    /// The camera's RedGrid name, for people; `camera_name` is the NVR's.
    pub camera_label: Option<String>,
    pub kind: String,
    pub priority: i64,
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
    /// Newest first.
    pub alerts: Vec<AlertRow>,
    /// The drill whose injector sent these alerts; a drill's alerts are never grouped with real ones.
    pub drill_id: Option<String>,
}

/// The drill a native alert source names (`alerts/drill-<id>`), if it is a drill's.
pub fn drill_of_nvr(nvr: &str) -> Option<&str> {
    nvr.strip_prefix("drill-")
}

impl AlertGroup {
    pub fn ids(&self) -> Vec<i64> {
        self.alerts.iter().map(|a| a.id).collect()
    }
}

/// Groups alerts into bursts; groups come highest priority first, then newest first.
pub fn group_bursts(mut alerts: Vec<AlertRow>, window: Duration) -> Vec<AlertGroup> {
    let drill = |a: &AlertRow| drill_of_nvr(&a.nvr).map(String::from);
    alerts.sort_by(|a, b| {
        (drill(a), &a.camera_name, &a.kind, a.last_at).cmp(&(drill(b), &b.camera_name, &b.kind, b.last_at))
    });
    let mut groups: Vec<AlertGroup> = Vec::new();
    for alert in alerts {
        let joins = groups.last().is_some_and(|g: &AlertGroup| {
            g.drill_id == drill(&alert)
                && g.camera_name == alert.camera_name
                && g.kind == alert.kind
                && alert.last_at - g.last_at <= window
        });
        if joins {
            let group = groups.last_mut().expect("checked above");
            group.priority = group.priority.max(alert.priority);
            group.last_at = alert.last_at;
            group.alerts.insert(0, alert);
        } else {
            groups.push(AlertGroup {
                camera_name: alert.camera_name.clone(),
                camera_label: alert.camera_label.clone(),
                kind: alert.kind.clone(),
                priority: alert.priority,
                first_at: alert.first_at,
                last_at: alert.last_at,
                drill_id: drill(&alert),
                alerts: vec![alert],
            });
        }
    }
    groups.sort_by(|a, b| b.priority.cmp(&a.priority).then(b.last_at.cmp(&a.last_at)));
    groups
}

/// What the officer decided to make of an alert that becomes an event.
#[derive(Debug, Clone)]
pub struct AlertToEvent {
    pub title: String,
    pub category: Category,
    pub severity: Severity,
    /// Needed when the alert's camera is unknown to RedGrid (no grid of its own).
    pub grid: Option<String>,
}

/// The default window within which alerts of one camera and kind form one burst.
pub fn burst_window() -> Duration {
    Duration::minutes(10)
}

impl Station {
    /// Alerts awaiting triage, grouped into bursts.
    pub async fn alert_groups(&self, limit: i64) -> Result<Vec<AlertGroup>> {
        Ok(group_bursts(self.store().new_alerts(limit).await?, burst_window()))
    }

    /// [`Station::alert_groups`] limited to a data scope: the alerts of its cameras (in the query, so the
    /// limit counts only what may be shown); an unknown camera's alerts only for the township.
    pub async fn alert_groups_in_scope(&self, scope: &DataScope, limit: i64) -> Result<Vec<AlertGroup>> {
        match scope.prefixes() {
            None => self.alert_groups(limit).await,
            Some(prefixes) => {
                Ok(group_bursts(self.store().new_alerts_under(prefixes, limit).await?, burst_window()))
            }
        }
    }

    /// How many alerts await triage in a data scope.
    pub async fn new_alert_count_in_scope(&self, scope: &DataScope) -> Result<i64> {
        Ok(match scope.prefixes() {
            None => self.store().new_alert_count().await?,
            Some(prefixes) => self.store().new_alert_count_under(prefixes).await?,
        })
    }

    /// Alerts by id for a session limited to `scope`: one outside it is `forbidden`; unknown ids are
    /// left out.
    pub async fn alerts_by_ids_in_scope(&self, scope: &DataScope, ids: &[i64]) -> Result<Vec<AlertRow>> {
        let alerts = self.store().alerts_by_ids(ids).await?;
        match alerts.iter().find(|a| !covers_alert_grid(scope, a.grid_code.as_deref())) {
            Some(outside) => Err(ApiError::Forbidden(format!("告警 #{} 不在您的数据范围内", outside.id))),
            None => Ok(alerts),
        }
    }

    /// [`Station::dismiss_alerts`] for a session limited to `scope`.
    pub async fn dismiss_alerts_in_scope(
        &self,
        actor: &Actor,
        scope: &DataScope,
        ids: &[i64],
        reason: &str,
    ) -> Result<()> {
        self.alerts_by_ids_in_scope(scope, ids).await?;
        self.dismiss_alerts(actor, ids, reason).await
    }

    /// [`Station::alerts_to_event`] for a session limited to `scope`: the alerts and the event's grid
    /// must lie in it.
    pub async fn alerts_to_event_in_scope(
        &self,
        actor: &Actor,
        scope: &DataScope,
        ids: &[i64],
        decision: AlertToEvent,
    ) -> Result<i64> {
        self.alerts_by_ids_in_scope(scope, ids).await?;
        if let Some(grid) = decision.grid.as_deref().filter(|g| !scope.covers(g.trim())) {
            return Err(scope::grid_out_of_scope(grid));
        }
        self.alerts_to_event(actor, ids, decision).await
    }

    /// [`Station::attach_alerts`] for a session limited to `scope`: the alerts and the event must lie in it.
    pub async fn attach_alerts_in_scope(
        &self,
        actor: &Actor,
        scope: &DataScope,
        ids: &[i64],
        event_id: i64,
    ) -> Result<()> {
        self.alerts_by_ids_in_scope(scope, ids).await?;
        self.event_in_scope(scope, event_id).await?;
        self.attach_alerts(actor, ids, event_id).await
    }

    fn check_officer(actor: &Actor) -> Result<()> {
        crate::allow(actor.role, StationAct::TriageAlerts)
    }

    /// Dismisses alerts as a false alarm.
    pub async fn dismiss_alerts(&self, actor: &Actor, ids: &[i64], reason: &str) -> Result<()> {
        Self::check_officer(actor)?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        refuse_if_taken(tx.triage_alerts(ids, "dismissed", None, &actor.name, now).await?)?;
        let note = if reason.trim().is_empty() { "误报".to_string() } else { reason.to_string() };
        tx.append_audit(&station_audit(
            actor,
            now,
            "alert_dismiss",
            None,
            format!("告警 {} 作为误报排除：{note}", alert_numbers(ids)),
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Turns alerts (a burst) into one new event reported from the camera alert; returns the event id.
    pub async fn alerts_to_event(&self, actor: &Actor, ids: &[i64], decision: AlertToEvent) -> Result<i64> {
        Self::check_officer(actor)?;
        let alerts = self.store().alerts_by_ids(ids).await?;
        let first = alerts.first().ok_or_else(|| ApiError::Invalid("没有可转为事件的告警".into()))?;
        let grid_text = decision.grid.clone().or_else(|| first.grid_code.clone()).ok_or_else(|| {
            ApiError::Invalid(format!("摄像头“{}”未登记，请指定事件所在网格", first.camera_name))
        })?;
        let grid =
            GridCode::parse(&grid_text, &self.scheme()).map_err(|e| ApiError::Invalid(e.to_string()))?;
        let drill = drill_of_nvr(&first.nvr).map(String::from);
        if alerts.iter().any(|a| drill_of_nvr(&a.nvr).map(String::from) != drill) {
            return Err(ApiError::Invalid("演练告警与实战告警不能合并为一个事件".into()));
        }
        let camera = match &first.camera_id {
            Some(id) => self.store().cameras(&self.scheme()).await?.into_iter().find(|c| &c.id == id),
            None => None,
        };
        let now = self.now();
        let new = NewEvent {
            title: decision.title,
            // People read this: the camera by its registered name (the NVR's own id only when it has none)
            // and what was seen in Chinese.
            description: format!(
                "视频告警 {} 条：{}，{}",
                alerts.len(),
                match first.camera_label.as_deref() {
                    Some(label) => label.to_string(),
                    None => format!("未登记摄像头 {}", first.camera_name),
                },
                match redgrid_bus::payload::label_zh(&first.label) {
                    Some(zh) => format!("识别到{zh}"),
                    // A native alert's label is its class in Chinese already.
                    None if !first.label.is_ascii() => format!("识别到{}", first.label),
                    None => format!("识别目标 {}", first.label),
                }
            ),
            category: decision.category,
            severity: decision.severity,
            source: if drill.is_some() { Source::Drill } else { Source::CameraAlert },
            grid,
            lon: camera.as_ref().map(|c| c.lon),
            lat: camera.as_ref().map(|c| c.lat),
            address: camera.map(|c| c.name).unwrap_or_else(|| first.camera_name.clone()),
            reporter: format!("摄像头 {}", first.camera_label.as_deref().unwrap_or(&first.camera_name)),
            drill: drill.is_some(),
        };
        let mut tx = self.store().begin_write().await?;
        let event_id = self.report_in(&mut tx, actor, new, now).await?;
        if let Some(drill_id) = &drill {
            // The alert's id is `<drill>-<seq>`: the event is the inject's.
            let alert_id = first.alert_key.rsplit(':').next().unwrap_or_default();
            self.tag_drill_event(&mut tx, drill_id, alert_id, event_id).await?;
        }
        refuse_if_taken(tx.triage_alerts(ids, "converted", Some(event_id), &actor.name, now).await?)?;
        tx.commit().await?;
        Ok(event_id)
    }

    /// Attaches alerts to an existing open event.
    pub async fn attach_alerts(&self, actor: &Actor, ids: &[i64], event_id: i64) -> Result<()> {
        Self::check_officer(actor)?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let event = tx.load_event(event_id, &self.scheme()).await?.event;
        if !event.is_open() {
            return Err(ApiError::Invalid(format!("事件 #{event_id} 已不在办理中，不能附加告警")));
        }
        let alerts = self.store().alerts_by_ids(ids).await?;
        if alerts.iter().any(|a| drill_of_nvr(&a.nvr).is_some() != event.drill) {
            return Err(ApiError::Invalid("演练告警只能附加到演练事件，实战告警只能附加到实战事件".into()));
        }
        refuse_if_taken(tx.triage_alerts(ids, "attached", Some(event_id), &actor.name, now).await?)?;
        let mut entry =
            station_audit(actor, now, "alert_attach", None, format!("附加视频告警 {}", alert_numbers(ids)));
        entry.event_id = Some(event_id);
        entry.from_status = Some(event.status.key().into());
        entry.to_status = Some(event.status.key().into());
        tx.append_audit(&entry).await?;
        tx.commit().await?;
        Ok(())
    }
}

fn refuse_if_taken(already: Vec<(i64, String)>) -> Result<()> {
    match already.first() {
        None => Ok(()),
        Some((id, by)) if by.is_empty() => Err(ApiError::Invalid(format!("告警 {id} 不存在"))),
        Some((id, by)) => Err(ApiError::Conflict(format!("告警 {id} 已由 {by} 处理"))),
    }
}

/// Alert numbers as the duty log writes them: 「#25、#26」.
fn alert_numbers(ids: &[i64]) -> String {
    ids.iter().map(|id| format!("#{id}")).collect::<Vec<_>>().join("、")
}

/// The longest a camera may be muted at once: a day. Longer needs fixing the camera, not silence.
pub const MUTE_MINUTES_MAX: i64 = 1440;

impl Station {
    /// Silences a camera for `minutes` (audited): its alerts are still stored, each dismissed as it arrives.
    pub async fn mute_camera(
        &self,
        actor: &Actor,
        camera_id: &str,
        minutes: i64,
        reason: &str,
    ) -> Result<DateTime<Utc>> {
        crate::allow(actor.role, StationAct::MuteCamera)?;
        if !(1..=MUTE_MINUTES_MAX).contains(&minutes) {
            return Err(ApiError::Invalid(format!(
                "静默时长应为 1 至 {MUTE_MINUTES_MAX} 分钟，收到 {minutes}"
            )));
        }
        if reason.trim().is_empty() {
            return Err(ApiError::Invalid("静默摄像头必须填写理由".into()));
        }
        let camera = self
            .store()
            .cameras(&self.scheme())
            .await?
            .into_iter()
            .find(|c| c.id == camera_id)
            .ok_or_else(|| ApiError::Invalid(format!("摄像头 {camera_id} 不存在")))?;
        let now = self.now();
        let until = now + chrono::Duration::minutes(minutes);
        let mut tx = self.store().begin_write().await?;
        tx.mute_camera(camera_id, until, &actor.name, reason.trim(), now).await?;
        let text = format!("静默摄像头 {} {minutes} 分钟：{}", camera.name, reason.trim());
        tx.append_audit(&station_audit(actor, now, "camera_mute", None, text)).await?;
        tx.commit().await?;
        tracing::info!(actor = %actor.id, camera = camera_id, minutes, "camera muted");
        Ok(until)
    }

    /// Ends a camera's silence before its time (audited); `false` when it was not muted.
    pub async fn unmute_camera(&self, actor: &Actor, camera_id: &str) -> Result<bool> {
        crate::allow(actor.role, StationAct::MuteCamera)?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let was = tx.unmute_camera(camera_id, now).await?;
        if was {
            tx.append_audit(&station_audit(
                actor,
                now,
                "camera_unmute",
                None,
                format!("解除静默摄像头 {camera_id}"),
            ))
            .await?;
        }
        tx.commit().await?;
        Ok(was)
    }

    pub async fn muted_cameras(&self) -> Result<Vec<redgrid_store::feeds::CameraMute>> {
        Ok(self.store().muted_cameras(self.now()).await?)
    }

    /// `Ok` when a camera (by id) lies in the scope; an unknown id is left to the act, which says so.
    async fn check_camera_in_scope(&self, scope: &DataScope, camera_id: &str) -> Result<()> {
        if scope.prefixes().is_none() {
            return Ok(());
        }
        let cameras = self.store().cameras(&self.scheme()).await?;
        match cameras.into_iter().find(|c| c.id == camera_id) {
            Some(camera) if !scope.covers(camera.grid.as_str()) => {
                Err(ApiError::Forbidden(format!("摄像头 {camera_id} 不在您的数据范围内")))
            }
            _ => Ok(()),
        }
    }

    /// [`Station::mute_camera`] for a session limited to `scope`: only a camera inside it.
    pub async fn mute_camera_in_scope(
        &self,
        actor: &Actor,
        scope: &DataScope,
        camera_id: &str,
        minutes: i64,
        reason: &str,
    ) -> Result<DateTime<Utc>> {
        self.check_camera_in_scope(scope, camera_id).await?;
        self.mute_camera(actor, camera_id, minutes, reason).await
    }

    /// [`Station::unmute_camera`] for a session limited to `scope`: only a camera inside it.
    pub async fn unmute_camera_in_scope(
        &self,
        actor: &Actor,
        scope: &DataScope,
        camera_id: &str,
    ) -> Result<bool> {
        self.check_camera_in_scope(scope, camera_id).await?;
        self.unmute_camera(actor, camera_id).await
    }

    /// [`Station::muted_cameras`] limited to a data scope: the muted cameras on its grids.
    pub async fn muted_cameras_in_scope(
        &self,
        scope: &DataScope,
    ) -> Result<Vec<redgrid_store::feeds::CameraMute>> {
        let mut muted = self.muted_cameras().await?;
        if scope.prefixes().is_some() {
            let inside: std::collections::HashSet<String> = self
                .store()
                .cameras(&self.scheme())
                .await?
                .into_iter()
                .filter(|c| scope.covers(c.grid.as_str()))
                .map(|c| c.id)
                .collect();
            muted.retain(|m| inside.contains(&m.camera_id));
        }
        Ok(muted)
    }
}
